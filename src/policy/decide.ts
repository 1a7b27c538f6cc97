// decide(): the recovery decision as a pure function of plain data (STYLE.md habit 1).
// Inputs: the incident, a snapshot of the server and its host from Nova, the instance's
// recent history, what vmha judged about the host, and the policy with its action
// matrix. Output: act, wait, ignore, give up or hand over to the host workflow, with
// the matrix rule that matched (`matched`), the step that settled it (`rule`) and why.
import type { Incident, RecoveryAction } from '../domain/incident.ts';
import type { ComputeService, Server } from '../openstack/nova-types.ts';
import { checkBudget, DEFAULT_BUDGET, type InstanceBudget } from './budget.ts';
import { defaultMatrix, effectiveVmState, firstMatch, type HostFailure, type Matrix, type MatrixFacts, type PastAction } from './matrix.ts';

export type { PastAction } from './matrix.ts';

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
  /** The action matrix; absent: the default one, built from `actions` and `ladder`. */
  matrix?: Matrix;
  /** Cooldown and actions-per-window cap per instance; absent: DEFAULT_BUDGET. */
  budget?: InstanceBudget;
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
  budget: DEFAULT_BUDGET,
};

export interface DecisionInput {
  incident: Incident;
  /** null when Nova says the server no longer exists. */
  server: Server | null;
  hostService: ComputeService | null;
  history: PastAction[];
  now: number;
  /** Alarming HA instances on the server's host, this one included (default 1). */
  hostAlarming?: number;
  /** What vmha judged about the host; null or absent: not failed. */
  hostFailure?: HostFailure | null;
}

/** `matched`: the matrix rule; `rule`: the step that settled the decision (often the same). */
export type Decision =
  | { kind: 'act'; action: RecoveryAction; rule: string; matched: string; reason: string }
  | { kind: 'wait'; retryInMs: number; rule: string; matched: string; reason: string }
  | { kind: 'ignore'; rule: string; matched: string; reason: string }
  | { kind: 'give_up'; rule: string; matched: string; reason: string }
  | { kind: 'host_failure'; failure: HostFailure; rule: string; matched: string; reason: string };

/** vm_states in which Nova accepts each action (CONTRACTS.md, Nova actions table). */
export const ACCEPTS: Record<RecoveryAction, readonly string[]> = {
  'live-migrate': ['active', 'paused'],
  'reboot-soft': ['active'],
  'reboot-hard': ['active', 'stopped', 'paused', 'suspended', 'error'],
  rebuild: ['active', 'stopped', 'error'],
  evacuate: ['active', 'stopped', 'error'],
};

export function isHaEnabled(server: Server, policy: Pick<PolicyConfig, 'haMetadataKey' | 'haMetadataValue'>): boolean {
  const v = server.metadata[policy.haMetadataKey];
  return typeof v === 'string' && v.toLowerCase() === policy.haMetadataValue.toLowerCase();
}

export function decide(input: DecisionInput, policy: PolicyConfig = DEFAULT_POLICY): Decision {
  const { incident, server, now } = input;
  const matrix = policy.matrix ?? defaultMatrix(policy.actions, policy.ladder);
  const facts: MatrixFacts = {
    alarmingMetrics: incident.alarmingMetrics,
    server,
    haEnabled: server ? isHaEnabled(server, policy) : false,
    hostService: input.hostService,
    hostAlarming: input.hostAlarming ?? 1,
    hostFailure: input.hostFailure ?? null,
    history: input.history,
    now,
    haMetadata: { key: policy.haMetadataKey, value: policy.haMetadataValue },
  };
  const hit = firstMatch(matrix, facts);
  if (!hit) {
    // A matrix without a server-gone rule must still never act on a deleted server.
    return server
      ? { kind: 'ignore', rule: 'no-rule-matched', matched: '(none)', reason: 'no rule of the action matrix matched; nothing to do' }
      : { kind: 'ignore', rule: 'server-gone', matched: '(none)', reason: 'the server no longer exists in Nova' };
  }
  const { rule } = hit;
  const matched = rule.name;
  const reason = [...hit.why, ...(rule.reason ? [rule.reason] : [])].join('; ');
  const waited = now - incident.openedAt;
  const waitOr = (step: string, why: string, retryInMs = policy.waitRetryMs): Decision =>
    waited >= policy.waitBudgetMs
      ? { kind: 'give_up', rule: step, matched, reason: `${why}; still so after ${Math.round(waited / 1000)} s` }
      : { kind: 'wait', retryInMs, rule: step, matched, reason: why };

  switch (rule.then) {
    case 'ignore':
      return { kind: 'ignore', rule: matched, matched, reason };
    case 'give-up':
      return { kind: 'give_up', rule: matched, matched, reason };
    case 'wait':
      return waitOr(matched, reason, rule.retry_s !== undefined ? rule.retry_s * 1000 : policy.waitRetryMs);
    case 'host-failure':
      return { kind: 'host_failure', failure: facts.hostFailure ?? { kind: 'matrix-rule', detail: `matrix rule ${matched}` }, rule: matched, matched, reason };
  }
  return climb(rule.then, rule.escalate !== false, input, server!, policy, matched, reason);
}

/** Picks the rung of `ladder` to use: escalation, the instance's budget, opt-ins and vm_state. */
function climb(
  ladder: readonly RecoveryAction[],
  escalate: boolean,
  input: DecisionInput,
  server: Server,
  policy: PolicyConfig,
  matched: string,
  matchedReason: string,
): Decision {
  const { incident, now } = input;
  let i = 0;
  let step = matched;
  let reason = `${matchedReason}: ${ladder[0]}`;
  // Escalate past what already ran: within this incident (any outcome), or after a
  // recent success (unless the rule says repeats start over).
  const recent = input.history.filter(
    (h) => h.incidentId === incident.id || (escalate && h.outcome === 'succeeded' && now - h.at <= policy.escalationWindowMs),
  );
  while (recent.some((h) => h.action === ladder[i])) {
    const next = ladder[i + 1];
    if (!next) {
      return { kind: 'give_up', rule: 'ladder-exhausted', matched, reason: `${ladder[i]} already tried recently and nothing stronger is allowed` };
    }
    step = 'escalate';
    reason = `${ladder[i]} already ran recently for this instance; escalating to ${next}`;
    i += 1;
  }
  const budget = checkBudget(input.history, incident.id, now, policy.budget ?? DEFAULT_BUDGET);
  if (!budget.ok) {
    return budget.kind === 'exhausted'
      ? { kind: 'give_up', rule: budget.rule, matched, reason: budget.reason }
      : { kind: 'wait', retryInMs: budget.retryInMs, rule: budget.rule, matched, reason: budget.reason };
  }
  let action = ladder[i]!;
  const vmState = effectiveVmState(server);
  if (!ACCEPTS[action].includes(vmState)) {
    // A server in ERROR cannot be live-migrated, but a hard reboot is accepted: step up.
    const stronger = ladder.slice(i + 1).find((a) => ACCEPTS[a].includes(vmState));
    if (!stronger) {
      const why = `Nova does not accept ${action} in vm_state ${vmState}`;
      return now - incident.openedAt >= policy.waitBudgetMs
        ? { kind: 'give_up', rule: 'state-forbids', matched, reason: why }
        : { kind: 'wait', retryInMs: policy.waitRetryMs, rule: 'state-forbids', matched, reason: why };
    }
    reason = `${reason}; vm_state ${vmState} does not allow it, so ${stronger}`;
    step = 'state-forbids-escalate';
    action = stronger;
  }
  if (action === 'rebuild' && (server.metadata[policy.rebuildMetadataKey] ?? '').toLowerCase() !== 'true') {
    return {
      kind: 'give_up',
      rule: 'rebuild-not-opted-in',
      matched,
      reason: `escalation reached rebuild, but the server has not opted in (metadata ${policy.rebuildMetadataKey}=True)`,
    };
  }
  return { kind: 'act', action, rule: step, matched, reason };
}
