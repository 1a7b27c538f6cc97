// SMS through an HTTP gateway: configurable URL, method, authentication and a form or
// JSON body built from a template, with a preset for Twilio's Messages API.
import type { SmsChannelConfig } from '../config/notify-schema.ts';
import { truncate, type Channel, type OutgoingMessage } from './channel.ts';
import { deliverHttp } from './http-post.ts';

/** The request an SMS channel sends, with any preset applied. */
export interface SmsRequest {
  url: string;
  method: 'POST' | 'PUT';
  format: 'form' | 'json';
  body: Record<string, string>;
  headers: Record<string, string>;
}

/** Twilio: POST form {To, From, Body} to the account's Messages.json, basic auth SID:token. */
export function resolveSms(c: SmsChannelConfig): SmsRequest {
  if (c.preset === 'twilio') {
    const sid = c.auth?.type === 'basic' ? c.auth.user : '';
    return {
      url: c.url ?? `https://api.twilio.com/2010-04-01/Accounts/${encodeURIComponent(sid)}/Messages.json`,
      method: c.method,
      format: c.format ?? 'form',
      body: c.body ?? { To: '{to}', From: '{from}', Body: '{message}' },
      headers: c.headers,
    };
  }
  // The schema requires url and body without a preset.
  return { url: c.url!, method: c.method, format: c.format ?? 'json', body: c.body!, headers: c.headers };
}

/** Fills {placeholders} in every body field. Pure. */
export function fillTemplate(body: Record<string, string>, values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) out[k] = v.replace(/\{([a-z]+)\}/g, (whole, name: string) => values[name] ?? whole);
  return out;
}

export class SmsChannel implements Channel {
  readonly type = 'sms' as const;
  private readonly request: SmsRequest;

  constructor(
    readonly name: string,
    private readonly config: SmsChannelConfig,
    private readonly timeoutMs: number,
  ) {
    this.request = resolveSms(config);
  }

  async send(m: OutgoingMessage): Promise<void> {
    const r = this.request;
    const severity = m.severity === 'info' ? '' : ` ${m.severity.toUpperCase()}`;
    const message = truncate(`[vmha${severity}] ${m.short}`, this.config.max_length);
    const fields = fillTemplate(r.body, { to: m.recipient, from: this.config.from ?? '', message, subject: m.subject, severity: m.severity, id: m.id });
    const json = r.format === 'json';
    const auth = this.config.auth;
    await deliverHttp({
      url: r.url,
      method: r.method,
      timeoutMs: this.timeoutMs,
      headers: {
        'Content-Type': json ? 'application/json' : 'application/x-www-form-urlencoded',
        Accept: 'application/json',
        // Gateways that deduplicate (Twilio does) see the same key on every attempt.
        'Idempotency-Key': m.id,
        ...(this.config.preset === 'twilio' ? { 'I-Twilio-Idempotency-Token': m.id } : {}),
        ...(auth?.type === 'bearer' ? { Authorization: `Bearer ${auth.token}` } : {}),
        ...r.headers,
      },
      auth: auth?.type === 'basic' ? { username: auth.user, password: auth.pass } : undefined,
      body: json ? JSON.stringify(fields) : new URLSearchParams(fields).toString(),
    });
  }

  close(): void {}
}
