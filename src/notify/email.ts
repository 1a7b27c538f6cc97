// E-mail over SMTP (nodemailer): implicit TLS, required STARTTLS or plain, optional
// authentication, a timeout on every phase. The Message-ID is the outbox id, so the
// rare resend after a crash mid-delivery is recognisable as the same message.
import nodemailer from 'nodemailer';
import type { EmailChannelConfig } from '../config/notify-schema.ts';
import { DeliveryError, type Channel, type OutgoingMessage } from './channel.ts';

export class EmailChannel implements Channel {
  readonly type = 'email' as const;
  private readonly transport: ReturnType<typeof nodemailer.createTransport>;

  constructor(
    readonly name: string,
    private readonly config: EmailChannelConfig,
    timeoutMs: number,
  ) {
    const c = config;
    this.transport = nodemailer.createTransport({
      host: c.host,
      port: c.port ?? (c.security === 'tls' ? 465 : 587),
      secure: c.security === 'tls',
      requireTLS: c.security === 'starttls',
      ignoreTLS: c.security === 'none',
      tls: { rejectUnauthorized: c.tls_verify },
      auth: c.auth ? { user: c.auth.user, pass: c.auth.pass } : undefined,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      dnsTimeout: timeoutMs,
    });
  }

  async send(m: OutgoingMessage): Promise<void> {
    const prefix = this.config.subject_prefix ? `${this.config.subject_prefix} ` : '';
    const severity = m.severity === 'info' ? '' : `${m.severity.toUpperCase()}: `;
    try {
      await this.transport.sendMail({
        from: this.config.from,
        to: m.recipient,
        subject: `${prefix}${severity}${m.subject}`.slice(0, 250),
        text: m.text,
        messageId: `<${m.id}@vmha>`,
        headers: {
          'X-Vmha-Notification': m.id,
          'X-Vmha-Severity': m.severity,
          ...(m.items.length === 1 && m.items[0]!.incident_id ? { 'X-Vmha-Incident': m.items[0]!.incident_id } : {}),
        },
      });
    } catch (err) {
      throw smtpError(err);
    }
  }

  close(): void {
    this.transport.close();
  }
}

/** Maps nodemailer's error codes and SMTP reply codes to the closed set. */
export function smtpError(err: unknown): DeliveryError {
  const e = err as { code?: string; responseCode?: number; message?: string };
  const detail = `${e.code ?? 'error'}${e.responseCode ? ` ${e.responseCode}` : ''}: ${String(e.message ?? err).split('\n')[0]}`;
  switch (e.code) {
    case 'EAUTH':
    case 'ENOAUTH':
      return new DeliveryError('auth', detail);
    case 'ETIMEDOUT':
      return new DeliveryError('timeout', detail);
    case 'ETLS':
    case 'EREQUIRETLS':
      return new DeliveryError('tls', detail);
    case 'ECONNECTION':
    case 'ESOCKET':
    case 'EDNS':
      return new DeliveryError(e.responseCode ? 'server' : 'unreachable', detail);
  }
  // 5yz is permanent (RFC 5321) except 503, a session in the wrong state.
  if (e.responseCode && e.responseCode >= 500 && e.responseCode !== 503) return new DeliveryError('rejected', detail);
  return new DeliveryError('server', detail);
}
