import { expect } from 'chai';
import { ConfigError } from '../../src/config/errors.ts';
import { parseConfig } from '../../src/config/load.ts';
import { parseMatrix } from '../../src/config/matrix-file.ts';
import { decide, DEFAULT_POLICY, type Decision, type DecisionInput, type PolicyConfig } from '../../src/policy/decide.ts';
import { defaultMatrix, hostServiceFlags, type HostFailure } from '../../src/policy/matrix.ts';
import { DISK, incident, input, NOW, past, PING, server, svc } from '../helpers/policy.ts';
import { tmpDir } from '../helpers/tmp.ts';

const FAILED: HostFailure = { kind: 'instances-alarming', detail: '3 HA instances on compute-1 alarming within 120 s (threshold 3)' };

interface Want {
  kind: Decision['kind'];
  matched?: string;
  rule?: string;
  action?: string;
  reason?: RegExp;
}

function check(d: Decision, want: Want): void {
  expect(d.kind, d.reason).to.equal(want.kind);
  if (want.matched) expect(d.matched, d.reason).to.equal(want.matched);
  if (want.rule) expect(d.rule, d.reason).to.equal(want.rule);
  if (want.action) expect(d.kind === 'act' && d.action).to.equal(want.action);
  if (want.reason) expect(d.reason).to.match(want.reason);
  expect(d.reason).to.be.a('string').and.not.equal('');
}

describe('policy/matrix: every rule of the default matrix', () => {
  it('is built from recovery.actions and the ladder, strongest metric first', () => {
    expect(defaultMatrix(DEFAULT_POLICY.actions, DEFAULT_POLICY.ladder).rules.map((r) => [r.name, r.then])).to.deep.equal([
      ['server-gone', 'ignore'],
      ['not-ha-enabled', 'ignore'],
      ['no-action-for-metric', 'ignore'],
      ['host-failure', 'host-failure'],
      ['nova-task-running', 'wait'],
      ['host-down', 'wait'],
      ['server-stopped', 'ignore'],
      ['metric-instance.disk.health', ['reboot-hard', 'rebuild']],
      ['metric-instance.ping.delay', ['live-migrate', 'reboot-hard', 'rebuild']],
    ]);
  });

  const table: [string, DecisionInput, Want][] = [
    ['server-gone', input([PING], { server: null }), { kind: 'ignore', matched: 'server-gone', reason: /no longer exists/ }],
    ['not-ha-enabled', input([PING], { server: server({ metadata: {} }) }), { kind: 'ignore', matched: 'not-ha-enabled', reason: /not HA-enabled \(metadata HA_Enabled=True not set\)/ }],
    ['no-action-for-metric', input(['instance.agent.up']), { kind: 'ignore', matched: 'no-action-for-metric', reason: /alarming: instance\.agent\.up/ }],
    [
      'host-failure (before a running task: the host is what failed)',
      input([PING], { hostFailure: FAILED, server: server({ taskState: 'migrating' }) }),
      { kind: 'host_failure', matched: 'host-failure', reason: /host compute-1 failed: 3 HA instances/ },
    ],
    ['nova-task-running', input([PING], { server: server({ taskState: 'rebooting' }) }), { kind: 'wait', matched: 'nova-task-running', reason: /Nova task rebooting/ }],
    ['host-down', input([PING], { hostService: svc({ state: 'down' }) }), { kind: 'wait', matched: 'host-down', reason: /compute service on compute-1 is down; a per-instance action cannot help/ }],
    ['host-down (forced down)', input([PING], { hostService: svc({ forcedDown: true }) }), { kind: 'wait', matched: 'host-down', reason: /is forced_down/ }],
    ['server-stopped', input([PING], { server: server({ status: 'SHUTOFF', vmState: undefined }) }), { kind: 'ignore', matched: 'server-stopped', reason: /vm_state is stopped \(SHUTOFF\)/ }],
    ['metric-instance.disk.health', input([DISK]), { kind: 'act', matched: 'metric-instance.disk.health', rule: 'metric-instance.disk.health', action: 'reboot-hard' }],
    ['metric-instance.ping.delay', input([PING]), { kind: 'act', matched: 'metric-instance.ping.delay', action: 'live-migrate', reason: /instance\.ping\.delay alarming: live-migrate/ }],
    ['ping and disk: the disk rule comes first', input([PING, DISK]), { kind: 'act', matched: 'metric-instance.disk.health', action: 'reboot-hard' }],
    ['escalation names the matched rule and the step', input([PING], { history: [past('live-migrate')] }), { kind: 'act', matched: 'metric-instance.ping.delay', rule: 'escalate', action: 'reboot-hard' }],
  ];
  for (const [name, inp, want] of table) it(name, () => check(decide(inp), want));
});

describe('policy/matrix: conditions of a custom matrix', () => {
  const policy = (yaml: string): PolicyConfig => ({ ...DEFAULT_POLICY, matrix: parseMatrix(yaml, 'custom.yaml') });
  const custom = policy(`
rules:
  - name: gone
    when: {server: gone}
    then: ignore
  - name: opted-out
    when: {metadata: {HA_Policy: manual}}
    then: give-up
    reason: the owner handles this instance by hand
  - name: neighbours-alarming
    when: {host_alarming: {min: 2}}
    then: host-failure
  - name: disabled-host
    when: {host_service: [disabled], alarms: {any: [instance.ping.delay]}}
    then: wait
    retry_s: 30
  - name: flapping
    when: {recent_actions: {window_s: 3600, min: 2, outcome: succeeded}}
    then: give-up
  - name: disk-reset
    when: {alarms: {all: [instance.disk.health]}, vm_state: [active, error]}
    then: [reboot-hard]
    escalate: false
  - name: ping
    when: {alarms: {any: [instance.ping.delay]}, task_running: false}
    then: live-migrate
`);
  const table: [string, DecisionInput, Want][] = [
    ['server: gone', input([PING], { server: null }), { kind: 'ignore', matched: 'gone' }],
    ['metadata match (case-insensitive value)', input([PING], { server: server({ metadata: { HA_Enabled: 'True', HA_Policy: 'MANUAL' } }) }), { kind: 'give_up', matched: 'opted-out', reason: /metadata HA_Policy=manual; the owner handles/ }],
    ['host_alarming min 2', input([PING], { hostAlarming: 2 }), { kind: 'host_failure', matched: 'neighbours-alarming', reason: /2 HA instance\(s\) alarming on host compute-1 \(>= 2\)/ }],
    ['host_alarming below min falls through', input([PING], { hostAlarming: 1 }), { kind: 'act', matched: 'ping', action: 'live-migrate' }],
    ['host_service disabled + ping', input([PING], { hostService: svc({ status: 'disabled' }) }), { kind: 'wait', matched: 'disabled-host' }],
    ['recent_actions: 2 successes within the hour', input([DISK], { history: [past('reboot-hard'), past('reboot-hard', { at: NOW - 20 * 60_000 })] }), { kind: 'give_up', matched: 'flapping' }],
    ['recent_actions outside the window do not count', input([DISK], { history: [past('reboot-hard', { at: NOW - 2 * 3600_000 }), past('reboot-hard', { at: NOW - 3 * 3600_000 })] }), { kind: 'act', matched: 'disk-reset', action: 'reboot-hard' }],
    ['escalate: false repeats the first rung after a recent success', input([DISK], { history: [past('reboot-hard')] }), { kind: 'act', matched: 'disk-reset', rule: 'disk-reset', action: 'reboot-hard' }],
    ['escalate: false still does not repeat within the same incident', input([DISK], { history: [past('reboot-hard', { incidentId: 'i1', outcome: 'failed' })] }), { kind: 'give_up', rule: 'ladder-exhausted' }],
    ['vm_state not listed falls through', input([DISK], { server: server({ vmState: 'paused', status: 'PAUSED' }) }), { kind: 'ignore', rule: 'no-rule-matched' }],
    ['task_running: false excludes a busy server', input([PING], { server: server({ taskState: 'migrating' }) }), { kind: 'ignore', rule: 'no-rule-matched' }],
    ['then: a single action is a one-rung ladder', input([PING]), { kind: 'act', matched: 'ping', action: 'live-migrate' }],
  ];
  for (const [name, inp, want] of table) it(name, () => check(decide(inp, custom), want));

  it('retry_s sets the wait', () => {
    const d = decide(input([PING], { hostService: svc({ status: 'disabled' }) }), custom);
    expect(d.kind === 'wait' && d.retryInMs).to.equal(30_000);
  });

  it('a gone server is never acted on, even by a matrix without a server-gone rule', () => {
    const bare = policy('rules: [{name: all, when: {}, then: [reboot-hard]}]');
    check(decide(input([PING], { server: null }), bare), { kind: 'ignore', rule: 'server-gone' });
    check(decide(input([PING]), bare), { kind: 'act', matched: 'all', action: 'reboot-hard' });
  });

  it('host service flags', () => {
    expect(hostServiceFlags(null)).to.deep.equal(['unknown']);
    expect(hostServiceFlags(svc())).to.deep.equal(['up', 'enabled']);
    expect(hostServiceFlags(svc({ state: 'down', status: 'disabled' }))).to.deep.equal(['down', 'disabled']);
    expect(hostServiceFlags(svc({ forcedDown: true }))).to.deep.equal(['forced_down', 'enabled']);
  });
});

describe('policy/decide: the per-instance budget (cooldown, N actions per window)', () => {
  const budget = { cooldownMs: 5 * 60_000, maxActions: 3, windowMs: 3600_000 };
  const p: PolicyConfig = { ...DEFAULT_POLICY, budget };
  it('a new incident within the cooldown of an earlier action waits for the rest of it', () => {
    const d = decide(input([DISK], { history: [past('live-migrate', { at: NOW - 60_000, metrics: [DISK] })] }), p);
    check(d, { kind: 'wait', rule: 'cooldown', reason: /cooldown: the last action on this instance started 60 s ago \(cooldown 300 s\)/ });
    expect(d.kind === 'wait' && d.retryInMs).to.equal(4 * 60_000);
  });
  it('the cooldown does not hold back the next rung within the same incident', () => {
    check(decide(input([PING], { history: [past('live-migrate', { incidentId: 'i1', at: NOW - 1000, outcome: 'failed' })] }), p), { kind: 'act', action: 'reboot-hard' });
  });
  it('at most 3 actions in the window: the 4th gives up', () => {
    const h = [past('live-migrate', { at: NOW - 50 * 60_000 }), past('live-migrate', { at: NOW - 40 * 60_000 }), past('live-migrate', { at: NOW - 30 * 60_000 })];
    const escalating = { ...p, matrix: parseMatrix('rules: [{name: ping, when: {alarms: {any: [instance.ping.delay]}}, then: [live-migrate], escalate: false}]', 'm.yaml') };
    check(decide(input([PING], { history: h }), escalating), { kind: 'give_up', rule: 'action-budget-exhausted', matched: 'ping', reason: /3 recovery actions on this instance in the last 3600 s \(at most 3\): giving up/ });
    check(decide(input([PING], { history: h.slice(1) }), escalating), { kind: 'act', action: 'live-migrate' });
  });
});

describe('config: action matrix files', () => {
  const t = tmpDir('vmha-matrix-');
  after(() => t.cleanup());
  const base = (extra: string): string => `webhook:\n  public_url: http://127.0.0.1:8780\n  secret: very-secret-webhook-key\n${extra}`;

  it('recovery.matrix_file is read relative to vmha.yaml and validated into recovery.matrix', () => {
    t.write('matrix.yaml', 'rules:\n  - name: ping\n    when: {alarms: {any: [instance.ping.delay]}}\n    then: [reboot-hard, rebuild]\n');
    const file = t.write('vmha.yaml', base('recovery:\n  matrix_file: matrix.yaml\n'));
    const config = parseConfig(base('recovery:\n  matrix_file: matrix.yaml\n'), file);
    expect(config.recovery.matrix?.rules).to.deep.equal([{ name: 'ping', when: { alarms: { any: [PING] } }, then: ['reboot-hard', 'rebuild'] }]);
  });

  it('an inline recovery.matrix is validated too', () => {
    const err = (() => {
      try {
        parseConfig(base('recovery:\n  matrix:\n    rules: [{name: x, when: {alarm: {any: [a]}}, then: ignore}]\n'), 'vmha.yaml');
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err).to.be.instanceOf(ConfigError);
    expect(err!.message).to.match(/recovery\.matrix\.rules\.0\.when\.alarm: unknown setting/);
  });

  const invalid: [string, string, RegExp][] = [
    ['an unknown condition', 'rules: [{name: a, when: {host_state: [down]}, then: wait}]', /m\.yaml: rules\.0\.when\.host_state: unknown key \(rule a\)/],
    ['an unknown action', 'rules: [{name: a, then: [reboot]}]', /rules\.0\.then: expected one of ignore, wait, give-up, host-failure, or an action or list of actions from live-migrate, .* \(rule a\)/],
    ['an unknown outcome', 'rules: [{name: a, then: restart}]', /rules\.0\.then: /],
    ['a duplicate rule name', 'rules: [{name: a, then: ignore}, {name: a, then: wait}]', /rules\.1\.name: rule name a is also used by rule 0/],
    ['no rules', 'rules: []', /rules: a matrix needs at least one rule/],
    ['an action twice in a ladder', 'rules: [{name: a, then: [reboot-hard, reboot-hard]}]', /an action appears twice in the ladder/],
    ['min above max', 'rules: [{name: a, when: {host_alarming: {min: 3, max: 2}}, then: wait}]', /rules\.0\.when\.host_alarming: min must not exceed max/],
    ['an empty range', 'rules: [{name: a, when: {host_alarming: {}}, then: wait}]', /give min, max or both/],
    ['escalate on an outcome', 'rules: [{name: a, then: wait, escalate: false}]', /rules\.0\.escalate: escalate applies only to a ladder of actions/],
    ['server gone with an action', 'rules: [{name: a, when: {server: gone}, then: [reboot-hard]}]', /a gone server can only be ignored, waited on or given up/],
    ['an unknown host_service flag', 'rules: [{name: a, when: {host_service: [sleeping]}, then: wait}]', /rules\.0\.when\.host_service\.0: /],
    ['recent_actions without window', 'rules: [{name: a, when: {recent_actions: {min: 1}}, then: give-up}]', /rules\.0\.when\.recent_actions\.window_s: required key is missing \(rule a\)/],
    ['a bad rule name', 'rules: [{name: "two words", then: ignore}]', /expected a rule name/],
    ['malformed YAML', 'rules: [{name: a, then: ignore', /m\.yaml: malformed YAML/],
    ['not a mapping', '- a\n- b', /expected a mapping with `rules:`/],
  ];
  for (const [name, text, re] of invalid) {
    it(`rejects ${name} with a clear error`, () => {
      expect(() => parseMatrix(text, 'm.yaml')).to.throw(ConfigError, re);
    });
  }

  it('rejects a missing matrix file, and matrix together with matrix_file', () => {
    expect(() => parseConfig(base('recovery:\n  matrix_file: nowhere.yaml\n'), `${t.dir}/vmha.yaml`)).to.throw(ConfigError, /recovery\.matrix_file: cannot read .*nowhere\.yaml \(file not found\)/);
    t.write('m2.yaml', 'rules: [{name: a, then: ignore}]');
    expect(() => parseConfig(base('recovery:\n  matrix_file: m2.yaml\n  matrix: {rules: [{name: b, then: ignore}]}\n'), `${t.dir}/vmha.yaml`)).to.throw(
      ConfigError,
      /give recovery\.matrix or recovery\.matrix_file, not both/,
    );
  });

  it('an invalid matrix file fails the configuration load naming the matrix file', () => {
    t.write('bad.yaml', 'rules: [{name: a, then: [reboot]}]');
    expect(() => parseConfig(base('recovery:\n  matrix_file: bad.yaml\n'), `${t.dir}/vmha.yaml`)).to.throw(ConfigError, /bad\.yaml: rules\.0\.then/);
  });
});
