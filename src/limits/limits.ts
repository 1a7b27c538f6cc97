// Rate and concurrency limits on recovery actions: the one place that imports bottleneck.
//
// "At most N actions in any window of W seconds" is enforced exactly (a sliding window,
// not fixed buckets that allow 2N across a boundary): each action takes one of N
// bottleneck slots and gives it back W seconds after it started. Concurrency limits, per
// host and for all hosts together, are held for the whole action (issue, retries,
// verification).
import { setMaxListeners } from 'node:events';
import Bottleneck from 'bottleneck';
import { systemClock, type Clock } from '../domain/clock.ts';

export interface LimitSettings {
  global: { perWindow: number; windowSeconds: number; concurrency: number };
  perHost: { concurrency: number; perWindow: number; windowSeconds: number };
}

/** HaStack's global limits: 20 at once, 20 actions per minute; per host 2 at once, 10 per minute. */
export const DEFAULT_LIMITS: LimitSettings = {
  global: { perWindow: 20, windowSeconds: 60, concurrency: 20 },
  perHost: { concurrency: 2, perWindow: 10, windowSeconds: 60 },
};

/**
 * Settings from before `global.concurrency` existed (an older client's PUT, a value an
 * older vmha persisted) get it from `base`; everything else is taken as given, for
 * validateLimits() to judge.
 */
export function withGlobalConcurrency(s: unknown, base: LimitSettings): LimitSettings {
  const given = (s !== null && typeof s === 'object' ? s : {}) as LimitSettings;
  const global: unknown = given.global;
  if (global === null || typeof global !== 'object' || 'concurrency' in global) return given;
  return { ...given, global: { ...(global as LimitSettings['global']), concurrency: base.global.concurrency } };
}

/** Checks settings an operator sends; returns a list of problems (empty when valid). */
export function validateLimits(s: LimitSettings): string[] {
  const problems: string[] = [];
  const positiveInt = (v: unknown, name: string, max: number): void => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) problems.push(`${name} must be an integer from 1 to ${max}`);
  };
  positiveInt(s.global?.perWindow, 'global.perWindow', 100_000);
  positiveInt(s.global?.windowSeconds, 'global.windowSeconds', 86_400);
  positiveInt(s.global?.concurrency, 'global.concurrency', 10_000);
  positiveInt(s.perHost?.concurrency, 'perHost.concurrency', 1000);
  positiveInt(s.perHost?.perWindow, 'perHost.perWindow', 100_000);
  positiveInt(s.perHost?.windowSeconds, 'perHost.windowSeconds', 86_400);
  return problems;
}

/** N starts in any sliding window: a slot is held for the window after each start. */
class WindowGate {
  private readonly limiter: Bottleneck;
  private stopped = false;
  private release: () => void = () => undefined;
  /** Cancels the window sleeps on stop(), clearing their timers. */
  private readonly abort = new AbortController();
  /** Resolves on stop(), so slots held for their window do not keep the process alive. */
  private readonly stopping = new Promise<void>((resolve) => {
    this.release = resolve;
  });

  constructor(
    private perWindow: number,
    private windowMs: number,
    private readonly clock: Clock,
  ) {
    this.limiter = new Bottleneck({ maxConcurrent: perWindow });
    // One listener per slot sleeping out its window: as many as perWindow, legitimately.
    setMaxListeners(0, this.abort.signal);
  }

  /**
   * Resolves when a start is allowed, with a function to call when the action really
   * starts: the slot frees itself one window after that moment, so the window is
   * measured from the start even when other gates made the action wait.
   */
  acquire(): Promise<() => void> {
    return new Promise((granted) => {
      void this.limiter.schedule(async () => {
        let markStart: () => void = () => undefined;
        const started = new Promise<void>((resolve) => (markStart = resolve));
        granted(markStart);
        await Promise.race([started, this.stopping]);
        if (!this.stopped) await this.clock.sleep(this.windowMs, this.abort.signal);
      });
    });
  }

  update(perWindow: number, windowMs: number): void {
    this.perWindow = perWindow;
    this.windowMs = windowMs;
    this.limiter.updateSettings({ maxConcurrent: perWindow });
  }

  waiting(): number {
    return this.limiter.counts().QUEUED;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.release();
    this.abort.abort();
    await this.limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
  }
}

interface HostLimits {
  concurrency: Bottleneck;
  rate: WindowGate;
}

export interface LimitsSnapshot {
  settings: LimitSettings;
  /** Actions waiting for a slot. */
  waiting: number;
  /** Actions running (holding their concurrency slots). */
  running: number;
}

export class Limits {
  private settings: LimitSettings;
  private readonly global: WindowGate;
  private readonly globalConcurrency: Bottleneck;
  private readonly hosts = new Map<string, HostLimits>();
  private running = 0;
  private waitingCount = 0;

  constructor(
    settings: LimitSettings = DEFAULT_LIMITS,
    private readonly clock: Clock = systemClock,
  ) {
    this.settings = structuredClone(settings);
    this.global = new WindowGate(settings.global.perWindow, settings.global.windowSeconds * 1000, clock);
    this.globalConcurrency = new Bottleneck({ maxConcurrent: settings.global.concurrency });
  }

  /**
   * Runs one recovery action on `host` once every limit allows it: a host concurrency
   * slot and a global one for the whole action, then a start in the host's and the
   * global window.
   */
  async run<T>(host: string, action: () => Promise<T>): Promise<T> {
    const h = this.host(host);
    this.waitingCount += 1;
    let counted = true;
    try {
      return await h.concurrency.schedule(() =>
        this.globalConcurrency.schedule(async () => {
          const hostStart = await h.rate.acquire();
          const globalStart = await this.global.acquire();
          hostStart();
          globalStart();
          this.waitingCount -= 1;
          counted = false;
          this.running += 1;
          try {
            return await action();
          } finally {
            this.running -= 1;
          }
        }),
      );
    } finally {
      if (counted) this.waitingCount -= 1;
    }
  }

  /** Changes the limits at runtime; new starts obey them at once. */
  update(next: LimitSettings): void {
    const problems = validateLimits(next);
    if (problems.length) throw new Error(`invalid limits: ${problems.join('; ')}`);
    this.settings = structuredClone(next);
    this.global.update(next.global.perWindow, next.global.windowSeconds * 1000);
    this.globalConcurrency.updateSettings({ maxConcurrent: next.global.concurrency });
    for (const h of this.hosts.values()) {
      h.concurrency.updateSettings({ maxConcurrent: next.perHost.concurrency });
      h.rate.update(next.perHost.perWindow, next.perHost.windowSeconds * 1000);
    }
  }

  snapshot(): LimitsSnapshot {
    return { settings: structuredClone(this.settings), waiting: this.waitingCount, running: this.running };
  }

  async stop(): Promise<void> {
    await this.global.stop();
    await this.globalConcurrency.stop({ dropWaitingJobs: true }).catch(() => undefined);
    for (const h of this.hosts.values()) {
      await h.rate.stop();
      await h.concurrency.stop({ dropWaitingJobs: true }).catch(() => undefined);
    }
  }

  private host(name: string): HostLimits {
    let h = this.hosts.get(name);
    if (!h) {
      const p = this.settings.perHost;
      h = {
        concurrency: new Bottleneck({ maxConcurrent: p.concurrency }),
        rate: new WindowGate(p.perWindow, p.windowSeconds * 1000, this.clock),
      };
      this.hosts.set(name, h);
    }
    return h;
  }
}

/** The limiter was stopped while a run waited for its slot. */
export class RateLimiterStopped extends Error {
  constructor() {
    super('rate limiter stopped');
    this.name = 'RateLimiterStopped';
  }
}

/**
 * At most `perWindow` runs start in any sliding window of `windowSeconds`: the same
 * exact window as recovery actions, for anything else that must not flood (one per
 * notification channel). Runs beyond the limit wait their turn, in order.
 */
export class RateLimiter {
  private readonly gate: WindowGate;
  private stopped = false;
  private reject: (err: Error) => void = () => undefined;
  private readonly stopping = new Promise<never>((_, reject) => {
    this.reject = reject;
  });

  constructor(perWindow: number, windowSeconds: number, clock: Clock = systemClock) {
    this.gate = new WindowGate(perWindow, windowSeconds * 1000, clock);
    this.stopping.catch(() => undefined);
  }

  /** Runs `fn` once a start is allowed; rejects with RateLimiterStopped if stopped first. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.stopped) throw new RateLimiterStopped();
    const start = await Promise.race([this.gate.acquire(), this.stopping]);
    start();
    return fn();
  }

  /** Runs waiting for a slot. */
  waiting(): number {
    return this.gate.waiting();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.reject(new RateLimiterStopped());
    await this.gate.stop();
  }
}
