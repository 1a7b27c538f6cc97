// Response bodies, following nova's view builders (views/servers.py) and the
// migrations and services controllers: which keys appear depends on the
// microversion and on the caller's policy (admin-only fields).
import { createHash } from 'node:crypto';
import type { NovaContext } from './context.ts';
import type { NovaModel } from './model.ts';
import { statusFromState } from './states.ts';
import { isotime, perfectTime } from './timefmt.ts';
import type { NovaMigration, NovaServer, NovaService } from './types.ts';

const PROGRESS_STATUSES = new Set(['ACTIVE', 'BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING']);
const FAULT_STATUSES = new Set(['ERROR', 'DELETED']);
/** Live-migration statuses the API calls "in progress". */
export const LIVE_MIGRATION_IN_PROGRESS = new Set(['queued', 'preparing', 'running', 'post-migrating']);

type Json = Record<string, unknown>;

export function links(ctx: NovaContext, collection: string, id: string | number): Json[] {
  return [
    { rel: 'self', href: `${ctx.appUrl}/${collection}/${id}` },
    { rel: 'bookmark', href: `${ctx.bookmarkUrl}/${collection}/${id}` },
  ];
}

export function serverStatus(s: NovaServer): string {
  return statusFromState(s.vmState, s.taskState);
}

/** Which optional parts of the detailed view a caller gets (ViewBuilder.show's flags). */
export interface ShowOptions {
  extendAddress: boolean;
  showAZ: boolean;
  showConfigDrive: boolean;
  showExtendedAttr: boolean;
  showHostStatus: boolean;
  showKeypair: boolean;
  showSrvUsg: boolean;
  showSecGrp: boolean;
  showExtendedStatus: boolean;
  showExtendedVolumes: boolean;
  showServerGroups: boolean;
  showUserData: boolean;
}

/** GET /servers/{id} (serverGroups) and /servers/detail (no serverGroups). */
export function fullShowOptions(ctx: NovaContext, serverGroups: boolean): ShowOptions {
  return {
    extendAddress: true,
    showAZ: true,
    showConfigDrive: true,
    showExtendedAttr: ctx.admin,
    showHostStatus: ctx.admin,
    showKeypair: true,
    showSrvUsg: true,
    showSecGrp: true,
    showExtendedStatus: true,
    showExtendedVolumes: true,
    showServerGroups: serverGroups && ctx.at('2.71'),
    showUserData: true,
  };
}

/** ViewBuilder.basic: the entries of GET /servers. */
export function basicServerView(ctx: NovaContext, s: NovaServer): Json {
  return { id: s.id, name: s.name, links: links(ctx, 'servers', s.id) };
}

/** ViewBuilder.show */
export function serverView(ctx: NovaContext, s: NovaServer, o: ShowOptions): Json {
  const model = ctx.model;
  const status = serverStatus(s);
  const out: Json = {
    id: s.id,
    name: s.name,
    status,
    tenant_id: s.projectId,
    user_id: s.userId,
    metadata: { ...s.metadata },
    hostId: s.host ? createHash('sha224').update(s.projectId + s.host).digest('hex') : '',
    image: imageView(ctx, model, s),
    flavor: flavorView(ctx, s),
    created: isotime(s.createdAt),
    updated: isotime(s.updatedAt),
    addresses: addressesView(s, o.extendAddress),
    accessIPv4: s.accessIPv4,
    accessIPv6: s.accessIPv6,
    links: links(ctx, 'servers', s.id),
    'OS-DCF:diskConfig': 'MANUAL',
  };
  if (FAULT_STATUSES.has(status) && s.fault) {
    const fault: Json = { code: s.fault.code, created: isotime(s.fault.created), message: s.fault.message };
    if (s.fault.details && (ctx.admin || s.fault.code !== 500)) fault.details = s.fault.details;
    out.fault = fault;
  }
  if (PROGRESS_STATUSES.has(status)) out.progress = 0;
  if (o.showAZ) out['OS-EXT-AZ:availability_zone'] = s.availabilityZone;
  if (o.showConfigDrive) out.config_drive = '';
  if (o.showKeypair) out.key_name = s.keyName;
  if (o.showSrvUsg) {
    out['OS-SRV-USG:launched_at'] = s.launchedAt === null ? null : perfectTime(s.launchedAt);
    out['OS-SRV-USG:terminated_at'] = null;
  }
  if (o.showSecGrp) out.security_groups = [{ name: 'default' }];
  if (o.showExtendedAttr) {
    out['OS-EXT-SRV-ATTR:host'] = s.host;
    out['OS-EXT-SRV-ATTR:instance_name'] = s.instanceName;
    out['OS-EXT-SRV-ATTR:hypervisor_hostname'] = s.node;
    if (ctx.at('2.3')) {
      out['OS-EXT-SRV-ATTR:reservation_id'] = s.reservationId;
      out['OS-EXT-SRV-ATTR:launch_index'] = s.launchIndex;
      out['OS-EXT-SRV-ATTR:hostname'] = s.hostname;
      out['OS-EXT-SRV-ATTR:kernel_id'] = '';
      out['OS-EXT-SRV-ATTR:ramdisk_id'] = '';
      out['OS-EXT-SRV-ATTR:root_device_name'] = '/dev/vda';
      if (o.showUserData) out['OS-EXT-SRV-ATTR:user_data'] = s.userData;
    }
  }
  if (o.showExtendedStatus) {
    out['OS-EXT-STS:task_state'] = s.taskState;
    out['OS-EXT-STS:vm_state'] = s.vmState;
    out['OS-EXT-STS:power_state'] = s.powerState;
  }
  if (o.showExtendedVolumes) out['os-extended-volumes:volumes_attached'] = [];
  if (ctx.at('2.16') && o.showHostStatus) out.host_status = hostStatus(model, s);
  if (ctx.at('2.9')) out.locked = s.locked;
  if (ctx.at('2.73')) out.locked_reason = s.lockedReason;
  if (ctx.at('2.19')) out.description = s.description;
  if (ctx.at('2.26')) out.tags = [...s.tags];
  if (ctx.at('2.63')) out.trusted_image_certificates = null;
  if (o.showServerGroups) out.server_groups = [];
  // 2.90 shows the hostname to everyone; admins already have it above.
  if (ctx.at('2.90') && !o.showExtendedAttr) out['OS-EXT-SRV-ATTR:hostname'] = s.hostname;
  if (ctx.at('2.96')) out.pinned_availability_zone = null;
  if (ctx.at('2.100')) out.scheduler_hints = {};
  return out;
}

/** compute API get_instance_host_status */
export function hostStatus(model: NovaModel, s: NovaServer): string {
  if (!s.host) return '';
  const svc = model.computeService(s.host);
  if (!svc) return '';
  if (svc.forcedDown) return 'DOWN';
  if (svc.disabled) return 'MAINTENANCE';
  return svc.alive ? 'UP' : 'UNKNOWN';
}

function imageView(ctx: NovaContext, model: NovaModel, s: NovaServer): Json | string {
  if (!s.imageId) return '';
  const image: Json = { id: s.imageId, links: [{ rel: 'bookmark', href: `${ctx.bookmarkUrl}/images/${s.imageId}` }] };
  if (ctx.at('2.98')) image.properties = { ...(model.image(s.imageId)?.properties ?? {}) };
  return image;
}

function flavorView(ctx: NovaContext, s: NovaServer): Json {
  const f = s.flavor;
  if (ctx.at('2.47')) {
    return {
      vcpus: f.vcpus,
      ram: f.ram,
      disk: f.disk,
      ephemeral: f.ephemeral,
      swap: f.swap,
      original_name: f.name,
      extra_specs: { ...f.extraSpecs },
    };
  }
  return { id: f.id, links: [{ rel: 'bookmark', href: `${ctx.bookmarkUrl}/flavors/${f.id}` }] };
}

function addressesView(s: NovaServer, extend: boolean): Json {
  const out: Json = {};
  for (const [net, addrs] of Object.entries(s.addresses)) {
    out[net] = addrs.map((a) =>
      extend
        ? { version: a.version, addr: a.addr, 'OS-EXT-IPS:type': a.type, 'OS-EXT-IPS-MAC:mac_addr': a.mac }
        : { version: a.version, addr: a.addr },
    );
  }
  return out;
}

/** An entry of GET /os-migrations (MigrationsController._output). */
export function migrationView(ctx: NovaContext, m: NovaMigration): Json {
  const out: Json = {
    created_at: perfectTime(m.createdAt),
    dest_compute: m.destCompute,
    dest_host: m.destHost,
    dest_node: m.destNode,
    id: m.id,
    instance_uuid: m.instanceUuid,
    new_instance_type_id: m.newInstanceTypeId,
    old_instance_type_id: m.oldInstanceTypeId,
    source_compute: m.sourceCompute,
    source_node: m.sourceNode,
    status: m.status,
    updated_at: perfectTime(m.updatedAt),
  };
  if (ctx.at('2.23')) {
    out.migration_type = m.migrationType;
    if (m.migrationType === 'live-migration' && LIVE_MIGRATION_IN_PROGRESS.has(m.status)) {
      out.links = links(ctx, `servers/${m.instanceUuid}/migrations`, m.id);
    }
  }
  if (ctx.at('2.59')) out.uuid = m.uuid;
  if (ctx.at('2.80')) {
    out.user_id = m.userId;
    out.project_id = m.projectId;
  }
  return out;
}

/** An entry of GET /servers/{id}/migrations (server_migrations.output). */
export function serverMigrationView(ctx: NovaContext, m: NovaMigration): Json {
  const out: Json = {
    created_at: perfectTime(m.createdAt),
    dest_compute: m.destCompute,
    dest_host: m.destHost,
    dest_node: m.destNode,
    disk_processed_bytes: m.diskProcessed,
    disk_remaining_bytes: m.diskRemaining,
    disk_total_bytes: m.diskTotal,
    id: m.id,
    memory_processed_bytes: m.memoryProcessed,
    memory_remaining_bytes: m.memoryRemaining,
    memory_total_bytes: m.memoryTotal,
    server_uuid: m.instanceUuid,
    source_compute: m.sourceCompute,
    source_node: m.sourceNode,
    status: m.status,
    updated_at: perfectTime(m.updatedAt),
  };
  if (ctx.at('2.59')) out.uuid = m.uuid;
  if (ctx.at('2.80')) {
    out.user_id = m.userId;
    out.project_id = m.projectId;
  }
  return out;
}

/** ServiceController._get_service_detail */
export function serviceView(ctx: NovaContext, svc: NovaService, withForcedDown: boolean): Json {
  const out: Json = {
    binary: svc.binary,
    host: svc.host,
    id: ctx.at('2.53') ? svc.uuid : svc.id,
    zone: svc.zone,
    status: svc.disabled ? 'disabled' : 'enabled',
    state: ctx.model.isServiceUp(svc) ? 'up' : 'down',
    updated_at: perfectTime(ctx.model.serviceUpdatedAt(svc)),
    disabled_reason: svc.disabledReason,
  };
  if (withForcedDown) out.forced_down = svc.forcedDown;
  return out;
}
