// The recovery engine: for each open incident, snapshot -> decide -> execute (through
// limits and retries) -> verify -> settle, every step journaled before the next one.
// Never two actions on one instance at once; on start, every open incident resumes,
// and an action that was being issued when the process died is looked up in Nova's
// instance actions before anything is re-issued. The safety checks (maintenance,
// mass-failure guard, host workflow hand-over, dry run, split-brain guard on every
// evacuate) are asked through EngineSafety; see engine/safety-gate.ts.
//
// This class coordinates; the parts are: scheduler.ts (timers, work in flight),
// transitions.ts (every journaled state change), decision-step.ts (snapshot.ts, decide),
// action-runner.ts (issue, verify, resume) and attached-incidents.ts (the host workflow's side).
import type { HostWorkflow } from '../domain/host-workflow.ts';
import { isTerminal, type IncidentState } from '../domain/incident.ts';
import type { MaintenanceMatch } from '../policy/maintenance.ts';
import { ActionRunner } from './action-runner.ts';
import { DecisionStep } from './decision-step.ts';
import type { EngineOptions } from './engine-options.ts';
import { AttachedIncidents } from './attached-incidents.ts';
import type { Evacuator } from './host-evacuation.ts';
import { Scheduler } from './scheduler.ts';
import { IncidentTransitions } from './transitions.ts';

export type { EngineOptions } from './engine-options.ts';

/** After an internal error, the incident is looked at again this much later. */
const ERROR_RETRY_MS = 5000;

export class Engine implements Evacuator {
  /** Instances with an action in progress: never two at once on one instance. */
  private readonly busy = new Set<string>();
  private readonly scheduler: Scheduler;
  private readonly transitions: IncidentTransitions;
  private readonly actions: ActionRunner;
  private readonly attached: AttachedIncidents;
  private readonly decisions: DecisionStep;

  constructor(private readonly o: EngineOptions) {
    this.scheduler = new Scheduler(
      (id) => this.process(id),
      (id, err) => this.failed(id, err),
    );
    const schedule = (id: string, delayMs: number): void => this.scheduler.schedule(id, delayMs);
    this.transitions = new IncidentTransitions(o, schedule, (id) => this.actions.forget(id));
    this.actions = new ActionRunner(o, this.transitions, schedule);
    this.attached = new AttachedIncidents(o, this.transitions, this.actions, this.scheduler, this.busy);
    this.decisions = new DecisionStep(o, this.transitions, this.actions, this.attached, schedule);
  }

  /** Resumes every open incident (call once at start-up). */
  start(): void {
    for (const incident of this.o.journal.open()) this.scheduler.schedule(incident.id, 0);
  }

  /** Asks the engine to look at an incident now (after admission). */
  kick(incidentId: string, receivedAt?: number): void {
    if (receivedAt !== undefined) this.actions.noteReceived(incidentId, receivedAt);
    this.scheduler.schedule(incidentId, 0);
  }

  /** Stops scheduling; resolves when work in progress has returned. */
  stop(): Promise<void> {
    return this.scheduler.stop();
  }

  /** Resolves when no incident is being processed or scheduled (tests). */
  idle(): Promise<void> {
    return this.scheduler.idle();
  }

  /** How many incidents still wait for their first action, for the latency metric (tests). */
  get awaitingFirstAction(): number {
    return this.actions.awaitingFirstAction;
  }

  private async process(id: string): Promise<void> {
    let held: string | undefined;
    try {
      let incident = this.o.journal.get(id);
      if (!incident || isTerminal(incident.state)) {
        this.actions.forget(id); // e.g. closed by its ok notification
        return;
      }
      if (incident.hostWorkflow) {
        if (this.attached.evacuates(id)) return; // the evacuation settles it, or detaches it with a new look
        if (incident.state === 'open' || incident.state === 'waiting') {
          const left = this.attached.leftToWorkflow(incident);
          if (!left) return;
          incident = left;
        }
      }
      if (this.busy.has(incident.instanceId)) {
        this.scheduler.schedule(id, 50); // never two actions on one instance at once: look again shortly
        return;
      }
      held = incident.instanceId;
      this.busy.add(held);
      if (incident.state === 'acting') await this.actions.resume(incident);
      else if (incident.state === 'verifying') await this.actions.verify(incident);
      else await this.decisions.decideAndAct(incident);
    } catch (err) {
      this.failed(id, err);
    } finally {
      if (held) this.busy.delete(held);
    }
  }

  /** A bug or an unmapped failure (the journal unreadable, too) must not lose the incident: wait and try again. */
  private failed(id: string, err: unknown): void {
    this.o.logger.error('incident processing failed; will retry', { incident_id: id, error: String((err as Error)?.stack ?? err) });
    this.transitions.safeUpdate(id, { state: 'waiting', event: 'engine.error', reason: `internal error: ${(err as Error)?.message ?? err}`, retryInMs: ERROR_RETRY_MS });
  }

  // ---- the host workflow's side (Evacuator): see attached-incidents.ts ----

  /** The instance's open incident, attached to the workflow; one is opened if it had no alarm. */
  attach(serverId: string, wf: HostWorkflow): string {
    return this.attached.attach(serverId, wf);
  }

  /** Evacuates one attached incident through the limits; resolves with its state once it settles. */
  evacuate(incidentId: string, wf: HostWorkflow): Promise<IncidentState> {
    return this.attached.evacuate(incidentId, wf);
  }

  /** Settles incidents attached to a workflow that ended without evacuating them. */
  settleAttached(wf: HostWorkflow, how: 'dry_run' | 'gave_up' | 'detach', reason: string): void {
    this.attached.settleAttached(wf, how, reason);
  }

  /** A maintenance switch covers the instance: journaled as suppressed, never acted on. */
  suppress(id: string, m: MaintenanceMatch): void {
    this.transitions.suppress(id, m);
  }
}
