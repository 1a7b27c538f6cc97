import { expect } from 'chai';
import { ManualClock } from '../../src/domain/clock.ts';
import { Limits, validateLimits, type LimitSettings } from '../../src/limits/limits.ts';

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

/** Largest number of starts inside any window of `windowMs` (sliding). */
function maxInWindow(starts: number[], windowMs: number): number {
  const s = [...starts].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < s.length; i++) {
    while (s[i]! - s[j]! >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await settle();
}

async function drive(clock: ManualClock, until: () => boolean, stepMs: number, maxSteps = 500): Promise<void> {
  for (let i = 0; i < maxSteps && !until(); i++) {
    await settle();
    clock.advance(stepMs);
  }
  await settle();
}

describe('limits', () => {
  it('never lets more than the global limit start in any sliding window', async () => {
    const clock = new ManualClock();
    const limits = new Limits({ global: { perWindow: 3, windowSeconds: 60, concurrency: 100 }, perHost: { concurrency: 50, perWindow: 100, windowSeconds: 60 } }, clock);
    const starts: number[] = [];
    const all = Array.from({ length: 10 }, (_, i) => limits.run(`host-${i % 4}`, async () => void starts.push(clock.now())));
    await drive(clock, () => starts.length === 10, 7_000);
    await Promise.all(all);
    expect(starts).to.have.length(10);
    expect(maxInWindow(starts, 60_000)).to.equal(3);
    await limits.stop();
  });

  it('holds a per-host concurrency slot for the whole action and rate-limits each host', async () => {
    const clock = new ManualClock();
    const limits = new Limits({ global: { perWindow: 100, windowSeconds: 60, concurrency: 100 }, perHost: { concurrency: 2, perWindow: 4, windowSeconds: 60 } }, clock);
    let running = 0;
    let peak = 0;
    const starts: number[] = [];
    const action = async (): Promise<void> => {
      starts.push(clock.now());
      running++;
      peak = Math.max(peak, running);
      await clock.sleep(5_000);
      running--;
    };
    const jobs = Array.from({ length: 8 }, () => limits.run('compute-1', action));
    const other = limits.run('compute-2', async () => void 0);
    await drive(clock, () => starts.length === 8 && running === 0, 1_000);
    await Promise.all([...jobs, other]);
    expect(peak).to.equal(2);
    expect(maxInWindow(starts, 60_000)).to.equal(4);
    await limits.stop();
  });

  it('holds a global concurrency slot for the whole action, across hosts; a raised limit applies at once', async () => {
    const clock = new ManualClock();
    const base: LimitSettings = { global: { perWindow: 100, windowSeconds: 60, concurrency: 3 }, perHost: { concurrency: 1, perWindow: 100, windowSeconds: 60 } };
    const limits = new Limits(base, clock);
    let running = 0;
    let peak = 0;
    let done = 0;
    const action = async (): Promise<void> => {
      running++;
      peak = Math.max(peak, running);
      await clock.sleep(5_000);
      running--;
      done++;
    };
    // Six hosts, one slot each: only the global limit can hold them to 3.
    const jobs = Array.from({ length: 12 }, (_, i) => limits.run(`compute-${i % 6}`, action));
    await drive(clock, () => done === 6, 1_000);
    expect(peak).to.equal(3);
    limits.update({ ...base, global: { ...base.global, concurrency: 6 } });
    await drive(clock, () => done === 12, 1_000);
    await Promise.all(jobs);
    expect(peak).to.equal(6);
    expect(limits.snapshot().running).to.equal(0);
    await limits.stop();
  });

  it('applies a changed limit at runtime, without restart', async () => {
    const clock = new ManualClock();
    const base: LimitSettings = { global: { perWindow: 1, windowSeconds: 60, concurrency: 100 }, perHost: { concurrency: 10, perWindow: 100, windowSeconds: 60 } };
    const limits = new Limits(base, clock);
    const starts: number[] = [];
    const jobs = Array.from({ length: 5 }, () => limits.run('h', async () => void starts.push(clock.now())));
    await until(() => starts.length === 1);
    await settle();
    expect(starts).to.have.length(1);
    limits.update({ ...base, global: { ...base.global, perWindow: 5 } });
    await until(() => starts.length === 5);
    expect(starts).to.have.length(5);
    expect(starts.every((t) => t === starts[0])).to.equal(true);
    expect(limits.snapshot().settings.global.perWindow).to.equal(5);
    await Promise.all(jobs);
    await limits.stop();
  });

  it('rejects invalid settings with every problem named', () => {
    const bad = { global: { perWindow: 0, windowSeconds: 60, concurrency: 0 }, perHost: { concurrency: 1.5, perWindow: 2, windowSeconds: -1 } };
    expect(validateLimits(bad)).to.deep.equal([
      'global.perWindow must be an integer from 1 to 100000',
      'global.concurrency must be an integer from 1 to 10000',
      'perHost.concurrency must be an integer from 1 to 1000',
      'perHost.windowSeconds must be an integer from 1 to 86400',
    ]);
    expect(() => new Limits().update(bad)).to.throw(/invalid limits/);
  });
});
