// The host failure workflow (masakari's cut: one workflow per failure kind):
//   detected -> (settle, guard, maintenance) -> disable -> fence -> force down -> evacuate
// Each step is journaled before the next one, and the workflow record says where it
// stands, so a restart resumes it: a finished fence is never re-run, a fence whose
// outcome was lost is run again (powering off is idempotent), and nothing is evacuated
// unless this workflow's fence succeeded and Nova reports the source compute down.
// One workflow per host at a time (a unique index), serialized in this process.
// The fencing and evacuating steps are in host-fence.ts and host-evacuation.ts.
import type { Clock } from '../domain/clock.ts';
import { RUNNING_STATES, type HostWorkflow } from '../domain/host-workflow.ts';
import type { Logger } from '../log.ts';
import { Conflict, OpenStackError, Transient } from '../openstack/errors.ts';
import type { NovaClient } from '../openstack/nova.ts';
import type { Server } from '../openstack/nova-types.ts';
import { maintenanceFor, type MaintenanceMatch } from '../policy/maintenance.ts';
import type { HostFailure } from '../policy/matrix.ts';
import type { FenceHook } from '../safety/fence.ts';
import type { SafetyMonitor } from '../safety/monitor.ts';
import type { SafetyStore } from '../safety/store.ts';
import { enableHost, type EnableOutcome } from './host-enable.ts';
import { evacuateHost, type Evacuator } from './host-evacuation.ts';
import { fenceHost } from './host-fence.ts';
import { backoffDelay, type BackoffConfig } from './retry.ts';

export type { Evacuator } from './host-evacuation.ts';

export type HostNovaPort = Pick<NovaClient, 'computeService' | 'disableService' | 'enableService' | 'forceDown' | 'listServers'>;

export interface HostWorkflowOptions {
  store: SafetyStore;
  monitor: SafetyMonitor;
  nova: HostNovaPort;
  fence: FenceHook | null;
  clock: Clock;
  logger: Logger;
  isHa: (s: Server) => boolean;
  settleMs: number;
  dryRun: boolean;
  backoff: BackoffConfig;
  /** Delay between re-checks while the guard holds the workflow. */
  holdRetryMs: number;
  random?: () => number;
}

export class HostWorkflows {
  private evacuator: Evacuator | undefined;
  private readonly driving = new Map<string, Promise<void>>();
  private stopped = false;
  private wake: () => void = () => undefined;
  private readonly stopping = new Promise<void>((r) => (this.wake = r));

  constructor(private readonly o: HostWorkflowOptions) {}

  /** The engine, which evacuates (set once, after both exist). */
  connect(evacuator: Evacuator): void {
    this.evacuator = evacuator;
  }

  get enabled(): boolean {
    return this.o.fence !== null && this.o.monitor.hostFailureEnabled;
  }

  /** Opens (or joins) the workflow for a failed host and drives it; returns it. */
  report(host: string, failure: HostFailure): HostWorkflow {
    const { workflow, created } = this.o.store.open(host, { kind: failure.kind, detail: failure.detail }, this.o.dryRun);
    if (created) {
      this.o.logger.error('host failure detected: host workflow started', { host, workflow_id: workflow.id, trigger: failure.kind, detail: failure.detail });
    }
    if (RUNNING_STATES.has(workflow.state)) this.drive(workflow.id);
    return workflow;
  }

  /** Resumes every workflow still running (call once at start-up, after the engine started). */
  resume(): void {
    for (const wf of this.o.store.holdingAll()) {
      if (!RUNNING_STATES.has(wf.state)) continue;
      this.o.store.event('host.workflow_resumed', { workflow_id: wf.id, host: wf.host, state: wf.state });
      this.drive(wf.id);
    }
  }

  /** Proactive detection: hosts Nova reports down with HA instances on them. */
  async scan(): Promise<void> {
    if (!this.enabled || this.stopped) return;
    for (const { host, failure, downSince } of await this.o.monitor.downHosts()) {
      if (this.maintenance(host, await this.o.monitor.zoneOf(host))) continue;
      // One plan (dry run) or one abort per outage, not one per census pass.
      const last = this.o.store.latest(host);
      if (last && (last.state === 'planned' || last.state === 'aborted') && last.detectedAt >= downSince) continue;
      this.report(host, failure);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await Promise.allSettled([...this.driving.values()]);
  }

  /** True while this process drives the workflow (false once its loop ended or crashed). */
  drives(id: string): boolean {
    return this.driving.has(id);
  }

  /** Resolves when no workflow is being driven (tests). */
  async idle(): Promise<void> {
    while (this.driving.size) await Promise.allSettled([...this.driving.values()]);
  }

  private drive(id: string): void {
    if (this.driving.has(id) || this.stopped) return;
    const run = this.loop(id)
      .catch((err: unknown) => {
        this.o.logger.error('host workflow crashed; the next look at one of its incidents drives it again, at the latest the next start', { workflow_id: id, error: String((err as Error)?.stack ?? err) });
      })
      .finally(() => this.driving.delete(id));
    this.driving.set(id, run);
  }

  private async sleep(ms: number): Promise<void> {
    await Promise.race([this.o.clock.sleep(ms), this.stopping]);
  }

  private async loop(id: string): Promise<void> {
    while (!this.stopped) {
      const wf = this.o.store.get(id);
      if (!wf || !RUNNING_STATES.has(wf.state)) return;
      try {
        await this.step(wf);
      } catch (err) {
        // Nova or the census unreachable, or the state changed under us (an operator
        // enabled the host): log, wait, and look at the workflow afresh.
        this.o.logger.warn('host workflow step failed; retrying', { workflow_id: id, host: wf.host, state: wf.state, error: String((err as Error)?.message ?? err) });
        await this.sleep(this.o.holdRetryMs);
      }
    }
  }

  private async step(wf: HostWorkflow): Promise<void> {
    if (wf.state !== 'detected' && !(await this.guardAllows(wf))) return;
    switch (wf.state) {
      case 'detected':
        return this.settle(wf);
      case 'disabling':
        await this.novaStep(wf, 'disable', () => this.o.nova.disableService(wf.host, disabledReason(wf)), 'fencing', 'host.service_disabled');
        return;
      case 'fencing': {
        const failed = await fenceHost(this.o, wf);
        if (failed) this.fail(failed.wf, 'fence', failed.reason);
        return;
      }
      case 'forcing_down':
        return this.forceDown(wf);
      case 'evacuating':
        return evacuateHost({ ...this.o, evacuator: this.evacuator, stopped: () => this.stopped }, wf);
      default:
        return;
    }
  }

  /** While the mass-failure guard holds, wait (journaled once per hold); true when the step may go. */
  private async guardAllows(wf: HostWorkflow): Promise<boolean> {
    const hold = await this.o.monitor.holdReason();
    if (!hold) return true;
    if (wf.reason !== hold) this.o.store.update(wf.id, { event: 'host.workflow_held', reason: hold, data: { step: wf.state } });
    await this.sleep(this.o.holdRetryMs);
    return false;
  }

  private maintenance(host: string, az: string | undefined, instanceId?: string): MaintenanceMatch | null {
    return maintenanceFor(this.o.store.maintenance(), { host, az, instanceId });
  }

  /** detected: let the settle time pass, then re-check everything before the first change. */
  private async settle(wf: HostWorkflow): Promise<void> {
    const due = wf.detectedAt + this.o.settleMs - this.o.clock.now();
    if (due > 0) {
      await this.sleep(due);
      return;
    }
    const m = this.maintenance(wf.host, await this.o.monitor.zoneOf(wf.host));
    if (m) return this.abort(wf, `maintenance (${m.level}${m.target ? ` ${m.target}` : ''}) is on: no host workflow`);
    let service;
    try {
      service = await this.o.nova.computeService(wf.host);
    } catch (err) {
      if (!(err instanceof OpenStackError)) throw err;
      this.o.logger.warn('host workflow cannot read the compute service; retrying', { workflow_id: wf.id, host: wf.host, error: err.message });
      await this.sleep(this.o.holdRetryMs);
      return;
    }
    const still = await this.o.monitor.judgeNow(wf.host, service, false);
    if (!still) return this.abort(wf, `host ${wf.host} no longer looks failed (compute service ${service.state}, alarms cleared) before anything was changed`);
    if (!(await this.guardAllows(wf))) return;
    if (wf.dryRun) return this.plan(wf);
    this.o.store.update(wf.id, { state: 'disabling', event: 'host.workflow_started', reason: still.detail, data: { trigger: wf.trigger.kind } });
  }

  private abort(wf: HostWorkflow, reason: string): void {
    this.o.store.update(wf.id, { state: 'aborted', event: 'host.workflow_aborted', reason });
    this.evacuator?.settleAttached(wf, 'detach', reason);
    this.o.logger.warn('host workflow aborted; nothing was changed', { workflow_id: wf.id, host: wf.host, reason });
  }

  /** Dry run: journal what would be done, change nothing (no Nova write, no fence). */
  private async plan(wf: HostWorkflow): Promise<void> {
    const servers = (await this.o.nova.listServers({ host: wf.host })).filter(this.o.isHa);
    const plan = [
      `would disable the compute service on ${wf.host} (reason "${disabledReason(wf)}")`,
      `would fence ${wf.host} with the ${this.o.fence?.name ?? 'configured'} fence hook`,
      `would force the compute service on ${wf.host} down`,
      `would evacuate ${servers.length} HA instance(s): ${servers.map((s) => s.id).join(', ') || 'none'}`,
      'would leave the service disabled until `vmha host enable`',
    ];
    const updated = this.o.store.update(wf.id, {
      state: 'planned',
      event: 'host.workflow_planned',
      reason: `dry run: ${plan.join('; ')}`,
      data: { plan, instances: servers.map((s) => s.id), dry_run: true },
    });
    this.evacuator?.settleAttached(updated, 'dry_run', `dry run: would be evacuated by host workflow ${wf.id} (${wf.host} failed: ${wf.trigger.detail})`);
  }

  /** One Nova write with retries on transient errors; moves on to `next` or fails the workflow. */
  private async novaStep(
    wf: HostWorkflow,
    step: string,
    call: () => Promise<unknown>,
    next: 'fencing' | 'evacuating',
    event: string,
  ): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await call();
        this.o.store.update(wf.id, { state: next, event, data: { step, attempt } });
        return true;
      } catch (err) {
        if (!(err instanceof OpenStackError)) throw err;
        const retryable = err instanceof Transient || err instanceof Conflict;
        this.o.logger.warn(`host workflow: ${step} failed`, { workflow_id: wf.id, host: wf.host, attempt, kind: err.kind, request_id: err.requestId, error: err.detail ?? err.message });
        if (!retryable || attempt >= this.o.backoff.attempts) {
          this.fail(wf, step, `${step} failed: ${err.kind} ${err.status ?? ''} ${err.detail ?? err.message}`.replace(/\s+/g, ' ').trim(), {
            request_id: err.requestId ?? null,
          });
          return false;
        }
        await this.sleep(backoffDelay(attempt + 1, this.o.backoff, this.o.random));
        if (this.stopped) return false;
      }
    }
  }

  private fail(wf: HostWorkflow, step: string, reason: string, data: Record<string, unknown> = {}): void {
    const updated = this.o.store.update(wf.id, { state: 'failed', event: 'host.workflow_failed', reason, data: { step, ...data } });
    this.evacuator?.settleAttached(updated, 'gave_up', `host workflow ${wf.id} for ${wf.host} failed at ${step}: ${reason}; an operator must check the host`);
    this.o.logger.error('host workflow failed; the host stays disabled, nothing is evacuated; check the host, then `vmha host enable`', {
      workflow_id: wf.id,
      host: wf.host,
      step,
      reason,
    });
  }

  /** forcing_down: tell Nova the host is gone (2.53+ form when available), then check it says so. */
  private async forceDown(wf: HostWorkflow): Promise<void> {
    const ok = await this.novaStep(wf, 'force-down', () => this.o.nova.forceDown(wf.host, true), 'evacuating', 'host.service_forced_down');
    if (!ok) return;
    const svc = await this.o.nova.computeService(wf.host).catch(() => undefined);
    if (!svc || !(svc.forcedDown || svc.state === 'down')) {
      // Should never happen after a 200; if it does, evacuations would be refused anyway.
      this.o.logger.error('compute service not reported down after force-down', { workflow_id: wf.id, host: wf.host, service: svc });
    }
  }

  /** `vmha host enable` (see host-enable.ts). */
  enable(host: string, by: string, dryRun: boolean): Promise<EnableOutcome> {
    return enableHost({ store: this.o.store, nova: this.o.nova, logger: this.o.logger }, host, by, dryRun);
  }
}

/** The disabled_reason Nova shows for a host vmha took out (at most 255 characters). */
export function disabledReason(wf: HostWorkflow): string {
  return `vmha: host failure workflow ${wf.id}: ${wf.trigger.detail}`.slice(0, 255);
}
