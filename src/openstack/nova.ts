// Nova client: the reads and the four recovery actions vmha needs, with an explicit,
// negotiated microversion and the request shape CONTRACTS.md gives for it.
import type { Logger } from '../log.ts';
import { Invalid, NotFound } from './errors.ts';
import {
  atLeast,
  compareMicroversions,
  formatMicroversion,
  minMicroversion,
  parseMicroversion,
  type Microversion,
} from './microversion.ts';
import {
  toInstanceAction,
  toMigration,
  toServer,
  toService,
  type ActionReceipt,
  type ComputeService,
  type InstanceAction,
  type Migration,
  type MigrationFilters,
  type RebootType,
  type Server,
} from './nova-types.ts';
import type { KeystoneSession } from './session.ts';

/** Oldest cloud vmha drives: 2.25 gives live-migrate with block_migration "auto" (Mitaka). */
export const MIN_MICROVERSION = '2.25';
/**
 * Newest microversion vmha asks for. From 2.95 an evacuated server ends up stopped on
 * its new host; a pet must come back running, so vmha stays at 2.94.
 */
export const MAX_MICROVERSION = '2.94';

const PAGE = 1000;

export interface NovaVersionInfo {
  cloudMin: string;
  cloudMax: string;
  using: string;
}

export class NovaClient {
  private negotiated: Promise<Microversion> | undefined;
  private info: NovaVersionInfo | undefined;

  constructor(
    private readonly session: KeystoneSession,
    private readonly logger: Logger,
  ) {}

  /** Reads the cloud's version document once and settles the microversion to send. */
  async version(): Promise<NovaVersionInfo> {
    await this.microversion();
    return this.info!;
  }

  private microversion(): Promise<Microversion> {
    if (!this.negotiated) {
      this.negotiated = this.negotiate().catch((err: unknown) => {
        this.negotiated = undefined; // a transient failure must not stick
        throw err;
      });
    }
    return this.negotiated;
  }

  private async negotiate(): Promise<Microversion> {
    const base = await this.session.endpoint('compute');
    // The catalog URL may end in the project id (legacy form); the version document is one level up.
    const versionUrl = base.replace(/\/+$/, '').replace(/\/(v2(?:\.1)?)\/[0-9a-fA-F-]{32,36}$/, '/$1');
    const res = await this.session.request<{ version?: { version?: string; min_version?: string } }>('compute', {
      service: 'nova',
      method: 'GET',
      path: versionUrl + '/',
    });
    const doc = res.body?.version;
    const max = doc?.version ? doc.version : '';
    if (!max) {
      // A v2.1 endpoint without microversions ("version": "") is older than anything vmha supports.
      throw new Invalid({
        service: 'nova',
        method: 'GET',
        url: versionUrl,
        status: res.status,
        requestId: res.requestId,
        detail: `the compute API at ${versionUrl} announces no microversions; vmha needs ${MIN_MICROVERSION} or later`,
      });
    }
    const cloudMax = parseMicroversion(max);
    if (compareMicroversions(cloudMax, parseMicroversion(MIN_MICROVERSION)) < 0) {
      throw new Invalid({
        service: 'nova',
        method: 'GET',
        url: versionUrl,
        status: res.status,
        requestId: res.requestId,
        detail: `the cloud's compute API supports up to microversion ${max}; vmha needs ${MIN_MICROVERSION} or later`,
      });
    }
    const using = minMicroversion(cloudMax, parseMicroversion(MAX_MICROVERSION));
    this.info = { cloudMin: doc?.min_version ?? '2.1', cloudMax: max, using: formatMicroversion(using) };
    this.logger.info('nova microversion negotiated', { ...this.info, request_id: res.requestId });
    return using;
  }

  private async call<T>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body?: unknown,
    context?: Record<string, unknown>,
  ): Promise<{ body: T; requestId: string | undefined; microversion: string }> {
    const mv = formatMicroversion(await this.microversion());
    const res = await this.session.request<T>('compute', {
      service: 'nova',
      method,
      path,
      body,
      headers: { 'OpenStack-API-Version': `compute ${mv}`, 'X-OpenStack-Nova-API-Version': mv },
      context: { microversion: mv, ...context },
    });
    return { body: res.body, requestId: res.requestId, microversion: mv };
  }

  async getServer(id: string): Promise<Server> {
    const res = await this.call<{ server: Record<string, unknown> }>('GET', `/servers/${encodeURIComponent(id)}`, undefined, { server_id: id });
    return toServer(res.body.server);
  }

  /** Servers with details, across all projects (admin), optionally on one host; follows pages. */
  async listServers(filter: { host?: string; allTenants?: boolean; status?: string; name?: string } = {}): Promise<Server[]> {
    const out: Server[] = [];
    let marker: string | undefined;
    for (;;) {
      const q = new URLSearchParams();
      if (filter.allTenants ?? true) q.set('all_tenants', 'True');
      if (filter.host) q.set('host', filter.host);
      if (filter.status) q.set('status', filter.status);
      if (filter.name) q.set('name', filter.name);
      q.set('limit', String(PAGE));
      if (marker) q.set('marker', marker);
      const res = await this.call<{ servers: Record<string, unknown>[] }>('GET', `/servers/detail?${q}`);
      const page = res.body.servers.map(toServer);
      out.push(...page);
      if (page.length < PAGE) return out;
      marker = page[page.length - 1]!.id;
    }
  }

  async listServices(filter: { host?: string; binary?: string } = {}): Promise<ComputeService[]> {
    const q = new URLSearchParams();
    if (filter.host) q.set('host', filter.host);
    if (filter.binary) q.set('binary', filter.binary);
    const qs = q.size ? `?${q}` : '';
    const res = await this.call<{ services: Record<string, unknown>[] }>('GET', `/os-services${qs}`);
    return res.body.services.map(toService);
  }

  /** The nova-compute service of a host; NotFound when the host has none. */
  async computeService(host: string): Promise<ComputeService> {
    const found = (await this.listServices({ host, binary: 'nova-compute' })).find((s) => s.host === host);
    if (!found) {
      throw new NotFound({ service: 'nova', method: 'GET', url: '/os-services', detail: `no nova-compute service on host ${host}` });
    }
    return found;
  }

  async disableService(host: string, reason: string): Promise<ComputeService> {
    return this.updateService(host, { status: 'disabled', disabled_reason: reason }, 'disable-log-reason', { disabled_reason: reason });
  }

  async enableService(host: string): Promise<ComputeService> {
    return this.updateService(host, { status: 'enabled' }, 'enable', {});
  }

  /** Marks the host's compute service forced down (true) or lifts it (false). */
  async forceDown(host: string, down: boolean): Promise<ComputeService> {
    return this.updateService(host, { forced_down: down }, 'force-down', { forced_down: down });
  }

  private async updateService(
    host: string,
    body253: Record<string, unknown>,
    legacyAction: string,
    legacyBody: Record<string, unknown>,
  ): Promise<ComputeService> {
    const mv = await this.microversion();
    if (atLeast(mv, '2.53')) {
      const svc = await this.computeService(host);
      const res = await this.call<{ service: Record<string, unknown> }>('PUT', `/os-services/${svc.id}`, body253, { host });
      return toService(res.body.service);
    }
    // Before 2.53 services are addressed by host and binary, one URL per action.
    await this.call('PUT', `/os-services/${legacyAction}`, { host, binary: 'nova-compute', ...legacyBody }, { host });
    return this.computeService(host);
  }

  async listMigrations(filter: MigrationFilters = {}): Promise<Migration[]> {
    const q = new URLSearchParams();
    if (filter.instanceUuid) q.set('instance_uuid', filter.instanceUuid);
    if (filter.host) q.set('host', filter.host);
    if (filter.status) q.set('status', filter.status);
    if (filter.migrationType) q.set('migration_type', filter.migrationType);
    if (filter.sourceCompute) q.set('source_compute', filter.sourceCompute);
    const qs = q.size ? `?${q}` : '';
    const res = await this.call<{ migrations: Record<string, unknown>[] }>('GET', `/os-migrations${qs}`);
    return res.body.migrations.map(toMigration);
  }

  /** In-progress live migrations of one server. */
  async listServerMigrations(serverId: string): Promise<Migration[]> {
    const res = await this.call<{ migrations: Record<string, unknown>[] }>(
      'GET',
      `/servers/${encodeURIComponent(serverId)}/migrations`,
      undefined,
      { server_id: serverId },
    );
    return res.body.migrations.map(toMigration);
  }

  /**
   * What Nova recorded being asked of a server (reboot, rebuild, live-migration,
   * evacuate, ...): how vmha tells, after a crash, whether an action it was issuing
   * reached Nova.
   */
  async listInstanceActions(serverId: string): Promise<InstanceAction[]> {
    const res = await this.call<{ instanceActions: Record<string, unknown>[] }>(
      'GET',
      `/servers/${encodeURIComponent(serverId)}/os-instance-actions`,
      undefined,
      { server_id: serverId },
    );
    return res.body.instanceActions.map(toInstanceAction);
  }

  /** Live-migrates to a host the scheduler picks; block migration decided by Nova. */
  async liveMigrate(serverId: string): Promise<ActionReceipt> {
    return this.action(serverId, { 'os-migrateLive': { host: null, block_migration: 'auto' } });
  }

  async reboot(serverId: string, type: RebootType): Promise<ActionReceipt> {
    return this.action(serverId, { reboot: { type } });
  }

  /** Rebuilds from the given image (the server's current one when omitted). */
  async rebuild(serverId: string, imageId?: string): Promise<ActionReceipt> {
    const image = imageId ?? (await this.getServer(serverId)).imageId;
    if (!image) {
      throw new Invalid({
        service: 'nova',
        method: 'POST',
        url: `/servers/${serverId}/action`,
        detail: 'server is volume-backed (no image); rebuild is not possible',
      });
    }
    return this.action(serverId, { rebuild: { imageRef: image } });
  }

  /** Evacuates from a failed host to one the scheduler picks (answers 200, not 202). */
  async evacuate(serverId: string): Promise<ActionReceipt> {
    return this.action(serverId, { evacuate: {} });
  }

  private async action(serverId: string, body: Record<string, unknown>): Promise<ActionReceipt> {
    const name = Object.keys(body)[0];
    const res = await this.call('POST', `/servers/${encodeURIComponent(serverId)}/action`, body, {
      server_id: serverId,
      action: name,
    });
    return { requestId: res.requestId, microversion: res.microversion };
  }
}
