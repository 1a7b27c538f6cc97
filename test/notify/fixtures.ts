// What the notifier's tests talk to: a real SMTP server in its own process
// (smtp-sink.ts), a loopback HTTP server standing in for the SMS gateway and the chat
// webhook, a port nobody listens on, and journal writers that replay what the engine
// and the host workflow journal.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { notifySchema, type NotifyConfig } from '../../src/config/notify-schema.ts';
import type { RecoveryAction } from '../../src/domain/incident.ts';
import type { Journal } from '../../src/journal/journal.ts';
import { until } from '../helpers/wait.ts';

const SINK = fileURLToPath(new URL('./smtp-sink.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ReceivedMail {
  headers: Record<string, string>;
  subject: string;
  text: string;
  envelope: { from: string | null; to: string[] };
  secure: boolean;
  user: string | null;
}

export interface SmtpSink {
  port: number;
  child: ChildProcess;
  mails: ReceivedMail[];
  auths: { user: string; ok: boolean; secure: boolean }[];
  /** Resolves once at least `n` mails have arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
}

/** Starts smtp-sink.ts as a child process; resolves when it listens. */
export function startSmtpSink(opts: { auth: 'none' | 'required' | 'refuse'; user?: string; pass?: string }): Promise<SmtpSink> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SINK, JSON.stringify(opts)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const mails: ReceivedMail[] = [];
    const auths: SmtpSink['auths'] = [];
    let buffer = '';
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`smtp sink did not start: ${stderr}`)), 15_000);
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`smtp sink exited with ${code}: ${stderr}`));
    });
    child.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffer.slice(0, nl)) as { listening?: number; mail?: ReceivedMail; auth?: SmtpSink['auths'][number] };
        buffer = buffer.slice(nl + 1);
        if (line.mail) mails.push(line.mail);
        if (line.auth) auths.push(line.auth);
        if (line.listening !== undefined) {
          clearTimeout(timer);
          resolve({
            port: line.listening,
            child,
            mails,
            auths,
            waitFor: (n, timeoutMs = 10_000) => until(`${n} mails`, () => (mails.length >= n ? mails : undefined), timeoutMs) as Promise<ReceivedMail[]>,
            stop: () =>
              new Promise<void>((done) => {
                child.removeAllListeners('exit');
                if (child.exitCode !== null || child.signalCode !== null) return done();
                child.once('exit', () => done());
                child.kill('SIGKILL');
              }),
          });
        }
      }
    });
  });
}

export interface GatewayRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON or as a form. */
  fields: Record<string, unknown>;
  at: number;
}

export interface Gateway {
  url: string;
  requests: GatewayRequest[];
  /** Answer status once `script` is used up. */
  status: number;
  /** Statuses for the next requests, one each, before `status`. */
  script: number[];
  waitFor(n: number, timeoutMs?: number): Promise<GatewayRequest[]>;
  close(): Promise<void>;
}

/** A loopback HTTP server that records every request (the SMS gateway, the chat webhook). */
export async function startGateway(status = 201): Promise<Gateway> {
  const requests: GatewayRequest[] = [];
  const g = { status, script: [] as number[] } as Gateway;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const json = (req.headers['content-type'] ?? '').includes('json');
      const fields = json ? (JSON.parse(body) as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(body));
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, fields, at: Date.now() });
      const answer = g.script.shift() ?? g.status;
      res.writeHead(answer, { 'Content-Type': 'application/json' });
      res.end(answer < 300 ? '{"sid":"SM123","status":"queued"}' : '{"message":"gateway broken"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return Object.assign(g, {
    url: `http://127.0.0.1:${port}`,
    requests,
    waitFor: (n: number, timeoutMs = 10_000) => until(`${n} gateway requests`, () => (requests.length >= n ? requests : undefined), timeoutMs) as Promise<GatewayRequest[]>,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  });
}

/** A TCP server that accepts connections and never says a word (an SMTP relay that hangs). */
export async function startSilentServer(): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  const s = net.createServer((sock) => {
    count += 1;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return {
    port: (s.address() as net.AddressInfo).port,
    connections: () => count,
    close: () =>
      new Promise<void>((r) => {
        for (const sock of sockets) sock.destroy();
        s.close(() => r());
      }),
  };
}

/** A loopback port nothing listens on (connections are refused). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export const SMTP_USER = 'vmha';
export const SMTP_PASS = 'smtp-secret-pw';
export const SMS_TOKEN = 'twilio-auth-token-xyz';
export const SID = 'AC0123456789';

/** A notify section with an email, an SMS (Twilio preset) and a webhook channel, everything routed to all three. */
export function notifyInput(p: { smtpPort: number; smsUrl: string; webhookUrl: string; groupWindowS?: number; attempts?: number; smtpAuth?: boolean; rate?: { per_window: number; window_s: number } }): Record<string, unknown> {
  return {
    group_window_s: p.groupWindowS ?? 0.3,
    poll_ms: 20,
    delivery: { attempts: p.attempts ?? 3, base_ms: 20, max_ms: 50, timeout_s: 2 },
    channels: {
      mail: {
        type: 'email',
        host: '127.0.0.1',
        port: p.smtpPort,
        security: p.smtpAuth === false ? 'none' : 'starttls',
        tls_verify: false,
        ...(p.smtpAuth === false ? {} : { auth: { user: SMTP_USER, pass: SMTP_PASS } }),
        from: 'vmha <vmha@example.org>',
        to: ['oncall@example.org', 'lead@example.org'],
        ...(p.rate ? { rate: p.rate } : {}),
      },
      sms: {
        type: 'sms',
        preset: 'twilio',
        url: `${p.smsUrl}/2010-04-01/Accounts/${SID}/Messages.json`,
        auth: { type: 'basic', user: SID, pass: SMS_TOKEN },
        from: '+15005550006',
        to: ['+33612345678'],
      },
      chat: { type: 'webhook', url: `${p.webhookUrl}/hooks/ops`, headers: { 'X-Chat-Token': 'chat-token-1' } },
    },
    routes: [{ events: ['*'], channels: ['mail', 'sms', 'chat'] }],
  };
}

export function notifyConfig(p: Parameters<typeof notifyInput>[0]): NotifyConfig {
  return notifySchema.parse(notifyInput(p));
}

/** Opens an incident as the webhook intake does (journal.admit). */
export function openIncident(journal: Journal, instanceId: string, alarm = `vmha:ping-delay:${instanceId}`): string {
  const r = journal.admit({
    key: `k-${instanceId}-${Math.random()}`,
    alarmId: `alarm-${instanceId}`,
    alarmName: alarm,
    instanceId,
    metric: 'instance.ping.delay',
    previous: 'ok',
    current: 'alarm',
    reason: 'Transition to alarm due to 3 samples outside threshold',
    requestId: 'req-aodh-1',
    via: 'webhook',
  });
  return r.incident!.id;
}

/** Journals an action from decision to outcome, as the engine does. */
export function recover(
  journal: Journal,
  id: string,
  p: { name: string; host: string; action: RecoveryAction; requestId: string; outcome: 'succeeded' | 'failed'; steps?: 'start' | 'all' },
): void {
  const now = Date.now();
  journal.note(id, 'decision.act', { action: p.action, rule: 'test', reason: 'alarm', server_name: p.name, host: p.host });
  journal.update(id, { state: 'acting', event: 'action.issuing', reason: 'alarm', data: { action: p.action, source_host: p.host, server_name: p.name }, patch: { actions: [{ action: p.action, at: now }] } });
  if (p.outcome === 'failed' && p.steps !== 'start') {
    // Nova refused: no acceptance, the refusal's request id is the one to quote.
    const data = { action: p.action, attempt: 1, kind: 'Invalid', status: 400, request_id: p.requestId, error: 'No valid host was found' };
    journal.note(id, 'action.attempt_failed', data);
    journal.update(id, { state: 'failed', event: 'action.failed', reason: `${p.action} failed (not retryable): Invalid 400 No valid host was found`, data });
    return;
  }
  journal.update(id, {
    state: 'verifying',
    event: 'action.accepted',
    reason: `${p.action} accepted by Nova`,
    data: { action: p.action, attempt: 1, request_id: p.requestId, microversion: '2.95' },
    patch: { actions: [{ action: p.action, at: now, requestId: p.requestId }] },
  });
  if (p.steps === 'start') return;
  journal.update(id, { event: 'action.succeeded', data: { action: p.action }, patch: { actions: [{ action: p.action, at: now, requestId: p.requestId, outcome: 'succeeded' }] } });
  journal.update(id, { state: 'succeeded', event: 'verify.succeeded', reason: `${p.action} verified: ${p.host} -> compute-2, ACTIVE` });
}
