// The demo's final table and its --json document. Pure.
import { table } from '../cli/alarms/output.ts';
import type { ScenarioResult } from './run.ts';
import type { DemoSettings } from './settings.ts';

const secs = (ms: number | undefined): string => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);

/** One row per scenario: expected, result, detected/recovered/healthy after, Nova actions. */
export function resultsTable(results: readonly ScenarioResult[]): string {
  return table(
    ['SCENARIO', 'EXPECTED', 'RESULT', 'DETECTED AFTER', 'RECOVERED AFTER', 'HEALTHY AFTER', 'NOVA ACTIONS'],
    results.map((r) => [
      r.name,
      r.expected,
      r.ok ? 'as expected' : r.timedOut ? 'FAILED (timed out)' : 'FAILED',
      secs(r.detectedAfterMs),
      secs(r.recoveredAfterMs),
      secs(r.healthyAfterMs),
      r.actions.length ? r.actions.join(', ') : 'none',
    ]),
  );
}

/** The --json document. */
export function resultsJson(results: readonly ScenarioResult[], settings: DemoSettings, totalMs: number): Record<string, unknown> {
  return {
    ok: results.every((r) => r.ok),
    total_s: Math.round(totalMs) / 1000,
    settings: {
      probe_interval_s: settings.probeIntervalS,
      alarm_granularity_s: settings.granularityS,
      alarm_evaluation_periods: settings.periods,
      aodh_evaluation_interval_s: settings.evaluationIntervalS,
      correlate_s: settings.correlateS,
      census_interval_s: settings.censusIntervalS,
      host_settle_s: settings.settleS,
      nova_timings_ms: settings.novaTimings,
    },
    scenarios: results.map((r) => ({
      name: r.name,
      title: r.title,
      expected: r.expected,
      ok: r.ok,
      timed_out: r.timedOut,
      detected_after_s: r.detectedAfterMs === undefined ? null : r.detectedAfterMs / 1000,
      recovered_after_s: r.recoveredAfterMs === undefined ? null : r.recoveredAfterMs / 1000,
      healthy_after_s: r.healthyAfterMs === undefined ? null : r.healthyAfterMs / 1000,
      nova_actions: r.actions,
      checks: r.checks,
      events: r.events.map((e) => ({ t_s: Math.round(e.at - r.injectedAt) / 1000, source: e.source, text: e.text, ...(e.data ? { data: e.data } : {}) })),
    })),
  };
}
