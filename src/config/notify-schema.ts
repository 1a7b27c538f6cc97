// The `notify:` section of vmha.yaml: channels (email, sms, webhook), routes from
// notification kinds and severities to channels and recipients, grouping and delivery.
// Absent means disabled. Every cross-reference (a route naming a channel, a channel
// without recipients, an SMS body without {message}) is checked here, so a broken
// channel is refused at start-up, not discovered during an outage.
import { z } from 'zod';
import { NOTICE_KINDS, SEVERITIES } from '../domain/notification.ts';

const CHANNEL_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;
const EMAIL_OR_NAMED = /^(?:[^<>]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/;
const PHONE = /^\+?[0-9]{3,15}$/;
/** Placeholders an SMS body template may use. */
export const SMS_PLACEHOLDERS = ['to', 'from', 'message', 'subject', 'severity', 'id'] as const;

const httpUrl = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}, 'expected an http(s) URL');

const rate = z
  .object({
    /** At most this many messages on the channel in any window of window_s (sliding). */
    per_window: z.number().int().min(1).default(20),
    window_s: z.number().int().min(1).default(60),
  })
  .strict()
  .prefault({});

const emailChannel = z
  .object({
    type: z.literal('email'),
    host: z.string().min(1),
    /** Default 465 with security: tls, else 587. */
    port: z.number().int().min(1).max(65535).optional(),
    /** tls: TLS from the first byte (465); starttls: upgrade required (587); none: plain text. */
    security: z.enum(['tls', 'starttls', 'none']).default('starttls'),
    /** Check the server's certificate; false only for a relay with a self-signed one. */
    tls_verify: z.boolean().default(true),
    auth: z.object({ user: z.string().min(1), pass: z.string().min(1) }).strict().optional(),
    from: z.string().regex(EMAIL_OR_NAMED, 'expected an address, e.g. vmha@example.org or "vmha <vmha@example.org>"'),
    /** Default recipients, when a route names none. */
    to: z.array(z.string().regex(EMAIL, 'expected an e-mail address')).default([]),
    subject_prefix: z.string().default('[vmha]'),
    rate,
  })
  .strict();

const smsChannel = z
  .object({
    type: z.literal('sms'),
    /** twilio: url, form body and basic auth of Twilio's Messages API (auth.user is the account SID). */
    preset: z.enum(['twilio']).optional(),
    url: httpUrl.optional(),
    method: z.enum(['POST', 'PUT']).default('POST'),
    auth: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('basic'), user: z.string().min(1), pass: z.string().min(1) }).strict(),
        z.object({ type: z.literal('bearer'), token: z.string().min(1) }).strict(),
      ])
      .optional(),
    /** form: application/x-www-form-urlencoded; json: application/json. */
    format: z.enum(['form', 'json']).optional(),
    /** Body fields; values may use {to} {from} {message} {subject} {severity} {id}. */
    body: z.record(z.string().min(1), z.string()).optional(),
    headers: z.record(z.string().min(1), z.string()).default({}),
    /** Sender number or name, for {from}. */
    from: z.string().min(1).optional(),
    to: z.array(z.string().regex(PHONE, 'expected a phone number, e.g. +33612345678')).default([]),
    /** Longer messages are cut (an SMS segment is 160 characters). */
    max_length: z.number().int().min(70).max(1600).default(320),
    rate,
  })
  .strict();

const webhookChannel = z
  .object({
    type: z.literal('webhook'),
    /** Receives a JSON POST with `text` (Slack, Mattermost, Rocket.Chat) and structured fields. */
    url: httpUrl,
    headers: z.record(z.string().min(1), z.string()).default({}),
    rate,
  })
  .strict();

const channel = z.discriminatedUnion('type', [emailChannel, smsChannel, webhookChannel]);

const route = z
  .object({
    /** Notification kinds ("action.failed"), a prefix ("host.*") or "*". */
    events: z.array(z.string().min(1)).min(1).default(['*']),
    min_severity: z.enum(SEVERITIES).default('info'),
    channels: z.array(z.string().min(1)).min(1),
    /** Overrides the channels' own `to` (addresses for email, numbers for sms). */
    recipients: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

export const notifySchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Everything for one channel and recipient within this window becomes one message; 0: no grouping. */
    group_window_s: z.number().min(0).max(3600).default(30),
    /** How often the journal is read for new events. */
    poll_ms: z.number().int().min(10).max(10_000).default(200),
    /** Events older than this when first read (after a long stop) are not sent. */
    max_event_age_s: z.number().int().min(1).default(3600),
    delivery: z
      .object({
        /** Attempts per message, the first included; then it is recorded as failed. */
        attempts: z.number().int().min(1).max(50).default(6),
        base_ms: z.number().int().min(0).default(2000),
        max_ms: z.number().int().min(0).default(300_000),
        /** Timeout of one SMTP conversation or HTTP request. */
        timeout_s: z.number().positive().max(300).default(15),
        /** Sent and failed messages are kept this long in the journal file. */
        retention_days: z.number().int().min(1).default(30),
      })
      .strict()
      .prefault({}),
    channels: z.record(z.string(), channel).default({}),
    routes: z.array(route).default([]),
  })
  .strict()
  .superRefine((n, ctx) => {
    const issue = (path: (string | number)[], message: string): void => ctx.addIssue({ code: 'custom', path, message });
    for (const [name, c] of Object.entries(n.channels)) {
      if (!CHANNEL_NAME.test(name)) issue(['channels', name], 'channel names are lowercase letters, digits, - and _');
      if (c.type === 'email' && c.auth && c.security === 'none') {
        issue(['channels', name, 'auth'], 'refusing to send a password without TLS; use security: starttls or tls');
      }
      if (c.type === 'sms') checkSms(c, (p, m) => issue(['channels', name, ...p], m));
    }
    if (!n.enabled) return;
    if (n.routes.length === 0) issue(['routes'], 'no routes: nothing would be sent (add a route, or set notify.enabled: false)');
    const known = Object.keys(n.channels);
    n.routes.forEach((r, i) => {
      r.events.forEach((e, j) => {
        if (!eventPatternValid(e)) issue(['routes', i, 'events', j], `unknown event "${e}"; expected "*", a prefix such as "host.*", or one of ${NOTICE_KINDS.join(', ')}`);
      });
      r.channels.forEach((name, j) => {
        const c = n.channels[name];
        if (!c) {
          issue(['routes', i, 'channels', j], `unknown channel "${name}" (defined: ${known.length ? known.join(', ') : 'none'})`);
          return;
        }
        if (c.type === 'webhook') {
          if (r.recipients) issue(['routes', i, 'recipients'], `channel "${name}" is a webhook and takes no recipients; put it in a route of its own`);
          return;
        }
        const recipients = r.recipients ?? c.to;
        if (recipients.length === 0) issue(['routes', i, 'recipients'], `channel "${name}" has no recipients: set notify.channels.${name}.to or this route's recipients`);
        const pattern = c.type === 'email' ? EMAIL : PHONE;
        for (const to of r.recipients ?? []) {
          if (!pattern.test(to)) issue(['routes', i, 'recipients'], `"${to}" is not ${c.type === 'email' ? 'an e-mail address' : 'a phone number'} (channel "${name}" is ${c.type})`);
        }
      });
    });
  })
  .prefault({ enabled: false });

export type NotifyConfig = z.infer<typeof notifySchema>;
export type ChannelConfig = NotifyConfig['channels'][string];
export type EmailChannelConfig = Extract<ChannelConfig, { type: 'email' }>;
export type SmsChannelConfig = Extract<ChannelConfig, { type: 'sms' }>;
export type WebhookChannelConfig = Extract<ChannelConfig, { type: 'webhook' }>;

/** Dotted paths (with * for any key) of notify settings that are never printed. */
export const NOTIFY_SECRET_PATHS: readonly string[] = [
  'notify.channels.*.auth.pass',
  'notify.channels.*.auth.token',
  'notify.channels.*.headers.*',
  // Chat webhook URLs carry their token in the path.
  'notify.channels.*.url',
];

/** "*", "host.*" (a prefix of known kinds) or a known kind. */
export function eventPatternValid(p: string): boolean {
  if (p === '*') return true;
  if (p.endsWith('.*')) return NOTICE_KINDS.some((k) => k.startsWith(p.slice(0, -1)));
  return (NOTICE_KINDS as readonly string[]).includes(p);
}

function checkSms(c: z.infer<typeof smsChannel>, issue: (path: string[], message: string) => void): void {
  if (c.preset === 'twilio') {
    if (c.auth?.type !== 'basic') issue(['auth'], 'the twilio preset needs auth: {type: basic, user: <account SID>, pass: <auth token>}');
    if (!c.from) issue(['from'], 'the twilio preset needs from: the sending number');
  } else {
    if (!c.url) issue(['url'], 'required setting is missing (or use preset: twilio)');
    if (!c.body) issue(['body'], 'required setting is missing: the fields to send, e.g. {to: "{to}", text: "{message}"} (or use preset: twilio)');
  }
  if (!c.body) return;
  let hasMessage = false;
  for (const [field, template] of Object.entries(c.body)) {
    for (const m of template.matchAll(/\{([^{}]*)\}/g)) {
      const name = m[1]!;
      if (!(SMS_PLACEHOLDERS as readonly string[]).includes(name)) {
        issue(['body', field], `unknown placeholder {${name}}; expected one of ${SMS_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`);
      }
      if (name === 'message') hasMessage = true;
      if (name === 'from' && !c.from) issue(['body', field], '{from} is used but from is not set');
    }
  }
  if (!hasMessage) issue(['body'], 'no field uses {message}: the text would never be sent');
}
