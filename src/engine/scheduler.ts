// Paces the engine: at most one timer per incident, and the work in flight that stop()
// and idle() wait for.

export class Scheduler {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly pending = new Set<Promise<void>>();
  private halted = false;

  /** `process` looks at one incident when its timer fires. */
  constructor(private readonly process: (id: string) => Promise<void>) {}

  /** True once stop() was called: nothing new is scheduled. */
  get stopped(): boolean {
    return this.halted;
  }

  /** Looks at the incident after `delayMs`, replacing the timer it had. */
  schedule(id: string, delayMs: number): void {
    if (this.halted) return;
    const existing = this.timers.get(id);
    if (existing) clearTimeout(existing);
    const run = (): void => {
      this.timers.delete(id);
      this.track(this.process(id));
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
    this.halted = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.pending]);
  }

  /** Resolves when nothing is in flight or scheduled (tests). */
  async idle(): Promise<void> {
    while (this.pending.size || this.timers.size) await Promise.allSettled([...this.pending, new Promise((r) => setTimeout(r, 5))]);
  }
}
