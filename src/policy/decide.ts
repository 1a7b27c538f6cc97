// decide(): the recovery decision as a pure function of plain data (STYLE.md habit 1).
// Inputs: the incident, a snapshot of the server and its host from Nova, the instance's
// recent history, and the policy. Output: act, wait, ignore or give up, with the rule
// that matched and why, for the incident's timeline.
import type { Incident, RecoveryAction } from '../domain/incident.ts';
import type { ComputeService, Server } from '../openstack/nova-types.ts';

export interface PolicyConfig {
  /** Metadata key and value (case-insensitive) that opt an instance in to HA. */
  haMetadataKey: string;
  haMetadataValue: string;
  /** Metadata key whose value True lets vmha rebuild the instance (destructive to local state). */
  rebuildMetadataKey: string;
  /** The action each alarming metric calls for; with several, the strongest on the ladder wins. */
  actions: Record<string, RecoveryAction | 'none'>;
  /** Escalation order: the same fault again after a success moves one step up. */
  ladder: RecoveryAction[];
  /** How long after a successful action a recurrence counts as "the same fault again". */
  escalationWindowMs: number;
  /** How long to keep waiting for a busy server or host before giving up. */
  waitBudgetMs: number;
  /** Delay between re-decisions while waiting. */
  waitRetryMs: number;
}

export const DEFAULT_POLICY: PolicyConfig = {
  haMetadataKey: 'HA_Enabled',
  haMetadataValue: 'True',
  rebuildMetadataKey: 'HA_Rebuild',
  actions: {
    'instance.ping.delay': 'live-migrate',
    'instance.disk.health': 'reboot-hard',
    'instance.agent.up': 'none',
  },
  ladder: ['live-migrate', 'reboot-hard', 'rebuild'],
  escalationWindowMs: 60 * 60_000,
  waitBudgetMs: 30 * 60_000,
  waitRetryMs: 10_000,
};

/** A past action on the same instance (from any incident), newest last. */
export interface PastAction {
  incidentId: string;
  action: RecoveryAction;
  at: number;
  outcome: 'succeeded' | 'failed' | undefined;
  metrics: string[];
}

export interface DecisionInput {
  incident: Incident;
  /** null when Nova says the server no longer exists. */
  server: Server | null;
  hostService: ComputeService | null;
  history: PastAction[];
  now: number;
}

export type Decision =
  | { kind: 'act'; action: RecoveryAction; rule: string; reason: string }
  | { kind: 'wait'; retryInMs: number; rule: string; reason: string }
  | { kind: 'ignore'; rule: string; reason: string }
  | { kind: 'give_up'; rule: string; reason: string };

/** vm_states in which Nova accepts each action (CONTRACTS.md, Nova actions table). */
const ACCEPTS: Record<RecoveryAction, readonly string[]> = {
  'live-migrate': ['active', 'paused'],
  'reboot-soft': ['active'],
  'reboot-hard': ['active', 'stopped', 'paused', 'suspended', 'error'],
  rebuild: ['active', 'stopped', 'error'],
  evacuate: ['active', 'stopped', 'error'],
};

export function isHaEnabled(server: Server, policy: PolicyConfig): boolean {
  const v = server.metadata[policy.haMetadataKey];
  return typeof v === 'string' && v.toLowerCase() === policy.haMetadataValue.toLowerCase();
}

export function decide(input: DecisionInput, policy: PolicyConfig = DEFAULT_POLICY): Decision {
  const { incident, server, hostService, now } = input;
  if (!server) return { kind: 'ignore', rule: 'server-gone', reason: 'the server no longer exists in Nova' };
  if (!isHaEnabled(server, policy)) {
    return {
      kind: 'ignore',
      rule: 'not-ha-enabled',
      reason: `server ${server.id} is not HA-enabled (metadata ${policy.haMetadataKey}=${policy.haMetadataValue} not set)`,
    };
  }
  const wanted = incident.alarmingMetrics
    .map((m) => policy.actions[m])
    .filter((a): a is RecoveryAction => a !== undefined && a !== 'none');
  if (wanted.length === 0) {
    const what = incident.alarmingMetrics.length ? incident.alarmingMetrics.join(', ') : 'no alarm';
    return { kind: 'ignore', rule: 'no-action-for-metric', reason: `no recovery action is configured for ${what}` };
  }
  const waited = now - incident.openedAt;
  const waitOr = (rule: string, reason: string): Decision =>
    waited >= policy.waitBudgetMs
      ? { kind: 'give_up', rule, reason: `${reason}; still so after ${Math.round(waited / 1000)} s` }
      : { kind: 'wait', retryInMs: policy.waitRetryMs, rule, reason };

  if (server.taskState) return waitOr('nova-task-running', `Nova task ${server.taskState} is running on the server`);
  if (hostService && (hostService.state === 'down' || hostService.forcedDown)) {
    return waitOr('host-down', `compute service on ${hostService.host} is down: a per-instance action cannot help; host recovery is needed`);
  }
  if (server.vmState === 'stopped' || server.status === 'SHUTOFF') {
    return { kind: 'ignore', rule: 'server-stopped', reason: 'the server is stopped (SHUTOFF); vmha does not start servers their owners stopped' };
  }

  // The strongest action any alarming metric asks for.
  const rank = (a: RecoveryAction): number => {
    const i = policy.ladder.indexOf(a);
    return i < 0 ? policy.ladder.length : i;
  };
  let action = wanted.reduce((a, b) => (rank(b) > rank(a) ? b : a));
  let rule = `metric-${incident.alarmingMetrics.join('+')}`;
  let reason = `${incident.alarmingMetrics.join(' and ')} alarming: ${action}`;

  // Escalate past what already ran: within this incident (any outcome), or after a recent success.
  const recent = input.history.filter(
    (h) => h.incidentId === incident.id || (h.outcome === 'succeeded' && now - h.at <= policy.escalationWindowMs),
  );
  while (recent.some((h) => h.action === action)) {
    const next = policy.ladder[rank(action) + 1];
    if (!next) {
      return { kind: 'give_up', rule: 'ladder-exhausted', reason: `${action} already tried recently and nothing stronger is allowed` };
    }
    rule = 'escalate';
    reason = `${action} already ran recently for this instance; escalating to ${next}`;
    action = next;
  }
  if (action === 'rebuild' && (server.metadata[policy.rebuildMetadataKey] ?? '').toLowerCase() !== 'true') {
    return {
      kind: 'give_up',
      rule: 'rebuild-not-opted-in',
      reason: `escalation reached rebuild, but the server has not opted in (metadata ${policy.rebuildMetadataKey}=True)`,
    };
  }
  const vmState = server.vmState ?? (server.status === 'ERROR' ? 'error' : server.status === 'ACTIVE' ? 'active' : server.status.toLowerCase());
  if (!ACCEPTS[action].includes(vmState)) {
    // A server in ERROR cannot be live-migrated, but a hard reboot is accepted: step up.
    const stronger = policy.ladder.slice(rank(action) + 1).find((a) => ACCEPTS[a].includes(vmState));
    if (!stronger) return waitOr('state-forbids', `Nova does not accept ${action} in vm_state ${vmState}`);
    reason = `${reason}; vm_state ${vmState} does not allow it, so ${stronger}`;
    rule = 'state-forbids-escalate';
    action = stronger;
  }
  return { kind: 'act', action, rule, reason };
}
