// What `vmha serve` did, read from its own JSON log lines (every OpenStack call is logged
// with its URL and duration): the benchmarks report the calls behind their figures.
import { readFileSync } from 'node:fs';

export interface CallStats {
  /** Calls by kind: the URL path with ids replaced, plus the query's first key. */
  calls: Record<string, number>;
  failed: number;
  /** Milliseconds spent in server listings (the safety census), and how many pages. */
  listingPages: number;
  listingMs: number;
}

const ID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** OpenStack calls logged at or after `since` (epoch ms). */
export function callStats(logFile: string, since = 0): CallStats {
  const out: CallStats = { calls: {}, failed: 0, listingPages: 0, listingMs: 0 };
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('"openstack call')) continue;
    let e: { message?: string; url?: string; method?: string; duration_ms?: number; timestamp?: string };
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    if (Date.parse(e.timestamp ?? '') < since) continue;
    if (e.message === 'openstack call failed') out.failed++;
    const u = new URL(e.url ?? 'http://x/');
    const kind = `${e.method} ${u.pathname.replace(ID, '<id>')}${u.search ? `?${[...u.searchParams.keys()][0]}` : ''}`;
    out.calls[kind] = (out.calls[kind] ?? 0) + 1;
    if (u.pathname.endsWith('/servers/detail')) {
      out.listingPages++;
      out.listingMs += e.duration_ms ?? 0;
    }
  }
  return out;
}
