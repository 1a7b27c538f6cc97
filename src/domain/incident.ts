// An incident: one instance's trouble, from the first alarm to a terminal outcome.
// Its state is a closed set with one transition() that rejects illegal moves
// (STYLE.md habit 4); the journal records every transition.

export type RecoveryAction = 'live-migrate' | 'reboot-soft' | 'reboot-hard' | 'rebuild' | 'evacuate';

export type IncidentState =
  /** Admitted and journaled; nothing decided yet. */
  | 'open'
  /** Decided to wait (a Nova task is running, a limit is full, a transient error): re-decided later. */
  | 'waiting'
  /** An action is being issued to Nova. */
  | 'acting'
  /** Nova accepted the action; polling for the expected end state. */
  | 'verifying'
  | 'succeeded'
  | 'failed'
  /** Not vmha's to act on (not HA-enabled, deleted, ...): no action, with the reason. */
  | 'ignored'
  /** Too many attempts or actions in the window: stopped, operators notified. */
  | 'gave_up'
  /** The alarm cleared (ok) before any action was needed. */
  | 'closed'
  /** A maintenance switch (global, zone, host or instance) covered it: journaled, never acted on. */
  | 'suppressed'
  /** Dry run: what would have been done is journaled; nothing was changed. */
  | 'dry_run';

export const TERMINAL_STATES: ReadonlySet<IncidentState> = new Set(['succeeded', 'failed', 'ignored', 'gave_up', 'closed', 'suppressed', 'dry_run']);

const ALLOWED: Record<IncidentState, readonly IncidentState[]> = {
  open: ['acting', 'waiting', 'ignored', 'closed', 'gave_up', 'failed', 'suppressed', 'dry_run'],
  waiting: ['acting', 'waiting', 'ignored', 'closed', 'gave_up', 'failed', 'suppressed', 'dry_run'],
  acting: ['verifying', 'waiting', 'failed', 'gave_up', 'succeeded'],
  verifying: ['succeeded', 'failed', 'waiting', 'acting', 'gave_up'],
  succeeded: [],
  failed: [],
  ignored: [],
  gave_up: [],
  closed: [],
  suppressed: [],
  dry_run: [],
};

export class IllegalTransition extends Error {
  constructor(
    readonly from: IncidentState,
    readonly to: IncidentState,
  ) {
    super(`illegal incident transition ${from} -> ${to}`);
    this.name = 'IllegalTransition';
  }
}

/** Returns `to` when the move is legal, throws IllegalTransition otherwise. */
export function transition(from: IncidentState, to: IncidentState): IncidentState {
  if (!ALLOWED[from].includes(to)) throw new IllegalTransition(from, to);
  return to;
}

export function isTerminal(state: IncidentState): boolean {
  return TERMINAL_STATES.has(state);
}

export interface Incident {
  id: string;
  instanceId: string;
  state: IncidentState;
  openedAt: number;
  updatedAt: number;
  closedAt: number | null;
  /** Metrics currently alarming on this instance (ping, disk, ...). */
  alarmingMetrics: string[];
  /** Actions issued so far, in order. */
  actions: { action: RecoveryAction; at: number; requestId?: string; outcome?: 'succeeded' | 'failed' }[];
  /** Attempts of the current action (retries after transient errors and 409s). */
  attempts: number;
  /** When a waiting incident is due for another decision. */
  nextAttemptAt: number | null;
  /** Why the incident is in its state, for people. */
  reason: string;
  /** The host workflow in charge of this instance (its host failed); the engine leaves it to the workflow. */
  hostWorkflow?: string;
}
