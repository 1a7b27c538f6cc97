// A clock that moves only when a test says so, to observe the fake's
// transient states (REBOOT, MIGRATING, ...) deterministically.
import type { Clock } from '../../src/domain/clock.ts';

export class ManualClock implements Clock {
  private t = Date.UTC(2026, 0, 1);
  private pending: { at: number; resolve: () => void }[] = [];

  now(): number {
    return this.t;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.pending.push({ at: this.t + ms, resolve }));
  }

  /** Moves time forward, waking sleepers in order and letting their work run. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await new Promise((r) => setImmediate(r));
      this.pending.sort((a, b) => a.at - b.at);
      const next = this.pending[0];
      if (!next || next.at > end) break;
      this.pending.shift();
      this.t = next.at;
      next.resolve();
    }
    this.t = end;
    await new Promise((r) => setImmediate(r));
  }
}
