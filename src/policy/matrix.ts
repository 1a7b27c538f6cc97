// The action matrix: an ordered list of rules, data not branches (STYLE.md habit 5).
// The first rule whose every condition holds decides; its `then` is an outcome
// (ignore, wait, give-up, host-failure) or an ordered ladder of recovery actions.
// matchRule() is pure and explains itself: every condition that held says why, so an
// incident's timeline can name the rule and the facts that made it match.
import type { RecoveryAction } from '../domain/incident.ts';
import type { ComputeService, Server } from '../openstack/nova-types.ts';

/** How a host's nova-compute service looks to vmha; a service can be several at once (down and disabled). */
export type HostServiceFlag = 'up' | 'down' | 'forced_down' | 'enabled' | 'disabled' | 'unknown';
export const HOST_SERVICE_FLAGS: readonly HostServiceFlag[] = ['up', 'down', 'forced_down', 'enabled', 'disabled', 'unknown'];

export type MatrixOutcome = 'ignore' | 'wait' | 'give-up' | 'host-failure';
export const MATRIX_OUTCOMES: readonly MatrixOutcome[] = ['ignore', 'wait', 'give-up', 'host-failure'];

export interface Range {
  min?: number;
  max?: number;
}

/** Conditions of one rule; all given ones must hold (an empty `when` always holds). */
export interface MatrixConditions {
  /** Whether Nova still has the server. Rules without it only match a present server. */
  server?: 'present' | 'gone';
  /** The instance carries the HA metadata. */
  ha_enabled?: boolean;
  /** Over the instance's alarming metrics: any of / all of / none of these. */
  alarms?: { any?: string[]; all?: string[]; none?: string[] };
  /** The host's compute service shows at least one of these. */
  host_service?: HostServiceFlag[];
  /** How many HA instances on the same host are alarming (this one included). */
  host_alarming?: Range;
  /** vmha judges the host failed (compute down, or K / X % of its HA instances alarming), or a host workflow runs for it. */
  host_failure?: boolean;
  /** The server's vm_state (stopped also covers status SHUTOFF). */
  vm_state?: string[];
  /** A Nova task (task_state) is running on the server. */
  task_running?: boolean;
  /** Recovery actions on this instance (any incident) started within window_s. */
  recent_actions?: Range & { window_s: number; actions?: RecoveryAction[]; outcome?: 'succeeded' | 'failed' };
  /** Server metadata key: value (values compared case-insensitively). */
  metadata?: Record<string, string>;
}

export interface MatrixRule {
  name: string;
  when: MatrixConditions;
  /** An outcome, or the ladder of actions (first applicable first; repeats climb it). */
  then: MatrixOutcome | RecoveryAction[];
  /**
   * With a ladder: false means a repeat of the fault starts again at the first action
   * (VMware-style "reset up to N times") instead of climbing. Default true.
   */
  escalate?: boolean;
  /** Retry delay for `then: wait`, seconds (default: recovery.wait_retry_s). */
  retry_s?: number;
  /** Words for people, put before the facts that matched. */
  reason?: string;
}

export interface Matrix {
  rules: MatrixRule[];
}

/** A past recovery action on the instance (any incident), newest last. */
export interface PastAction {
  incidentId: string;
  action: RecoveryAction;
  at: number;
  outcome: 'succeeded' | 'failed' | undefined;
  metrics: string[];
}

/** What vmha judged about the instance's host (see policy/host-failure.ts). */
export interface HostFailure {
  kind: 'service-down' | 'instances-alarming' | 'workflow-active' | 'matrix-rule';
  detail: string;
}

/** Everything a rule may look at: plain data, snapshotted by the engine. */
export interface MatrixFacts {
  alarmingMetrics: string[];
  server: Server | null;
  haEnabled: boolean;
  hostService: ComputeService | null;
  /** Alarming HA instances on the same host, this one included. */
  hostAlarming: number;
  hostFailure: HostFailure | null;
  history: PastAction[];
  now: number;
  haMetadata: { key: string; value: string };
}

export type RuleMatch = { matched: true; why: string[] } | { matched: false };

/** The vm_state vmha reasons with: Nova's, else derived from the API status. */
export function effectiveVmState(server: Server): string {
  if (server.vmState) return server.vmState;
  if (server.status === 'SHUTOFF') return 'stopped';
  return server.status.toLowerCase();
}

/** The flags that describe a compute service (see HostServiceFlag). */
export function hostServiceFlags(svc: ComputeService | null): HostServiceFlag[] {
  if (!svc) return ['unknown'];
  const flags: HostServiceFlag[] = [];
  if (svc.forcedDown) flags.push('forced_down');
  else flags.push(svc.state === 'up' ? 'up' : 'down');
  flags.push(svc.status === 'disabled' ? 'disabled' : 'enabled');
  return flags;
}

const inRange = (n: number, r: Range): boolean => (r.min === undefined || n >= r.min) && (r.max === undefined || n <= r.max);
const rangeText = (r: Range): string =>
  r.min !== undefined && r.max !== undefined ? `${r.min}..${r.max}` : r.min !== undefined ? `>= ${r.min}` : `<= ${r.max}`;

/** Whether every condition of `rule` holds for `f`, and why (one phrase per condition). */
export function matchRule(rule: MatrixRule, f: MatrixFacts): RuleMatch {
  const w = rule.when;
  const why: string[] = [];
  const no: RuleMatch = { matched: false };
  const wantGone = w.server === 'gone';
  if (wantGone !== (f.server === null)) return no;
  if (wantGone) {
    why.push('the server no longer exists in Nova');
    return { matched: true, why };
  }
  const server = f.server!;
  if (w.ha_enabled !== undefined) {
    if (f.haEnabled !== w.ha_enabled) return no;
    why.push(
      f.haEnabled
        ? `server ${server.id} is HA-enabled`
        : `server ${server.id} is not HA-enabled (metadata ${f.haMetadata.key}=${f.haMetadata.value} not set)`,
    );
  }
  if (w.alarms) {
    const alarming = f.alarmingMetrics;
    const { any, all, none } = w.alarms;
    if (any && !any.some((m) => alarming.includes(m))) return no;
    if (all && !all.every((m) => alarming.includes(m))) return no;
    if (none && none.some((m) => alarming.includes(m))) return no;
    const hits = any ? any.filter((m) => alarming.includes(m)) : all ?? [];
    if (hits.length) why.push(`${hits.join(' and ')} alarming`);
    if (none) why.push(`alarming: ${alarming.length ? alarming.join(', ') : 'nothing'}, none of ${none.join(', ') || '(none listed)'}`);
  }
  if (w.host_failure !== undefined) {
    if ((f.hostFailure !== null) !== w.host_failure) return no;
    why.push(f.hostFailure ? `host ${server.host ?? '?'} failed: ${f.hostFailure.detail}` : `host ${server.host ?? '?'} is not judged failed`);
  }
  if (w.host_service) {
    const flags = hostServiceFlags(f.hostService);
    const hit = w.host_service.filter((s) => flags.includes(s));
    if (!hit.length) return no;
    why.push(`compute service on ${f.hostService?.host ?? server.host ?? '?'} is ${hit.join(' and ')}`);
  }
  if (w.host_alarming) {
    if (!inRange(f.hostAlarming, w.host_alarming)) return no;
    why.push(`${f.hostAlarming} HA instance(s) alarming on host ${server.host ?? '?'} (${rangeText(w.host_alarming)})`);
  }
  if (w.task_running !== undefined) {
    if (Boolean(server.taskState) !== w.task_running) return no;
    why.push(server.taskState ? `Nova task ${server.taskState} is running on the server` : 'no Nova task is running');
  }
  if (w.vm_state) {
    const vm = effectiveVmState(server);
    if (!w.vm_state.includes(vm)) return no;
    why.push(`vm_state is ${vm}${server.status === 'SHUTOFF' ? ' (SHUTOFF)' : ''}`);
  }
  if (w.metadata) {
    for (const [k, v] of Object.entries(w.metadata)) {
      if ((server.metadata[k] ?? '').toLowerCase() !== v.toLowerCase()) return no;
    }
    why.push(`metadata ${Object.entries(w.metadata).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  }
  if (w.recent_actions) {
    const r = w.recent_actions;
    const n = f.history.filter(
      (h) => f.now - h.at <= r.window_s * 1000 && (!r.actions || r.actions.includes(h.action)) && (!r.outcome || h.outcome === r.outcome),
    ).length;
    if (!inRange(n, r)) return no;
    why.push(`${n} recovery action(s) in the last ${r.window_s} s (${rangeText(r)})`);
  }
  return { matched: true, why };
}

/** The first rule that matches, with why; undefined when none does. */
export function firstMatch(matrix: Matrix, f: MatrixFacts): { rule: MatrixRule; why: string[] } | undefined {
  for (const rule of matrix.rules) {
    const m = matchRule(rule, f);
    if (m.matched) return { rule, why: m.why };
  }
  return undefined;
}

/**
 * The matrix the webhook service always had, built from `recovery.actions` and
 * `recovery.ladder`: metric rules are ordered strongest action first, which is how
 * "with several alarming, the strongest on the ladder wins" reads as first-match.
 */
export function defaultMatrix(actions: Record<string, RecoveryAction | 'none'>, ladder: readonly RecoveryAction[]): Matrix {
  const rank = (a: RecoveryAction): number => {
    const i = ladder.indexOf(a);
    return i < 0 ? ladder.length : i;
  };
  const actionable = Object.entries(actions).filter((e): e is [string, RecoveryAction] => e[1] !== 'none');
  actionable.sort((a, b) => rank(b[1]) - rank(a[1]) || a[0].localeCompare(b[0]));
  const climb = (first: RecoveryAction): RecoveryAction[] => [first, ...ladder.slice(rank(first) + 1).filter((a) => a !== first)];
  return {
    rules: [
      { name: 'server-gone', when: { server: 'gone' }, then: 'ignore' },
      { name: 'not-ha-enabled', when: { ha_enabled: false }, then: 'ignore' },
      {
        name: 'no-action-for-metric',
        when: { alarms: { none: actionable.map(([m]) => m) } },
        then: 'ignore',
        reason: 'no recovery action is configured for what is alarming',
      },
      { name: 'host-failure', when: { host_failure: true }, then: 'host-failure', reason: 'host failure: the host workflow recovers its instances' },
      { name: 'nova-task-running', when: { task_running: true }, then: 'wait' },
      {
        name: 'host-down',
        when: { host_service: ['down', 'forced_down'] },
        then: 'wait',
        reason: 'a per-instance action cannot help; host recovery is needed',
      },
      {
        name: 'server-stopped',
        when: { vm_state: ['stopped'] },
        then: 'ignore',
        reason: 'vmha does not start servers their owners stopped',
      },
      ...actionable.map(([metric, action]): MatrixRule => ({ name: `metric-${metric}`, when: { alarms: { any: [metric] } }, then: climb(action) })),
    ],
  };
}
