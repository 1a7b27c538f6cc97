// Measures waiting for Gnocchi. Bounded: while Gnocchi is down the oldest are dropped
// (and counted) so memory stays flat and probing never waits on publishing.
import type { BatchMeasures } from '../../src/openstack/gnocchi.ts';

export interface PendingMeasure {
  resourceId: string;
  metric: string;
  /** ISO 8601. */
  timestamp: string;
  value: number;
}

export class MeasureBuffer {
  private items: PendingMeasure[] = [];
  /** Measures dropped because the buffer was full, since start. */
  dropped = 0;

  constructor(readonly max: number) {
    if (max < 1) throw new Error('buffer size must be at least 1');
  }

  get size(): number {
    return this.items.length;
  }

  /** Appends new measures; returns how many old ones were dropped to make room. */
  push(items: readonly PendingMeasure[]): number {
    this.items.push(...items);
    return this.trim();
  }

  /** Removes and returns up to n of the oldest measures. */
  take(n: number): PendingMeasure[] {
    return this.items.splice(0, n);
  }

  /** Puts measures that could not be sent back in front (they are the oldest). */
  requeue(items: readonly PendingMeasure[]): number {
    this.items.unshift(...items);
    return this.trim();
  }

  private trim(): number {
    const over = this.items.length - this.max;
    if (over <= 0) return 0;
    this.items.splice(0, over);
    this.dropped += over;
    return over;
  }
}

/** The upstream batch body: {resource: {metric: {measures, archive_policy_name}}}. Pure. */
export function toBatch(items: readonly PendingMeasure[], archivePolicy: string): BatchMeasures {
  const batch: BatchMeasures = {};
  const lists = new Map<string, { timestamp: string; value: number }[]>();
  for (const m of items) {
    const key = `${m.resourceId}\u0000${m.metric}`;
    let list = lists.get(key);
    if (!list) {
      list = [];
      lists.set(key, list);
      (batch[m.resourceId] ??= {})[m.metric] = { archive_policy_name: archivePolicy, measures: list };
    }
    list.push({ timestamp: m.timestamp, value: m.value });
  }
  return batch;
}
