// The demo's simulated cloud: the contract-faithful fakes (Keystone, Nova, Aodh,
// Gnocchi) on loopback, hosts and instances from an inventory, a Gnocchi instance
// resource per instance (as Ceilometer makes them), one probe agent per compute host
// (the real ProbeRunner and Publisher, probing simulated guests through their in-process
// qemu-ga) and Aodh's evaluator and notifier.
import { measuresOf } from '../../agents/probes/result.ts';
import type { CycleReport } from '../../agents/runner.ts';
import type { Credentials } from '../config/clouds.ts';
import type { ProbeConfig } from '../config/probe-schema.ts';
import { systemClock, type Clock } from '../domain/clock.ts';
import { AodhEvaluator, type EvaluatorEvent } from '../fakes/aodh/evaluator.ts';
import { startFakeCloud, type FakeCloud } from '../fakes/cloud.ts';
import { SEED_PROJECTS, SEED_USERS } from '../fakes/keystone/seed.ts';
import type { NovaTimings } from '../fakes/nova/index.ts';
import type { Logger } from '../log.ts';
import { createClients } from '../openstack/index.ts';
import { startBmc, type Bmc } from './bmc.ts';
import type { EventLog } from './events.ts';
import { SimGuest } from './guest.ts';
import type { Inventory } from './inventory.ts';
import { HostProbeAgent } from './probe-agent.ts';

/** Nova actions after which the guest boots afresh. */
const RESTARTS = new Set(['reboot', 'rebuild', 'evacuate']);

export interface SimCloudOptions {
  inventory: Inventory;
  novaTimings: Partial<NovaTimings>;
  logger: Logger;
  events: EventLog;
  clock?: Clock;
}

/** The vmha account of the fake Keystone, as a clouds.yaml entry names it. */
export function simCredentials(cloud: FakeCloud): Credentials {
  return {
    source: 'demo',
    authUrl: cloud.authUrl,
    auth: {
      type: 'password',
      username: SEED_USERS.vmha.name,
      password: SEED_USERS.vmha.password,
      userDomainName: 'Default',
      projectName: SEED_PROJECTS.service.name,
      projectDomainName: 'Default',
    },
    interface: 'public',
    region: cloud.region,
    verify: true,
  };
}

export class SimCloud {
  private readonly guestsByName = new Map<string, SimGuest>();
  private readonly agents = new Map<string, HostProbeAgent>();
  private evaluator: AodhEvaluator | undefined;
  /** Last problem kinds per guest, to narrate only changes. */
  private readonly lastProblems = new Map<string, string>();
  /** The hosts' BMCs: what vmha's fence command powers hosts off through. */
  bmc!: Bmc;

  private constructor(
    readonly cloud: FakeCloud,
    private readonly o: SimCloudOptions,
    readonly clock: Clock,
  ) {}

  /** Starts the fakes and creates the inventory's hosts, servers and Gnocchi resources. */
  static async start(o: SimCloudOptions): Promise<SimCloud> {
    const clock = o.clock ?? systemClock;
    const cloud = await startFakeCloud({ clock, novaTimings: o.novaTimings });
    const sim = new SimCloud(cloud, o, clock);
    const model = cloud.nova.model;
    for (const host of o.inventory.hosts) model.addHost(host);
    for (const spec of o.inventory.guests) {
      const server = model.addServer({
        name: spec.name,
        host: spec.host,
        metadata: spec.ha ? { HA_Enabled: 'True' } : {},
        projectId: SEED_PROJECTS.demo.id,
        userId: SEED_USERS.demo.id,
      });
      cloud.gnocchi.addResource('instance', {
        id: server.id,
        display_name: server.name,
        flavor_id: server.flavor.id,
        image_ref: server.imageId,
        host: spec.host,
        project_id: server.projectId,
        user_id: server.userId,
      });
      sim.guestsByName.set(spec.name, new SimGuest(server.id, spec.name, sim.worldOf(server.id)));
    }
    sim.bmc = await startBmc(async (host) => {
      if (!o.inventory.hosts.includes(host)) return false;
      await sim.crashHost(host);
      return true;
    });
    return sim;
  }

  get url(): string {
    return this.cloud.url;
  }

  guest(name: string): SimGuest {
    const g = this.guestsByName.get(name);
    if (!g) throw new Error(`no guest ${name} in the simulated cloud`);
    return g;
  }

  guests(): SimGuest[] {
    return [...this.guestsByName.values()];
  }

  /** The guest of a server id, if it is one of the simulation's. */
  guestById(id: string): SimGuest | undefined {
    return this.guests().find((g) => g.id === id);
  }

  /** A copy of the server's Nova record. */
  server(name: string): ReturnType<FakeCloud['nova']['model']['getServer']> {
    return this.cloud.nova.model.getServer(this.guest(name).id);
  }

  /** Starts one probe agent per live compute host, each with its own OpenStack session. */
  startProbes(cfg: ProbeConfig, intervalMs: number): void {
    for (const host of this.o.inventory.hosts) {
      if (this.agents.has(host) || !this.hostAlive(host)) continue;
      const clients = createClients(simCredentials(this.cloud), { logger: this.o.logger, clock: this.clock, timeoutMs: 5000 });
      const agent = new HostProbeAgent({
        host,
        guests: () => this.guestsOn(host),
        allGuests: () => this.guests(),
        cfg,
        intervalMs,
        clients,
        logger: this.o.logger,
        clock: this.clock,
        onReport: (r) => this.onReport(host, r),
      });
      this.agents.set(host, agent);
      agent.start();
    }
  }

  /** Starts Aodh's evaluator (and notifier) at the given evaluation interval. */
  startEvaluator(intervalMs: number): AodhEvaluator {
    this.evaluator ??= new AodhEvaluator({
      aodh: this.cloud.aodh,
      gnocchi: this.cloud.gnocchi,
      tokens: this.cloud.tokens,
      clock: this.clock,
      intervalMs,
      onEvent: (e) => this.onEvaluatorEvent(e),
    });
    this.evaluator.start();
    return this.evaluator;
  }

  /**
   * A compute host dies (or hangs, or is powered off): its nova-compute stops
   * heartbeating, its probe agent and its guests stop with it.
   */
  async crashHost(host: string): Promise<void> {
    this.cloud.nova.model.setHostAlive(host, false);
    const agent = this.agents.get(host);
    this.agents.delete(host);
    await agent?.stop();
  }

  /** Sets a Nova metadata item of a server, as its owner would (openstack server set --property). */
  setMetadata(name: string, key: string, value: string): void {
    const s = this.cloud.nova.model.serverRecord(this.guest(name).id);
    if (!s) throw new Error(`server ${name} is gone`);
    s.metadata[key] = value;
    this.cloud.nova.model.touch(s);
  }

  hostAlive(host: string): boolean {
    const svc = this.cloud.nova.model.computeService(host);
    return svc !== undefined && svc.alive;
  }

  /**
   * The guests a host's hypervisor runs now. A guest being rebuilt (an evacuation lands
   * as a rebuild) has no domain on its new host until the rebuild is done.
   */
  guestsOn(host: string): SimGuest[] {
    return this.guests().filter((g) => {
      const s = this.cloud.nova.model.serverRecord(g.id);
      if (!s || s.host !== host || s.vmState === 'stopped' || s.vmState === 'shelved_offloaded') return false;
      return !(s.taskState ?? '').startsWith('rebuild');
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.stop()));
    this.agents.clear();
    await this.evaluator?.stop();
    await this.bmc?.close();
    await this.cloud.close();
  }

  private worldOf(id: string) {
    const model = this.cloud.nova.model;
    return {
      server: () => model.serverRecord(id),
      restarts: () => model.actions.filter((a) => a.serverId === id && RESTARTS.has(a.action)).length,
      hostAlive: (host: string) => this.hostAlive(host),
    };
  }

  private onReport(host: string, report: CycleReport): void {
    for (const r of report.results) {
      const kinds = r.problems.map((p) => p.kind).sort().join(',');
      const before = this.lastProblems.get(r.uuid);
      this.lastProblems.set(r.uuid, kinds);
      if (before === undefined ? kinds === '' : before === kinds) continue;
      const name = r.name ?? r.uuid;
      const values = measuresOf(r).map((m) => `${m.metric}=${m.value}`).join(' ');
      const text = kinds
        ? `${name} on ${host}: ${r.problems.map((p) => `${p.kind} (${p.detail})`).join('; ')}; publishing ${values}`
        : `${name} on ${host}: healthy again; publishing ${values}`;
      this.o.events.add({ at: r.at, source: 'probe', serverId: r.uuid, text, data: { host, problems: r.problems, measures: measuresOf(r) } });
    }
  }

  private onEvaluatorEvent(e: EvaluatorEvent): void {
    const events = this.o.events;
    switch (e.kind) {
      case 'transition': {
        const rid = String((e.alarm.rule as { resource_id?: unknown }).resource_id ?? '');
        events.add({
          at: e.at,
          source: 'aodh',
          serverId: rid,
          text: `${alarmLabel(e.alarm.name, this.guestById(rid)?.name)}: ${e.previous} -> ${e.alarm.state}: ${e.reason}`,
          data: { alarm_id: e.alarm.alarm_id, alarm_name: e.alarm.name, previous: e.previous, current: e.alarm.state, reason: e.reason },
        });
        return;
      }
      case 'notification': {
        const alarm = this.cloud.aodh.get(e.alarmId);
        const rid = String((alarm?.rule as { resource_id?: unknown } | undefined)?.resource_id ?? '');
        const path = new URL(e.url).pathname.replace(/\/v1\/aodh\/.+$/, '/v1/aodh/<token>');
        const outcome = e.status !== undefined ? `${e.status}` : `failed (${e.error ?? 'unknown error'}); Aodh does not retry`;
        events.add({
          at: e.at,
          source: 'aodh',
          serverId: rid,
          text: `notifier: POST ${path} (${e.current}) -> ${outcome}, x-openstack-request-id ${e.requestId}`,
          data: { alarm_id: e.alarmId, current: e.current, status: e.status, error: e.error, request_id: e.requestId, response: e.responseBody },
        });
        return;
      }
      case 'skipped':
      case 'log-action':
        return;
    }
  }
}

/** "ping-delay alarm of web-1 (vmha:ping-delay:<uuid>)": the template and guest first, then Aodh's name. */
function alarmLabel(name: string, guest: string | undefined): string {
  const template = name.split(':')[1];
  return guest && template ? `${template} alarm of ${guest} (${name})` : `alarm ${name}`;
}
