// Exponential backoff with full jitter (AWS architecture blog's "full jitter"): spreads
// retries of many incidents so a recovering Nova API is not hit in lockstep.

export interface BackoffConfig {
  /** Attempts in all, the first included. */
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffConfig = { attempts: 5, baseMs: 1000, maxMs: 30_000 };

/** Delay before attempt `next` (2, 3, ...): uniform in [0, min(max, base * 2^(next-2))]. */
export function backoffDelay(next: number, cfg: BackoffConfig, random: () => number = Math.random): number {
  const cap = Math.min(cfg.maxMs, cfg.baseMs * 2 ** Math.max(0, next - 2));
  return Math.round(random() * cap);
}
