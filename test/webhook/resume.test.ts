import path from 'node:path';
import { expect } from 'chai';
import { systemClock, type Clock } from '../../src/domain/clock.ts';
import { isTerminal } from '../../src/domain/incident.ts';
import { Journal } from '../../src/journal/journal.ts';
import { withService, type ServiceFixture } from '../helpers/service.ts';
import { until } from '../helpers/wait.ts';

/** A clock `ms` behind vmha's. */
const behind = (ms: number): Clock => ({ now: () => Date.now() - ms, sleep: systemClock.sleep });

type Seeded = Awaited<ReturnType<ServiceFixture['seedServer']>>;

const delivery = (s: Seeded, key: string) =>
  ({ key, alarmId: s.alarmId, alarmName: s.alarmName, instanceId: s.serverId, metric: 'instance.ping.delay', previous: 'ok', current: 'alarm', reason: 'ping lost', via: 'webhook' }) as const;

/** As a crash leaves it: a live-migration journaled as being issued, its answer (if any) lost; returns the incident. */
function crashedIssuing(f: ServiceFixture, s: Seeded, key: string): string {
  const journal = new Journal(path.join(f.stateDir, 'journal.sqlite'), systemClock);
  const id = journal.admit(delivery(s, key)).incident!.id;
  journal.update(id, {
    state: 'acting',
    event: 'action.issuing',
    data: { action: 'live-migrate', source_host: f.cloud.nova.model.getServer(s.serverId)!.host },
    patch: { actions: [{ action: 'live-migrate', at: Date.now() }] },
  });
  journal.close();
  return id;
}

describe('vmha serve: resuming an action that was being issued when vmha died', function () {
  this.timeout(30_000);
  let f: ServiceFixture;
  afterEach(() => f.stop());

  it("Nova's clock 30 s behind vmha's: the live-migration that did reach Nova is found and verified, never issued again", async () => {
    f = await withService({ cloudClock: behind(30_000) });
    const s = await f.seedServer({ name: 'pet', host: 'compute-1', ha: true });
    f.cloud.nova.model.addHost('compute-2');
    let id = '';
    await f.restart(async () => {
      id = crashedIssuing(f, s, 'crash-resume');
      await f.clients.nova.liveMigrate(s.serverId);
    });
    await until('terminal', () => isTerminal(f.service.journal.get(id)!.state), 15_000);
    expect(f.service.journal.get(id)!.state).to.equal('succeeded');
    expect(f.service.journal.timeline(id).map((e) => e.type)).to.include('resume.action_found');
    expect(f.cloud.nova.model.actions.filter((a) => a.serverId === s.serverId).map((a) => a.action)).to.deep.equal(['os-migrateLive']);
  });

  it('an earlier live-migration vmha knows by its request id is not taken for the one that never reached Nova', async () => {
    f = await withService();
    const s = await f.seedServer({ name: 'pet', host: 'compute-1', ha: true });
    f.cloud.nova.model.addHost('compute-2');
    const earlier = await f.clients.nova.liveMigrate(s.serverId);
    await until('migrated', () => f.cloud.nova.model.getServer(s.serverId)!.host === 'compute-2' && !f.cloud.nova.model.getServer(s.serverId)!.taskState);
    let id = '';
    await f.restart(() => {
      const journal = new Journal(path.join(f.stateDir, 'journal.sqlite'), systemClock);
      const { incident } = journal.admit(delivery(s, 'earlier'));
      journal.update(incident!.id, { state: 'acting', event: 'action.issuing', patch: { actions: [{ action: 'live-migrate', at: Date.now() - 5000, requestId: earlier.requestId }] } });
      journal.update(incident!.id, { state: 'succeeded', event: 'verify.succeeded' });
      journal.close();
      id = crashedIssuing(f, s, 'crash-resume');
    });
    await until('looked up', () => f.service.journal.timeline(id).some((e) => e.type.startsWith('resume.action')));
    expect(f.service.journal.timeline(id).map((e) => e.type)).to.include('resume.action_not_found');
  });
});
