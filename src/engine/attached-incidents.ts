// Incidents attached to a host workflow (the engine's side of it): while the workflow runs
// they are its own; it has them evacuated here, each through the limits and the busy set
// like any other action, and those it ends without evacuating are settled or detached.
import { HOST_FAILURE_METRIC, RUNNING_STATES, type HostWorkflow } from '../domain/host-workflow.ts';
import { isTerminal, type Incident, type IncidentState } from '../domain/incident.ts';
import { checkBudget } from '../policy/budget.ts';
import { ACCEPTS } from '../policy/decide.ts';
import { effectiveVmState } from '../policy/matrix.ts';
import type { ActionRunner } from './action-runner.ts';
import type { EngineOptions } from './engine-options.ts';
import type { Scheduler } from './scheduler.ts';
import { history, snapshot } from './snapshot.ts';
import type { IncidentTransitions } from './transitions.ts';

export class AttachedIncidents {
  /** Incidents being evacuated right now (their busy flag is held by the evacuation). */
  private readonly evacuating = new Set<string>();

  constructor(
    private readonly o: EngineOptions,
    private readonly t: IncidentTransitions,
    private readonly actions: ActionRunner,
    private readonly scheduler: Scheduler,
    /** Instances with an action in progress, shared with the engine. */
    private readonly busy: Set<string>,
  ) {}

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
      if (isTerminal(incident.state) || this.scheduler.stopped) return incident.state;
      // In flight (resumed after a restart, or a per-instance action not yet settled): wait for it.
      if (incident.state === 'acting' || incident.state === 'verifying' || this.busy.has(incident.instanceId)) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if (incident.hostWorkflow !== wf.id) return incident.state; // detached meanwhile
      this.busy.add(incident.instanceId);
      this.evacuating.add(incident.id);
      await this.scheduler.track(
        this.evacuateAttached(incident, wf)
          .catch((err: unknown) => {
            this.o.logger.error('evacuation failed unexpectedly', { incident_id: incident.id, workflow_id: wf.id, error: String((err as Error)?.stack ?? err) });
            this.t.safeUpdate(incident.id, { state: 'failed', event: 'engine.error', reason: `internal error during evacuation: ${(err as Error)?.message ?? err}`, retryInMs: 0 });
          })
          .finally(() => {
            this.busy.delete(incident.instanceId);
            this.evacuating.delete(incident.id);
          }),
      );
    }
  }

  /** A late incident on a host already fenced and evacuated: evacuated now (the caller holds its busy flag). */
  async evacuateNow(incident: Incident, wf: HostWorkflow): Promise<void> {
    this.evacuating.add(incident.id);
    try {
      await this.evacuateAttached(incident, wf);
    } finally {
      this.evacuating.delete(incident.id);
    }
  }

  /** Settles incidents attached to a workflow that ended without evacuating them. */
  settleAttached(wf: HostWorkflow, how: 'dry_run' | 'gave_up' | 'detach', reason: string): void {
    for (const incident of this.o.journal.open()) {
      if (incident.hostWorkflow !== wf.id || !(incident.state === 'open' || incident.state === 'waiting')) continue;
      if (how === 'detach') {
        this.t.transition(incident.id, {
          state: 'waiting',
          event: 'incident.detached_from_host_workflow',
          reason,
          data: { workflow_id: wf.id },
          patch: { hostWorkflow: undefined },
          retryInMs: 0,
        });
      } else {
        this.t.transition(incident.id, {
          state: how,
          event: how === 'dry_run' ? 'decision.dry_run' : 'decision.give_up',
          reason,
          data: { rule: 'host-workflow', workflow_id: wf.id },
        });
      }
    }
  }

  /** True while its host workflow is evacuating the incident: the evacuation settles it. */
  evacuates(incidentId: string): boolean {
    return this.evacuating.has(incidentId);
  }

  /**
   * An open or waiting incident with a host workflow: while the workflow runs, it is the
   * workflow's (returns undefined) and is looked at again after wait_retry_s. Once the
   * workflow has ended, or stopped running in this process (its loop crashed), the
   * incident is detached and decided like any other (returned); if its host still needs
   * the workflow, the decision hands it over again, which drives the workflow again.
   */
  leftToWorkflow(incident: Incident): Incident | undefined {
    const id = incident.hostWorkflow!;
    if (this.o.safety?.workflowRunning(id)) {
      this.scheduler.schedule(incident.id, this.o.policy.waitRetryMs);
      return undefined;
    }
    const wf = this.o.safety?.workflow(id);
    const stalled = wf && RUNNING_STATES.has(wf.state);
    return this.o.journal.update(incident.id, {
      event: 'incident.detached_from_host_workflow',
      reason: stalled ? `host workflow ${id} (${wf.state}) is no longer being driven; deciding again` : undefined,
      data: { workflow_id: id, workflow_state: wf?.state ?? null },
      patch: { hostWorkflow: undefined },
    });
  }

  /** The evacuation itself (the caller holds the instance's busy flag). */
  private async evacuateAttached(incident: Incident, wf: HostWorkflow): Promise<void> {
    const snap = await snapshot(this.o, this.t, incident);
    if (!snap) return;
    const { server } = snap;
    const data = { rule: 'host-workflow', matched: 'host-failure', workflow_id: wf.id, host: wf.host };
    if (!server) {
      this.t.transition(incident.id, { state: 'ignored', event: 'decision.ignore', reason: 'the server no longer exists in Nova', data });
      return;
    }
    if (server.host !== wf.host) {
      this.t.transition(incident.id, {
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
    if (m) return this.t.suppress(incident.id, m);
    const now = this.o.clock.now();
    // No cooldown off a dead host (waiting only prolongs the outage), but the window cap holds.
    const budget = safety ? checkBudget(history(this.o.journal, incident), incident.id, now, safety.budget, { cooldown: false }) : ({ ok: true } as const);
    if (!budget.ok) {
      this.t.transition(incident.id, { state: 'gave_up', event: 'decision.give_up', reason: budget.reason, data: { ...data, rule: budget.rule } });
      return;
    }
    const vmState = effectiveVmState(server);
    if (!ACCEPTS.evacuate.includes(vmState)) {
      this.t.transition(incident.id, { state: 'gave_up', event: 'decision.give_up', reason: `Nova does not accept evacuate in vm_state ${vmState}`, data: { ...data, rule: 'state-forbids' } });
      return;
    }
    for (;;) {
      const hold = safety ? await safety.holdReason() : null;
      if (!hold) break;
      const current = this.o.journal.get(incident.id)!;
      if (current.reason !== hold) this.t.transition(incident.id, { state: 'waiting', event: 'decision.held', reason: hold, data: { ...data, held_by: 'mass-failure-guard' } });
      if (this.scheduler.stopped) return;
      await this.scheduler.pause(this.o.policy.waitRetryMs); // stop() wakes it
      if (this.scheduler.stopped) return;
    }
    const reason = `host ${wf.host} failed (${wf.trigger.detail}) and was fenced: evacuate`;
    if (safety?.dryRun) {
      this.t.transition(incident.id, { state: 'dry_run', event: 'decision.dry_run', reason: `dry run: would evacuate: ${reason}`, data: { ...data, action: 'evacuate' } });
      return;
    }
    this.o.journal.note(incident.id, 'decision.act', { action: 'evacuate', ...data, server_name: server.name, reason });
    await this.o.limits.run(wf.host, () => this.actions.execute(incident.id, 'evacuate', server, reason));
  }
}
