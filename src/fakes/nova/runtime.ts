// The background half of the fake: work nova does after answering runs here,
// on the injected clock, and stop() cancels all of it (timers included).
import { systemClock, type Clock } from '../../domain/clock.ts';

/** Thrown inside background work once stopped; never escapes. */
export const STOPPED = new Error('nova model stopped');

export class BackgroundWork {
  /** Unexpected exceptions thrown by background work (a bug in the fake if not empty). */
  readonly errors: unknown[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly cancels = new Set<() => void>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private stopped = false;

  constructor(private readonly clock: Clock) {}

  /** Runs `work` in the background. */
  spawn(work: () => Promise<void>): void {
    if (this.stopped) return;
    const p: Promise<void> = work()
      .catch((err: unknown) => {
        if (err !== STOPPED) this.errors.push(err);
      })
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  /** Resolves once nothing runs (work blocked on a dead host keeps it pending). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Waits `ms` of the clock; rejects with STOPPED once stopped. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.stopped) return reject(STOPPED);
      let timer: NodeJS.Timeout | undefined;
      const cancel = (): void => {
        if (timer) clearTimeout(timer);
        reject(STOPPED);
      };
      this.cancels.add(cancel);
      const done = (): void => {
        this.cancels.delete(cancel);
        if (this.stopped) reject(STOPPED);
        else resolve();
      };
      // With the real clock, own the timer so stop() can clear it.
      if (this.clock === systemClock) timer = setTimeout(done, Math.max(0, ms));
      else void this.clock.sleep(ms).then(done);
    });
  }

  /** Resolves when `ready()` holds: at once, or at a later wake(key). */
  waitFor(key: string, ready: () => boolean): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      if (this.stopped) return reject(STOPPED);
      const cancel = (): void => reject(STOPPED);
      const set = this.waiters.get(key) ?? new Set();
      const wake = (): void => {
        if (!ready()) return;
        set.delete(wake);
        this.cancels.delete(cancel);
        resolve();
      };
      this.cancels.add(cancel);
      set.add(wake);
      this.waiters.set(key, set);
    });
  }

  /** Re-checks the waiters of `key`. */
  wake(key: string): void {
    for (const wake of [...(this.waiters.get(key) ?? [])]) wake();
  }

  /** Never resolves (an injected hang); rejects with STOPPED at stop(). */
  hang(): Promise<never> {
    return new Promise<never>((_resolve, reject) => {
      if (this.stopped) return reject(STOPPED);
      this.cancels.add(() => reject(STOPPED));
    });
  }

  stop(): void {
    this.stopped = true;
    for (const cancel of [...this.cancels]) cancel();
    this.cancels.clear();
    this.waiters.clear();
  }
}
