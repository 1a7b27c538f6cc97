// Publishes each cycle's measures to Gnocchi in one batch call (create_metrics=true).
// Never blocks probing: enqueue() is synchronous; flush() runs one at a time and, while
// Gnocchi is down, leaves the measures buffered for the next flush.
import type { Clock } from '../../src/domain/clock.ts';
import type { Logger } from '../../src/log.ts';
import { Invalid, OpenStackError } from '../../src/openstack/errors.ts';
import type { BatchMeasures, GnocchiClient } from '../../src/openstack/gnocchi.ts';
import { measuresOf, type GuestResult } from '../probes/result.ts';
import { MeasureBuffer, toBatch, type PendingMeasure } from './buffer.ts';

/** Where measures go: Gnocchi in production, memory in tests. Rejects with OpenStackError. */
export interface MeasureSink {
  send(batch: BatchMeasures): Promise<void>;
}

export class GnocchiSink implements MeasureSink {
  constructor(private readonly gnocchi: GnocchiClient) {}
  send(batch: BatchMeasures): Promise<void> {
    return this.gnocchi.batchResourceMeasures(batch, true);
  }
}

export interface PublisherOptions {
  sink: MeasureSink;
  clock: Clock;
  logger: Logger;
  archivePolicy: string;
  bufferMax: number;
  /** Extra attempts of a failed batch within one flush, with backoff. */
  retries: number;
  /** Measures per batch call. */
  maxBatch?: number;
  backoffMs?: number;
}

export interface FlushOutcome {
  sent: number;
  /** Measures Gnocchi refused as invalid (e.g. unknown resource): dropped, logged. */
  rejected: number;
  /** False when Gnocchi could not be reached: the rest stays buffered. */
  delivered: boolean;
}

export class Publisher {
  readonly buffer: MeasureBuffer;
  private flushing: Promise<FlushOutcome> | undefined;
  /** Totals since start, for /metrics. */
  readonly totals = { sent: 0, rejected: 0, failedFlushes: 0 };

  constructor(private readonly opts: PublisherOptions) {
    this.buffer = new MeasureBuffer(opts.bufferMax);
  }

  /** Queues the measures of a cycle's results. */
  enqueue(results: readonly GuestResult[]): void {
    const items: PendingMeasure[] = [];
    for (const r of results) {
      const timestamp = new Date(r.at).toISOString();
      for (const m of measuresOf(r)) items.push({ resourceId: r.uuid, metric: m.metric, timestamp, value: m.value });
    }
    const dropped = this.buffer.push(items);
    if (dropped) {
      this.opts.logger.warn('publish buffer full: oldest measures dropped', {
        dropped,
        dropped_total: this.buffer.dropped,
        buffered: this.buffer.size,
        action: 'check that Gnocchi is reachable from this host',
      });
    }
  }

  /** Sends everything buffered; concurrent calls share one flush. Never rejects. */
  flush(): Promise<FlushOutcome> {
    this.flushing ??= this.doFlush().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async doFlush(): Promise<FlushOutcome> {
    const out: FlushOutcome = { sent: 0, rejected: 0, delivered: true };
    const maxBatch = this.opts.maxBatch ?? 5000;
    while (this.buffer.size > 0) {
      const items = this.buffer.take(maxBatch);
      const r = await this.sendWithRetries(items);
      out.sent += r.sent;
      out.rejected += r.rejected;
      if (r.unsent.length) {
        this.buffer.requeue(r.unsent);
        out.delivered = false;
        this.totals.failedFlushes++;
        break;
      }
    }
    this.totals.sent += out.sent;
    this.totals.rejected += out.rejected;
    return out;
  }

  private async sendWithRetries(items: PendingMeasure[]): Promise<{ sent: number; rejected: number; unsent: PendingMeasure[] }> {
    const backoff = this.opts.backoffMs ?? 500;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.sendSplittingInvalid(items);
      } catch (err) {
        if (!(err instanceof OpenStackError)) throw err;
        if (attempt >= this.opts.retries) {
          this.opts.logger.warn('cannot publish measures to Gnocchi: kept in the buffer for the next cycle', {
            error: err.message,
            kind: err.kind,
            request_id: err.requestId,
            buffered: this.buffer.size + items.length,
            action: 'check Gnocchi and the credentials of this host',
          });
          return { sent: 0, rejected: 0, unsent: items };
        }
        await this.opts.clock.sleep(backoff * 2 ** attempt);
      }
    }
  }

  /**
   * Gnocchi refuses a whole batch when one resource is unknown (400). Halving the batch
   * finds the refused resources without reading the error text; the rest is delivered.
   */
  private async sendSplittingInvalid(items: PendingMeasure[]): Promise<{ sent: number; rejected: number; unsent: PendingMeasure[] }> {
    try {
      await this.opts.sink.send(toBatch(items, this.opts.archivePolicy));
      return { sent: items.length, rejected: 0, unsent: [] };
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      const resources = [...new Set(items.map((m) => m.resourceId))];
      if (resources.length <= 1) {
        this.opts.logger.error('Gnocchi refused the measures of an instance: dropped', {
          uuid: resources[0],
          error: err.message,
          request_id: err.requestId,
          action: 'check that the instance resource exists in Gnocchi and the archive policy is valid',
        });
        return { sent: 0, rejected: items.length, unsent: [] };
      }
      const half = new Set(resources.slice(0, Math.ceil(resources.length / 2)));
      const a = await this.sendSplittingInvalid(items.filter((m) => half.has(m.resourceId)));
      const b = await this.sendSplittingInvalid(items.filter((m) => !half.has(m.resourceId)));
      return { sent: a.sent + b.sent, rejected: a.rejected + b.rejected, unsent: [...a.unsent, ...b.unsent] };
    }
  }
}
