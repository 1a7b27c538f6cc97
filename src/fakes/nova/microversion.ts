// Compute microversion negotiation, as nova's wsgi.Request.set_api_version_request
// does it with microversion-parse: the standard header's last `compute` entry
// wins, then the legacy header, else 2.1; `latest` is the maximum.
import type { IncomingHttpHeaders } from 'node:http';

export interface Microversion {
  major: number;
  minor: number;
}

const VERSION_RE = /^([1-9]\d*)\.([1-9]\d*|0)$/;
export const MIN_VERSION: Microversion = { major: 2, minor: 1 };

/** Parses "X.Y" strictly; undefined when the format is invalid. */
export function parseVersion(s: string): Microversion | undefined {
  const m = VERSION_RE.exec(s);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]) };
}

export function compareVersions(a: Microversion, b: Microversion): number {
  return a.major !== b.major ? a.major - b.major : a.minor - b.minor;
}

export function formatVersion(v: Microversion): string {
  return `${v.major}.${v.minor}`;
}

/** True when `v` is at least "X.Y" (and, if given, at most `max`). */
export function isSupported(v: Microversion, min: string, max?: string): boolean {
  const lo = parseVersion(min);
  if (!lo || compareVersions(v, lo) < 0) return false;
  if (max === undefined) return true;
  const hi = parseVersion(max);
  return !!hi && compareVersions(v, hi) <= 0;
}

export type Negotiated =
  | { ok: true; version: Microversion }
  | { ok: false; status: 400 | 406; message: string };

/** The requested version string, or undefined when the request names none. */
export function requestedVersion(headers: IncomingHttpHeaders): string | undefined {
  const standard = headerValue(headers['openstack-api-version']);
  if (standard !== undefined) {
    for (const entry of standard.split(',').reverse()) {
      const parts = entry.trim().split(/\s+/);
      if (parts.length < 2 || parts[0] === '') continue;
      const [service, ...rest] = parts;
      if (service!.toLowerCase() === 'compute') return rest.join(' ').trim();
    }
  }
  const legacy = headerValue(headers['x-openstack-nova-api-version']);
  return legacy ? legacy.trim() : undefined;
}

/** Picks the version of a request against [2.1, max]. */
export function negotiate(headers: IncomingHttpHeaders, max: Microversion): Negotiated {
  const requested = requestedVersion(headers);
  if (requested === undefined || requested === '') return { ok: true, version: MIN_VERSION };
  if (requested === 'latest') return { ok: true, version: max };
  const v = parseVersion(requested);
  if (!v) {
    return {
      ok: false,
      status: 400,
      message: `API Version String ${requested} is of invalid format. Must be of format MajorNum.MinorNum.`,
    };
  }
  if (compareVersions(v, MIN_VERSION) < 0 || compareVersions(v, max) > 0) {
    return {
      ok: false,
      status: 406,
      message: `Version ${formatVersion(v)} is not supported by the API. Minimum is ${formatVersion(MIN_VERSION)} and maximum is ${formatVersion(max)}.`,
    };
  }
  return { ok: true, version: v };
}

function headerValue(h: string | string[] | undefined): string | undefined {
  if (h === undefined) return undefined;
  return Array.isArray(h) ? h.join(',') : h;
}
