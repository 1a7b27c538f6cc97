/** Time source injected everywhere code needs "now" or a delay, so tests and simulations can drive it. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds of this clock's time, or at once when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      // An aborted sleep clears its timer, so it never keeps the process alive.
      const timer = setTimeout(done, Math.max(0, ms));
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** A clock that moves only when told to: for tests and simulations. */
export class ManualClock implements Clock {
  private timers: { at: number; resolve: () => void }[] = [];

  constructor(private current = Date.parse('2026-01-01T00:00:00Z')) {}

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = { at: this.current + Math.max(0, ms), resolve };
      this.timers.push(timer);
      this.timers.sort((a, b) => a.at - b.at);
      signal?.addEventListener(
        'abort',
        () => {
          this.timers = this.timers.filter((t) => t !== timer);
          resolve();
        },
        { once: true },
      );
    });
  }

  /** Moves time forward, waking every sleeper that is due, in order. */
  advance(ms: number): void {
    const target = this.current + ms;
    while (this.timers.length && this.timers[0]!.at <= target) {
      const t = this.timers.shift()!;
      this.current = t.at;
      t.resolve();
    }
    this.current = target;
  }
}
