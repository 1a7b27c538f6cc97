// Fresh server and migration records with the defaults nova would fill in.
import { randomUUID } from 'node:crypto';
import { powerStateFor } from './states.ts';
import type { AddServerOptions, MigrationType, NovaFlavor, NovaHost, NovaMigration, NovaServer } from './types.ts';

/** A server as nova records it once built on `host`. */
export function newServerRecord(
  opts: AddServerOptions,
  host: NovaHost,
  imageId: string,
  flavor: NovaFlavor,
  n: number,
  now: number,
): NovaServer {
  const vmState = opts.vmState ?? 'active';
  return {
    id: opts.id ?? randomUUID(),
    name: opts.name,
    projectId: opts.projectId,
    userId: opts.userId,
    vmState,
    taskState: opts.taskState ?? null,
    powerState: powerStateFor(vmState),
    host: host.name,
    node: host.node,
    instanceName: `instance-${n.toString(16).padStart(8, '0')}`,
    hostname: opts.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || `server-${n}`,
    availabilityZone: host.zone,
    metadata: { ...(opts.metadata ?? {}) },
    imageId,
    flavor: { ...flavor, extraSpecs: { ...flavor.extraSpecs } },
    locked: opts.locked ?? false,
    lockedReason: null,
    description: null,
    keyName: null,
    accessIPv4: '',
    accessIPv6: '',
    addresses: {
      private: [
        {
          addr: `10.0.0.${(n % 250) + 3}`,
          version: 4,
          mac: `fa:16:3e:00:${((n >> 8) & 0xff).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`,
          type: 'fixed',
        },
      ],
    },
    tags: [],
    userData: null,
    reservationId: `r-${randomUUID().slice(0, 8)}`,
    launchIndex: 0,
    fault: null,
    createdAt: now,
    updatedAt: now,
    launchedAt: vmState === 'building' ? null : now,
    seq: n,
  };
}

/** A migration record as the conductor creates it: accepted, from the server's host. */
export function newMigrationRecord(
  id: number,
  server: NovaServer,
  type: MigrationType,
  destCompute: string | null,
  now: number,
): NovaMigration {
  const flavorId = Number(server.flavor.id) || 1;
  return {
    id,
    uuid: randomUUID(),
    migrationType: type,
    status: 'accepted',
    instanceUuid: server.id,
    sourceCompute: server.host,
    sourceNode: server.node,
    destCompute,
    destNode: null,
    destHost: null,
    oldInstanceTypeId: flavorId,
    newInstanceTypeId: flavorId,
    hidden: false,
    projectId: server.projectId,
    userId: server.userId,
    memoryTotal: null,
    memoryProcessed: null,
    memoryRemaining: null,
    diskTotal: null,
    diskProcessed: null,
    diskRemaining: null,
    createdAt: now,
    updatedAt: now,
  };
}
