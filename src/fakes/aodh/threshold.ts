// The threshold evaluation of aodh/evaluator/threshold.py and gnocchi.py as pure
// functions: the query window, the sanitised statistics, the state they call for and the
// transition (with Aodh's reason text and reason_data) an alarm then makes.
import type { AlarmState } from './alarm-types.ts';
import { PyFloat, pyFloatRepr } from './notifier.ts';

/** The fields of a gnocchi_resources_threshold rule the evaluator reads. */
export interface ThresholdRule {
  metric: string;
  resource_id: string;
  resource_type: string;
  aggregation_method: string;
  comparison_operator: 'gt' | 'lt' | 'ge' | 'le' | 'eq' | 'ne';
  threshold: number;
  granularity: number;
  evaluation_periods: number;
}

const COMPARATORS: Record<ThresholdRule['comparison_operator'], (v: number, limit: number) => boolean> = {
  gt: (v, l) => v > l,
  lt: (v, l) => v < l,
  ge: (v, l) => v >= l,
  le: (v, l) => v <= l,
  eq: (v, l) => v === l,
  ne: (v, l) => v !== l,
};

/** ThresholdEvaluator.look_back: one period more than evaluated, for reporting lag. */
const LOOK_BACK = 1;

/** _bound_duration(): [now - granularity x (periods + 1), now] (no additional_ingestion_lag). */
export function queryWindow(rule: ThresholdRule, now: number): { start: number; stop: number } {
  return { start: now - rule.granularity * (rule.evaluation_periods + LOOK_BACK) * 1000, stop: now };
}

/** What evaluate_rule() concluded. `unknownReason` is set for insufficient data. */
export interface Evaluation {
  state: AlarmState | undefined;
  trending: 'ok' | 'alarm' | undefined;
  statistics: number[];
  outsideCount: number;
  unknownReason?: string;
}

/** An InsufficientDataError from _statistics() (no metric, no resource, no aggregation). */
export function insufficient(reason: string): Evaluation {
  return { state: 'insufficient data', trending: undefined, statistics: [], outsideCount: 0, unknownReason: reason };
}

/**
 * GnocchiBase._sanitize() then ThresholdEvaluator.evaluate_rule(): keep the points at the
 * rule's granularity, the last evaluation_periods of them; all outside the threshold is
 * alarm, all inside ok, a mix trends toward the latest, too few is insufficient data.
 */
export function evaluateRule(rule: ThresholdRule, points: readonly { granularity: number; value: number }[]): Evaluation {
  const matching = points.filter((p) => p.granularity === rule.granularity).map((p) => p.value);
  if (matching.length === 0) return insufficient(`No datapoint for granularity ${rule.granularity}`);
  const statistics = matching.slice(-rule.evaluation_periods);
  if (statistics.length < rule.evaluation_periods) {
    return { ...insufficient(`${rule.evaluation_periods} datapoints are unknown`), statistics };
  }
  const op = COMPARATORS[rule.comparison_operator];
  const compared = statistics.map((v) => op(v, rule.threshold));
  const outsideCount = compared.filter(Boolean).length;
  if (outsideCount === compared.length) return { state: 'alarm', trending: undefined, statistics, outsideCount };
  if (outsideCount === 0) return { state: 'ok', trending: undefined, statistics, outsideCount };
  return { state: undefined, trending: compared[compared.length - 1] ? 'alarm' : 'ok', statistics, outsideCount };
}

/** A state change (or a repeat, with repeat_actions) the evaluator makes, with Aodh's words. */
export interface Transition {
  state: AlarmState;
  reason: string;
  reasonData: Record<string, unknown>;
}

/** ThresholdEvaluator._reason(). */
function reasonFor(current: AlarmState, state: 'ok' | 'alarm', statistics: number[], outsideCount: number): Transition {
  const disposition = state === 'ok' ? 'inside' : 'outside';
  const count = state === 'ok' ? statistics.length - outsideCount : outsideCount;
  const last = statistics.length ? statistics[statistics.length - 1]! : null;
  const reasonData = { type: 'threshold', disposition, count, most_recent: last === null ? null : new PyFloat(last) };
  const mostRecent = last === null ? 'None' : pyFloatRepr(last);
  const reason =
    current !== state
      ? `Transition to ${state} due to ${count} samples ${disposition} threshold, most recent: ${mostRecent}`
      : `Remaining as ${state} due to ${count} samples ${disposition} threshold, most recent: ${mostRecent}`;
  return { state, reason, reasonData };
}

/**
 * ThresholdEvaluator._transition_alarm(): the refresh to make, or undefined when the
 * alarm stays as it is. A mixed window moves an alarm only out of insufficient data (or
 * repeats with repeat_actions).
 */
export function transitionFor(alarm: { state: AlarmState; repeat_actions: boolean; evaluation_periods: number }, e: Evaluation): Transition | undefined {
  const unknown = alarm.state === 'insufficient data';
  const continuous = alarm.repeat_actions;
  if (e.trending && (unknown || continuous)) {
    const state = unknown ? e.trending : (alarm.state as 'ok' | 'alarm');
    return reasonFor(alarm.state, state, e.statistics, e.outsideCount);
  }
  if (e.state === 'insufficient data' && !unknown) {
    const last = e.statistics.length ? new PyFloat(e.statistics[e.statistics.length - 1]!) : null;
    return {
      state: 'insufficient data',
      reason: e.unknownReason ?? `${alarm.evaluation_periods} datapoints are unknown`,
      reasonData: { type: 'threshold', disposition: 'unknown', count: alarm.evaluation_periods, most_recent: last },
    };
  }
  if ((e.state === 'ok' || e.state === 'alarm') && (alarm.state !== e.state || continuous)) {
    return reasonFor(alarm.state, e.state, e.statistics, e.outsideCount);
  }
  return undefined;
}
