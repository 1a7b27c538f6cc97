import { expect } from 'chai';
import { ConfigError } from '../../src/config/errors.ts';
import { parseConfig } from '../../src/config/load.ts';
import { hostTransition, IllegalHostTransition } from '../../src/domain/host-workflow.ts';
import { transition } from '../../src/domain/incident.ts';
import type { ComputeService } from '../../src/openstack/nova-types.ts';
import { evaluateGuard, INITIAL_GUARD, type GuardCounts, type GuardSettings, type GuardState } from '../../src/policy/guard.ts';
import { judgeHost, type HostFailureSettings } from '../../src/policy/host-failure.ts';
import { applySwitch, maintenanceFor, NO_MAINTENANCE } from '../../src/policy/maintenance.ts';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const G: GuardSettings = { enabled: true, tripPct: 50, resumePct: 30, minHosts: 2, minInstances: 3 };

const counts = (o: Partial<{ hosts: number; failing: number; failingRecent: number; inst: number; alarming: number; alarmingRecent: number }>): GuardCounts => {
  const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `compute-${i + 1}`);
  return {
    hostsTotal: o.hosts ?? 10,
    hostsFailingNow: names(o.failing ?? 0),
    hostsFailingRecent: names(o.failingRecent ?? o.failing ?? 0),
    instancesTotal: o.inst ?? 100,
    instancesAlarmingNow: o.alarming ?? 0,
    instancesAlarmingRecent: o.alarmingRecent ?? o.alarming ?? 0,
  };
};
const TRIPPED: GuardState = { tripped: true, since: NOW - 1000, reason: 'mass failure', override: null };

describe('policy/guard: the mass-failure guard', () => {
  const table: [string, GuardState, GuardCounts, GuardSettings, { tripped: boolean; change: string | null }][] = [
    ['normal: nothing fails', INITIAL_GUARD, counts({}), G, { tripped: false, change: null }],
    ['60 % of hosts fail: trips', INITIAL_GUARD, counts({ hosts: 5, failing: 3 }), G, { tripped: true, change: 'tripped' }],
    ['exactly 50 % trips (HaStack: 50 % down stops)', INITIAL_GUARD, counts({ hosts: 4, failing: 2 }), G, { tripped: true, change: 'tripped' }],
    ['40 % of hosts: no trip', INITIAL_GUARD, counts({ hosts: 5, failing: 2 }), G, { tripped: false, change: null }],
    ['1 of 1 host: below min_hosts, no trip', INITIAL_GUARD, counts({ hosts: 1, failing: 1 }), G, { tripped: false, change: null }],
    ['old host failures (outside the window) do not trip', INITIAL_GUARD, counts({ hosts: 5, failing: 3, failingRecent: 1 }), G, { tripped: false, change: null }],
    ['60 % of HA instances alarm (storage): trips', INITIAL_GUARD, counts({ inst: 10, alarming: 6 }), G, { tripped: true, change: 'tripped' }],
    ['2 of 2 instances: below min_instances, no trip', INITIAL_GUARD, counts({ inst: 2, alarming: 2 }), G, { tripped: false, change: null }],
    ['tripped, still 40 %: stays tripped', TRIPPED, counts({ hosts: 5, failing: 2 }), G, { tripped: true, change: null }],
    ['tripped, exactly 30 %: stays (must fall below)', TRIPPED, counts({ hosts: 10, failing: 3 }), G, { tripped: true, change: null }],
    ['tripped, 20 % hosts and 20 % instances: released', TRIPPED, counts({ hosts: 5, failing: 1, inst: 10, alarming: 2 }), G, { tripped: false, change: 'released' }],
    ['tripped, hosts fine but 40 % instances still alarm: stays', TRIPPED, counts({ hosts: 5, failing: 0, inst: 10, alarming: 4 }), G, { tripped: true, change: null }],
    ['tripped, shares measured over all current failures, not only recent', TRIPPED, counts({ hosts: 5, failing: 3, failingRecent: 0 }), G, { tripped: true, change: null }],
    ['disabled: never trips', INITIAL_GUARD, counts({ hosts: 5, failing: 5 }), { ...G, enabled: false }, { tripped: false, change: null }],
    ['disabled while tripped: released', TRIPPED, counts({ hosts: 5, failing: 5 }), { ...G, enabled: false }, { tripped: false, change: 'released' }],
    [
      'operator override: no re-trip while still high',
      { tripped: false, since: null, reason: null, override: { by: 'alice', at: NOW } },
      counts({ hosts: 5, failing: 3 }),
      G,
      { tripped: false, change: null },
    ],
    [
      'operator override clears once below the resume threshold',
      { tripped: false, since: null, reason: null, override: { by: 'alice', at: NOW } },
      counts({ hosts: 5, failing: 1 }),
      G,
      { tripped: false, change: 'override-cleared' },
    ],
  ];
  for (const [name, prev, c, s, want] of table) {
    it(name, () => {
      const ev = evaluateGuard(prev, c, s, NOW);
      expect(ev.state.tripped, ev.reason).to.equal(want.tripped);
      expect(ev.change).to.equal(want.change);
      expect(ev.reason).to.be.a('string').and.not.equal('');
    });
  }
  it('the trip reason names the shares and the failing hosts', () => {
    const ev = evaluateGuard(INITIAL_GUARD, counts({ hosts: 5, failing: 3, inst: 10, alarming: 6 }), G, NOW);
    expect(ev.reason).to.equal(
      'mass failure: 3 of 5 hosts failing (60 %), 6 of 10 HA instances alarming (60 %); at least 50 % trips the guard (failing hosts: compute-1, compute-2, compute-3)',
    );
    expect(ev.state.since).to.equal(NOW);
  });
});

describe('policy/host-failure: when is a host failed', () => {
  const S: HostFailureSettings = { minInstances: 3, minSharePct: 50, minInstancesForShare: 2, windowMs: 120_000 };
  const up: ComputeService = { id: 'u', binary: 'nova-compute', host: 'c1', zone: 'nova', status: 'enabled', state: 'up', disabledReason: null, forcedDown: false, updatedAt: null };
  const table: [string, Parameters<typeof judgeHost>[0], string | null][] = [
    ['one sick instance is never a host failure', { host: 'c1', service: up, haInstances: 1, alarmingRecent: 1 }, null],
    ['K=3 alarming', { host: 'c1', service: up, haInstances: 20, alarmingRecent: 3 }, 'instances-alarming'],
    ['2 of 20: neither K nor X %', { host: 'c1', service: up, haInstances: 20, alarmingRecent: 2 }, null],
    ['2 of 4 (50 %) with at least 2 alarming', { host: 'c1', service: up, haInstances: 4, alarmingRecent: 2 }, 'instances-alarming'],
    ['compute service down', { host: 'c1', service: { ...up, state: 'down' }, haInstances: 3, alarmingRecent: 0 }, 'service-down'],
    ['compute service forced down', { host: 'c1', service: { ...up, forcedDown: true }, haInstances: 3, alarmingRecent: 0 }, 'service-down'],
    ['a workflow in charge', { host: 'c1', service: up, haInstances: 3, alarmingRecent: 0, workflowId: 'w1' }, 'workflow-active'],
  ];
  for (const [name, facts, kind] of table) {
    it(name, () => {
      const f = judgeHost(facts, S);
      expect(f?.kind ?? null).to.equal(kind);
      if (f) expect(f.detail).to.include('c1');
    });
  }
});

describe('policy/maintenance: four levels, each exactly its scope', () => {
  const meta = { by: 'alice', at: NOW, reason: 'firmware' };
  const on = (level: 'global' | 'az' | 'host' | 'instance', target: string | null) => applySwitch(NO_MAINTENANCE, level, target, true, meta).switches;
  const inst = { instanceId: 'vm-1', host: 'compute-1', az: 'az-a' };
  const table: [string, ReturnType<typeof on>, typeof inst, string | null][] = [
    ['nothing on', NO_MAINTENANCE, inst, null],
    ['global covers everything', on('global', null), inst, 'global'],
    ['its zone', on('az', 'az-a'), inst, 'az'],
    ['another zone', on('az', 'az-b'), inst, null],
    ['its host', on('host', 'compute-1'), inst, 'host'],
    ['another host', on('host', 'compute-2'), inst, null],
    ['the instance', on('instance', 'vm-1'), inst, 'instance'],
    ['another instance', on('instance', 'vm-2'), inst, null],
  ];
  for (const [name, sw, target, level] of table) {
    it(name, () => expect(maintenanceFor(sw, target)?.level ?? null).to.equal(level));
  }
  it('turning on twice is no change; off removes only that switch', () => {
    const a = applySwitch(NO_MAINTENANCE, 'host', 'compute-1', true, meta);
    expect(a.changed).to.equal(true);
    expect(applySwitch(a.switches, 'host', 'compute-1', true, meta).changed).to.equal(false);
    const b = applySwitch(a.switches, 'instance', 'vm-1', true, meta).switches;
    const c = applySwitch(b, 'host', 'compute-1', false, meta);
    expect(c.changed).to.equal(true);
    expect(c.switches.hosts).to.deep.equal({});
    expect(Object.keys(c.switches.instances)).to.deep.equal(['vm-1']);
  });
});

describe('domain: new states are reached only through transition()', () => {
  it('an incident may be suppressed or dry-run only before acting', () => {
    expect(transition('open', 'suppressed')).to.equal('suppressed');
    expect(transition('waiting', 'dry_run')).to.equal('dry_run');
    expect(() => transition('acting', 'suppressed')).to.throw(/illegal incident transition acting -> suppressed/);
    expect(() => transition('suppressed', 'acting')).to.throw(/illegal/);
  });
  it('a host workflow cannot skip the fence', () => {
    expect(hostTransition('fencing', 'forcing_down')).to.equal('forcing_down');
    expect(() => hostTransition('disabling', 'forcing_down')).to.throw(IllegalHostTransition);
    expect(() => hostTransition('disabling', 'evacuating')).to.throw(IllegalHostTransition);
    expect(() => hostTransition('detected', 'evacuating')).to.throw(IllegalHostTransition);
    expect(() => hostTransition('released', 'detected')).to.throw(IllegalHostTransition);
  });
});

describe('config: the safety section', () => {
  const base = 'webhook:\n  public_url: http://127.0.0.1:8780\n  secret: very-secret-webhook-key\n';
  it('defaults: host workflow off, guard 50/30 %, 3 actions an hour with a 300 s cooldown, no dry run', () => {
    const s = parseConfig(base, 'vmha.yaml').safety;
    expect(s.dry_run).to.equal(false);
    expect(s.instance).to.deep.equal({ cooldown_s: 300, max_actions: 3, window_s: 3600 });
    expect(s.host_failure).to.include({ enabled: false, min_instances: 3, min_share_pct: 50, window_s: 120 });
    expect(s.guard).to.include({ enabled: true, trip_pct: 50, resume_pct: 30 });
  });
  const bad: [string, string, RegExp][] = [
    ['the host workflow without a fence', 'safety:\n  host_failure: {enabled: true}\n', /safety\.host_failure\.fence: host_failure\.enabled needs host_failure\.fence\.command/],
    ['resume at or above trip', 'safety:\n  guard: {trip_pct: 40, resume_pct: 40}\n', /safety\.guard\.resume_pct: resume_pct must be lower than trip_pct/],
    ['a misspelt key', 'safety:\n  gaurd: {}\n', /safety\.gaurd: unknown setting/],
    ['a fence command as one shell string', 'safety:\n  host_failure: {enabled: true, fence: {command: "ipmitool power off"}}\n', /safety\.host_failure\.fence\.command/],
    ['a bad expect_stdout', 'safety:\n  host_failure: {enabled: true, fence: {command: [x], expect_stdout: "("}}\n', /not a valid regular expression/],
  ];
  for (const [name, text, re] of bad) it(`rejects ${name}`, () => expect(() => parseConfig(base + text, 'vmha.yaml')).to.throw(ConfigError, re));
});
