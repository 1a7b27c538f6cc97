// The one place where an Aodh notification body is checked (octokit/webhooks style:
// untrusted input is validated once, here).
import { z } from 'zod';
import type { AodhNotification } from '../domain/alarm.ts';

// Aodh's evaluators send lowercase states; accept any case (its own unit tests use "ALARM").
const state = z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(['ok', 'alarm', 'insufficient data']));

// Extra keys are tolerated (a newer Aodh may add one; rejecting would silently drop
// every alarm after an upgrade), but every key vmha reads is checked strictly.
const notificationSchema = z.object({
  alarm_name: z.string().min(1).max(255),
  // Whether the id exists is Aodh's to say (404 below), not a pattern's.
  alarm_id: z.string().min(1).max(255).regex(/^[A-Za-z0-9_.-]+$/, 'expected an alarm id'),
  severity: z.string().max(32),
  previous: state,
  current: state,
  reason: z.string().max(4096),
  reason_data: z.record(z.string(), z.unknown()),
});

export type ValidationResult = { ok: true; value: AodhNotification; extraKeys: string[] } | { ok: false; problems: string[] };

export function validateNotification(body: unknown): ValidationResult {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, problems: ['body must be a JSON object'] };
  }
  const r = notificationSchema.safeParse(body);
  if (!r.success) {
    return {
      ok: false,
      problems: r.error.issues.map((i) => {
        const key = i.path.map(String).join('.') || 'body';
        const missing = i.code === 'invalid_type' && (body as Record<string, unknown>)[String(i.path[0])] === undefined;
        return `${key}: ${missing ? 'required field is missing' : i.message}`;
      }),
    };
  }
  const known = new Set(Object.keys(notificationSchema.shape));
  return { ok: true, value: r.data as AodhNotification, extraKeys: Object.keys(body).filter((k) => !known.has(k)) };
}
