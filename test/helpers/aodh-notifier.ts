// Posts a notification exactly as Aodh's REST notifier does (aodh/notifier/rest.py,
// CONTRACTS.md): python json.dumps bytes (", " and ": " separators, ASCII-only,
// keys in Aodh's order) and python-requests' headers in python-requests' order.
import http from 'node:http';
import { randomUUID } from 'node:crypto';

export interface NotifierPayload {
  alarm_name: string;
  alarm_id: string;
  severity: string;
  previous: string;
  current: string;
  reason: string;
  reason_data: Record<string, unknown>;
}

/** Python's json.dumps(obj) with default arguments. */
export function pythonJsonDumps(value: unknown): string {
  if (value === null) return 'null';
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

/** A threshold evaluator's alarm transition, as aodh/evaluator/threshold.py words it. */
export function thresholdTransition(alarmName: string, alarmId: string, current: 'alarm' | 'ok', value: number): NotifierPayload {
  const disposition = current === 'alarm' ? 'outside' : 'inside';
  return {
    alarm_name: alarmName,
    alarm_id: alarmId,
    severity: 'critical',
    previous: current === 'alarm' ? 'ok' : 'alarm',
    current,
    reason: `Transition to ${current} due to 3 samples ${disposition} threshold, most recent: ${pythonJsonDumps(value)}`,
    reason_data: { type: 'threshold', disposition, count: 3, most_recent: value },
  };
}

export interface PostResult {
  status: number;
  body: Record<string, unknown>;
}

/** POSTs like python-requests: header order and values as Aodh's notifier sends them. */
export function postLikeAodh(
  url: string,
  body: string | Buffer,
  opts: { authToken?: string; requestId?: string; contentType?: string | null } = {},
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
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname: u.hostname, port: u.port, path: u.pathname + u.search, method: 'POST', headers, agent: false }, (res) => {
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
    });
    req.on('error', reject);
    req.end(data);
  });
}
