// What the benchmarks share about the fake cloud: seeded instances, credentials of the
// vmha service user, and the notifications Aodh sends for them.
import type { Credentials } from '../../src/config/clouds.ts';
import { aodhBody, type NotifierPayload } from '../../src/fakes/aodh/notifier.ts';
import { thresholdTransition } from '../../test/helpers/aodh-notifier.ts';

/** A seeded HA server with its vmha alarm; `token` is its action URL's last segment. */
export interface Seeded {
  serverId: string;
  alarmId: string;
  alarmName: string;
  host: string;
  token: string;
}

export const SECRET = 'bench-webhook-secret-0123456789';
/** public_url of the service: only the per-alarm tokens depend on it, never the real port. */
export const PUBLIC_URL = 'http://127.0.0.1:8780';

/** The vmha service user the fake Keystone seeds (admin on project "service"). */
export function credentialsFor(authUrl: string): Credentials {
  return {
    source: 'benchmark',
    authUrl,
    auth: { type: 'password', username: 'vmha', password: 'vmha-secret', userDomainName: 'Default', projectName: 'service', projectDomainName: 'Default' },
    interface: 'public',
    region: 'RegionOne',
    verify: true,
  };
}

/** A threshold alarm's transition to `current`, as Aodh's evaluator words it. */
export function transition(a: Seeded, current: 'alarm' | 'ok', value: number): NotifierPayload {
  return thresholdTransition(a.alarmName, a.alarmId, current, value);
}

/** The exact body bytes Aodh posts for that transition. */
export function notificationBody(a: Seeded, current: 'alarm' | 'ok', value: number): string {
  return aodhBody(transition(a, current, value));
}
