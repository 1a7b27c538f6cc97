// The per-instance action budget: a cooldown after each action and at most N actions
// per window (VMware HA resets a VM at most 3 times an hour). A tool that "fixes" a VM
// every minute never lets it settle; beyond the budget vmha gives up and says so.
import type { PastAction } from './matrix.ts';

export interface InstanceBudget {
  /** No new action within this long after an action of an earlier incident started. */
  cooldownMs: number;
  /** At most this many actions on one instance in any window of windowMs. */
  maxActions: number;
  windowMs: number;
}

export const DEFAULT_BUDGET: InstanceBudget = { cooldownMs: 5 * 60_000, maxActions: 3, windowMs: 60 * 60_000 };

export type BudgetVerdict =
  | { ok: true }
  | { ok: false; kind: 'exhausted'; rule: 'action-budget-exhausted'; reason: string }
  | { ok: false; kind: 'cooldown'; rule: 'cooldown'; retryInMs: number; reason: string };

/**
 * Whether one more action on the instance is within budget. The cooldown does not
 * apply inside the same incident: a verified failure proved nothing changed, so the
 * next rung is due now (the window cap still bounds it). `cooldown: false` skips it
 * entirely (an evacuation off a fenced host: waiting only prolongs the outage).
 */
export function checkBudget(
  history: readonly PastAction[],
  incidentId: string,
  now: number,
  budget: InstanceBudget,
  opts: { cooldown?: boolean } = {},
): BudgetVerdict {
  const inWindow = history.filter((h) => now - h.at < budget.windowMs);
  if (inWindow.length >= budget.maxActions) {
    const w = Math.round(budget.windowMs / 1000);
    return {
      ok: false,
      kind: 'exhausted',
      rule: 'action-budget-exhausted',
      reason: `${inWindow.length} recovery actions on this instance in the last ${w} s (at most ${budget.maxActions}): giving up; an operator must look at it`,
    };
  }
  if (opts.cooldown !== false) {
    const lastElsewhere = history.filter((h) => h.incidentId !== incidentId).reduce((m, h) => Math.max(m, h.at), -Infinity);
    const since = now - lastElsewhere;
    if (since < budget.cooldownMs) {
      return {
        ok: false,
        kind: 'cooldown',
        rule: 'cooldown',
        retryInMs: budget.cooldownMs - since,
        reason: `cooldown: the last action on this instance started ${Math.round(since / 1000)} s ago (cooldown ${Math.round(budget.cooldownMs / 1000)} s)`,
      };
    }
  }
  return { ok: true };
}
