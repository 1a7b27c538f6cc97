import path from 'node:path';
import { expect } from 'chai';
import { isTerminal } from '../../src/domain/incident.ts';
import { aodhBody, postLikeAodh, thresholdTransition } from '../helpers/aodh-notifier.ts';
import { tearRow } from '../helpers/journal-fault.ts';
import { withService, type ServiceFixture } from '../helpers/service.ts';
import { until } from '../helpers/wait.ts';

type Seeded = Awaited<ReturnType<ServiceFixture['seedServer']>>;

const fire = (s: Seeded, current: 'alarm' | 'ok' = 'alarm') => postLikeAodh(s.url, aodhBody(thresholdTransition(s.alarmName, s.alarmId, current, current === 'alarm' ? 999 : 3)));

describe('vmha serve: the engine under faults of its own state', function () {
  this.timeout(30_000);
  let f: ServiceFixture;
  beforeEach(async () => void (f = await withService()));
  afterEach(() => f.stop());

  it('an incident row the journal cannot read: logged with the incident id, looked at again, never an unhandled rejection', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown): void => void rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const s = await f.seedServer({ name: 'pet', host: 'compute-1', ha: true });
      f.cloud.nova.model.addHost('compute-2');
      f.cloud.nova.model.setHostAlive('compute-1', false); // the incident waits, looked at every 50 ms
      const id = (await fire(s)).body.incident_id as string;
      await until('waiting', () => f.service.journal.get(id)?.state === 'waiting');

      const restore = tearRow(path.join(f.stateDir, 'journal.sqlite'), 'incidents', id);
      const logged = (): boolean =>
        f.memory.entries.some((e) => e.message === 'incident processing failed; will retry' && e.incident_id === id && /JSON/.test(String(e.error)));
      await until('the failure handled, one way or the other', () => rejections.length > 0 || logged());
      expect(rejections).to.deep.equal([]);
      restore();
      f.cloud.nova.model.setHostAlive('compute-1', true);
      await until('terminal', () => isTerminal(f.service.journal.get(id)!.state), 15_000);
      expect(f.service.journal.get(id)!.state).to.equal('succeeded');
      expect(rejections).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('incidents that never act (ignored, closed by their ok) leave nothing behind for the alarm-to-action latency', async () => {
    const cattle: Seeded[] = [];
    for (let i = 0; i < 5; i++) cattle.push(await f.seedServer({ name: `cattle-${i}`, host: 'compute-1', ha: false }));
    const ignored = await Promise.all(cattle.map((s) => fire(s)));
    const pet = await f.seedServer({ name: 'pet', host: 'compute-2', ha: true });
    f.cloud.nova.model.setHostAlive('compute-2', false);
    const waiting = (await fire(pet)).body.incident_id as string;
    await until('waiting', () => f.service.journal.get(waiting)?.state === 'waiting');
    expect((await fire(pet, 'ok')).body.state).to.equal('closed');
    await f.service.engine.idle();
    expect(ignored.map((a) => f.service.journal.get(a.body.incident_id as string)!.state)).to.deep.equal(Array(5).fill('ignored'));
    expect(f.service.engine.awaitingFirstAction).to.equal(0);
  });
});
