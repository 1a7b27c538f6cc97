// The demo's shortened intervals, and the vmha.yaml they become. Production values
// are printed beside them so nobody mistakes the demo's speed for a recommendation.
import type { NovaTimings } from '../fakes/nova/index.ts';

export interface DemoSettings {
  probeIntervalS: number;
  granularityS: number;
  periods: number;
  evaluationIntervalS: number;
  novaTimings: Partial<NovaTimings>;
  /** Longest a scenario may take before it counts as failed. */
  scenarioTimeoutS: number;
  /** Host failure workflow: Nova's compute services read this often, a failed host left alone this long first. */
  censusIntervalS: number;
  settleS: number;
  /** How long a fresh incident waits for related alarms before its first action. */
  correlateS: number;
}

export const DEMO_SETTINGS: DemoSettings = {
  probeIntervalS: 0.5,
  granularityS: 1,
  periods: 3,
  evaluationIntervalS: 1,
  // A hard reboot stays under one alarm period, so the agent-down alarm (3 periods) does not fire on it.
  novaTimings: { liveMigrate: 1500, reboot: 600, rebuild: 1000, evacuate: 1500, boot: 500, schedule: 100 },
  scenarioTimeoutS: 30,
  censusIntervalS: 1,
  settleS: 2,
  correlateS: 0.5,
};

/** What a production deployment runs with (vmha.example.yaml, Aodh's default interval). */
export const PRODUCTION = { probeIntervalS: 10, granularityS: 10, periods: 3, evaluationIntervalS: 60, censusIntervalS: 30, settleS: 30, correlateS: 5 } as const;

/** The archive policy `vmha archive-policy ensure` creates for the demo's 1 s granularity. */
export const DEMO_ARCHIVE_POLICY = 'vmha-demo-1s';

/** The vmha.yaml of the demo, as a document. */
export function demoConfigDoc(o: {
  stateDir: string;
  listen: string;
  publicUrl: string;
  secret: string;
  cloud: string;
  settings: DemoSettings;
  /** The fence command of the host failure workflow (the simulated BMC). */
  fence: string[];
}): Record<string, unknown> {
  const s = o.settings;
  const alarmVars = { granularity: s.granularityS, periods: s.periods };
  return {
    openstack: { cloud: o.cloud, timeout_seconds: 5 },
    webhook: { listen: o.listen, public_url: o.publicUrl, secret: o.secret },
    state: { dir: o.stateDir },
    log: { level: 'info', format: 'json' },
    alarms: {
      evaluation_interval_s: s.evaluationIntervalS,
      detection_target_s: 10,
      archive_policy: DEMO_ARCHIVE_POLICY,
      vars: { 'ping-delay': alarmVars, 'disk-health': alarmVars, 'agent-down': alarmVars },
    },
    recovery: {
      wait_retry_s: 1,
      verify_timeout_s: 30,
      verify_poll_s: 0.2,
      retry: { attempts: 3, base_ms: 200, max_ms: 1000 },
      reconcile_interval_s: 10,
      reconcile_grace_s: 5,
    },
    safety: {
      host_failure: {
        enabled: true,
        settle_s: s.settleS,
        correlate_s: s.correlateS,
        fence: { command: o.fence, timeout_s: 10, expect_stdout: 'Down/Off' },
      },
      guard: { census_interval_s: s.censusIntervalS },
    },
    probe: {
      interval_s: s.probeIntervalS,
      jitter_s: 0,
      agent_timeout_s: 1,
      // Every guest on a host is probed: a guest whose HA flag was removed still reports.
      ha: { filter: false },
      ping: { timeout_s: 1 },
      disk: { size_bytes: 65536, chunk_bytes: 65536, timeout_s: 2 },
      publish: { archive_policy: DEMO_ARCHIVE_POLICY, retries: 0 },
      metrics_listen: '',
    },
  };
}

/** Says how the demo's intervals differ from production, in a few lines. */
export function shortenedNotice(s: DemoSettings): string {
  const p = PRODUCTION;
  return [
    'Intervals are shortened for the demo (production values in brackets):',
    `  probes every ${s.probeIntervalS} s (${p.probeIntervalS} s); alarms over ${s.periods} x ${s.granularityS} s (${p.periods} x ${p.granularityS} s); Aodh evaluates every ${s.evaluationIntervalS} s (${p.evaluationIntervalS} s);`,
    `  vmha gives related alarms ${s.correlateS} s to arrive (${p.correlateS} s), reads Nova's compute services every ${s.censusIntervalS} s (${p.censusIntervalS} s)` +
      ` and leaves a failed host ${s.settleS} s before acting (${p.settleS} s);`,
    "  Nova's simulated actions take about a second.",
  ].join('\n');
}
