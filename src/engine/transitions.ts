// Every change of an incident's state goes through here: journaled, logged with its ids,
// handed to the notification hook, and the next look scheduled when a retry is asked for.
import { isTerminal, type Incident } from '../domain/incident.ts';
import type { MaintenanceMatch } from '../policy/maintenance.ts';
import type { EngineOptions } from './engine-options.ts';

export interface Transition {
  state: Incident['state'];
  event: string;
  reason: string;
  data?: Record<string, unknown>;
  patch?: Partial<Omit<Incident, 'id' | 'state'>>;
  /** Look at the incident again after this long (unless the new state is terminal). */
  retryInMs?: number;
}

export class IncidentTransitions {
  constructor(
    private readonly o: Pick<EngineOptions, 'journal' | 'clock' | 'logger' | 'onTransition'>,
    private readonly schedule: (id: string, delayMs: number) => void,
    /** Told when an incident reaches a terminal state (the engine forgets what it kept for it). */
    private readonly settled: (id: string) => void = () => undefined,
  ) {}

  /** Journals the change, logs it, tells the hook; returns the updated incident. */
  transition(id: string, change: Transition): Incident {
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
    if (isTerminal(incident.state)) this.settled(id);
    this.o.onTransition?.(incident, change.event);
    if (change.retryInMs !== undefined && !isTerminal(incident.state)) this.schedule(id, change.retryInMs);
    return incident;
  }

  /** After an internal error: a transition that never throws (a settled incident is left alone). */
  safeUpdate(id: string, change: { state: Incident['state']; event: string; reason: string; retryInMs: number }): void {
    try {
      const current = this.o.journal.get(id);
      if (!current || isTerminal(current.state)) return;
      this.transition(id, change);
    } catch (err) {
      this.o.logger.error('could not journal an engine error', { incident_id: id, error: String(err) });
      this.schedule(id, change.retryInMs);
    }
  }

  /** Records the outcome of the incident's last action. */
  settleAction(id: string, outcome: 'succeeded' | 'failed'): void {
    const incident = this.o.journal.get(id)!;
    const actions = incident.actions.slice();
    const last = actions[actions.length - 1];
    if (!last) return;
    actions[actions.length - 1] = { ...last, outcome };
    this.o.journal.update(id, { event: `action.${outcome}`, data: { action: last.action }, patch: { actions } });
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
}
