// One recovery action from issue to outcome: issued to Nova with retries (the split-brain
// guard right before every evacuate), then verified, and the incident settled on the result.
// After a crash mid-issue, Nova's os-instance-actions tell whether the action had arrived
// before anything is re-issued.
import type { Incident, RecoveryAction } from '../domain/incident.ts';
import { Conflict, NotFound, OpenStackError, Transient } from '../openstack/errors.ts';
import type { ActionReceipt, Server } from '../openstack/nova-types.ts';
import { parseTimestamp } from '../openstack/timestamps.ts';
import type { EngineOptions } from './engine-options.ts';
import { backoffDelay } from './retry.ts';
import { UnsafeEvacuation } from './safety-gate.ts';
import type { IncidentTransitions } from './transitions.ts';
import { verifyAction } from './verify.ts';

/** Default of recovery.nova_clock_skew_s. */
const DEFAULT_NOVA_CLOCK_SKEW_MS = 60_000;

/** Arrival times kept for the latency metric at most (settled incidents are forgotten anyway). */
const MAX_RECEIVED = 10_000;

/** Nova's names for vmha's actions in os-instance-actions. */
const NOVA_ACTION_NAME: Record<RecoveryAction, string> = {
  'live-migrate': 'live-migration',
  'reboot-soft': 'reboot',
  'reboot-hard': 'reboot',
  rebuild: 'rebuild',
  evacuate: 'evacuate',
};

export class ActionRunner {
  /** When each incident's notification arrived, for the alarm-to-action latency. */
  private readonly receivedAt = new Map<string, number>();

  constructor(
    private readonly o: EngineOptions,
    private readonly t: IncidentTransitions,
    private readonly schedule: (id: string, delayMs: number) => void,
  ) {}

  /** Remembers when the incident's first notification arrived (later ones do not count). */
  noteReceived(incidentId: string, receivedAt: number): void {
    if (this.receivedAt.has(incidentId)) return;
    // A bound, should an incident ever be left without settling: the oldest goes first.
    if (this.receivedAt.size >= MAX_RECEIVED) this.receivedAt.delete(this.receivedAt.keys().next().value!);
    this.receivedAt.set(incidentId, receivedAt);
  }

  /** The incident settled (or is gone): it will issue no action to measure. */
  forget(incidentId: string): void {
    this.receivedAt.delete(incidentId);
  }

  /** How many incidents still wait for their first action to be measured (tests). */
  get awaitingFirstAction(): number {
    return this.receivedAt.size;
  }

  /** Issues the action with retries, then verifies it; runs inside the limits. */
  async execute(id: string, action: RecoveryAction, server: Server, reason: string): Promise<void> {
    const startedAt = this.o.clock.now();
    let incident = this.o.journal.get(id)!;
    incident = this.t.transition(id, {
      state: 'acting',
      event: 'action.issuing',
      reason,
      data: { action, source_host: server.host ?? null, server_name: server.name },
      patch: { actions: [...incident.actions, { action, at: startedAt }], attempts: 0 },
    });
    const receipt = await this.issueWithRetry(incident, action, server);
    if (!receipt) return;
    await this.verify(this.o.journal.get(id)!, server.host);
  }

  private async issueWithRetry(incident: Incident, action: RecoveryAction, server: Server): Promise<ActionReceipt | undefined> {
    const { backoff } = this.o;
    const ctx = { incident_id: incident.id, server_id: server.id, action };
    for (let attempt = 1; ; attempt++) {
      try {
        const received = this.receivedAt.get(incident.id);
        if (received !== undefined && attempt === 1) {
          this.o.metrics?.alarmToAction.observe((this.o.clock.now() - received) / 1000);
          this.receivedAt.delete(incident.id);
        }
        // Split-brain guard, right before every evacuate call: never while the source may run it.
        if (action === 'evacuate') await this.assertEvacuationSafe(server.host);
        const receipt = await this.callNova(action, server.id);
        this.o.metrics?.actions.inc({ action, outcome: 'accepted' });
        const current = this.o.journal.get(incident.id)!;
        const actions = current.actions.slice();
        const last = actions[actions.length - 1];
        if (last) actions[actions.length - 1] = { ...last, requestId: receipt.requestId };
        this.t.transition(incident.id, {
          state: 'verifying',
          event: 'action.accepted',
          reason: `${action} accepted by Nova`,
          data: { action, attempt, request_id: receipt.requestId ?? null, microversion: receipt.microversion },
          patch: { actions, attempts: attempt },
        });
        this.o.logger.info('nova accepted the action', { ...ctx, attempt, request_id: receipt.requestId });
        return receipt;
      } catch (err) {
        if (err instanceof UnsafeEvacuation) {
          this.o.metrics?.actions.inc({ action, outcome: 'refused' });
          this.o.logger.error('evacuation refused by the split-brain guard', { ...ctx, reason: err.message });
          this.t.settleAction(incident.id, 'failed');
          this.t.transition(incident.id, { state: 'failed', event: 'action.refused_unsafe', reason: `split-brain guard: ${err.message}`, data: { action, rule: 'split-brain-guard' } });
          return undefined;
        }
        if (!(err instanceof OpenStackError)) throw err;
        const retryable = err instanceof Transient || err instanceof Conflict;
        const data = { action, attempt, kind: err.kind, status: err.status ?? null, request_id: err.requestId ?? null, error: err.detail ?? err.message };
        this.o.journal.note(incident.id, 'action.attempt_failed', data);
        this.o.logger.warn('nova refused the action', { ...ctx, ...data });
        if (!retryable || attempt >= backoff.attempts) {
          this.o.metrics?.actions.inc({ action, outcome: 'failed' });
          const why = retryable ? `after ${attempt} attempts` : 'not retryable';
          this.t.settleAction(incident.id, 'failed');
          this.t.transition(incident.id, {
            state: 'failed',
            event: 'action.failed',
            reason: `${action} failed (${why}): ${err.kind} ${err.status ?? ''} ${err.detail ?? ''}`.replace(/\s+/g, ' ').trim(),
            data,
          });
          return undefined;
        }
        this.o.metrics?.actions.inc({ action, outcome: 'retried' });
        await this.o.clock.sleep(backoffDelay(attempt + 1, backoff, this.o.random));
      }
    }
  }

  private async assertEvacuationSafe(host: string | undefined): Promise<void> {
    if (!this.o.safety) throw new UnsafeEvacuation('no fencing is configured in this engine; vmha never evacuates an unfenced host');
    await this.o.safety.assertEvacuationSafe(host);
  }

  private callNova(action: RecoveryAction, serverId: string): Promise<ActionReceipt> {
    switch (action) {
      case 'live-migrate':
        return this.o.nova.liveMigrate(serverId);
      case 'reboot-hard':
        return this.o.nova.reboot(serverId, 'HARD');
      case 'reboot-soft':
        return this.o.nova.reboot(serverId, 'SOFT');
      case 'rebuild':
        return this.o.nova.rebuild(serverId);
      case 'evacuate':
        return this.o.nova.evacuate(serverId);
    }
  }

  /** Waits for the last action's end state and settles the incident on it. */
  async verify(incident: Incident, sourceHost?: string): Promise<void> {
    const last = incident.actions[incident.actions.length - 1];
    if (!last) {
      this.t.transition(incident.id, { state: 'waiting', event: 'verify.nothing', reason: 'no action to verify', retryInMs: 0 });
      return;
    }
    const source = sourceHost ?? (this.o.journal.timeline(incident.id).reverse().find((e) => e.type === 'action.issuing')?.data.source_host as string | undefined);
    const result = await verifyAction(this.o.nova, incident.instanceId, last.action, { host: source ?? undefined, startedAt: last.at }, {
      clock: this.o.clock,
      timeoutMs: this.o.verifyTimeoutMs,
      pollMs: this.o.verifyPollMs,
    });
    this.t.settleAction(incident.id, result.ok ? 'succeeded' : 'failed');
    this.o.metrics?.actions.inc({ action: last.action, outcome: result.ok ? 'succeeded' : 'failed' });
    if (result.ok) {
      this.t.transition(incident.id, { state: 'succeeded', event: 'verify.succeeded', reason: `${last.action} verified: ${result.detail}` });
    } else if (last.action === 'evacuate' && incident.hostWorkflow) {
      // The host is fenced and forced down: nothing on the per-instance ladder can help.
      this.t.transition(incident.id, { state: 'failed', event: 'verify.failed', reason: `${result.detail}; the host workflow does not retry it` });
    } else {
      // The next decision sees this failed action and escalates (or gives up).
      this.t.transition(incident.id, { state: 'waiting', event: 'verify.failed', reason: result.detail, retryInMs: 0 });
    }
  }

  /** Request ids of the instance's earlier actions, as journaled (its recent incidents). */
  private knownRequestIds(incident: Incident): Set<string> {
    const ids = new Set<string>();
    for (const inc of this.o.journal.list({ instanceId: incident.instanceId, limit: 20 })) {
      const actions = inc.id === incident.id ? inc.actions.slice(0, -1) : inc.actions;
      for (const a of actions) if (a.requestId) ids.add(a.requestId);
    }
    return ids;
  }

  /** After a crash mid-issue: did the action reach Nova? Re-check before re-issuing anything. */
  async resume(incident: Incident): Promise<void> {
    const last = incident.actions[incident.actions.length - 1];
    if (!last) {
      this.t.transition(incident.id, { state: 'waiting', event: 'resume.nothing_in_flight', reason: 'resumed without an action in flight', retryInMs: 0 });
      return;
    }
    let arrived: { requestId: string } | undefined;
    try {
      const actions = await this.o.nova.listInstanceActions(incident.instanceId);
      const wanted = NOVA_ACTION_NAME[last.action];
      // Nova's clock may differ from ours: a record of the same kind up to the tolerated skew
      // older still counts (re-issuing an action that did arrive is the one thing to avoid),
      // but not one vmha already knows as an earlier action of its own.
      const since = last.at - (this.o.novaClockSkewMs ?? DEFAULT_NOVA_CLOCK_SKEW_MS);
      const known = this.knownRequestIds(incident);
      const hit = actions.find((a) => a.action === wanted && !known.has(a.requestId) && parseTimestamp(a.startTime) >= since);
      if (hit) arrived = { requestId: hit.requestId };
    } catch (err) {
      if (err instanceof NotFound) {
        this.t.transition(incident.id, { state: 'failed', event: 'resume.server_gone', reason: 'the server disappeared while vmha was down' });
        return;
      }
      if (!(err instanceof OpenStackError)) throw err;
      this.o.journal.note(incident.id, 'resume.lookup_failed', { error: err.message });
      this.schedule(incident.id, 5000);
      return;
    }
    if (arrived) {
      const actions = incident.actions.slice();
      actions[actions.length - 1] = { ...last, requestId: arrived.requestId };
      const updated = this.t.transition(incident.id, {
        state: 'verifying',
        event: 'resume.action_found',
        reason: `${last.action} had reached Nova before the restart (request ${arrived.requestId}); verifying, not re-issuing`,
        patch: { actions },
      });
      await this.verify(updated);
    } else {
      // Never reached Nova: forget the attempt and decide afresh.
      this.t.transition(incident.id, {
        state: 'waiting',
        event: 'resume.action_not_found',
        reason: `${last.action} had not reached Nova before the restart; deciding again`,
        patch: { actions: incident.actions.slice(0, -1) },
        retryInMs: 0,
      });
    }
  }
}
