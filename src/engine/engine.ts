// The recovery engine: for each open incident, snapshot -> decide -> execute (through
// limits and retries) -> verify -> settle, every step journaled before the next one.
// Never two actions on one instance at once; on start, every open incident resumes,
// and an action that was being issued when the process died is looked up in Nova's
// instance actions before anything is re-issued. The safety checks (maintenance,
// mass-failure guard, host workflow hand-over, dry run, split-brain guard on every
// evacuate) are asked through EngineSafety; see engine/safety-gate.ts.
import type { Clock } from '../domain/clock.ts';
import { HOST_FAILURE_METRIC, RUNNING_STATES, type HostWorkflow } from '../domain/host-workflow.ts';
import { isTerminal, type Incident, type IncidentState, type RecoveryAction } from '../domain/incident.ts';
import type { Journal } from '../journal/journal.ts';
import type { Limits } from '../limits/limits.ts';
import type { Logger } from '../log.ts';
import type { ServiceMetrics } from '../metrics.ts';
import { Conflict, NotFound, OpenStackError, Transient } from '../openstack/errors.ts';
import type { ActionReceipt, ComputeService, Server } from '../openstack/nova-types.ts';
import { checkBudget } from '../policy/budget.ts';
import { ACCEPTS, decide, type Decision, type PastAction, type PolicyConfig } from '../policy/decide.ts';
import type { MaintenanceMatch } from '../policy/maintenance.ts';
import { effectiveVmState } from '../policy/matrix.ts';
import type { Evacuator } from './host-workflow.ts';
import { backoffDelay, type BackoffConfig } from './retry.ts';
import { UnsafeEvacuation, type EngineSafety } from './safety-gate.ts';
import { verifyAction, type NovaPort } from './verify.ts';

export interface EngineOptions {
  journal: Journal;
  nova: NovaPort;
  limits: Limits;
  clock: Clock;
  logger: Logger;
  policy: PolicyConfig;
  backoff: BackoffConfig;
  verifyTimeoutMs: number;
  verifyPollMs: number;
  metrics?: ServiceMetrics;
  random?: () => number;
  /** Called after every incident transition (notifications hook in here). */
  onTransition?: (incident: Incident, event: string) => void;
  /** Maintenance, guard, host workflows, dry run. Without it, evacuate is always refused. */
  safety?: EngineSafety;
}

/** Nova's names for vmha's actions in os-instance-actions. */
const NOVA_ACTION_NAME: Record<RecoveryAction, string> = {
  'live-migrate': 'live-migration',
  'reboot-soft': 'reboot',
  'reboot-hard': 'reboot',
  rebuild: 'rebuild',
  evacuate: 'evacuate',
};

export class Engine implements Evacuator {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly busy = new Set<string>();
  /** Incidents the host workflow is evacuating right now (their busy flag is held by evacuate()). */
  private readonly evacuating = new Set<string>();
  private readonly pending = new Set<Promise<void>>();
  private stopped = false;
  /** When each incident's notification arrived, for the alarm-to-action latency. */
  private readonly receivedAt = new Map<string, number>();

  constructor(private readonly o: EngineOptions) {}

  /** Resumes every open incident (call once at start-up). */
  start(): void {
    for (const incident of this.o.journal.open()) this.schedule(incident.id, 0);
  }

  /** Asks the engine to look at an incident now (after admission). */
  kick(incidentId: string, receivedAt?: number): void {
    if (receivedAt !== undefined && !this.receivedAt.has(incidentId)) this.receivedAt.set(incidentId, receivedAt);
    this.schedule(incidentId, 0);
  }

  /** Stops scheduling; resolves when work in progress has returned. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.pending]);
  }

  /** Resolves when no incident is being processed or scheduled (tests). */
  async idle(): Promise<void> {
    while (this.pending.size || this.timers.size) await Promise.allSettled([...this.pending, new Promise((r) => setTimeout(r, 5))]);
  }

  private schedule(id: string, delayMs: number): void {
    if (this.stopped) return;
    const existing = this.timers.get(id);
    if (existing) clearTimeout(existing);
    const run = (): void => {
      this.timers.delete(id);
      const p = this.process(id).finally(() => this.pending.delete(p));
      this.pending.add(p);
    };
    // Real timers even under a simulated clock: the delay only paces re-decisions,
    // while every time-dependent rule reads the injected clock.
    this.timers.set(id, setTimeout(run, Math.max(0, delayMs)));
  }

  private async process(id: string): Promise<void> {
    let incident = this.o.journal.get(id);
    if (!incident || isTerminal(incident.state)) return;
    if (incident.hostWorkflow && (incident.state === 'open' || incident.state === 'waiting')) {
      const left = this.leftToWorkflow(incident);
      if (!left) return;
      incident = left;
    }
    if (this.busy.has(incident.instanceId)) {
      this.schedule(id, 50); // never two actions on one instance at once: look again shortly
      return;
    }
    this.busy.add(incident.instanceId);
    try {
      if (incident.state === 'acting') await this.resumeActing(incident);
      else if (incident.state === 'verifying') await this.verify(incident);
      else await this.decideAndAct(incident);
    } catch (err) {
      // A bug or an unmapped failure must not lose the incident: wait and try again.
      this.o.logger.error('incident processing failed; will retry', { incident_id: id, error: String((err as Error)?.stack ?? err) });
      this.safeUpdate(id, { state: 'waiting', event: 'engine.error', reason: `internal error: ${(err as Error)?.message ?? err}`, retryInMs: 5000 });
    } finally {
      this.busy.delete(incident.instanceId);
    }
  }

  private async decideAndAct(incident: Incident): Promise<void> {
    const snap = await this.snapshot(incident);
    if (!snap) return;
    const safety = this.o.safety;
    const m = safety ? await safety.maintenance(incident.instanceId, snap.server, snap.hostService) : null;
    if (m) return this.suppress(incident.id, m);
    const host = safety ? await safety.hostContext(snap.server, snap.hostService) : undefined;
    const decision = decide(
      {
        incident,
        server: snap.server,
        hostService: snap.hostService,
        history: this.history(incident),
        now: this.o.clock.now(),
        hostAlarming: host?.hostAlarming,
        hostFailure: host?.failure,
      },
      this.o.policy,
    );
    const ctx = { incident_id: incident.id, server_id: incident.instanceId, rule: decision.rule, matched: decision.matched };
    // Name and host in the journal, for notifications (issue #8).
    const where = { server_name: snap.server?.name ?? null, host: snap.server?.host ?? null };
    // The matrix rule that matched and the step that settled it, in every decision event.
    const data = { rule: decision.rule, matched: decision.matched, ...where };
    this.o.logger.info(`decision: ${decision.kind}`, { ...ctx, reason: decision.reason });
    switch (decision.kind) {
      case 'ignore':
        this.transition(incident.id, { state: 'ignored', event: 'decision.ignore', reason: decision.reason, data });
        return;
      case 'give_up':
        this.transition(incident.id, { state: 'gave_up', event: 'decision.give_up', reason: decision.reason, data });
        return;
      case 'wait':
        this.transition(incident.id, {
          state: 'waiting',
          event: 'decision.wait',
          reason: decision.reason,
          data: { rule: decision.rule, matched: decision.matched, retry_in_ms: decision.retryInMs },
          retryInMs: decision.retryInMs,
        });
        return;
      case 'host_failure':
        return this.handOver(incident, snap.server!, decision, data);
      case 'act': {
        const server = snap.server!;
        if (safety) {
          // Give the host's other alarms a moment to arrive: K of them make a host failure.
          const correlate = safety.correlationMs(incident);
          if (correlate > 0) {
            this.schedule(incident.id, correlate);
            return;
          }
          const hold = await safety.holdReason();
          if (hold) return this.hold(incident, hold, data);
          if (safety.dryRun) {
            this.transition(incident.id, {
              state: 'dry_run',
              event: 'decision.dry_run',
              reason: `dry run: would ${decision.action}: ${decision.reason}`,
              data: { ...data, action: decision.action, would: `${decision.action} server ${server.id} on ${server.host ?? '?'}` },
            });
            return;
          }
        }
        this.o.journal.note(incident.id, 'decision.act', { action: decision.action, ...data, reason: decision.reason });
        await this.o.limits.run(server.host ?? 'unknown', () => this.execute(incident.id, decision.action, server, decision.reason));
        return;
      }
    }
  }

  /** A maintenance switch covers the instance: journaled as suppressed, never acted on. */
  suppress(id: string, m: MaintenanceMatch): void {
    const current = this.o.journal.get(id);
    if (!current || !(current.state === 'open' || current.state === 'waiting')) return; // in flight or settled: too late
    const what = m.level === 'global' ? 'global maintenance' : `maintenance of ${m.level} ${m.target}`;
    this.transition(id, {
      state: 'suppressed',
      event: 'decision.suppressed',
      reason: `${what} is on (since ${new Date(m.switch.at).toISOString()}, by ${m.switch.by}${m.switch.reason ? `: ${m.switch.reason}` : ''}); not acted on`,
      data: { rule: 'maintenance', level: m.level, target: m.target },
    });
  }

  /** Stopped by the guard: wait, journaled once per reason (re-checks are not events). */
  private hold(incident: Incident, reason: string, data: Record<string, unknown>): void {
    const retryInMs = this.o.policy.waitRetryMs;
    if (incident.state === 'waiting' && incident.reason === reason) {
      this.schedule(incident.id, retryInMs);
      return;
    }
    this.transition(incident.id, { state: 'waiting', event: 'decision.held', reason, data: { ...data, held_by: 'mass-failure-guard' }, retryInMs });
  }

  /** The host failed: the host workflow takes the instance in (or has already dealt with its host). */
  private async handOver(incident: Incident, server: Server, decision: Extract<Decision, { kind: 'host_failure' }>, base: Record<string, unknown>): Promise<void> {
    const data = { ...base, failure: decision.failure.kind };
    const h = this.o.safety
      ? this.o.safety.handover(server.host ?? 'unknown', decision.failure)
      : ({ kind: 'wait', reason: `${decision.reason}; this engine has no host workflow` } as const);
    switch (h.kind) {
      case 'wait': {
        const waited = this.o.clock.now() - incident.openedAt;
        if (waited >= this.o.policy.waitBudgetMs) {
          this.transition(incident.id, { state: 'gave_up', event: 'decision.give_up', reason: `${h.reason}; still so after ${Math.round(waited / 1000)} s`, data });
        } else {
          this.transition(incident.id, { state: 'waiting', event: 'decision.wait', reason: h.reason, data, retryInMs: this.o.policy.waitRetryMs });
        }
        return;
      }
      case 'gave-up':
        this.transition(incident.id, { state: 'gave_up', event: 'decision.give_up', reason: h.reason, data: { ...data, workflow_id: h.workflow.id } });
        return;
      case 'dry-run':
        this.transition(incident.id, { state: 'dry_run', event: 'decision.dry_run', reason: h.reason, data: { ...data, workflow_id: h.workflow.id } });
        return;
      case 'attached':
      case 'evacuate-now': {
        const attached = this.transition(incident.id, {
          state: 'waiting',
          event: 'incident.attached_to_host_workflow',
          reason: decision.failure.kind === 'workflow-active' ? decision.reason : `${decision.reason}; host workflow ${h.workflow.id} is in charge`,
          data: { ...data, workflow_id: h.workflow.id },
          patch: { hostWorkflow: h.workflow.id, nextAttemptAt: null },
        });
        if (h.kind === 'evacuate-now') {
          // A late one on a host already fenced and evacuated (this call holds its busy flag).
          this.evacuating.add(incident.id);
          try {
            await this.evacuateAttached(attached, h.workflow);
          } finally {
            this.evacuating.delete(incident.id);
          }
        }
        return;
      }
    }
  }

  /**
   * An open or waiting incident with a host workflow: while the workflow runs, it is the
   * workflow's (returns undefined). Once the workflow has ended, the incident is detached
   * and decided like any other (returned).
   */
  private leftToWorkflow(incident: Incident): Incident | undefined {
    const wf = this.o.safety?.workflow(incident.hostWorkflow!);
    if (wf && RUNNING_STATES.has(wf.state)) return undefined;
    if (this.evacuating.has(incident.id)) return undefined;
    return this.o.journal.update(incident.id, {
      event: 'incident.detached_from_host_workflow',
      data: { workflow_id: incident.hostWorkflow, workflow_state: wf?.state ?? null },
      patch: { hostWorkflow: undefined },
    });
  }

  /** Issues the action with retries, then verifies it; runs inside the limits. */
  private async execute(id: string, action: RecoveryAction, server: Server, reason: string): Promise<void> {
    const startedAt = this.o.clock.now();
    let incident = this.o.journal.get(id)!;
    incident = this.transition(id, {
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
        this.transition(incident.id, {
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
          this.settleAction(incident.id, 'failed');
          this.transition(incident.id, { state: 'failed', event: 'action.refused_unsafe', reason: `split-brain guard: ${err.message}`, data: { action, rule: 'split-brain-guard' } });
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
          this.settleAction(incident.id, 'failed');
          this.transition(incident.id, {
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

  private async verify(incident: Incident, sourceHost?: string): Promise<void> {
    const last = incident.actions[incident.actions.length - 1];
    if (!last) {
      this.transition(incident.id, { state: 'waiting', event: 'verify.nothing', reason: 'no action to verify', retryInMs: 0 });
      return;
    }
    const source = sourceHost ?? (this.o.journal.timeline(incident.id).reverse().find((e) => e.type === 'action.issuing')?.data.source_host as string | undefined);
    const result = await verifyAction(this.o.nova, incident.instanceId, last.action, { host: source ?? undefined, startedAt: last.at }, {
      clock: this.o.clock,
      timeoutMs: this.o.verifyTimeoutMs,
      pollMs: this.o.verifyPollMs,
    });
    this.settleAction(incident.id, result.ok ? 'succeeded' : 'failed');
    this.o.metrics?.actions.inc({ action: last.action, outcome: result.ok ? 'succeeded' : 'failed' });
    if (result.ok) {
      this.transition(incident.id, { state: 'succeeded', event: 'verify.succeeded', reason: `${last.action} verified: ${result.detail}` });
    } else if (last.action === 'evacuate' && incident.hostWorkflow) {
      // The host is fenced and forced down: nothing on the per-instance ladder can help.
      this.transition(incident.id, { state: 'failed', event: 'verify.failed', reason: `${result.detail}; the host workflow does not retry it` });
    } else {
      // The next decision sees this failed action and escalates (or gives up).
      this.transition(incident.id, { state: 'waiting', event: 'verify.failed', reason: result.detail, retryInMs: 0 });
    }
  }

  /** After a crash mid-issue: did the action reach Nova? Re-check before re-issuing anything. */
  private async resumeActing(incident: Incident): Promise<void> {
    const last = incident.actions[incident.actions.length - 1];
    if (!last) {
      this.transition(incident.id, { state: 'waiting', event: 'resume.nothing_in_flight', reason: 'resumed without an action in flight', retryInMs: 0 });
      return;
    }
    let arrived: { requestId: string } | undefined;
    try {
      const actions = await this.o.nova.listInstanceActions(incident.instanceId);
      const wanted = NOVA_ACTION_NAME[last.action];
      const hit = actions.find((a) => a.action === wanted && Date.parse(a.startTime.endsWith('Z') ? a.startTime : a.startTime + 'Z') >= last.at - 1000);
      if (hit) arrived = { requestId: hit.requestId };
    } catch (err) {
      if (err instanceof NotFound) {
        this.transition(incident.id, { state: 'failed', event: 'resume.server_gone', reason: 'the server disappeared while vmha was down' });
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
      const updated = this.transition(incident.id, {
        state: 'verifying',
        event: 'resume.action_found',
        reason: `${last.action} had reached Nova before the restart (request ${arrived.requestId}); verifying, not re-issuing`,
        patch: { actions },
      });
      await this.verify(updated);
    } else {
      // Never reached Nova: forget the attempt and decide afresh.
      this.transition(incident.id, {
        state: 'waiting',
        event: 'resume.action_not_found',
        reason: `${last.action} had not reached Nova before the restart; deciding again`,
        patch: { actions: incident.actions.slice(0, -1) },
        retryInMs: 0,
      });
    }
  }

  // ---- the host workflow's side (Evacuator) ---------------------------------

  /** The instance's open incident, attached to the workflow; one is opened if it had no alarm. */
  attach(serverId: string, wf: HostWorkflow): string {
    let incident = this.o.journal.openFor(serverId);
    if (!incident) {
      const admitted = this.o.journal.admit({
        key: `host-workflow:${wf.id}:${serverId}`,
        alarmId: `host-workflow:${wf.id}`,
        alarmName: `vmha:host-failure:${wf.host}`,
        instanceId: serverId,
        metric: HOST_FAILURE_METRIC,
        previous: 'ok',
        current: 'alarm',
        reason: `host ${wf.host} failed (${wf.trigger.detail}); host workflow ${wf.id} recovers its HA instances`,
        via: 'host-workflow',
      });
      incident = admitted.incident ?? undefined;
      if (!incident) throw new Error(`could not open an incident for ${serverId}`);
      if (isTerminal(incident.state)) return incident.id;
    }
    if (incident.hostWorkflow !== wf.id) {
      incident = this.o.journal.update(incident.id, {
        event: 'incident.attached_to_host_workflow',
        reason: isTerminal(incident.state) ? incident.reason : `host ${wf.host} failed; host workflow ${wf.id} is in charge`,
        data: { workflow_id: wf.id, host: wf.host },
        patch: { hostWorkflow: wf.id },
      });
    }
    return incident.id;
  }

  /** Evacuates one attached incident through the limits; resolves with its state once it settles. */
  async evacuate(incidentId: string, wf: HostWorkflow): Promise<IncidentState> {
    for (;;) {
      const incident = this.o.journal.get(incidentId);
      if (!incident) return 'failed';
      if (isTerminal(incident.state) || this.stopped) return incident.state;
      // In flight (resumed after a restart, or a per-instance action not yet settled): wait for it.
      if (incident.state === 'acting' || incident.state === 'verifying' || this.busy.has(incident.instanceId)) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if (incident.hostWorkflow !== wf.id) return incident.state; // detached meanwhile
      this.busy.add(incident.instanceId);
      this.evacuating.add(incident.id);
      const p = this.evacuateAttached(incident, wf)
        .catch((err: unknown) => {
          this.o.logger.error('evacuation failed unexpectedly', { incident_id: incident.id, workflow_id: wf.id, error: String((err as Error)?.stack ?? err) });
          this.safeUpdate(incident.id, { state: 'failed', event: 'engine.error', reason: `internal error during evacuation: ${(err as Error)?.message ?? err}`, retryInMs: 0 });
        })
        .finally(() => {
          this.busy.delete(incident.instanceId);
          this.evacuating.delete(incident.id);
          this.pending.delete(p);
        });
      this.pending.add(p);
      await p;
    }
  }

  /** Settles incidents attached to a workflow that ended without evacuating them. */
  settleAttached(wf: HostWorkflow, how: 'dry_run' | 'gave_up' | 'detach', reason: string): void {
    for (const incident of this.o.journal.open()) {
      if (incident.hostWorkflow !== wf.id || !(incident.state === 'open' || incident.state === 'waiting')) continue;
      if (how === 'detach') {
        this.transition(incident.id, {
          state: 'waiting',
          event: 'incident.detached_from_host_workflow',
          reason,
          data: { workflow_id: wf.id },
          patch: { hostWorkflow: undefined },
          retryInMs: 0,
        });
      } else {
        this.transition(incident.id, {
          state: how,
          event: how === 'dry_run' ? 'decision.dry_run' : 'decision.give_up',
          reason,
          data: { rule: 'host-workflow', workflow_id: wf.id },
        });
      }
    }
  }

  /** The evacuation itself (the caller holds the instance's busy flag). */
  private async evacuateAttached(incident: Incident, wf: HostWorkflow): Promise<void> {
    const snap = await this.snapshot(incident);
    if (!snap) return;
    const { server } = snap;
    const data = { rule: 'host-workflow', matched: 'host-failure', workflow_id: wf.id, host: wf.host };
    if (!server) {
      this.transition(incident.id, { state: 'ignored', event: 'decision.ignore', reason: 'the server no longer exists in Nova', data });
      return;
    }
    if (server.host !== wf.host) {
      this.transition(incident.id, {
        state: 'waiting',
        event: 'incident.detached_from_host_workflow',
        reason: `server is on ${server.host ?? 'no host'} now, not on the failed ${wf.host}; deciding on its own`,
        data,
        patch: { hostWorkflow: undefined },
        retryInMs: 0,
      });
      return;
    }
    const safety = this.o.safety;
    const m = safety ? await safety.maintenance(incident.instanceId, server, snap.hostService) : null;
    if (m) return this.suppress(incident.id, m);
    const now = this.o.clock.now();
    // No cooldown off a dead host (waiting only prolongs the outage), but the window cap holds.
    const budget = safety ? checkBudget(this.history(incident), incident.id, now, safety.budget, { cooldown: false }) : ({ ok: true } as const);
    if (!budget.ok) {
      this.transition(incident.id, { state: 'gave_up', event: 'decision.give_up', reason: budget.reason, data: { ...data, rule: budget.rule } });
      return;
    }
    const vmState = effectiveVmState(server);
    if (!ACCEPTS.evacuate.includes(vmState)) {
      this.transition(incident.id, { state: 'failed', event: 'decision.give_up', reason: `Nova does not accept evacuate in vm_state ${vmState}`, data });
      return;
    }
    for (;;) {
      const hold = safety ? await safety.holdReason() : null;
      if (!hold) break;
      const current = this.o.journal.get(incident.id)!;
      if (current.reason !== hold) this.transition(incident.id, { state: 'waiting', event: 'decision.held', reason: hold, data: { ...data, held_by: 'mass-failure-guard' } });
      if (this.stopped) return;
      await new Promise((r) => setTimeout(r, this.o.policy.waitRetryMs));
    }
    const reason = `host ${wf.host} failed (${wf.trigger.detail}) and was fenced: evacuate`;
    if (safety?.dryRun) {
      this.transition(incident.id, { state: 'dry_run', event: 'decision.dry_run', reason: `dry run: would evacuate: ${reason}`, data: { ...data, action: 'evacuate' } });
      return;
    }
    this.o.journal.note(incident.id, 'decision.act', { action: 'evacuate', ...data, server_name: server.name, reason });
    await this.o.limits.run(wf.host, () => this.execute(incident.id, 'evacuate', server, reason));
  }

  private async assertEvacuationSafe(host: string | undefined): Promise<void> {
    if (!this.o.safety) throw new UnsafeEvacuation('no fencing is configured in this engine; vmha never evacuates an unfenced host');
    await this.o.safety.assertEvacuationSafe(host);
  }

  private async snapshot(incident: Incident): Promise<{ server: Server | null; hostService: ComputeService | null } | undefined> {
    try {
      let server: Server | null;
      try {
        server = await this.o.nova.getServer(incident.instanceId);
      } catch (err) {
        if (err instanceof NotFound) server = null;
        else throw err;
      }
      let hostService: ComputeService | null = null;
      if (server?.host) {
        try {
          hostService = await this.o.nova.computeService(server.host);
        } catch (err) {
          if (!(err instanceof NotFound)) throw err;
        }
      }
      return { server, hostService };
    } catch (err) {
      if (!(err instanceof OpenStackError)) throw err;
      const retry = backoffDelay(Math.min(incident.attempts + 2, 6), this.o.backoff, this.o.random);
      this.transition(incident.id, {
        state: 'waiting',
        event: 'snapshot.failed',
        reason: `could not read the server from Nova: ${err.message}`,
        retryInMs: retry,
        patch: { attempts: incident.attempts + 1 },
      });
      return undefined;
    }
  }

  /** Actions on this instance in its recent incidents, for escalation. */
  private history(incident: Incident): PastAction[] {
    const out: PastAction[] = [];
    for (const inc of this.o.journal.list({ instanceId: incident.instanceId, limit: 20 })) {
      for (const a of inc.actions) {
        out.push({ incidentId: inc.id, action: a.action, at: a.at, outcome: a.outcome, metrics: inc.alarmingMetrics });
      }
    }
    return out.sort((a, b) => a.at - b.at);
  }

  private settleAction(id: string, outcome: 'succeeded' | 'failed'): void {
    const incident = this.o.journal.get(id)!;
    const actions = incident.actions.slice();
    const last = actions[actions.length - 1];
    if (!last) return;
    actions[actions.length - 1] = { ...last, outcome };
    this.o.journal.update(id, { event: `action.${outcome}`, data: { action: last.action }, patch: { actions } });
  }

  private transition(
    id: string,
    change: {
      state: Incident['state'];
      event: string;
      reason: string;
      data?: Record<string, unknown>;
      patch?: Partial<Omit<Incident, 'id' | 'state'>>;
      retryInMs?: number;
    },
  ): Incident {
    const now = this.o.clock.now();
    const patch = { ...(change.patch ?? {}) };
    if (change.retryInMs !== undefined) patch.nextAttemptAt = now + change.retryInMs;
    const incident = this.o.journal.update(id, { state: change.state, event: change.event, reason: change.reason, data: change.data, patch });
    this.o.logger.info(`incident ${change.state}`, {
      incident_id: id,
      server_id: incident.instanceId,
      event: change.event,
      reason: change.reason,
      ...(change.data?.request_id ? { request_id: change.data.request_id } : {}),
    });
    this.o.onTransition?.(incident, change.event);
    if (change.retryInMs !== undefined && !isTerminal(incident.state)) this.schedule(id, change.retryInMs);
    return incident;
  }

  private safeUpdate(id: string, change: { state: Incident['state']; event: string; reason: string; retryInMs: number }): void {
    try {
      const current = this.o.journal.get(id);
      if (!current || isTerminal(current.state)) return;
      this.transition(id, change);
    } catch (err) {
      this.o.logger.error('could not journal an engine error', { incident_id: id, error: String(err) });
      this.schedule(id, change.retryInMs);
    }
  }
}
