// Paces the engine: at most one timer per incident, and the work in flight that stop()
// and idle() wait for.
import { systemClock } from '../domain/clock.ts';

export class Scheduler {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly pending = new Set<Promise<void>>();
  private readonly stopping = new AbortController();

  /**
   * `process` looks at one incident when its timer fires; `failed` is told when it throws
   * (a rejection nobody catches would end the process).
   */
  constructor(
    private readonly process: (id: string) => Promise<void>,
    private readonly failed: (id: string, err: unknown) => void,
  ) {}

  /** True once stop() was called: nothing new is scheduled. */
  get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  /** Waits `ms` (real time, like the timers), or less when stop() is called meanwhile. */
  pause(ms: number): Promise<void> {
    return systemClock.sleep(ms, this.stopping.signal);
  }

  /** Looks at the incident after `delayMs`, replacing the timer it had. */
  schedule(id: string, delayMs: number): void {
    if (this.stopped) return;
    const existing = this.timers.get(id);
    if (existing) clearTimeout(existing);
    const run = (): void => {
      this.timers.delete(id);
      this.track(
        this.process(id).catch((err: unknown) => {
          try {
            this.failed(id, err);
          } catch {
            // Reporting failed too: nothing more to do without ending the process.
          }
        }),
      );
    };
    // Real timers even under a simulated clock: the delay only paces re-decisions,
    // while every time-dependent rule reads the injected clock.
    this.timers.set(id, setTimeout(run, Math.max(0, delayMs)));
  }

  /** Counts `work` as in flight until it settles; returns it, settled the same way. */
  track(work: Promise<void>): Promise<void> {
    const p = work.finally(() => this.pending.delete(p));
    this.pending.add(p);
    return p;
  }

  /** Stops scheduling; resolves when work in progress has returned. */
  async stop(): Promise<void> {
    this.stopping.abort();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.pending]);
  }

  /** Resolves when nothing is in flight or scheduled (tests). */
  async idle(): Promise<void> {
    while (this.pending.size || this.timers.size) await Promise.allSettled([...this.pending, new Promise((r) => setTimeout(r, 5))]);
  }
}
