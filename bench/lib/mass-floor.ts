// The theoretical floor of a mass failure: how fast the evacuations could finish under
// the limits alone, with the run's own Nova durations, if detection, fencing, HTTP and
// verification cost nothing. Pure.

export interface FloorJob {
  host: string;
  /** Nova's evacuation time, seconds. */
  durationS: number;
}

export interface FloorLimits {
  /** At most this many at once per source host (Infinity: no per-host cap). */
  perHost: number;
  /** At most this many at once overall (Infinity: no global cap). */
  global: number;
  /** At most perWindow starts in any sliding window of windowS. */
  perWindow: number;
  windowS: number;
}

/**
 * A greedy schedule with zero overhead: whenever a slot is free and the rate window
 * allows, the next job starts (hosts taken in turn). Returns each job's finish time,
 * sorted, and the start times.
 */
export function idealSchedule(jobs: readonly FloorJob[], l: FloorLimits): { finishes: number[]; starts: number[] } {
  const queues = new Map<string, number[]>();
  for (const j of jobs) queues.set(j.host, [...(queues.get(j.host) ?? []), j.durationS]);
  const hosts = [...queues.keys()];
  const perHostRunning = new Map<string, number>(hosts.map((h) => [h, 0]));
  let running: { end: number; host: string }[] = [];
  const starts: number[] = [];
  const finishes: number[] = [];
  let left = jobs.length;
  let turn = 0;
  let t = 0;
  const rateAllows = (): boolean => starts.length < l.perWindow || t >= starts[starts.length - l.perWindow]! + l.windowS - 1e-9;
  while (left > 0 || running.length) {
    for (const r of running.filter((x) => x.end <= t + 1e-9)) {
      finishes.push(r.end);
      perHostRunning.set(r.host, perHostRunning.get(r.host)! - 1);
    }
    running = running.filter((x) => x.end > t + 1e-9);
    for (let progress = true; progress && left > 0; ) {
      progress = false;
      for (let k = 0; k < hosts.length && left > 0; k++) {
        const host = hosts[(turn + k) % hosts.length]!;
        const q = queues.get(host)!;
        if (!q.length || perHostRunning.get(host)! >= l.perHost || running.length >= l.global || !rateAllows()) continue;
        const d = q.shift()!;
        starts.push(t);
        running.push({ end: t + d, host });
        perHostRunning.set(host, perHostRunning.get(host)! + 1);
        left--;
        progress = true;
        turn = (turn + k + 1) % hosts.length;
        break;
      }
    }
    const next = [Math.min(...running.map((r) => r.end))];
    if (left > 0 && starts.length >= l.perWindow) next.push(starts[starts.length - l.perWindow]! + l.windowS);
    const later = next.filter((x) => Number.isFinite(x) && x > t + 1e-9);
    if (!later.length) break;
    t = Math.min(...later);
  }
  return { finishes: finishes.sort((a, b) => a - b), starts };
}

/** Lower bounds any schedule obeys, whatever the order: work / concurrency, the longest job, the rate. */
export function bounds(jobs: readonly FloorJob[], l: { concurrency: number; perWindow: number; windowS: number }): { workS: number; longestS: number; rateS: number } {
  const d = jobs.map((j) => j.durationS);
  const sum = d.reduce((a, b) => a + b, 0);
  // The k-th start (0-based) cannot come before floor(k / perWindow) windows; the last one then runs.
  const rateS = jobs.length ? Math.floor((jobs.length - 1) / l.perWindow) * l.windowS + Math.min(...d) : 0;
  return { workS: sum / l.concurrency, longestS: d.length ? Math.max(...d) : 0, rateS };
}
