// The mass-failure guard (HaStack's self-defense): when a large share of hosts or of
// HA instances fails at once, the cause is shared (network, storage, the control
// plane) and evacuating would only spread the outage. Stop every automatic action,
// say so, and resume when the share falls below a lower threshold or an operator
// resumes. Pure: counts in, next state out.

export interface GuardSettings {
  enabled: boolean;
  /** Trip at or above this share (percent) of hosts or of HA instances failing. */
  tripPct: number;
  /** Release automatically once both shares are below this. */
  resumePct: number;
  /** Shares of tiny numbers mean nothing: at least this many hosts must fail ... */
  minHosts: number;
  /** ... or this many HA instances alarm, for the guard to trip. */
  minInstances: number;
}

export interface GuardState {
  tripped: boolean;
  since: number | null;
  reason: string | null;
  /** An operator resumed while the shares were still high: no re-trip until they fall below resumePct. */
  override: { by: string; at: number } | null;
}

export const INITIAL_GUARD: GuardState = { tripped: false, since: null, reason: null, override: null };

export interface GuardCounts {
  hostsTotal: number;
  /** Hosts failing now whose failure (or first alarm) is within the window. */
  hostsFailingRecent: string[];
  /** Hosts failing now, however long ago it started. */
  hostsFailingNow: string[];
  instancesTotal: number;
  instancesAlarmingRecent: number;
  instancesAlarmingNow: number;
}

export interface GuardShares {
  hosts: { failing: number; total: number; pct: number };
  instances: { alarming: number; total: number; pct: number };
}

export interface GuardEvaluation {
  state: GuardState;
  change: 'tripped' | 'released' | 'override-cleared' | null;
  /** The shares the decision used (recent ones for tripping, current ones for releasing). */
  shares: GuardShares;
  reason: string;
}

const pct = (n: number, total: number): number => (total > 0 ? Math.round((1000 * n) / total) / 10 : 0);

function shares(c: GuardCounts, recent: boolean): GuardShares {
  const hosts = recent ? c.hostsFailingRecent.length : c.hostsFailingNow.length;
  const inst = recent ? c.instancesAlarmingRecent : c.instancesAlarmingNow;
  return {
    hosts: { failing: hosts, total: c.hostsTotal, pct: pct(hosts, c.hostsTotal) },
    instances: { alarming: inst, total: c.instancesTotal, pct: pct(inst, c.instancesTotal) },
  };
}

const describe = (s: GuardShares): string =>
  `${s.hosts.failing} of ${s.hosts.total} hosts failing (${s.hosts.pct} %), ${s.instances.alarming} of ${s.instances.total} HA instances alarming (${s.instances.pct} %)`;

/** The guard's next state from its current one and fresh counts. */
export function evaluateGuard(prev: GuardState, c: GuardCounts, s: GuardSettings, now: number): GuardEvaluation {
  const current = shares(c, false);
  const below = current.hosts.pct < s.resumePct && current.instances.pct < s.resumePct;
  if (!s.enabled) {
    return prev.tripped || prev.override
      ? { state: INITIAL_GUARD, change: 'released', shares: current, reason: 'the mass-failure guard is disabled in the configuration' }
      : { state: prev, change: null, shares: current, reason: 'the mass-failure guard is disabled' };
  }
  if (prev.tripped) {
    if (below) {
      return { state: INITIAL_GUARD, change: 'released', shares: current, reason: `below the resume threshold of ${s.resumePct} %: ${describe(current)}` };
    }
    return { state: prev, change: null, shares: current, reason: prev.reason ?? 'tripped' };
  }
  if (prev.override) {
    if (below) return { state: INITIAL_GUARD, change: 'override-cleared', shares: current, reason: `back below ${s.resumePct} %: ${describe(current)}` };
    return { state: prev, change: null, shares: current, reason: `resumed by ${prev.override.by} while ${describe(current)}` };
  }
  const recent = shares(c, true);
  const hostsTrip = recent.hosts.failing >= s.minHosts && recent.hosts.pct >= s.tripPct;
  const instTrip = recent.instances.alarming >= s.minInstances && recent.instances.pct >= s.tripPct;
  if (hostsTrip || instTrip) {
    const reason = `mass failure: ${describe(recent)}; at least ${s.tripPct} % trips the guard${
      c.hostsFailingRecent.length ? ` (failing hosts: ${c.hostsFailingRecent.slice(0, 20).join(', ')}${c.hostsFailingRecent.length > 20 ? ', ...' : ''})` : ''
    }`;
    return { state: { tripped: true, since: now, reason, override: null }, change: 'tripped', shares: recent, reason };
  }
  return { state: prev, change: null, shares: recent, reason: `normal: ${describe(recent)}` };
}
