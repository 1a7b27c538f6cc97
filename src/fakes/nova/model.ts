// The fake cloud's state: hosts with their nova services, servers, migrations,
// images and flavors, with the background runtime that plays nova's asynchronous work
// (conductor, scheduler, computes) on the injected clock. The API routes read and
// change it; tests and the demo drive it directly (addHost, setHostAlive, failNext).
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../domain/clock.ts';
import { FLAVORS, IMAGES } from './catalog.ts';
import { newMigrationRecord, newServerRecord } from './records.ts';
import { BackgroundWork } from './runtime.ts';
import type {
  AddServerOptions,
  FailAction,
  FailKind,
  NovaActionRecord,
  NovaFlavor,
  NovaHost,
  NovaImage,
  NovaMigration,
  NovaServer,
  NovaService,
  NovaTimings,
} from './types.ts';

const CONTROLLER = 'controller';

export class NovaModel {
  /** Every server action the API accepted, in order. */
  readonly actions: NovaActionRecord[] = [];

  private readonly hostMap = new Map<string, NovaHost>();
  private readonly serviceList: NovaService[] = [];
  private readonly serverMap = new Map<string, NovaServer>();
  private readonly migrationList: NovaMigration[] = [];
  private readonly failures = new Map<FailAction, FailKind[]>();
  private readonly background: BackgroundWork;
  private nextServiceId = 1;
  private nextMigrationId = 1;
  private nextInstanceId = 1;

  constructor(
    readonly clock: Clock,
    readonly timings: NovaTimings,
  ) {
    this.background = new BackgroundWork(clock);
    this.addService(CONTROLLER, 'nova-conductor', 'internal');
    this.addService(CONTROLLER, 'nova-scheduler', 'internal');
  }

  // ---- hosts and services -------------------------------------------------

  /** Adds a compute host with an enabled, heartbeating nova-compute service. */
  addHost(name: string, opts: { zone?: string; node?: string } = {}): NovaHost {
    if (this.hostMap.has(name)) throw new Error(`host ${name} already exists`);
    const host: NovaHost = {
      name,
      node: opts.node ?? name,
      ip: `192.168.0.${10 + this.hostMap.size}`,
      zone: opts.zone ?? 'nova',
    };
    this.hostMap.set(name, host);
    this.addService(name, 'nova-compute', host.zone);
    return { ...host };
  }

  hosts(): NovaHost[] {
    return [...this.hostMap.values()].map((h) => ({ ...h }));
  }

  hostRecord(name: string): NovaHost | undefined {
    return this.hostMap.get(name);
  }

  /** Copies of every service record (nova-conductor and nova-scheduler included). */
  services(): NovaService[] {
    return this.serviceList.map((s) => ({ ...s }));
  }

  /** The live service records, for the API layer. */
  serviceRecords(): readonly NovaService[] {
    return this.serviceList;
  }

  computeService(host: string): NovaService | undefined {
    return this.serviceList.find((s) => s.host === host && s.binary === 'nova-compute');
  }

  /** servicegroup's service_is_up: heartbeating and not forced down. */
  isServiceUp(s: NovaService): boolean {
    return s.alive && !s.forcedDown;
  }

  /** The updated_at nova reports: the last heartbeat. */
  serviceUpdatedAt(s: NovaService): number {
    return s.alive ? this.clock.now() : s.lastSeen;
  }

  /** Heartbeat lost (the compute died) or back (it restarted). */
  setHostAlive(host: string, alive: boolean): void {
    const svc = this.computeService(host);
    if (!svc) throw new Error(`no compute service on host ${host}`);
    const now = this.clock.now();
    if (svc.alive && !alive) svc.lastSeen = now;
    const restarted = !svc.alive && alive;
    svc.alive = alive;
    if (alive) svc.lastSeen = now;
    if (restarted) {
      // A restarting compute cleans up after evacuations from it (_destroy_evacuated_instances).
      for (const m of this.migrationList) {
        if (m.migrationType === 'evacuation' && m.sourceCompute === host && m.status === 'done') {
          m.status = 'completed';
          m.updatedAt = now;
        }
      }
    }
    if (alive) this.background.wake(host);
  }

  /** Operator changes to a compute service, as the os-services API would make them. */
  setServiceState(host: string, state: { disabled?: boolean; disabledReason?: string | null; forcedDown?: boolean }): void {
    const svc = this.computeService(host);
    if (!svc) throw new Error(`no compute service on host ${host}`);
    if (state.disabled !== undefined) svc.disabled = state.disabled;
    if (state.disabledReason !== undefined) svc.disabledReason = state.disabledReason;
    if (state.forcedDown !== undefined) svc.forcedDown = state.forcedDown;
  }

  private addService(host: string, binary: string, zone: string): void {
    this.serviceList.push({
      id: this.nextServiceId++,
      uuid: randomUUID(),
      binary,
      host,
      zone,
      disabled: false,
      disabledReason: null,
      forcedDown: false,
      alive: true,
      lastSeen: this.clock.now(),
    });
  }

  // ---- images and flavors -------------------------------------------------

  images(): NovaImage[] {
    return IMAGES.map((i) => ({ ...i, properties: { ...i.properties } }));
  }

  image(id: string): NovaImage | undefined {
    return IMAGES.find((i) => i.id === id.toLowerCase() || i.id.replace(/-/g, '') === id.toLowerCase());
  }

  flavors(): NovaFlavor[] {
    return FLAVORS.map((f) => ({ ...f, extraSpecs: { ...f.extraSpecs } }));
  }

  // ---- servers ------------------------------------------------------------

  /** Adds a server already running (or in `vmState`) on `host`. */
  addServer(opts: AddServerOptions): NovaServer {
    const host = this.hostMap.get(opts.host);
    if (!host) throw new Error(`unknown host ${opts.host}`);
    const imageId = opts.imageId ?? IMAGES[0]!.id;
    const flavor = FLAVORS.find((f) => f.id === (opts.flavorId ?? '1')) ?? FLAVORS[0]!;
    const now = this.clock.now();
    const n = this.nextInstanceId++;
    const server = newServerRecord(opts, host, imageId, flavor, n, now);
    if (this.serverMap.has(server.id)) throw new Error(`server ${server.id} already exists`);
    this.serverMap.set(server.id, server);
    return structuredClone(server);
  }

  /** Deletes a server (as `openstack server delete` would, instantly): later GETs give 404. */
  removeServer(id: string): void {
    if (!this.serverMap.delete(id)) throw new Error(`unknown server ${id}`);
  }

  /** A copy of the server, or undefined. */
  getServer(id: string): NovaServer | undefined {
    const s = this.serverMap.get(id);
    return s ? structuredClone(s) : undefined;
  }

  servers(): NovaServer[] {
    return [...this.serverMap.values()].map((s) => structuredClone(s));
  }

  /** The live record, for the API layer and workflows. */
  serverRecord(id: string): NovaServer | undefined {
    return this.serverMap.get(id) ?? this.serverMap.get(id.toLowerCase());
  }

  serverRecords(): NovaServer[] {
    return [...this.serverMap.values()];
  }

  lockServer(id: string, locked: boolean, reason: string | null = null): void {
    const s = this.serverMap.get(id);
    if (!s) throw new Error(`unknown server ${id}`);
    s.locked = locked;
    s.lockedReason = locked ? reason : null;
    this.touch(s);
  }

  touch(s: NovaServer): void {
    s.updatedAt = this.clock.now();
  }

  // ---- migrations ---------------------------------------------------------

  migrations(): NovaMigration[] {
    return this.migrationList.map((m) => ({ ...m }));
  }

  migrationRecords(): readonly NovaMigration[] {
    return this.migrationList;
  }

  createMigration(server: NovaServer, type: NovaMigration['migrationType'], destCompute: string | null): NovaMigration {
    const now = this.clock.now();
    const m = newMigrationRecord(this.nextMigrationId++, server, type, destCompute, now);
    this.migrationList.push(m);
    return m;
  }

  setMigrationStatus(m: NovaMigration, status: string): void {
    m.status = status;
    m.updatedAt = this.clock.now();
  }

  // ---- scheduling ---------------------------------------------------------

  /**
   * The filter scheduler in short: compute hosts that are up and enabled, not
   * `exclude`, and `requested` if given; the least loaded wins.
   */
  schedule(exclude: string | null, requested: string | null): NovaHost | undefined {
    const load = (h: string): number => [...this.serverMap.values()].filter((s) => s.host === h).length;
    const candidates = [...this.hostMap.values()].filter((h) => {
      const svc = this.computeService(h.name);
      return !!svc && this.isServiceUp(svc) && !svc.disabled && h.name !== exclude && (requested === null || h.name === requested);
    });
    candidates.sort((a, b) => load(a.name) - load(b.name) || a.name.localeCompare(b.name));
    return candidates[0];
  }

  computeAlive(host: string | null): boolean {
    return host !== null && this.computeService(host)?.alive === true;
  }

  // ---- actions and fault injection ----------------------------------------

  recordAction(rec: NovaActionRecord): void {
    this.actions.push(rec);
  }

  /** Makes the next `action` fail the given way (queued: call twice for two failures). */
  failNext(action: FailAction, kind: FailKind = 'error'): void {
    const queue = this.failures.get(action) ?? [];
    queue.push(kind);
    this.failures.set(action, queue);
  }

  /** Consumes the next injected failure for `action`, if any. */
  takeFailure(action: FailAction): FailKind | undefined {
    return this.failures.get(action)?.shift();
  }

  // ---- background work ----------------------------------------------------

  /** Unexpected exceptions thrown by background work (a bug in the fake if not empty). */
  get workflowErrors(): readonly unknown[] {
    return this.background.errors;
  }

  /** Runs nova's asynchronous part of an action in the background. */
  spawn(work: () => Promise<void>): void {
    this.background.spawn(work);
  }

  /** Resolves once no background work is running (work blocked on a dead host keeps it pending). */
  settled(): Promise<void> {
    return this.background.settled();
  }

  /** Waits `ms` of the model's clock; rejects once stopped. */
  sleep(ms: number): Promise<void> {
    return this.background.sleep(ms);
  }

  /** Resolves when the host's compute service heartbeats (now, or once it is back). */
  waitForCompute(host: string): Promise<void> {
    return this.background.waitFor(host, () => this.computeAlive(host));
  }

  /** Waits forever (an injected hang), until stop(). */
  hang(): Promise<never> {
    return this.background.hang();
  }

  /** Cancels all background work and pending timers. */
  stop(): void {
    this.background.stop();
  }
}
