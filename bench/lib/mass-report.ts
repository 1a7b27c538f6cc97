// Figures of one mass-failure phase, from what the Nova-side observer saw and when each
// instance was verified. Pure. Every time is converted to real-scale seconds after the
// failure: (wall ms - t0) / 1000 * timeScale.
import { quantile, round } from './report.ts';

export interface Evacuation {
  serverId: string;
  acceptedAt: number;
  endedAt: number | null;
  status: string;
  sourceAlive: boolean;
  sourceForcedDown: boolean;
  fencedAt: number | null;
  drawnMs: number;
}

export interface PhaseInput {
  timeScale: number;
  t0: number;
  /** The HA servers on the failed hosts. */
  affected: string[];
  evacuations: Evacuation[];
  /** When the sender saw each instance ACTIVE on another host (wall ms); missing: not recovered. */
  verifiedAt: Map<string, number>;
  /** When the sender's limits let each evacuation start (wall ms): for its own concurrency. */
  startedAt: Map<string, number>;
  /** Nova actions other than evacuate (none expected). */
  otherActions: number;
  limits: { concurrency: number; perMinute: number };
  /** Whether the sender must have fenced each source first (vmha: yes; the bare loop does not fence). */
  fenced: boolean;
}

/** Most starts within any window [t, t + w). */
export function peakInWindow(starts: readonly number[], w: number): number {
  const s = [...starts].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < s.length; j++) {
    while (s[j]! - s[i]! >= w) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

/** Windows [s_i, s_i + w) holding more than `limit` starts. */
export function windowViolations(starts: readonly number[], w: number, limit: number): number {
  const s = [...starts].sort((a, b) => a - b);
  let n = 0;
  for (let i = 0; i + limit < s.length; i++) if (s[i + limit]! - s[i]! < w) n++;
  return n;
}

/** Highest number of intervals open at once, and how many starts pushed it above `limit` (an end at t closes before a start at t). */
export function peakConcurrent(intervals: readonly { from: number; to: number }[], limit = Infinity): { peak: number; over: number } {
  const ev = intervals.flatMap((x) => [
    { t: x.from, d: 1 },
    { t: x.to, d: -1 },
  ]);
  ev.sort((a, b) => a.t - b.t || a.d - b.d);
  let cur = 0;
  let peak = 0;
  let over = 0;
  for (const e of ev) {
    cur += e.d;
    if (e.d > 0 && cur > limit) over++;
    peak = Math.max(peak, cur);
  }
  return { peak, over };
}

export type PhaseFigures = ReturnType<typeof phaseFigures>;

/** The table's figures for one phase (real-scale seconds). */
export function phaseFigures(p: PhaseInput) {
  const rs = (wallMs: number): number => ((wallMs - p.t0) / 1000) * p.timeScale;
  const affected = new Set(p.affected);
  const recovered = p.affected.filter((id) => p.verifiedAt.has(id)).map((id) => rs(p.verifiedAt.get(id)!));
  const accepted = p.evacuations.map((e) => rs(e.acceptedAt));
  const novaIntervals = p.evacuations.map((e) => ({ from: rs(e.acceptedAt), to: e.endedAt === null ? Infinity : rs(e.endedAt) }));
  const senderIntervals = [...p.startedAt].map(([id, at]) => ({ from: rs(at), to: p.verifiedAt.has(id) ? rs(p.verifiedAt.get(id)!) : Infinity }));
  const nova = peakConcurrent(novaIntervals, p.limits.concurrency);
  const perServer = new Map<string, number>();
  for (const e of p.evacuations) perServer.set(e.serverId, (perServer.get(e.serverId) ?? 0) + 1);
  const lags = p.evacuations.filter((e) => e.endedAt !== null && p.verifiedAt.has(e.serverId)).map((e) => ((p.verifiedAt.get(e.serverId)! - e.endedAt!) / 1000) * p.timeScale);
  const novaErr = p.evacuations.filter((e) => e.endedAt !== null).map((e) => Math.abs(e.endedAt! - e.acceptedAt - e.drawnMs));
  const span = accepted.length > 1 ? (Math.max(...accepted) - Math.min(...accepted)) / 60 : 0;
  return {
    instances: p.affected.length,
    recovered: recovered.length,
    totalS: recovered.length ? round(Math.max(...recovered), 1) : NaN,
    p50S: round(quantile(recovered, 0.5), 1),
    p95S: round(quantile(recovered, 0.95), 1),
    firstEvacuationS: accepted.length ? round(Math.min(...accepted), 1) : NaN,
    lastEvacuationS: accepted.length ? round(Math.max(...accepted), 1) : NaN,
    evacuations: p.evacuations.length,
    peakPerMinute: peakInWindow(accepted, 60),
    meanPerMinute: round(span > 0 ? (accepted.length - 1) / span : accepted.length, 1),
    peakInFlightNova: nova.peak,
    peakInFlightSender: peakConcurrent(senderIntervals).peak,
    verifyLagP50S: round(quantile(lags, 0.5), 1),
    verifyLagP95S: round(quantile(lags, 0.95), 1),
    /** Nova's measured evacuation time against its draw (wall ms): checks the FIFO hand-out. */
    novaDrawMaxErrMs: novaErr.length ? Math.max(...novaErr) : 0,
    violations: {
      concurrency: nova.over,
      rate: windowViolations(accepted, 60, p.limits.perMinute),
      /** Nova's service_is_up for the source when it accepted: heartbeating and not forced down. */
      sourceUp: p.evacuations.filter((e) => e.sourceAlive && !e.sourceForcedDown).length,
      /** The source still heartbeating at all (forced down or not): a split brain. */
      sourceAlive: p.evacuations.filter((e) => e.sourceAlive).length,
      notFencedFirst: p.fenced ? p.evacuations.filter((e) => e.fencedAt === null || e.fencedAt > e.acceptedAt).length : null,
      evacuatedTwice: [...perServer.values()].filter((n) => n > 1).length,
      notAffected: p.evacuations.filter((e) => !affected.has(e.serverId)).length,
      failedInNova: p.evacuations.filter((e) => e.status !== 'done').length,
      otherActions: p.otherActions,
    },
  };
}
