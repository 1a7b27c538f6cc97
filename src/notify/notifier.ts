// The notifier: tails the journal (the outbox of everything that happened), turns
// events into messages (notice -> route -> group) in one transaction with its cursor,
// and delivers them in a separate loop, through a per-channel rate limit, with backoff
// and a cap on attempts. It runs beside the engine and never inside it: a dead SMTP
// relay or a failing SMS gateway costs a log line and a metric, never a recovery.
import client from 'prom-client';
import type { ChannelConfig, NotifyConfig } from '../config/notify-schema.ts';
import type { Clock } from '../domain/clock.ts';
import type { IncidentFacts } from '../domain/notification.ts';
import { backoffDelay } from '../engine/retry.ts';
import type { Journal } from '../journal/journal.ts';
import { RateLimiter, RateLimiterStopped } from '../limits/limits.ts';
import type { Logger } from '../log.ts';
import { DeliveryError, type Channel, type OutgoingMessage } from './channel.ts';
import { EmailChannel } from './email.ts';
import { noticeOf } from './events.ts';
import { incidentFacts } from './facts.ts';
import { Outbox, type OutboxRow, type Planned } from './outbox.ts';
import { renderMessage } from './render.ts';
import { targetsFor } from './route.ts';
import { SmsChannel } from './sms.ts';
import { WebhookChannel } from './webhook.ts';

export interface NotifierOptions {
  journal: Journal;
  config: NotifyConfig;
  clock: Clock;
  logger: Logger;
  /** Where the notification metrics go (the service's /metrics registry). */
  registry?: client.Registry;
  /** Channels by name; default: built from the configuration. */
  channels?: Record<string, Channel>;
  random?: () => number;
}

/** Messages of one channel in flight at once. */
const CONCURRENCY = 2;
/** Journal events read per transaction. */
const BATCH = 500;
const PRUNE_EVERY_MS = 3_600_000;

/** Builds the real adapter for a configured channel. */
export function createChannel(name: string, c: ChannelConfig, timeoutMs: number): Channel {
  switch (c.type) {
    case 'email':
      return new EmailChannel(name, c, timeoutMs);
    case 'sms':
      return new SmsChannel(name, c, timeoutMs);
    case 'webhook':
      return new WebhookChannel(name, c, timeoutMs);
  }
}

export class Notifier {
  readonly outbox: Outbox;
  private readonly channels: Record<string, Channel>;
  private readonly limiters = new Map<string, RateLimiter>();
  private readonly inFlight = new Map<string, Set<string>>();
  private readonly running = new Set<Promise<void>>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private pruneTimer: ReturnType<typeof setInterval> | undefined;
  private cursor: number;
  private stopped = false;
  private readonly sent: client.Counter<'channel'>;
  private readonly failed: client.Counter<'channel'>;
  private readonly errors: client.Counter<'channel' | 'kind'>;

  constructor(private readonly o: NotifierOptions) {
    this.outbox = new Outbox(o.journal.database());
    this.cursor = this.outbox.cursor(o.journal.lastSeq());
    const timeoutMs = o.config.delivery.timeout_s * 1000;
    this.channels = o.channels ?? Object.fromEntries(Object.entries(o.config.channels).map(([name, c]) => [name, createChannel(name, c, timeoutMs)]));
    for (const [name, c] of Object.entries(o.config.channels)) {
      this.limiters.set(name, new RateLimiter(c.rate.per_window, c.rate.window_s, o.clock));
      this.inFlight.set(name, new Set());
    }
    const registers = o.registry ? [o.registry] : [];
    this.sent = new client.Counter({ name: 'vmha_notifications_sent_total', help: 'Notification messages delivered, by channel', labelNames: ['channel'], registers });
    this.failed = new client.Counter({
      name: 'vmha_notifications_failed_total',
      help: 'Notification messages given up on (attempts exhausted or refused for good), by channel',
      labelNames: ['channel'],
      registers,
    });
    this.errors = new client.Counter({
      name: 'vmha_notification_errors_total',
      help: 'Failed delivery attempts, by channel and kind (unreachable, timeout, tls, auth, server, rejected, internal)',
      labelNames: ['channel', 'kind'],
      registers,
    });
    const outbox = this.outbox;
    const names = Object.keys(o.config.channels);
    new client.Gauge({
      name: 'vmha_notifications_pending',
      help: 'Notification messages waiting to be delivered (grouping, rate-limited or retrying), by channel',
      labelNames: ['channel'],
      registers,
      collect() {
        try {
          const pending = outbox.pendingByChannel();
          for (const name of names) this.set({ channel: name }, pending[name] ?? 0);
        } catch {
          // The journal is closed (the service is stopping): keep the last values.
        }
      },
    });
    for (const name of names) {
      this.sent.inc({ channel: name }, 0);
      this.failed.inc({ channel: name }, 0);
    }
  }

  /** Starts tailing and delivering; returns at once. */
  start(): void {
    const c = this.o.config;
    this.o.logger.info('notifications enabled', {
      channels: Object.entries(c.channels).map(([n, ch]) => `${n} (${ch.type})`),
      routes: c.routes.length,
      group_window_s: c.group_window_s,
      cursor: this.cursor,
    });
    this.timer = setInterval(() => this.tick(), c.poll_ms);
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_EVERY_MS);
    this.prune();
    this.tick();
  }

  /** Stops both loops, abandons rate-limited waits (they stay pending) and waits for deliveries on the wire. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearInterval(this.pruneTimer);
    for (const l of this.limiters.values()) await l.stop();
    await Promise.allSettled([...this.running]);
    for (const ch of Object.values(this.channels)) ch.close();
  }

  /** One pass of both loops: read new events into the outbox, start due deliveries. */
  tick(): void {
    if (this.stopped) return;
    try {
      this.ingest();
    } catch (err) {
      this.o.logger.error('notifications: could not read the journal; will try again', { error: String((err as Error)?.message ?? err) });
    }
    try {
      this.dispatch();
    } catch (err) {
      this.o.logger.error('notifications: could not start deliveries; will try again', { error: String((err as Error)?.message ?? err) });
    }
  }

  /** Resolves when every delivery started so far has settled (tests). */
  async settled(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  private ingest(): void {
    const c = this.o.config;
    for (;;) {
      const events = this.o.journal.eventsSince(this.cursor, BATCH);
      if (events.length === 0) return;
      const now = this.o.clock.now();
      const planned: Planned[] = [];
      let stale = 0;
      for (const e of events) {
        const notice = noticeOf(e);
        if (!notice) continue;
        if (now - e.at > c.max_event_age_s * 1000) {
          stale += 1;
          continue;
        }
        const targets = targetsFor(notice, c);
        if (targets.length) planned.push({ notice, targets });
      }
      const to = events[events.length - 1]!.seq;
      const r = this.outbox.ingest(this.cursor, to, planned, now, c.group_window_s * 1000);
      if (stale) this.o.logger.warn('notifications: skipped events older than notify.max_event_age_s', { count: stale, max_event_age_s: c.max_event_age_s });
      if (r.items) this.o.logger.debug('notifications queued', { from_seq: this.cursor, to_seq: to, items: r.items, new_messages: r.messages });
      this.cursor = to;
    }
  }

  private dispatch(): void {
    const now = this.o.clock.now();
    for (const [name, busy] of this.inFlight) {
      if (busy.size >= CONCURRENCY) continue;
      for (const row of this.outbox.due(name, now, CONCURRENCY + busy.size)) {
        if (busy.size >= CONCURRENCY) break;
        if (busy.has(row.id)) continue;
        busy.add(row.id);
        const p = this.deliver(row)
          .catch((err: unknown) => {
            const error = String((err as Error)?.message ?? err);
            this.o.logger.error('notifications: delivery bookkeeping failed; the message stays pending', { notification_id: row.id, error });
          })
          .finally(() => {
            busy.delete(row.id);
            this.running.delete(p);
          });
        this.running.add(p);
      }
    }
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const channel = this.channels[row.channel];
    const attempt = row.attempts + 1;
    const notices = this.outbox.notices(row.id);
    const incidents = [...new Set(notices.map((n) => n.incidentId).filter((x): x is string => !!x))];
    const ctx = { notification_id: row.id, channel: row.channel, recipient: row.recipient, attempt, incident_ids: incidents.slice(0, 10), events: notices.length };
    let message: OutgoingMessage;
    try {
      if (!channel) throw new Error(`channel ${row.channel} is no longer configured`);
      const rendered = renderMessage(notices, (id) => this.facts(id));
      message = { id: row.id, recipient: row.recipient, ...rendered };
    } catch (err) {
      // Cannot be sent as it is: retrying will not help.
      this.settleFailed(row, attempt, `internal: ${String((err as Error)?.message ?? err)}`, ctx);
      return;
    }
    try {
      await this.limiters.get(row.channel)!.run(() => channel.send(message));
    } catch (err) {
      if (err instanceof RateLimiterStopped) return; // stopping: the message stays pending for the next start
      const e = err instanceof DeliveryError ? err : new DeliveryError('server', String((err as Error)?.message ?? err));
      this.errors.inc({ channel: row.channel, kind: err instanceof DeliveryError ? e.kind : 'internal' });
      const cfg = this.o.config.delivery;
      if (!e.retryable || attempt >= cfg.attempts) {
        this.settleFailed(row, attempt, e.message, ctx);
        return;
      }
      const delay = backoffDelay(attempt + 1, { attempts: cfg.attempts, baseMs: cfg.base_ms, maxMs: cfg.max_ms }, this.o.random);
      this.outbox.markRetry(row.id, attempt, this.o.clock.now() + delay, e.message);
      this.o.logger.warn('notification not delivered; will retry', { ...ctx, error: e.message, kind: e.kind, retry_in_ms: delay, attempts_left: cfg.attempts - attempt });
      return;
    }
    this.outbox.markSent(row.id, attempt, this.o.clock.now());
    this.sent.inc({ channel: row.channel });
    this.o.logger.info('notification delivered', { ...ctx, subject: message.subject, severity: message.severity });
  }

  private settleFailed(row: OutboxRow, attempt: number, error: string, ctx: Record<string, unknown>): void {
    this.outbox.markFailed(row.id, attempt, error, this.o.clock.now());
    this.failed.inc({ channel: row.channel });
    this.o.logger.error(`notification failed for good; check notify.channels.${row.channel} (address, port, credentials) and the far end`, { ...ctx, error });
  }

  private facts(incidentId: string): IncidentFacts | undefined {
    const incident = this.o.journal.get(incidentId);
    return incident ? incidentFacts(incident, this.o.journal.timeline(incidentId)) : undefined;
  }

  private prune(): void {
    try {
      const before = this.o.clock.now() - this.o.config.delivery.retention_days * 86_400_000;
      const n = this.outbox.prune(before);
      if (n) this.o.logger.info('notifications: pruned settled messages', { count: n, retention_days: this.o.config.delivery.retention_days });
    } catch (err) {
      this.o.logger.warn('notifications: prune failed', { error: String((err as Error)?.message ?? err) });
    }
  }
}
