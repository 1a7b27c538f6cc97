// The mass-failure scenario as plain data (bench/mass-failure.ts): which servers exist,
// which are HA, which hosts fail, how long each evacuation takes in Nova, and the
// vmha.yaml it runs with, time-compressed by one factor. Pure: no processes, no I/O.
import { PUBLIC_URL, SECRET } from './cloud-types.ts';

/** Everything a run depends on, in real-scale units (seconds as they would pass on a real cloud). */
export interface MassSettings {
  hosts: number;
  instances: number;
  /** Instances with HA_Enabled=True, spread at random (seeded) over all of them. */
  ha: number;
  /** Hosts failing at once: the first `failing` of them. */
  failing: number;
  /** Every pacing duration is divided by this (wall time = real-scale time / timeScale); a divisor of 60. */
  timeScale: number;
  seed: number;
  /** Nova's evacuation time (accepted to ACTIVE on the new host). */
  dist: 'lognormal' | 'uniform';
  /** lognormal: median and sigma of the underlying normal. */
  medianS: number;
  sigma: number;
  /** uniform: bounds. */
  minS: number;
  maxS: number;
  /** Of each evacuation, the time the conductor takes to pick a destination. */
  scheduleS: number;
  /** How long the BMC takes to power a host off. */
  fenceS: number;
  /** Each affected HA instance's alarm reaches vmha this long after the failure (uniform). */
  alarmFromS: number;
  alarmToS: number;
  /** Global recovery limits (HaStack's test: 20 at once, 100 per minute). */
  concurrency: number;
  perMinute: number;
  /** The mass-failure guard's trip threshold for this run (vmha's default is 50). */
  guardPct: number;
  /** A phase that has not recovered everything after this long (real-scale) fails. */
  timeoutMin: number;
}

export const HASTACK: MassSettings = {
  hosts: 38,
  instances: 1741,
  ha: 1000,
  failing: 20,
  timeScale: 20,
  seed: 1,
  dist: 'lognormal',
  medianS: 80,
  sigma: 0.3,
  minS: 60,
  maxS: 120,
  scheduleS: 2,
  fenceS: 5,
  alarmFromS: 30,
  alarmToS: 90,
  concurrency: 20,
  perMinute: 100,
  guardPct: 60,
  timeoutMin: 180,
};

/** HaStack's published figures for this scenario (minutes to recover everything). */
export const HASTACK_MINUTES = [41, 20] as const;

/** Problems with the settings (empty when usable). */
export function checkSettings(s: MassSettings): string[] {
  const p: string[] = [];
  if (!Number.isInteger(s.timeScale) || s.timeScale < 1 || 60 % s.timeScale !== 0) {
    p.push('--time-scale must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60): the rate window (60 s) and vmha\'s integer windows must stay whole seconds');
  }
  if (s.failing < 1 || s.failing >= s.hosts) p.push('--failing must be at least 1 and leave a host alive');
  if (s.ha > s.instances) p.push('--ha cannot exceed --instances');
  if (s.alarmToS < s.alarmFromS) p.push('--alarm-s must be FROM:TO with FROM <= TO');
  if (s.scheduleS >= (s.dist === 'uniform' ? s.minS : s.medianS / 3)) p.push('--schedule-s must be well below the evacuation time');
  return p;
}

/**
 * The limits of the run, in HaStack's model: one global pool, `concurrency` at once
 * (limits.global.concurrency, held from issue to verification, across hosts) and
 * `perMinute` starts per sliding 60 s (limits.global.per_window). HaStack has no
 * per-host limits, so vmha's are set as high as the global ones, where they can never
 * bind first. Windows are real-scale seconds here; vmhaConfig scales them.
 */
export function massLimits(s: MassSettings): { global: { concurrency: number; perWindow: number }; perHost: { concurrency: number; perWindow: number } } {
  return { global: { concurrency: s.concurrency, perWindow: s.perMinute }, perHost: { concurrency: s.concurrency, perWindow: s.perMinute } };
}

/** mulberry32: a small seeded PRNG, enough for reproducible draws. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws one evacuation duration (s) from the stated distribution. */
export function drawDuration(s: MassSettings, rand: () => number): number {
  if (s.dist === 'uniform') return s.minS + (s.maxS - s.minS) * rand();
  // Box-Muller; 1 - u keeps log() away from 0.
  const z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return s.medianS * Math.exp(s.sigma * z);
}

/** The distribution in words, for the output and the doc. */
export function describeDistribution(s: MassSettings): string {
  if (s.dist === 'uniform') return `uniform ${s.minS}-${s.maxS} s`;
  const q = (z: number): number => Math.round(s.medianS * Math.exp(s.sigma * z));
  return `lognormal, median ${s.medianS} s, sigma ${s.sigma} (5-95 %: ${q(-1.645)}-${q(1.645)} s, mean ${Math.round(s.medianS * Math.exp((s.sigma * s.sigma) / 2))} s)`;
}

export interface PlannedServer {
  index: number;
  name: string;
  host: string;
  ha: boolean;
  /** Nova's evacuation time for this server, real-scale seconds. */
  evacuateS: number;
  /** When its alarm reaches vmha after the failure (HA servers on failed hosts), real-scale seconds. */
  alarmAtS: number | null;
}

export interface Plan {
  hosts: string[];
  failedHosts: string[];
  servers: PlannedServer[];
}

/** The cloud of the scenario, drawn from the seed: the same seed gives the same plan. */
export function planScenario(s: MassSettings): Plan {
  const rand = prng(s.seed);
  const hosts = Array.from({ length: s.hosts }, (_, i) => `compute-${String(i + 1).padStart(2, '0')}`);
  const failedHosts = hosts.slice(0, s.failing);
  // A seeded shuffle picks the HA instances.
  const order = Array.from({ length: s.instances }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const haSet = new Set(order.slice(0, s.ha));
  const failed = new Set(failedHosts);
  const servers = Array.from({ length: s.instances }, (_, i): PlannedServer => {
    const host = hosts[i % hosts.length]!;
    const ha = haSet.has(i);
    const evacuateS = drawDuration(s, rand);
    const alarmAtS = s.alarmFromS + (s.alarmToS - s.alarmFromS) * rand();
    return { index: i, name: `${ha ? 'pet' : 'cattle'}-${i}`, host, ha, evacuateS, alarmAtS: ha && failed.has(host) ? alarmAtS : null };
  });
  return { hosts, failedHosts, servers };
}

/** The HA servers the failure puts in vmha's hands. */
export function affected(plan: Plan): PlannedServer[] {
  const failed = new Set(plan.failedHosts);
  return plan.servers.filter((x) => x.ha && failed.has(x.host));
}

/** Real-scale seconds to wall-clock seconds. */
export const wall = (s: MassSettings, realScaleS: number): number => realScaleS / s.timeScale;

/**
 * The vmha.yaml of the run: vmha's defaults, with every pacing duration divided by the
 * time scale. Timeouts (HTTP 30 s, fence 60 s, verification 600 s) are caps, not paces,
 * and stay as they are: scaling them would only add spurious failures under CPU load.
 * The reconciler keeps its real interval and grace (see below).
 */
export function vmhaConfig(s: MassSettings, o: { stateDir: string; fence: string[] }): Record<string, unknown> {
  const f = (realS: number): number => realS / s.timeScale;
  const whole = (realS: number): number => Math.max(1, Math.round(realS / s.timeScale));
  const l = massLimits(s);
  return {
    webhook: { listen: '127.0.0.1:0', public_url: PUBLIC_URL, secret: SECRET },
    state: { dir: o.stateDir },
    log: { level: 'info', format: 'json' },
    recovery: {
      wait_retry_s: f(10),
      wait_budget_s: whole(1800),
      escalation_window_s: whole(3600),
      verify_timeout_s: 600,
      verify_poll_s: f(5),
      retry: { attempts: 5, base_ms: Math.round(1000 / s.timeScale), max_ms: Math.round(30_000 / s.timeScale) },
      // Not scaled: off the recovery path. At real time the webhook admits a notification
      // in milliseconds, inside the grace; compressed, the intake backlog outlasts a
      // scaled grace and the reconciler would admit most alarms instead.
      reconcile_interval_s: 60,
      reconcile_grace_s: 30,
    },
    limits: {
      global: { concurrency: l.global.concurrency, per_window: l.global.perWindow, window_s: whole(60) },
      // Out of the way (see massLimits): HaStack has no per-host limits.
      per_host: { concurrency: l.perHost.concurrency, per_window: l.perHost.perWindow, window_s: whole(60) },
    },
    safety: {
      instance: { cooldown_s: f(300), max_actions: 3, window_s: whole(3600) },
      host_failure: {
        enabled: true,
        window_s: f(120),
        settle_s: f(30),
        correlate_s: f(5),
        fence: { command: o.fence, timeout_s: 60, expect_stdout: 'Down/Off' },
      },
      guard: { trip_pct: s.guardPct, resume_pct: Math.min(30, s.guardPct - 1), window_s: f(300), census_interval_s: f(30) },
    },
  };
}
