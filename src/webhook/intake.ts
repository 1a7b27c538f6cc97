// authenticate -> validate -> admit (idempotency) -> journal -> 202: the core of the
// webhook, independent of Express (the HTTP layer in app.ts is a thin adapter).
// Aodh's notifier posts once and never retries (CONTRACTS.md), so an answer of 202
// means the incident is on disk; anything missed is found by the reconciler.
import { createHash } from 'node:crypto';
import type { AodhNotification } from '../domain/alarm.ts';
import type { Clock } from '../domain/clock.ts';
import type { Journal } from '../journal/journal.ts';
import type { Logger } from '../log.ts';
import type { ServiceMetrics } from '../metrics.ts';
import { NotFound, OpenStackError } from '../openstack/errors.ts';
import type { WebhookAuth } from './auth.ts';
import type { AlarmResolver } from './resolve.ts';
import { validateNotification } from './validate.ts';

export interface IntakeRequest {
  /** The per-alarm token from the URL path, when the action URL carried one. */
  urlToken?: string;
  /** X-Auth-Token, sent by Aodh for trust+http(s) actions. */
  authToken?: string;
  contentType?: string;
  body: Buffer;
  requestId?: string;
}

export interface IntakeResponse {
  status: number;
  body: Record<string, unknown>;
}

export interface IntakeDeps {
  auth: WebhookAuth;
  resolver: AlarmResolver;
  journal: Journal;
  clock: Clock;
  logger: Logger;
  metrics?: ServiceMetrics;
  /** Hands an admitted incident to the engine. */
  onAdmitted: (incidentId: string, receivedAt: number) => void;
}

const fail = (status: number, code: string, message: string): IntakeResponse => ({ status, body: { error: { code, message } } });

/**
 * The key that makes a repeated delivery of the same notification a duplicate. Aodh's
 * notifier gives every notification a new x-openstack-request-id and keeps it across its
 * own retries, so the id tells a re-delivery from a new transition worded the same way
 * (the same alarm firing again later, "... most recent: 999.0"). Without an id, the
 * body alone decides.
 */
export function deliveryKey(n: AodhNotification, requestId?: string): string {
  return createHash('sha256')
    .update(JSON.stringify([n.alarm_id, n.previous, n.current, n.reason, n.reason_data, requestId ?? null]))
    .digest('hex');
}

export class Intake {
  constructor(private readonly d: IntakeDeps) {}

  async receive(req: IntakeRequest): Promise<IntakeResponse> {
    const receivedAt = this.d.clock.now();
    const reject = (status: number, code: string, message: string, extra: Record<string, unknown> = {}): IntakeResponse => {
      this.d.metrics?.alarmsReceived.inc({ outcome: `rejected_${code}` });
      // Never log the URL token or the Keystone token.
      this.d.logger.warn('notification rejected', { status, code, reason: message, aodh_request_id: req.requestId, ...extra });
      return fail(status, code, message);
    };
    const type = (req.contentType ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') return reject(415, 'unsupported_media_type', `expected content-type application/json, got ${type || 'none'}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.body.toString('utf8'));
    } catch (err) {
      return reject(400, 'malformed_json', `body is not valid JSON: ${(err as Error).message}`);
    }
    const v = validateNotification(parsed);
    if (!v.ok) return reject(400, 'invalid_notification', v.problems.join('; '));
    const n = v.value;
    const ids = { alarm_id: n.alarm_id, alarm_name: n.alarm_name, aodh_request_id: req.requestId };

    const auth = req.urlToken !== undefined
      ? this.d.auth.byUrlToken(req.urlToken, n.alarm_name)
      : req.authToken
        ? await this.d.auth.byKeystoneToken(req.authToken)
        : ({ ok: false, status: 401, message: 'missing credentials: a webhook token in the URL or X-Auth-Token' } as const);
    if (!auth.ok) return reject(auth.status, 'unauthorized', auth.message, ids);

    let target;
    try {
      target = (await this.d.resolver.resolve(n.alarm_id)).target;
    } catch (err) {
      if (err instanceof NotFound) return reject(404, 'unknown_alarm', `alarm ${n.alarm_id} does not exist in Aodh`, ids);
      if (err instanceof OpenStackError) {
        // Not stored: the reconciler opens the incident once Aodh answers again.
        return reject(503, 'aodh_unavailable', `cannot read alarm ${n.alarm_id} from Aodh now; the reconciler will pick it up`, ids);
      }
      throw err;
    }
    if (!target) return reject(422, 'no_instance', `alarm ${n.alarm_id} does not watch a single instance`, ids);
    if (auth.via === 'url-token' && target.alarmName !== n.alarm_name) {
      return reject(401, 'unauthorized', 'alarm name does not match the alarm id', ids);
    }

    const result = this.d.journal.admit({
      key: deliveryKey(n, req.requestId),
      alarmId: n.alarm_id,
      alarmName: n.alarm_name,
      instanceId: target.instanceId,
      metric: target.metric,
      previous: n.previous,
      current: n.current,
      reason: n.reason,
      requestId: req.requestId,
      via: 'webhook',
    });
    const outcome = result.duplicate ? 'duplicate' : 'accepted';
    this.d.metrics?.alarmsReceived.inc({ outcome });
    this.d.logger.info(`notification ${outcome}`, {
      ...ids,
      current: n.current,
      server_id: target.instanceId,
      metric: target.metric,
      incident_id: result.incident?.id,
      auth: auth.via,
      ...(v.extraKeys.length ? { extra_keys: v.extraKeys } : {}),
    });
    if (result.incident && !result.duplicate) this.d.onAdmitted(result.incident.id, receivedAt);
    return {
      status: 202,
      body: {
        incident_id: result.incident?.id ?? null,
        state: result.incident?.state ?? null,
        duplicate: result.duplicate,
      },
    };
  }
}
