// Plain shapes vmha uses for Nova resources, normalised from the API's views.

export interface Server {
  id: string;
  name: string;
  /** API status: ACTIVE, MIGRATING, REBOOT, HARD_REBOOT, REBUILD, ERROR, SHUTOFF, ... */
  status: string;
  vmState: string | undefined;
  /** null when no task runs. */
  taskState: string | null;
  powerState: number | undefined;
  /** Compute host (admin-only attribute; undefined without it). */
  host: string | undefined;
  hypervisorHostname: string | undefined;
  /** UP, DOWN, MAINTENANCE, UNKNOWN (2.16+, admin); undefined otherwise. */
  hostStatus: string | undefined;
  /** OS-EXT-AZ:availability_zone; undefined when Nova does not show it. */
  availabilityZone?: string | undefined;
  metadata: Record<string, string>;
  /** Image id, or undefined for a volume-backed server. */
  imageId: string | undefined;
  projectId: string;
  locked: boolean | undefined;
  updated: string | undefined;
}

export interface ComputeService {
  /** Integer below 2.53, uuid from 2.53. */
  id: string;
  binary: string;
  host: string;
  zone: string | undefined;
  status: 'enabled' | 'disabled';
  state: 'up' | 'down';
  disabledReason: string | null;
  forcedDown: boolean;
  updatedAt: string | null;
}

export interface Migration {
  id: string;
  uuid: string | undefined;
  instanceUuid: string;
  status: string;
  migrationType: string | undefined;
  sourceCompute: string | null;
  destCompute: string | null;
  createdAt: string;
  updatedAt: string | null;
}

export interface MigrationFilters {
  instanceUuid?: string;
  host?: string;
  status?: string;
  migrationType?: 'live-migration' | 'evacuation' | 'migration' | 'resize';
  sourceCompute?: string;
}

export type RebootType = 'SOFT' | 'HARD';

/** What an accepted action leaves behind for the journal and the log. */
export interface ActionReceipt {
  requestId: string | undefined;
  microversion: string;
}

type Raw = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function toServer(raw: Raw): Server {
  const image = raw.image;
  const metadata = (raw.metadata ?? {}) as Record<string, string>;
  return {
    id: String(raw.id),
    name: String(raw.name ?? ''),
    status: String(raw.status ?? 'UNKNOWN'),
    vmState: str(raw['OS-EXT-STS:vm_state']),
    taskState: (raw['OS-EXT-STS:task_state'] as string | null | undefined) ?? null,
    powerState: typeof raw['OS-EXT-STS:power_state'] === 'number' ? (raw['OS-EXT-STS:power_state'] as number) : undefined,
    host: str(raw['OS-EXT-SRV-ATTR:host']) ?? undefined,
    hypervisorHostname: str(raw['OS-EXT-SRV-ATTR:hypervisor_hostname']),
    hostStatus: str(raw.host_status),
    availabilityZone: str(raw['OS-EXT-AZ:availability_zone']),
    metadata,
    // Volume-backed servers carry image "" instead of {id}.
    imageId: image && typeof image === 'object' ? str((image as Raw).id) : undefined,
    projectId: String(raw.tenant_id ?? ''),
    locked: typeof raw.locked === 'boolean' ? raw.locked : undefined,
    updated: str(raw.updated),
  };
}

export function toService(raw: Raw): ComputeService {
  return {
    id: String(raw.id),
    binary: String(raw.binary),
    host: String(raw.host),
    zone: str(raw.zone),
    status: raw.status === 'disabled' ? 'disabled' : 'enabled',
    state: raw.state === 'up' ? 'up' : 'down',
    disabledReason: (raw.disabled_reason as string | null | undefined) ?? null,
    forcedDown: raw.forced_down === true,
    updatedAt: (raw.updated_at as string | null | undefined) ?? null,
  };
}

export function toMigration(raw: Raw): Migration {
  return {
    id: String(raw.id),
    uuid: str(raw.uuid),
    instanceUuid: String(raw.instance_uuid ?? raw.server_uuid ?? ''),
    status: String(raw.status),
    migrationType: str(raw.migration_type),
    sourceCompute: (raw.source_compute as string | null | undefined) ?? null,
    destCompute: (raw.dest_compute as string | null | undefined) ?? null,
    createdAt: String(raw.created_at ?? ''),
    updatedAt: (raw.updated_at as string | null | undefined) ?? null,
  };
}

/** One entry of GET /servers/{id}/os-instance-actions: what Nova recorded being asked. */
export interface InstanceAction {
  action: string;
  requestId: string;
  startTime: string;
}

export function toInstanceAction(raw: Raw): InstanceAction {
  return { action: String(raw.action), requestId: String(raw.request_id ?? ''), startTime: String(raw.start_time ?? '') };
}
