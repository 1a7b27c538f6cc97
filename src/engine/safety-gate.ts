// What the engine asks before it acts: is the instance under maintenance, what about its
// host, is the mass-failure guard tripped, is this a dry run, and (right before every
// evacuate call) is the source host fenced and down? The judgements are pure functions
// in policy/; this class reads their inputs (journal settings, census, Nova).
import type { Clock } from '../domain/clock.ts';
import { HOLDING_STATES, RUNNING_STATES, type HostWorkflow } from '../domain/host-workflow.ts';
import type { Incident } from '../domain/incident.ts';
import { OpenStackError } from '../openstack/errors.ts';
import type { NovaClient } from '../openstack/nova.ts';
import type { ComputeService, Server } from '../openstack/nova-types.ts';
import type { InstanceBudget } from '../policy/budget.ts';
import { maintenanceFor, type MaintenanceMatch } from '../policy/maintenance.ts';
import type { HostFailure } from '../policy/matrix.ts';
import type { HostContext, SafetyMonitor } from '../safety/monitor.ts';
import type { SafetyStore } from '../safety/store.ts';
import type { HostWorkflows } from './host-workflow.ts';

/** An evacuation the split-brain guard refuses; the engine fails the incident with this reason. */
export class UnsafeEvacuation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeEvacuation';
  }
}

/** How an incident on a failed host is handed to the host workflow. */
export type Handover =
  | { kind: 'attached'; workflow: HostWorkflow }
  /** The workflow already fenced and evacuated its host: evacuate this late one now. */
  | { kind: 'evacuate-now'; workflow: HostWorkflow }
  | { kind: 'gave-up'; workflow: HostWorkflow; reason: string }
  | { kind: 'dry-run'; workflow: HostWorkflow; reason: string }
  | { kind: 'wait'; reason: string };

/** The safety checks the engine consults (SafetyGate in production; anything in tests). */
export interface EngineSafety {
  readonly dryRun: boolean;
  readonly budget: InstanceBudget;
  maintenance(instanceId: string, server: Server | null, hostService: ComputeService | null): Promise<MaintenanceMatch | null>;
  hostContext(server: Server | null, hostService: ComputeService | null): Promise<HostContext>;
  /** How much longer a fresh incident waits for its host's other alarms (0: decide now). */
  correlationMs(incident: Incident): number;
  /** Why automatic actions must not run now; null when they may. */
  holdReason(): Promise<string | null>;
  handover(host: string, failure: HostFailure): Handover;
  workflow(id: string): HostWorkflow | undefined;
  /** True while the workflow is running and driven in this process (false once its loop crashed). */
  workflowRunning(id: string): boolean;
  /** Throws UnsafeEvacuation unless `host` was fenced by a vmha workflow and Nova reports it down. */
  assertEvacuationSafe(host: string | undefined): Promise<void>;
}

export interface SafetyGateOptions {
  store: SafetyStore;
  monitor: SafetyMonitor;
  workflows: HostWorkflows;
  nova: Pick<NovaClient, 'computeService'>;
  clock: Clock;
  dryRun: boolean;
  budget: InstanceBudget;
  correlateMs: number;
  /** Correlation only serves the host workflow and the guard: without both, no delay. */
  guardEnabled: boolean;
  /** A dry-run plan of a host stands for this long (the host failure window). */
  replanAfterMs: number;
}

export class SafetyGate implements EngineSafety {
  readonly dryRun: boolean;
  readonly budget: InstanceBudget;

  constructor(private readonly o: SafetyGateOptions) {
    this.dryRun = o.dryRun;
    this.budget = o.budget;
  }

  async maintenance(instanceId: string, server: Server | null, hostService: ComputeService | null): Promise<MaintenanceMatch | null> {
    const sw = this.o.store.maintenance();
    const host = server?.host;
    const az = server?.availabilityZone ?? hostService?.zone ?? (sw.azs && Object.keys(sw.azs).length ? await this.o.monitor.zoneOf(host).catch(() => undefined) : undefined);
    return maintenanceFor(sw, { instanceId, host, az });
  }

  hostContext(server: Server | null, hostService: ComputeService | null): Promise<HostContext> {
    return this.o.monitor.hostContext(server?.host, hostService, server?.id);
  }

  correlationMs(incident: Incident): number {
    if (!(this.o.workflows.enabled || this.o.guardEnabled) || incident.actions.length) return 0;
    return Math.max(0, incident.openedAt + this.o.correlateMs - this.o.clock.now());
  }

  holdReason(): Promise<string | null> {
    return this.o.monitor.holdReason();
  }

  handover(host: string, failure: HostFailure): Handover {
    if (!this.o.workflows.enabled) {
      return { kind: 'wait', reason: `host ${host} failed (${failure.detail}), but the host workflow is off (safety.host_failure: no fence hook); waiting` };
    }
    // A dry run plans once per outage: later alarms of the host point at that plan.
    const last = this.o.store.latest(host);
    if (last?.state === 'planned' && this.o.clock.now() - last.detectedAt <= this.o.replanAfterMs) {
      return { kind: 'dry-run', workflow: last, reason: `dry run: host workflow ${last.id} planned the recovery of ${host}: ${last.reason}` };
    }
    const wf = this.o.workflows.report(host, failure);
    if (RUNNING_STATES.has(wf.state)) return { kind: 'attached', workflow: wf };
    if (wf.state === 'completed' && wf.fence?.ok) return { kind: 'evacuate-now', workflow: wf };
    if (wf.state === 'planned') return { kind: 'dry-run', workflow: wf, reason: `dry run: host workflow ${wf.id} planned the recovery of ${host}` };
    return { kind: 'gave-up', workflow: wf, reason: `host workflow ${wf.id} for ${host} ended ${wf.state}: ${wf.reason}; an operator must check the host` };
  }

  workflow(id: string): HostWorkflow | undefined {
    return this.o.store.get(id);
  }

  workflowRunning(id: string): boolean {
    const wf = this.o.store.get(id);
    return wf !== undefined && RUNNING_STATES.has(wf.state) && this.o.workflows.drives(id);
  }

  async assertEvacuationSafe(host: string | undefined): Promise<void> {
    if (!host) throw new UnsafeEvacuation('the server has no source host to check');
    const wf = this.o.store.holding(host);
    if (!wf || !HOLDING_STATES.has(wf.state) || wf.fence?.ok !== true) {
      throw new UnsafeEvacuation(`refusing to evacuate from ${host}: vmha has not fenced it (no successful fence in a host workflow)`);
    }
    let svc: ComputeService;
    try {
      svc = await this.o.nova.computeService(host);
    } catch (err) {
      if (!(err instanceof OpenStackError)) throw err;
      throw new UnsafeEvacuation(`refusing to evacuate from ${host}: cannot read its compute service (${err.message})`);
    }
    if (!(svc.forcedDown || svc.state === 'down')) {
      throw new UnsafeEvacuation(`refusing to evacuate from ${host}: Nova reports its compute service up (forced_down=false, state=${svc.state})`);
    }
  }
}
