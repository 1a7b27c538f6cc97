// The measures of one metric, kept compact (two growable Float64Arrays sorted by
// time) because a probe writes many points, and aggregated on demand the way
// Gnocchi's carbonara does: fixed buckets of `granularity` seconds.
import type { ArchivePolicy } from './archive-policies.ts';

/** Gnocchi aggregation methods computed here (rate:* is not). */
export type AggregationMethod = 'mean' | 'max' | 'min' | 'last' | 'first' | 'sum' | 'count' | 'std' | 'median' | `${number}pct`;

/** Whether aggregate() can compute this method. */
export function computable(method: string): method is AggregationMethod {
  return ['mean', 'max', 'min', 'last', 'first', 'sum', 'count', 'std', 'median'].includes(method) || /^([1-9]|[1-9]\d)pct$/.test(method);
}

function reduce(method: AggregationMethod, v: number[]): number {
  const sum = v.reduce((a, b) => a + b, 0);
  switch (method) {
    case 'mean':
      return sum / v.length;
    case 'sum':
      return sum;
    case 'count':
      return v.length;
    case 'max':
      return v.reduce((a, b) => (b > a ? b : a), -Infinity);
    case 'min':
      return v.reduce((a, b) => (b < a ? b : a), Infinity);
    case 'first':
      return v[0] as number;
    case 'last':
      return v[v.length - 1] as number;
    case 'std': {
      if (v.length < 2) return NaN;
      const mean = sum / v.length;
      return Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
    }
    default: {
      // median and Npct: linear interpolation between closest ranks, as numpy.percentile.
      const q = method === 'median' ? 50 : Number(method.slice(0, -3));
      const sorted = [...v].sort((a, b) => a - b);
      const pos = ((sorted.length - 1) * q) / 100;
      const lo = Math.floor(pos);
      const hi = Math.ceil(pos);
      return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
    }
  }
}

export interface AggregatedPoint {
  /** Bucket start, epoch ms. */
  timestamp: number;
  /** Seconds. */
  granularity: number;
  value: number;
}

export class MeasureSeries {
  private ts = new Float64Array(64);
  private vs = new Float64Array(64);
  private n = 0;

  get size(): number {
    return this.n;
  }

  /**
   * Adds measures as Gnocchi's BoundTimeSerie.set_values() does: points older than
   * the current block (last timestamp rounded down to the largest granularity,
   * minus back_window blocks) are dropped silently; a repeated timestamp keeps the
   * newest value. Raw points older than the longest timespan are forgotten.
   */
  add(points: { timestamp: number; value: number }[], policy: ArchivePolicy): void {
    if (points.length === 0) return;
    const sorted = [...points].sort((a, b) => a.timestamp - b.timestamp);
    const block = Math.max(...policy.definition.map((d) => d.granularity)) * 1000;
    let floor = -Infinity;
    if (this.n > 0) floor = Math.floor((this.ts[this.n - 1] as number) / block) * block - block * policy.backWindow;
    for (const p of sorted) if (p.timestamp >= floor) this.insert(p.timestamp, p.value);
    const spans = policy.definition.map((d) => d.timespan);
    if (this.n > 0 && spans.every((s): s is number => s !== null)) {
      this.dropBefore((this.ts[this.n - 1] as number) - Math.max(...spans) * 1000);
    }
  }

  /** Raw points in [start, stop), oldest first. */
  raw(start = -Infinity, stop = Infinity): { timestamp: number; value: number }[] {
    const out: { timestamp: number; value: number }[] = [];
    for (let i = this.lowerBound(start); i < this.n && (this.ts[i] as number) < stop; i++) out.push({ timestamp: this.ts[i] as number, value: this.vs[i] as number });
    return out;
  }

  /** Buckets of `granularity` seconds whose start is in [floor(start), stop), at most `points` of the newest kept. */
  aggregate(granularity: number, method: AggregationMethod, opts: { start?: number; stop?: number; points?: number | null } = {}): AggregatedPoint[] {
    const g = granularity * 1000;
    const start = opts.start === undefined ? -Infinity : Math.floor(opts.start / g) * g;
    const out: AggregatedPoint[] = [];
    let bucket = NaN;
    let values: number[] = [];
    const flush = (): void => {
      if (values.length === 0) return;
      const value = reduce(method, values);
      // Gnocchi drops NaN aggregates (e.g. std of a single point).
      if (!Number.isNaN(value)) out.push({ timestamp: bucket, granularity, value });
    };
    for (let i = this.lowerBound(start); i < this.n; i++) {
      const t = this.ts[i] as number;
      const b = Math.floor(t / g) * g;
      if (b !== bucket) {
        flush();
        bucket = b;
        values = [];
      }
      values.push(this.vs[i] as number);
    }
    flush();
    let kept = out;
    if (opts.points && kept.length) {
      const newest = (kept[kept.length - 1] as AggregatedPoint).timestamp;
      kept = kept.filter((p) => p.timestamp > newest - opts.points! * g);
    }
    const stop = opts.stop ?? Infinity;
    return kept.filter((p) => p.timestamp >= start && p.timestamp < stop);
  }

  private insert(t: number, v: number): void {
    const i = this.lowerBound(t);
    if (i < this.n && this.ts[i] === t) {
      this.vs[i] = v;
      return;
    }
    if (this.n === this.ts.length) {
      const ts = new Float64Array(this.ts.length * 2);
      const vs = new Float64Array(this.vs.length * 2);
      ts.set(this.ts);
      vs.set(this.vs);
      this.ts = ts;
      this.vs = vs;
    }
    if (i < this.n) {
      this.ts.copyWithin(i + 1, i, this.n);
      this.vs.copyWithin(i + 1, i, this.n);
    }
    this.ts[i] = t;
    this.vs[i] = v;
    this.n += 1;
  }

  private dropBefore(t: number): void {
    const i = this.lowerBound(t);
    if (i === 0) return;
    this.ts.copyWithin(0, i, this.n);
    this.vs.copyWithin(0, i, this.n);
    this.n -= i;
  }

  /** First index whose timestamp is >= t. */
  private lowerBound(t: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.ts[mid] as number) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
