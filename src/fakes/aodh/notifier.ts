// Aodh's notifier side (aodh/queue.py AlarmNotifier, aodh/notifier/__init__.py,
// rest.py, trust.py; CONTRACTS.md "Aodh REST notifier"): which actions a new state
// calls, the exact body bytes (Python json.dumps, keys in Aodh's order) and headers
// (python-requests, in its order), one POST per action and no retry.
import http from 'node:http';
import https from 'node:https';
import { randomUUID } from 'node:crypto';
import type { AlarmState } from './alarm-types.ts';
import { urlsplit, urlunsplit } from './actions.ts';

export interface NotifierPayload {
  alarm_name: string;
  alarm_id: string;
  severity: string;
  previous: string;
  current: string;
  reason: string;
  reason_data: Record<string, unknown>;
}

/**
 * A Python float in a value for pythonJsonDumps(): JavaScript cannot tell 999 from
 * 999.0, Python can, and Gnocchi's values are floats ("most_recent": 999.0).
 */
export class PyFloat {
  constructor(readonly value: number) {}
  toString(): string {
    return pyFloatRepr(this.value);
  }
}

/** Python's repr() of a float: shortest round-trip digits, ".0" on integers, exponent outside [1e-4, 1e16). */
export function pyFloatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = n.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = n < 0 ? '-' : '';
  if (exp >= digits.length - 1) return `${sign}${digits}${'0'.repeat(exp - digits.length + 1)}.0`;
  if (exp >= 0) return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
}

/** Python's json.dumps(obj) with default arguments; PyFloat values print as Python floats. */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof PyFloat) {
    const v = value.value;
    return Number.isFinite(v) ? pyFloatRepr(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  }
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(v)}`)
    .join(', ')}}`;
}

/** The body bytes Aodh sends for this payload, keys in Aodh's order. */
export function aodhBody(p: NotifierPayload): string {
  return pythonJsonDumps({
    alarm_name: p.alarm_name,
    alarm_id: p.alarm_id,
    severity: p.severity,
    previous: p.previous,
    current: p.current,
    reason: p.reason,
    reason_data: p.reason_data,
  });
}

export interface PostResult {
  status: number;
  body: Record<string, unknown>;
}

/** POSTs like python-requests: header order and values as Aodh's notifier sends them. */
export function postLikeAodh(
  url: string,
  body: string | Buffer,
  opts: { authToken?: string; requestId?: string; contentType?: string | null; verifyTls?: boolean } = {},
): Promise<PostResult> {
  const u = new URL(url);
  const data = Buffer.isBuffer(body) ? body : Buffer.from(body);
  // Raw header list keeps python-requests' order exactly.
  const headers: string[] = [
    'Host', u.host,
    'User-Agent', 'python-requests/2.32.3',
    'Accept-Encoding', 'gzip, deflate',
    'Accept', '*/*',
    'Connection', 'keep-alive',
  ];
  if (opts.authToken) headers.push('X-Auth-Token', opts.authToken);
  headers.push('x-openstack-request-id', opts.requestId ?? `req-${randomUUID()}`);
  if (opts.contentType !== null) headers.push('content-type', opts.contentType ?? 'application/json');
  headers.push('Content-Length', String(data.length));
  const request = u.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: 'POST',
        headers,
        agent: false,
        ...(u.protocol === 'https:' ? { rejectUnauthorized: opts.verifyTls ?? true } : {}),
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          let parsed: Record<string, unknown> = {};
          try {
            parsed = JSON.parse(text) as Record<string, unknown>;
          } catch {
            parsed = { raw: text };
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** models.Alarm.ALARM_ACTIONS_MAP: the action list a new state calls. */
export function actionsFor(alarm: { state: AlarmState; alarm_actions: string[]; ok_actions: string[]; insufficient_data_actions: string[] }): string[] {
  switch (alarm.state) {
    case 'alarm':
      return alarm.alarm_actions;
    case 'ok':
      return alarm.ok_actions;
    default:
      return alarm.insufficient_data_actions;
  }
}

/** Where and how one action is delivered, from its stored URL. */
export type ActionTarget =
  | { kind: 'rest'; url: string; trustId?: string; verifyTls: boolean }
  | { kind: 'log' }
  | { kind: 'unsupported'; scheme: string };

/**
 * RestAlarmNotifier / TrustRestAlarmNotifier: http(s) posts as is; trust+http(s) drops
 * "<trust id>[:delete]@" from the URL and posts with a token of that trust. https honours
 * ?aodh-alarm-ssl-verify=0|1 (the parameter stays in the URL, as upstream).
 */
export function actionTarget(action: string): ActionTarget {
  const u = urlsplit(action);
  if (u.scheme === 'log') return { kind: 'log' };
  if (u.scheme !== 'http' && u.scheme !== 'https' && u.scheme !== 'trust+http' && u.scheme !== 'trust+https') return { kind: 'unsupported', scheme: u.scheme };
  const verify = new URLSearchParams(u.query).get('aodh-alarm-ssl-verify');
  const verifyTls = verify === null ? true : !['0', 'false', 'no', 'off'].includes(verify.toLowerCase());
  if (!u.scheme.startsWith('trust+')) return { kind: 'rest', url: urlunsplit(u), verifyTls };
  const at = u.netloc.lastIndexOf('@');
  const trustId = at >= 0 ? (u.netloc.slice(0, at).split(':')[0] ?? '') : '';
  const plain = urlunsplit({ ...u, scheme: u.scheme.slice('trust+'.length), netloc: u.netloc.slice(at + 1) });
  return { kind: 'rest', url: plain, verifyTls, ...(trustId ? { trustId } : {}) };
}
