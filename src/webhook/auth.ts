// Authentication of Aodh's calls, before anything is stored: the per-alarm token in
// the URL (compared in constant time), or a Keystone token in X-Auth-Token (what Aodh
// attaches to trust+http:// actions) that Keystone validates and that carries a
// required role. Validations are cached briefly so a burst costs one Keystone call.
import { createHash } from 'node:crypto';
import { verifyAlarmToken } from '../domain/webhook-url.ts';
import { OpenStackError } from '../openstack/errors.ts';
import type { KeystoneSession } from '../openstack/session.ts';

export type AuthOutcome = { ok: true; via: 'url-token' | 'keystone'; userId?: string } | { ok: false; status: 401 | 403 | 503; message: string };

export interface KeystoneValidator {
  validate: KeystoneSession['validate'];
}

export class WebhookAuth {
  private readonly cache = new Map<string, { roles: string[]; userId: string; until: number }>();

  constructor(
    private readonly secret: string,
    private readonly keystone: KeystoneValidator | undefined,
    private readonly requiredRoles: readonly string[],
    private readonly now: () => number,
  ) {}

  byUrlToken(token: string, alarmName: string): AuthOutcome {
    return verifyAlarmToken(this.secret, alarmName, token)
      ? { ok: true, via: 'url-token' }
      : { ok: false, status: 401, message: 'invalid webhook token for this alarm' };
  }

  async byKeystoneToken(token: string): Promise<AuthOutcome> {
    if (!this.keystone) return { ok: false, status: 401, message: 'Keystone tokens are not accepted (no OpenStack session)' };
    const key = createHash('sha256').update(token).digest('hex');
    let entry = this.cache.get(key);
    if (!entry || entry.until <= this.now()) {
      try {
        const info = await this.keystone.validate(token);
        // Cache at most a minute, never past the token's own expiry.
        entry = { roles: info.roles, userId: info.userId, until: Math.min(info.expiresAt, this.now() + 60_000) };
        this.cache.set(key, entry);
      } catch (err) {
        if (err instanceof OpenStackError && (err.kind === 'Unauthorized' || err.kind === 'NotFound')) {
          return { ok: false, status: 401, message: 'Keystone token is not valid' };
        }
        return { ok: false, status: 503, message: 'cannot validate the Keystone token now (Keystone unreachable)' };
      }
    }
    if (!this.requiredRoles.some((r) => entry.roles.includes(r))) {
      return { ok: false, status: 403, message: `token lacks a required role (${this.requiredRoles.join(' or ')})` };
    }
    return { ok: true, via: 'keystone', userId: entry.userId };
  }
}
