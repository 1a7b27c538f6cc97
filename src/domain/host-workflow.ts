// A host workflow: one failed host, from detection to an operator re-enabling it.
// disable -> fence -> force down -> evacuate, each step journaled before the next, so
// that a restart resumes where it stopped and never evacuates a host that was not
// fenced. Its state is a closed set with one transition() (STYLE.md habit 4).

export type HostWorkflowState =
  /** Detected; waiting for the settle time and for the mass-failure guard to allow it. */
  | 'detected'
  /** Disabling the compute service (no new instances scheduled there). */
  | 'disabling'
  /** Running the fence hook; its success is required. */
  | 'fencing'
  /** Forcing the compute service down (Nova then accepts evacuations). */
  | 'forcing_down'
  /** Evacuating the host's HA instances through the limits, verifying each. */
  | 'evacuating'
  /** Done: the host stays disabled and forced down until `vmha host enable`. */
  | 'completed'
  /** Stopped at a step (fence failed, Nova refused); nothing further is done automatically. */
  | 'failed'
  /** Given up before anything changed (host back, maintenance): nothing to undo. */
  | 'aborted'
  /** Dry run: the plan was journaled; nothing was changed. */
  | 'planned'
  /** An operator re-enabled the host. */
  | 'released';

const ALLOWED: Record<HostWorkflowState, readonly HostWorkflowState[]> = {
  detected: ['disabling', 'aborted', 'planned', 'failed'],
  disabling: ['fencing', 'failed'],
  fencing: ['forcing_down', 'failed'],
  forcing_down: ['evacuating', 'failed'],
  evacuating: ['completed', 'failed'],
  completed: ['released'],
  failed: ['released'],
  aborted: [],
  planned: [],
  released: [],
};

/** States in which the workflow is still being driven by vmha. */
export const RUNNING_STATES: ReadonlySet<HostWorkflowState> = new Set(['detected', 'disabling', 'fencing', 'forcing_down', 'evacuating']);
/** States in which the workflow is in charge of its host (running, or waiting for an operator). */
export const HOLDING_STATES: ReadonlySet<HostWorkflowState> = new Set([...RUNNING_STATES, 'completed', 'failed']);

export class IllegalHostTransition extends Error {
  constructor(
    readonly from: HostWorkflowState,
    readonly to: HostWorkflowState,
  ) {
    super(`illegal host workflow transition ${from} -> ${to}`);
    this.name = 'IllegalHostTransition';
  }
}

/** Returns `to` when the move is legal, throws IllegalHostTransition otherwise. */
export function hostTransition(from: HostWorkflowState, to: HostWorkflowState): HostWorkflowState {
  if (!ALLOWED[from].includes(to)) throw new IllegalHostTransition(from, to);
  return to;
}

export interface FenceRecord {
  startedAt: number;
  finishedAt: number | null;
  ok: boolean | null;
  detail: string | null;
}

export interface HostWorkflowInstance {
  serverId: string;
  incidentId: string | null;
  /** Final word on this instance within the workflow. */
  outcome: 'pending' | 'succeeded' | 'failed' | 'skipped';
  detail: string | null;
}

export interface HostWorkflow {
  id: string;
  host: string;
  state: HostWorkflowState;
  detectedAt: number;
  updatedAt: number;
  /** Why the host was judged failed. */
  trigger: { kind: string; detail: string };
  reason: string;
  /** The fence attempt of this workflow; ok=true is what allows evacuations. */
  fence: FenceRecord | null;
  instances: HostWorkflowInstance[];
  dryRun: boolean;
}

/**
 * The pseudo-metric of incidents a host workflow opens for HA instances that had no
 * alarm of their own: they are recovered because their host failed, not counted as alarms.
 */
export const HOST_FAILURE_METRIC = 'host.failure';
