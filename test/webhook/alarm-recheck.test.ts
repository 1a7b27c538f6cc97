// clearedInAodh against a real journal: which alarms it asks about, and that only a
// complete `ok` closes, while an Aodh that cannot be asked never holds an action back.
import { expect } from 'chai';
import path from 'node:path';
import { clearedInAodh, firingAlarms } from '../../src/engine/alarm-recheck.ts';
import { ManualClock } from '../../src/domain/clock.ts';
import { Journal } from '../../src/journal/journal.ts';
import { memoryLogger } from '../../src/log.ts';
import type { AlarmState } from '../../src/openstack/aodh.ts';
import { Transient } from '../../src/openstack/errors.ts';
import { tmpDir } from '../helpers/tmp.ts';

describe('the alarm re-check before acting (clearedInAodh)', () => {
  const t = tmpDir('vmha-recheck-');
  const clock = new ManualClock();
  const journal = new Journal(path.join(t.dir, 'journal.sqlite'), clock);
  const log = memoryLogger();
  after(() => {
    journal.close();
    t.cleanup();
  });

  /** An incident opened by a-ping, joined by a-disk, then a-disk back to ok. */
  function incident(): { id: string; openedAt: number; actions: never[] } {
    const base = { instanceId: 'i-1', projectId: 'p', current: 'alarm', previous: 'ok', reason: 'r', via: 'webhook' as const };
    const opened = journal.admit({ ...base, key: `k1-${clock.now()}`, alarmId: 'a-ping', alarmName: 'vmha:ping-delay:i-1', metric: 'instance.ping.delay' }).incident!;
    journal.admit({ ...base, key: `k2-${clock.now()}`, alarmId: 'a-disk', alarmName: 'vmha:disk-health:i-1', metric: 'instance.disk.health' });
    journal.admit({ ...base, key: `k3-${clock.now()}`, alarmId: 'a-disk', alarmName: 'vmha:disk-health:i-1', metric: 'instance.disk.health', current: 'ok', previous: 'alarm' });
    return { id: opened.id, openedAt: opened.openedAt, actions: [] };
  }

  const aodh = (states: Record<string, AlarmState | Error>): { asked: string[]; getState(id: string): Promise<AlarmState> } => ({
    asked: [],
    async getState(id: string) {
      this.asked.push(id);
      const s = states[id];
      if (s instanceof Error) throw s;
      return s ?? 'insufficient data';
    },
  });

  it('asks only about the alarms still firing in the journal, and only after the incident waited', async () => {
    const i = incident();
    expect(firingAlarms(journal, i.id)).to.deep.equal(['a-ping']);
    const a = aodh({ 'a-ping': 'ok' });
    expect(await clearedInAodh({ aodh: a, afterMs: 30_000 }, journal, log.logger, i, i.openedAt + 29_000)).to.equal(null);
    expect(a.asked).to.deep.equal([]);
    expect(await clearedInAodh({ aodh: a, afterMs: 30_000 }, journal, log.logger, i, i.openedAt + 30_000)).to.deep.equal({ 'a-ping': 'ok' });
    expect(a.asked).to.deep.equal(['a-ping']);
    // An incident that already acted is left to verification and the ladder.
    expect(await clearedInAodh({ aodh: a, afterMs: 0 }, journal, log.logger, { ...i, actions: [{}] as never[] }, i.openedAt)).to.equal(null);
  });

  it('Aodh unreachable: logged with the request id, the action goes ahead', async () => {
    clock.advance(1000);
    const i = incident();
    const down = new Transient({ service: 'aodh', method: 'GET', url: '/v2/alarms/a-ping/state', status: 503, requestId: 'req-9', detail: 'Service Unavailable' });
    expect(await clearedInAodh({ aodh: aodh({ 'a-ping': down }), afterMs: 0 }, journal, log.logger, i, i.openedAt)).to.equal(null);
    const warned = log.memory.entries.find((e) => e.message === 'alarm re-check before acting failed; acting on the notification');
    expect(warned).to.deep.include({ incident_id: i.id, alarm_id: 'a-ping', request_id: 'req-9' });
  });
});
