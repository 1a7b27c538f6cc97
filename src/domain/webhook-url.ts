// The URLs Aodh calls. Each alarm's action URL carries a token derived from
// webhook.secret and the alarm's name (HMAC-SHA256), not the secret itself: Aodh shows
// action URLs to anyone who can read the alarm, and a leaked URL must then only
// speak for that one alarm. The webhook recomputes the token from the alarm_name in
// the body and compares in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Path prefix of the Aodh notification endpoint of `vmha serve`. */
export const AODH_WEBHOOK_PATH = '/v1/aodh';

/** The per-alarm token: base64url(HMAC-SHA256(secret, "vmha-alarm:" + name)). */
export function alarmToken(secret: string, alarmName: string): string {
  return createHmac('sha256', secret).update(`vmha-alarm:${alarmName}`).digest('base64url');
}

/** The action URL for an alarm: <public_url>/v1/aodh/<token>; `trust` gives trust+http(s). */
export function alarmActionUrl(publicUrl: string, secret: string, alarmName: string, trust = false): string {
  const base = publicUrl.replace(/\/+$/, '');
  const url = `${base}${AODH_WEBHOOK_PATH}/${alarmToken(secret, alarmName)}`;
  return trust ? url.replace(/^http/, 'trust+http') : url;
}

/** Constant-time check of a token taken from a request path. */
export function verifyAlarmToken(secret: string, alarmName: string, token: string): boolean {
  const expected = Buffer.from(alarmToken(secret, alarmName));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
