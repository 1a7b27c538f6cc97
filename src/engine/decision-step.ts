// One decision for an open or waiting incident: snapshot -> maintenance -> decide, then
// settle it (ignore, give up), wait, hand it over to the host workflow, or act (after the
// host's other alarms had a moment to arrive, and unless the guard holds or it is a dry run).
import type { Incident } from '../domain/incident.ts';
import type { Server } from '../openstack/nova-types.ts';
import { decide, type Decision } from '../policy/decide.ts';
import { clearedInAodh } from './alarm-recheck.ts';
import type { ActionRunner } from './action-runner.ts';
import type { EngineOptions } from './engine-options.ts';
import type { AttachedIncidents } from './attached-incidents.ts';
import { history, snapshot } from './snapshot.ts';
import type { IncidentTransitions } from './transitions.ts';

export class DecisionStep {
  constructor(
    private readonly o: EngineOptions,
    private readonly t: IncidentTransitions,
    private readonly actions: ActionRunner,
    private readonly attachedIncidents: AttachedIncidents,
    private readonly schedule: (id: string, delayMs: number) => void,
  ) {}

  /** Decides what the incident needs and carries it out (the caller holds the instance's busy flag). */
  async decideAndAct(incident: Incident): Promise<void> {
    const snap = await snapshot(this.o, this.t, incident);
    if (!snap) return;
    const safety = this.o.safety;
    const m = safety ? await safety.maintenance(incident.instanceId, snap.server, snap.hostService) : null;
    if (m) return this.t.suppress(incident.id, m);
    const host = safety ? await safety.hostContext(snap.server, snap.hostService) : undefined;
    const decision = decide(
      {
        incident,
        server: snap.server,
        hostService: snap.hostService,
        history: history(this.o.journal, incident),
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
        this.t.transition(incident.id, { state: 'ignored', event: 'decision.ignore', reason: decision.reason, data });
        return;
      case 'give_up':
        this.t.transition(incident.id, { state: 'gave_up', event: 'decision.give_up', reason: decision.reason, data });
        return;
      case 'wait':
        this.t.transition(incident.id, {
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
            this.t.transition(incident.id, {
              state: 'dry_run',
              event: 'decision.dry_run',
              reason: `dry run: would ${decision.action}: ${decision.reason}`,
              data: { ...data, action: decision.action, would: `${decision.action} server ${server.id} on ${server.host ?? '?'}` },
            });
            return;
          }
        }
        if (this.o.alarmRecheck) {
          const states = await clearedInAodh(this.o.alarmRecheck, this.o.journal, this.o.logger, incident, this.o.clock.now());
          if (states) {
            const waited = Math.round((this.o.clock.now() - incident.openedAt) / 1000);
            this.t.transition(incident.id, {
              state: 'closed',
              event: 'incident.closed',
              reason: `the alarm is ok in Aodh after ${waited} s of waiting (its ok notification never came, or the alarm was late): nothing to do`,
              data: { ...data, alarm_states: states, would: decision.action },
            });
            return;
          }
        }
        this.o.journal.note(incident.id, 'decision.act', { action: decision.action, ...data, reason: decision.reason });
        await this.o.limits.run(server.host ?? 'unknown', () => this.actions.execute(incident.id, decision.action, server, decision.reason));
        return;
      }
    }
  }

  /** Stopped by the guard: wait, journaled once per reason (re-checks are not events). */
  private hold(incident: Incident, reason: string, data: Record<string, unknown>): void {
    const retryInMs = this.o.policy.waitRetryMs;
    if (incident.state === 'waiting' && incident.reason === reason) {
      this.schedule(incident.id, retryInMs);
      return;
    }
    this.t.transition(incident.id, { state: 'waiting', event: 'decision.held', reason, data: { ...data, held_by: 'mass-failure-guard' }, retryInMs });
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
          this.t.transition(incident.id, { state: 'gave_up', event: 'decision.give_up', reason: `${h.reason}; still so after ${Math.round(waited / 1000)} s`, data });
        } else {
          this.t.transition(incident.id, { state: 'waiting', event: 'decision.wait', reason: h.reason, data, retryInMs: this.o.policy.waitRetryMs });
        }
        return;
      }
      case 'gave-up':
        this.t.transition(incident.id, { state: 'gave_up', event: 'decision.give_up', reason: h.reason, data: { ...data, workflow_id: h.workflow.id } });
        return;
      case 'dry-run':
        this.t.transition(incident.id, { state: 'dry_run', event: 'decision.dry_run', reason: h.reason, data: { ...data, workflow_id: h.workflow.id } });
        return;
      case 'attached':
      case 'evacuate-now': {
        const attached = this.t.transition(incident.id, {
          state: 'waiting',
          event: 'incident.attached_to_host_workflow',
          reason: decision.failure.kind === 'workflow-active' ? decision.reason : `${decision.reason}; host workflow ${h.workflow.id} is in charge`,
          data: { ...data, workflow_id: h.workflow.id },
          patch: { hostWorkflow: h.workflow.id, nextAttemptAt: null },
        });
        // A late one on a host already fenced and evacuated (this call holds its busy flag).
        if (h.kind === 'evacuate-now') await this.attachedIncidents.evacuateNow(attached, h.workflow);
        // Looked at again while the workflow runs: taken back should the workflow stop running.
        else this.schedule(incident.id, this.o.policy.waitRetryMs);
        return;
      }
    }
  }
}
