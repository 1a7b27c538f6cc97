// What the safety checks know about the cloud right now: the census (population), the
// alarming HA instances (open incidents in the journal), the guard's state, and which
// hosts count as failed. Reads and persists; the judgements are the pure functions in
// policy/guard.ts and policy/host-failure.ts.
import type { Clock } from '../domain/clock.ts';
import { HOST_FAILURE_METRIC } from '../domain/host-workflow.ts';
import type { Logger } from '../log.ts';
import type { ComputeService } from '../openstack/nova-types.ts';
import { parseTimestamp } from '../openstack/timestamps.ts';
import { evaluateGuard, type GuardCounts, type GuardEvaluation, type GuardSettings, type GuardState } from '../policy/guard.ts';
import { judgeHost, type HostFailureSettings } from '../policy/host-failure.ts';
import type { HostFailure } from '../policy/matrix.ts';
import type { Census, CensusReader } from './census.ts';
import type { SafetyStore } from './store.ts';

export interface MonitorOptions {
  store: SafetyStore;
  census: CensusReader;
  clock: Clock;
  logger: Logger;
  guard: GuardSettings & { windowMs: number };
  /** null: the host workflow is off (no fence hook), so no host is ever judged failed. */
  hostFailure: HostFailureSettings | null;
}

interface Alarming {
  instanceId: string;
  host: string | undefined;
  since: number;
}

export interface HostContext {
  /** Alarming HA instances on the host (any age), for the matrix's host_alarming. */
  hostAlarming: number;
  failure: HostFailure | null;
}

/** Nova's updated_at has no zone and means UTC. */

export class SafetyMonitor {
  private lastEvaluation: (GuardEvaluation & { at: number }) | undefined;

  constructor(private readonly o: MonitorOptions) {}

  get hostFailureEnabled(): boolean {
    return this.o.hostFailure !== null;
  }

  /** HA instances with an open incident on a real alarm (not the host workflow's own). */
  private alarming(census: Census): Alarming[] {
    const where = new Map(census.haServers.map((s) => [s.id, s.host]));
    return this.o.store.journal
      .open()
      .filter((i) => where.has(i.instanceId) && i.alarmingMetrics.some((m) => m !== HOST_FAILURE_METRIC))
      .map((i) => ({ instanceId: i.instanceId, host: where.get(i.instanceId), since: i.openedAt }));
  }

  /** Counts for the guard: see policy/guard.ts. */
  counts(census: Census): GuardCounts {
    const now = this.o.clock.now();
    const window = this.o.guard.windowMs;
    const alarming = this.alarming(census);
    const recent = alarming.filter((a) => now - a.since <= window);
    const failingNow = new Set<string>();
    const failingRecent = new Set<string>();
    for (const svc of census.services) {
      if (!(svc.forcedDown || svc.state === 'down')) continue;
      // A host vmha already fenced and evacuated is handled, not part of a new storm.
      if (this.o.store.holding(svc.host)?.state === 'completed') continue;
      failingNow.add(svc.host);
      const lastBeat = parseTimestamp(svc.updatedAt);
      if (!Number.isFinite(lastBeat) || now - lastBeat <= window) failingRecent.add(svc.host);
    }
    // A host whose instances alarm enough to be judged failed counts too (not one sick instance).
    const s = this.o.hostFailure;
    if (s) {
      const byHost = new Map<string, Alarming[]>();
      for (const a of alarming) if (a.host) byHost.set(a.host, [...(byHost.get(a.host) ?? []), a]);
      for (const [host, list] of byHost) {
        const haInstances = census.haServers.filter((x) => x.host === host).length;
        const failed = judgeHost({ host, service: null, haInstances, alarmingRecent: list.filter((a) => now - a.since <= s.windowMs).length }, s);
        if (!failed) continue;
        failingNow.add(host);
        if (list.some((a) => now - a.since <= window)) failingRecent.add(host);
      }
    }
    return {
      hostsTotal: census.services.length,
      hostsFailingNow: [...failingNow].sort(),
      hostsFailingRecent: [...failingRecent].sort(),
      instancesTotal: census.haServers.length,
      instancesAlarmingNow: alarming.length,
      instancesAlarmingRecent: recent.length,
    };
  }

  /**
   * Re-evaluates the guard on a census no older than `maxAgeMs`; persists and journals
   * a change (guard.tripped, guard.released). Returns the evaluation.
   */
  async evaluate(maxAgeMs?: number): Promise<GuardEvaluation> {
    const census = await this.o.census.current(maxAgeMs);
    const prev = this.o.store.guard();
    const ev = evaluateGuard(prev, this.counts(census), this.o.guard, this.o.clock.now());
    if (ev.change) {
      const type = ev.change === 'tripped' ? 'guard.tripped' : ev.change === 'released' ? 'guard.released' : 'guard.override_cleared';
      this.o.store.setGuard(ev.state, { type, data: { reason: ev.reason, by: 'automatic', hosts: ev.shares.hosts, instances: ev.shares.instances } });
      const log = ev.change === 'tripped' ? this.o.logger.error.bind(this.o.logger) : this.o.logger.warn.bind(this.o.logger);
      log(
        ev.change === 'tripped'
          ? 'mass-failure guard TRIPPED: every automatic action stopped; check network, storage and the control plane, then `vmha guard resume` if recovery should go ahead'
          : `mass-failure guard ${ev.change}: automatic actions resume`,
        { reason: ev.reason, hosts: ev.shares.hosts, instances: ev.shares.instances },
      );
    }
    this.lastEvaluation = { ...ev, at: this.o.clock.now() };
    return ev;
  }

  /** Why automatic actions must not run now (guard tripped, or no census to judge by); null when they may. */
  async holdReason(maxAgeMs?: number): Promise<string | null> {
    let ev: GuardEvaluation;
    try {
      ev = await this.evaluate(maxAgeMs);
    } catch (err) {
      // Fail safe: without a census the guard cannot tell a storm from one failure.
      if (this.o.guard.enabled) return `mass-failure guard cannot read the population from Nova (${(err as Error).message}); holding`;
      return null;
    }
    return ev.state.tripped ? `mass-failure guard tripped: ${ev.state.reason ?? ''}`.trim() : null;
  }

  guardState(): GuardState {
    return this.o.store.guard();
  }

  lastGuardEvaluation(): (GuardEvaluation & { at: number }) | undefined {
    return this.lastEvaluation;
  }

  /** An operator resumes: actions go ahead; no re-trip until the shares fall below resume_pct once. */
  resume(by: string): { changed: boolean; state: GuardState } {
    const prev = this.o.store.guard();
    if (!prev.tripped) return { changed: false, state: prev };
    const state: GuardState = { tripped: false, since: null, reason: null, override: { by, at: this.o.clock.now() } };
    this.o.store.setGuard(state, { type: 'guard.released', data: { reason: `resumed by operator ${by}`, by, was: prev.reason } });
    this.o.logger.warn('mass-failure guard resumed by an operator', { by, was: prev.reason });
    return { changed: true, state };
  }

  /** Alarm count and failure judgement for one host (the host workflow in charge counts as failed). */
  async hostContext(host: string | undefined, service: ComputeService | null, serverId?: string): Promise<HostContext> {
    if (!host) return { hostAlarming: 1, failure: null };
    let census: Census;
    try {
      census = await this.o.census.current();
      // A server created since the last census would be missing from the counts: read again.
      if (serverId && !census.haServers.some((s) => s.id === serverId)) census = await this.o.census.refresh();
    } catch (err) {
      // Judging hosts needs the census: retry later. Without the host workflow, the
      // last census (or none) is good enough for the matrix's host_alarming.
      if (this.o.hostFailure) throw err;
      const last = this.o.census.peek();
      if (!last) return { hostAlarming: 1, failure: null };
      census = last;
    }
    const alarming = this.alarming(census).filter((a) => a.host === host);
    return { hostAlarming: Math.max(1, alarming.length), failure: this.judge(host, service, census, alarming, true) };
  }

  /** Whether `host` counts as failed now; `withWorkflow` false ignores a workflow in charge (re-judging it). */
  async judgeNow(host: string, service: ComputeService | null, withWorkflow: boolean): Promise<HostFailure | null> {
    const census = await this.o.census.refresh();
    return this.judge(host, service, census, this.alarming(census).filter((a) => a.host === host), withWorkflow);
  }

  private judge(host: string, service: ComputeService | null, census: Census, alarming: Alarming[], withWorkflow: boolean): HostFailure | null {
    const s = this.o.hostFailure;
    if (!s) return null;
    const now = this.o.clock.now();
    const wf = withWorkflow ? this.o.store.holding(host) : undefined;
    return judgeHost(
      {
        host,
        service: service ?? census.services.find((x) => x.host === host) ?? null,
        haInstances: census.haServers.filter((x) => x.host === host).length,
        alarmingRecent: alarming.filter((a) => now - a.since <= s.windowMs).length,
        workflowId: wf?.id,
      },
      s,
    );
  }

  /** Hosts whose compute service is down, with HA instances on them and no workflow yet (proactive detection). */
  async downHosts(): Promise<{ host: string; failure: HostFailure; downSince: number }[]> {
    if (!this.o.hostFailure) return [];
    const census = await this.o.census.current();
    const out: { host: string; failure: HostFailure; downSince: number }[] = [];
    for (const svc of census.services) {
      if (!(svc.forcedDown || svc.state === 'down')) continue;
      if (this.o.store.holding(svc.host)) continue;
      if (!census.haServers.some((s) => s.host === svc.host)) continue;
      const failure = this.judge(svc.host, svc, census, [], false);
      const lastBeat = parseTimestamp(svc.updatedAt);
      if (failure) out.push({ host: svc.host, failure, downSince: Number.isFinite(lastBeat) ? lastBeat : 0 });
    }
    return out;
  }

  /** The availability zone of a host (from its compute service), for maintenance by zone. */
  async zoneOf(host: string | undefined): Promise<string | undefined> {
    if (!host) return undefined;
    return (this.o.census.peek() ?? (await this.o.census.current())).services.find((s) => s.host === host)?.zone;
  }
}
