// The plain records of the fake cloud: hosts and their services, servers,
// migrations, images, and the log of accepted actions.
import type { TaskState, VmState } from './states.ts';

/** Simulated durations (ms) of the work nova does after answering. */
export interface NovaTimings {
  /** A successful live migration, accepted to completed. */
  liveMigrate: number;
  reboot: number;
  rebuild: number;
  /** An evacuation, accepted to done. */
  evacuate: number;
  boot: number;
  /** Conductor prechecks and scheduling before a move starts. */
  schedule: number;
}

export const DEFAULT_TIMINGS: NovaTimings = {
  liveMigrate: 200,
  reboot: 100,
  rebuild: 150,
  evacuate: 200,
  boot: 100,
  schedule: 20,
};

export interface NovaHost {
  name: string;
  /** Hypervisor hostname (the compute node). */
  node: string;
  ip: string;
  zone: string;
}

export interface NovaService {
  id: number;
  uuid: string;
  binary: string;
  host: string;
  zone: string;
  disabled: boolean;
  disabledReason: string | null;
  forcedDown: boolean;
  /** Whether the service still heartbeats (the process runs). */
  alive: boolean;
  /** Last heartbeat, ms since the epoch (reported while not alive). */
  lastSeen: number;
}

export interface NovaFlavor {
  id: string;
  name: string;
  ram: number;
  vcpus: number;
  disk: number;
  ephemeral: number;
  swap: number;
  extraSpecs: Record<string, string>;
}

export interface NovaImage {
  id: string;
  name: string;
  properties: Record<string, string>;
}

export interface NovaAddress {
  addr: string;
  version: 4 | 6;
  mac: string;
  type: 'fixed' | 'floating';
}

export interface NovaServerFault {
  code: number;
  message: string;
  details: string;
  created: number;
}

export interface NovaServer {
  id: string;
  name: string;
  projectId: string;
  userId: string;
  vmState: VmState;
  taskState: TaskState;
  powerState: number;
  host: string | null;
  node: string | null;
  instanceName: string;
  hostname: string;
  availabilityZone: string;
  metadata: Record<string, string>;
  imageId: string;
  flavor: NovaFlavor;
  locked: boolean;
  lockedReason: string | null;
  description: string | null;
  keyName: string | null;
  accessIPv4: string;
  accessIPv6: string;
  addresses: Record<string, NovaAddress[]>;
  tags: string[];
  userData: string | null;
  reservationId: string;
  launchIndex: number;
  fault: NovaServerFault | null;
  createdAt: number;
  updatedAt: number;
  launchedAt: number | null;
  /** Creation order, to break created_at ties like the database id would. */
  seq: number;
}

export type MigrationType = 'live-migration' | 'evacuation' | 'migration' | 'resize';

export interface NovaMigration {
  id: number;
  uuid: string;
  migrationType: MigrationType;
  status: string;
  instanceUuid: string;
  sourceCompute: string | null;
  sourceNode: string | null;
  destCompute: string | null;
  destNode: string | null;
  destHost: string | null;
  oldInstanceTypeId: number;
  newInstanceTypeId: number;
  hidden: boolean;
  projectId: string;
  userId: string;
  memoryTotal: number | null;
  memoryProcessed: number | null;
  memoryRemaining: number | null;
  diskTotal: number | null;
  diskProcessed: number | null;
  diskRemaining: number | null;
  createdAt: number;
  updatedAt: number;
}

/** One accepted server action, as the API received it. */
export interface NovaActionRecord {
  serverId: string;
  /** The action key of the request body, e.g. os-migrateLive. */
  action: string;
  body: unknown;
  microversion: string;
  at: number;
  requestId: string;
  /** Who asked (shown by os-instance-actions). */
  userId: string;
  projectId: string;
}

/** Which workflow a fault injected with failNext() applies to. */
export type FailAction = 'live-migration' | 'evacuation' | 'reboot' | 'rebuild';
/**
 * error: the work starts, then fails (migration error/failed, or vm_state error);
 * no-valid-host: the scheduler finds no host (moves only);
 * hang: the work starts and never finishes (until stop()).
 */
export type FailKind = 'error' | 'no-valid-host' | 'hang';

export interface AddServerOptions {
  name: string;
  host: string;
  metadata?: Record<string, string>;
  projectId: string;
  userId: string;
  imageId?: string;
  vmState?: VmState;
  taskState?: TaskState;
  locked?: boolean;
  id?: string;
  flavorId?: string;
}
