// Pure parsing of what guests and ping print: no I/O, table-tested.

export interface PingSummary {
  /** Round-trip times of the echo replies that came back, in ms. */
  rttsMs: number[];
  transmitted: number | undefined;
  received: number | undefined;
}

// Reply lines of iputils ("64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=0.045 ms"),
// busybox ("seq=0 ttl=64 time=0.123 ms") and Windows ("Reply from ...: bytes=32 time<1ms
// TTL=128"). "time 0ms" in the iputils statistics line has no "=" and does not match.
const REPLY_RTT = /(?:bytes from|Reply from)[^\n]*?\btime[=<]\s*([0-9]+(?:[.,][0-9]+)?)\s*ms/gi;
const TRANSMITTED = /(\d+) packets transmitted,\s*(\d+) (?:packets )?received/i;
const WINDOWS_COUNTS = /Sent = (\d+), Received = (\d+)/i;

/** Extracts reply round trips and packet counts from ping output (any of the common formats). */
export function parsePingOutput(text: string): PingSummary {
  const rttsMs: number[] = [];
  for (const m of text.matchAll(REPLY_RTT)) {
    const v = Number(m[1]!.replace(',', '.'));
    if (Number.isFinite(v) && v >= 0) rttsMs.push(v);
  }
  const counts = TRANSMITTED.exec(text) ?? WINDOWS_COUNTS.exec(text);
  return {
    rttsMs,
    transmitted: counts ? Number(counts[1]) : undefined,
    received: counts ? Number(counts[2]) : undefined,
  };
}

/** The delay to publish for a ping run: mean round trip in ms, or undefined when nothing came back. */
export function pingDelayMs(summary: PingSummary): number | undefined {
  // A reply line counts only if the statistics (when printed) agree something was received:
  // some pings echo "time=" in error lines of foreign packets.
  if (summary.received === 0) return undefined;
  if (summary.rttsMs.length === 0) return undefined;
  const mean = summary.rttsMs.reduce((a, b) => a + b, 0) / summary.rttsMs.length;
  return Math.round(mean * 1000) / 1000;
}

/** The default gateway from a Linux /proc/net/route, or undefined when there is none. */
export function defaultGatewayFromProcRoute(text: string): string | undefined {
  let best: { gw: string; metric: number } | undefined;
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const [, dest, gw, flags, , , metric, mask] = f;
    const flagBits = parseInt(flags!, 16);
    // RTF_UP (1) and RTF_GATEWAY (2), destination and mask 0.0.0.0.
    if (dest !== '00000000' || mask !== '00000000' || (flagBits & 3) !== 3) continue;
    const m = Number(metric);
    const addr = hexLittleEndianIPv4(gw!);
    if (addr && (!best || m < best.metric)) best = { gw: addr, metric: m };
  }
  return best?.gw;
}

function hexLittleEndianIPv4(hex: string): string | undefined {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) return undefined;
  const n = parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join('.');
}

export interface GuestAddress {
  address: string;
  family: 4 | 6;
  iface: string;
}

/**
 * The guest addresses a host can ping, best first, from guest-network-get-interfaces:
 * IPv4 before IPv6, never loopback or link-local. Tolerates malformed entries.
 */
export function pingableAddresses(reply: unknown): GuestAddress[] {
  if (!Array.isArray(reply)) return [];
  const out: GuestAddress[] = [];
  for (const iface of reply) {
    if (!iface || typeof iface !== 'object') continue;
    const { name, 'ip-addresses': addrs } = iface as Record<string, unknown>;
    if (typeof name !== 'string' || name === 'lo' || !Array.isArray(addrs)) continue;
    for (const a of addrs) {
      if (!a || typeof a !== 'object') continue;
      const { 'ip-address': address, 'ip-address-type': type } = a as Record<string, unknown>;
      if (typeof address !== 'string') continue;
      if (type === 'ipv4' && !address.startsWith('127.') && !address.startsWith('169.254.')) {
        out.push({ address, family: 4, iface: name });
      } else if (type === 'ipv6' && address !== '::1' && !/^fe[89ab]/i.test(address)) {
        out.push({ address, family: 6, iface: name });
      }
    }
  }
  return out.sort((x, y) => x.family - y.family);
}

/** Fields of a guest-exec-status reply, validated. */
export interface ExecStatus {
  exited: boolean;
  exitCode: number | undefined;
  signal: number | undefined;
  stdout: string;
  stderr: string;
  truncated: boolean;
}

/** Validates a guest-exec-status reply; undefined when it is not one. */
export function parseExecStatus(reply: unknown): ExecStatus | undefined {
  if (!reply || typeof reply !== 'object') return undefined;
  const r = reply as Record<string, unknown>;
  if (typeof r.exited !== 'boolean') return undefined;
  const b64 = (v: unknown): string => (typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : '');
  return {
    exited: r.exited,
    exitCode: typeof r.exitcode === 'number' ? r.exitcode : undefined,
    signal: typeof r.signal === 'number' ? r.signal : undefined,
    stdout: b64(r['out-data']),
    stderr: b64(r['err-data']),
    truncated: r['out-truncated'] === true || r['err-truncated'] === true,
  };
}

/** Delay before the n-th (0-based) guest-exec-status poll: quick first, then every 50 ms. */
export function execPollDelayMs(n: number): number {
  return Math.min(50, 2 ** n);
}
