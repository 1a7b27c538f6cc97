import { expect } from 'chai';
import { decide, DEFAULT_POLICY, type DecisionInput } from '../../src/policy/decide.ts';
import { DISK, incident, input, NOW, past, PING, server, svc } from '../helpers/policy.ts';

const UP = svc();

describe('policy/decide (default matrix)', () => {
  const table: [string, DecisionInput, { kind: string; action?: string; rule?: string }][] = [
    ['ping alarm -> live-migrate', input([PING]), { kind: 'act', action: 'live-migrate' }],
    ['disk alarm -> hard reboot', input([DISK]), { kind: 'act', action: 'reboot-hard' }],
    ['ping and disk -> hard reboot', input([PING, DISK]), { kind: 'act', action: 'reboot-hard' }],
    ['agent-down alone -> no action', input(['instance.agent.up']), { kind: 'ignore', rule: 'no-action-for-metric' }],
    ['not HA-enabled -> ignored', input([PING], { server: server({ metadata: {} }) }), { kind: 'ignore', rule: 'not-ha-enabled' }],
    ['HA_Enabled=true (any case) counts', input([PING], { server: server({ metadata: { HA_Enabled: 'true' } }) }), { kind: 'act', action: 'live-migrate' }],
    ['server deleted -> ignored', input([PING], { server: null }), { kind: 'ignore', rule: 'server-gone' }],
    ['task_state set -> wait', input([PING], { server: server({ taskState: 'migrating', status: 'MIGRATING' }) }), { kind: 'wait', rule: 'nova-task-running' }],
    [
      'task_state set past the wait budget -> give up',
      input([PING], { server: server({ taskState: 'migrating' }), incident: incident([PING], { openedAt: NOW - DEFAULT_POLICY.waitBudgetMs }) }),
      { kind: 'give_up', rule: 'nova-task-running' },
    ],
    ['host down -> wait', input([PING], { hostService: { ...UP, state: 'down' } }), { kind: 'wait', rule: 'host-down' }],
    ['host forced down -> wait', input([PING], { hostService: { ...UP, forcedDown: true } }), { kind: 'wait', rule: 'host-down' }],
    ['stopped by owner -> ignored', input([PING], { server: server({ status: 'SHUTOFF', vmState: 'stopped' }) }), { kind: 'ignore', rule: 'server-stopped' }],
    ['ERROR state cannot live-migrate -> hard reboot', input([PING], { server: server({ status: 'ERROR', vmState: 'error' }) }), { kind: 'act', action: 'reboot-hard' }],
    ['same fault again after a recent live-migrate -> hard reboot', input([PING], { history: [past('live-migrate')] }), { kind: 'act', action: 'reboot-hard', rule: 'escalate' }],
    [
      'a live-migrate outside the window does not escalate',
      input([PING], { history: [past('live-migrate', { at: NOW - DEFAULT_POLICY.escalationWindowMs - 1 })] }),
      { kind: 'act', action: 'live-migrate' },
    ],
    ['a failed earlier action of another incident does not escalate', input([PING], { history: [past('live-migrate', { outcome: 'failed' })] }), { kind: 'act', action: 'live-migrate' }],
    ['a failed action in this incident escalates', input([PING], { history: [past('live-migrate', { incidentId: 'i1', outcome: 'failed' })] }), { kind: 'act', action: 'reboot-hard' }],
    [
      'after live-migrate and hard reboot, rebuild only if opted in',
      input([PING], { history: [past('live-migrate'), past('reboot-hard')] }),
      { kind: 'give_up', rule: 'rebuild-not-opted-in' },
    ],
    [
      'rebuild for an opted-in instance',
      input([PING], { history: [past('live-migrate'), past('reboot-hard')], server: server({ metadata: { HA_Enabled: 'True', HA_Rebuild: 'True' } }) }),
      { kind: 'act', action: 'rebuild' },
    ],
    [
      'after rebuild nothing stronger -> give up',
      input([PING], { history: [past('live-migrate'), past('reboot-hard'), past('rebuild')], server: server({ metadata: { HA_Enabled: 'True', HA_Rebuild: 'True' } }) }),
      { kind: 'give_up', rule: 'ladder-exhausted' },
    ],
  ];
  for (const [name, inp, want] of table) {
    it(name, () => {
      const d = decide(inp);
      expect(d.kind, d.reason).to.equal(want.kind);
      if (want.action) expect(d.kind === 'act' && d.action).to.equal(want.action);
      if (want.rule) expect(d.rule).to.equal(want.rule);
      expect(d.reason).to.be.a('string').and.not.equal('');
    });
  }
});
