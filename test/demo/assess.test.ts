// The scenario verdict as a pure function of observations: each check passes only on
// the expected record, and waiting ends only when the target has settled.
import { expect } from 'chai';
import { assessTarget, targetSettled, type Expectation, type TargetObservation } from '../../src/demo/assess.ts';
import { resultsTable } from '../../src/demo/report.ts';
import type { ScenarioResult } from '../../src/demo/run.ts';
import { scenarioNamed } from '../../src/demo/scenarios.ts';

/** What the demo expects of its network-loss scenario: a live-migration, healthy again. */
const EXPECT: Expectation = scenarioNamed('network-loss')!.expect;

function observation(o: { state?: 'succeeded' | 'failed' | 'verifying'; action?: string; host?: string; ok?: boolean } = {}): TargetObservation {
  const fired = 'Transition to alarm due to 3 samples outside threshold, most recent: 999.0';
  return {
    name: 'web-1',
    serverId: 's1',
    hostBefore: 'compute-1',
    alarms: [
      {
        alarmId: 'a1',
        name: 'vmha:ping-delay:s1',
        template: 'ping-delay',
        transitions: [
          { at: 3000, state: 'alarm', reason: fired },
          ...(o.ok === false ? [] : [{ at: 7000, state: 'ok', reason: 'Transition to ok due to 3 samples inside threshold, most recent: 0.4' }]),
        ],
      },
    ],
    incidents: [
      {
        id: 'i1',
        state: o.state ?? 'succeeded',
        openedAt: 3000,
        events: [
          { at: 3000, type: 'incident.opened', data: { alarm_id: 'a1', alarm_name: 'vmha:ping-delay:s1' } },
          { at: 3010, type: 'decision.act', data: { action: o.action ?? 'live-migrate', rule: 'metric-instance.ping.delay', reason: 'r' } },
          { at: 4500, type: 'verify.succeeded', data: {} },
        ],
      },
    ],
    novaActions: [{ action: o.action === 'reboot-hard' ? 'reboot' : 'os-migrateLive', body: o.action === 'reboot-hard' ? { reboot: { type: 'HARD' } } : {}, at: 3050, requestId: 'req-1' }],
    server: { host: o.host ?? 'compute-2', status: 'ACTIVE', taskState: null },
  };
}

describe('demo/assess', () => {
  it('passes every check on the expected record, with the timings', () => {
    const out = assessTarget(EXPECT, observation());
    expect(out.checks.filter((c) => !c.ok)).to.deep.equal([]);
    expect(out.checks.map((c) => c.what)).to.deep.equal([
      'ping-delay alarm of web-1 fired',
      'vmha opened an incident from it',
      'vmha decided to live-migrate',
      'incident ended succeeded',
      'Nova received os-migrateLive',
      'web-1 moved off compute-1',
      'web-1 is ACTIVE',
      'ping-delay alarm back to ok',
    ]);
    expect(out).to.include({ detectedAt: 3000, recoveredAt: 4500, healthyAt: 7000 });
    expect(out.actions).to.deep.equal(['os-migrateLive req-1']);
  });

  it('fails the checks that the record contradicts', () => {
    const wrong = assessTarget(EXPECT, observation({ action: 'reboot-hard', host: 'compute-1', ok: false }));
    expect(wrong.checks.filter((c) => !c.ok).map((c) => c.what)).to.deep.equal([
      'vmha decided to live-migrate',
      'Nova received os-migrateLive',
      'web-1 moved off compute-1',
      'ping-delay alarm back to ok',
    ]);
    expect(wrong.checks.find((c) => c.what === 'Nova received os-migrateLive')!.detail).to.equal('reboot HARD (req-1)');
  });

  it('waits for a terminal incident and, when expected, the alarm back to ok', () => {
    expect(targetSettled(EXPECT, observation({ state: 'verifying' }))).to.equal(false);
    expect(targetSettled(EXPECT, observation({ ok: false }))).to.equal(false);
    expect(targetSettled(EXPECT, observation())).to.equal(true);
    // An unexpected end settles at once: the ok would never come.
    expect(targetSettled(EXPECT, observation({ state: 'failed', ok: false }))).to.equal(true);
    expect(targetSettled(EXPECT, { ...observation(), incidents: [] })).to.equal(false);
  });

  it('renders the final table with times from the fault', () => {
    const r = { name: 'network-loss', expected: 'live-migrate', ok: true, timedOut: false, detectedAfterMs: 2700, recoveredAfterMs: 4500, actions: ['os-migrateLive req-1'] } as ScenarioResult;
    const failed = { name: 'not-ha', expected: 'ignored', ok: false, timedOut: true, actions: [] as string[] } as ScenarioResult;
    expect(resultsTable([r, failed])).to.equal(
      [
        'SCENARIO      EXPECTED      RESULT              DETECTED AFTER  RECOVERED AFTER  HEALTHY AFTER  NOVA ACTIONS',
        'network-loss  live-migrate  as expected         2.7 s           4.5 s            -              os-migrateLive req-1',
        'not-ha        ignored       FAILED (timed out)  -               -                -              none',
        '',
      ].join('\n'),
    );
  });
});
