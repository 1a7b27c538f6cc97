// The probe loop of `vmha probe`: a cycle every interval, measures handed to the
// publisher whose flush runs in the background (a slow or absent Gnocchi never delays
// the next cycle).
import type { Clock } from '../src/domain/clock.ts';
import type { Logger } from '../src/log.ts';
import type { AgentMetrics } from './metrics.ts';
import type { Publisher } from './publish/publisher.ts';
import type { GuestTarget } from './probes/guest.ts';
import type { CycleReport, ProbeRunner } from './runner.ts';

export interface ProbeLoopDeps {
  runner: ProbeRunner;
  publisher: Publisher | undefined;
  metrics: AgentMetrics;
  clock: Clock;
  logger: Logger;
  intervalMs: number;
}

export class ProbeLoop {
  private pendingFlush: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ProbeLoopDeps) {}

  /** One cycle: probe, record, queue for publishing and start a flush (not awaited). */
  async cycle(): Promise<CycleReport> {
    const report = await this.deps.runner.runCycle();
    this.deps.metrics.observe(report);
    if (report.listError === undefined) this.deps.metrics.retain(new Set(report.results.map((r) => r.uuid)));
    if (this.deps.publisher) {
      this.deps.publisher.enqueue(report.results);
      this.pendingFlush = this.deps.publisher.flush();
    }
    this.deps.logger.info('probe cycle done', {
      guests: report.results.length,
      duration_ms: report.durationMs,
      problems: report.results.reduce((n, r) => n + r.problems.length, 0),
    });
    return report;
  }

  /** Probes and publishes one guest at once (the libvirt source's onUrgent). */
  async urgent(g: GuestTarget): Promise<void> {
    const r = await this.deps.runner.probeNow(g);
    if (!r) return;
    const report: CycleReport = { startedAt: r.at, durationMs: r.durationMs, results: [r], listError: undefined };
    this.deps.metrics.observe(report);
    if (this.deps.publisher) {
      this.deps.publisher.enqueue([r]);
      this.pendingFlush = this.deps.publisher.flush();
    }
  }

  /** Waits for the flush started by the last cycle (used by --once and at shutdown). */
  async drain(): Promise<void> {
    await this.pendingFlush;
  }

  /** Runs cycles every interval until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const { clock, intervalMs, logger } = this.deps;
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    let next = clock.now();
    while (!signal.aborted) {
      await this.cycle();
      next += intervalMs;
      const wait = next - clock.now();
      if (wait < 0) {
        logger.warn('probe cycle took longer than the interval: next cycle starts now', {
          overrun_ms: -wait,
          action: 'raise probe.concurrency or probe.interval_s, or lower probe.disk.size_bytes',
        });
        next = clock.now();
        continue;
      }
      await Promise.race([clock.sleep(wait), aborted]);
    }
    await this.drain();
  }
}
