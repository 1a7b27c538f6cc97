import { expect } from 'chai';
import { ManualClock } from '../../src/domain/clock.ts';
import { RateLimiter, RateLimiterStopped } from '../../src/limits/limits.ts';

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

/** Lets bottleneck's own timers run until `cond` holds (or a second passes). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await settle();
}

describe('limits: RateLimiter (per notification channel)', () => {
  it('starts at most N runs in any sliding window, in order, losing none', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter(2, 60, clock);
    const starts: [number, number][] = [];
    const all = [0, 1, 2, 3, 4].map((i) => limiter.run(async () => void starts.push([i, clock.now()])));
    await until(() => starts.length === 2 && limiter.waiting() === 3);
    expect(starts.map(([i]) => i)).to.deep.equal([0, 1]);
    expect(limiter.waiting()).to.equal(3);
    clock.advance(59_000);
    for (let i = 0; i < 10; i++) await settle();
    expect(starts).to.have.length(2);
    clock.advance(1_000);
    await until(() => starts.length === 4);
    expect(starts.map(([i]) => i)).to.deep.equal([0, 1, 2, 3]);
    clock.advance(60_000);
    await until(() => starts.length === 5);
    await Promise.all(all);
    const t0 = starts[0]![1];
    expect(starts.map(([, at]) => at - t0)).to.deep.equal([0, 0, 60_000, 60_000, 120_000]);
    await limiter.stop();
  });

  it('stop() rejects the runs still waiting, and later runs, with RateLimiterStopped', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter(1, 60, clock);
    await limiter.run(async () => undefined);
    const waiting = limiter.run(async () => 'never');
    await settle();
    await limiter.stop();
    const err = await waiting.catch((e: unknown) => e);
    expect(err).to.be.instanceOf(RateLimiterStopped);
    expect(await limiter.run(async () => 'x').catch((e: unknown) => e)).to.be.instanceOf(RateLimiterStopped);
  });
});
