// What nova does after the API has answered: conductor prechecks, scheduling,
// and the compute's work, played on the model's clock. Each function starts
// the work (the synchronous part, done before the API replies) and spawns the rest.
import type { NovaModel } from './model.ts';
import { POWER, TASK, powerStateFor } from './states.ts';
import type { NovaHost, NovaMigration, NovaServer } from './types.ts';

const NO_VALID_HOST = 'No valid host was found. There are not enough hosts available.';

export interface LiveMigrationRequest {
  /** The host the caller named, or null to let the scheduler pick. */
  host: string | null;
  /** False when the destination bypasses the scheduler (force, or a host before 2.30). */
  useScheduler: boolean;
  /** Below 2.34 the prechecks run before the API answers. */
  synchronous: boolean;
}

/**
 * Starts a live migration (task_state migrating, migration accepted). With
 * `synchronous`, a failed precheck is returned so the API can answer 400.
 */
export function startLiveMigration(model: NovaModel, server: NovaServer, req: LiveMigrationRequest): { precheckError?: string } {
  server.taskState = TASK.migrating;
  model.touch(server);
  const migration = model.createMigration(server, 'live-migration', req.host);
  const injected = model.takeFailure('live-migration');

  const precheck = (): NovaHost | string => {
    if (injected === 'no-valid-host') return NO_VALID_HOST;
    const source = server.host;
    const srcSvc = source ? model.computeService(source) : undefined;
    if (!srcSvc || !model.isServiceUp(srcSvc)) return `Compute service of ${source} is unavailable at this time.`;
    if (req.host !== null && !req.useScheduler) {
      if (req.host === source) return `Unable to migrate instance (${server.id}) to current host (${source}).`;
      const destSvc = model.computeService(req.host);
      if (!destSvc || !model.isServiceUp(destSvc)) return `Compute service of ${req.host} is unavailable at this time.`;
      return model.hostRecord(req.host)!;
    }
    return model.schedule(source, req.host) ?? NO_VALID_HOST;
  };

  const fail = (status: string): void => {
    model.setMigrationStatus(migration, status);
    server.taskState = null;
    model.touch(server);
  };

  const run = async (dest: NovaHost): Promise<void> => {
    const source = server.host;
    migration.destCompute = dest.name;
    migration.destNode = dest.node;
    migration.destHost = dest.ip;
    const step = Math.max(1, Math.round(model.timings.liveMigrate / 4));
    const bothAlive = (): boolean => model.computeAlive(source) && model.computeAlive(dest.name);
    model.setMigrationStatus(migration, 'preparing');
    await model.sleep(step);
    if (!bothAlive()) return fail('error');
    model.setMigrationStatus(migration, 'running');
    const memory = server.flavor.ram * 1024 * 1024;
    Object.assign(migration, { memoryTotal: memory, memoryProcessed: 0, memoryRemaining: memory, diskTotal: 0, diskProcessed: 0, diskRemaining: 0 });
    if (injected === 'hang') await model.hang();
    await model.sleep(step * 3);
    if (injected === 'error' || !bothAlive()) return fail('error');
    Object.assign(migration, { memoryProcessed: memory, memoryRemaining: 0 });
    server.host = dest.name;
    server.node = dest.node;
    server.availabilityZone = dest.zone;
    server.taskState = null;
    model.touch(server);
    model.setMigrationStatus(migration, 'completed');
  };

  if (req.synchronous) {
    const dest = precheck();
    if (typeof dest === 'string') {
      fail('error');
      return { precheckError: dest };
    }
    model.spawn(() => run(dest));
    return {};
  }
  model.spawn(async () => {
    await model.sleep(model.timings.schedule);
    const dest = precheck();
    if (typeof dest === 'string') return fail('error');
    await run(dest);
  });
  return {};
}

export interface EvacuationRequest {
  host: string | null;
  useScheduler: boolean;
  /** From 2.95 the server ends stopped on the destination. */
  targetState: 'stopped' | null;
}

/** Starts an evacuation: task_state rebuilding and an `evacuation` migration, accepted. */
export function startEvacuation(model: NovaModel, server: NovaServer, req: EvacuationRequest): NovaMigration {
  const originalVmState = server.vmState;
  server.taskState = TASK.rebuilding;
  model.touch(server);
  const migration = model.createMigration(server, 'evacuation', req.host);
  const injected = model.takeFailure('evacuation');

  const toError = (status: string, message: string): void => {
    model.setMigrationStatus(migration, status);
    server.vmState = 'error';
    server.taskState = null;
    server.fault = { code: 500, message, details: '', created: model.clock.now() };
    model.touch(server);
  };

  model.spawn(async () => {
    await model.sleep(model.timings.schedule);
    let dest: NovaHost | undefined;
    if (injected !== 'no-valid-host') {
      if (req.host !== null && !req.useScheduler) {
        dest = model.computeAlive(req.host) ? model.hostRecord(req.host) : undefined;
      } else {
        dest = model.schedule(migration.sourceCompute, req.host);
      }
    }
    if (!dest) return toError('error', NO_VALID_HOST);
    migration.destCompute = dest.name;
    migration.destNode = dest.node;
    migration.destHost = dest.ip;
    model.setMigrationStatus(migration, 'pre-migrating');
    // The destination compute claims the instance before rebuilding it there.
    server.host = dest.name;
    server.node = dest.node;
    server.availabilityZone = dest.zone;
    model.touch(server);
    if (injected === 'hang') await model.hang();
    await model.sleep(Math.max(0, model.timings.evacuate - model.timings.schedule));
    if (injected === 'error' || !model.computeAlive(dest.name)) {
      return toError('failed', `Evacuation of ${server.id} to ${dest.name} failed.`);
    }
    const stopped = req.targetState === 'stopped' || originalVmState === 'stopped';
    server.vmState = stopped ? 'stopped' : 'active';
    server.powerState = stopped ? POWER.shutdown : POWER.running;
    server.taskState = null;
    server.fault = null;
    server.launchedAt = model.clock.now();
    model.touch(server);
    model.setMigrationStatus(migration, 'done');
  });
  return migration;
}

/** Starts a reboot; the compute does it once its host heartbeats. */
export function startReboot(model: NovaModel, server: NovaServer, hard: boolean): void {
  server.taskState = hard ? TASK.rebootingHard : TASK.rebooting;
  model.touch(server);
  const injected = model.takeFailure('reboot');
  model.spawn(async () => {
    await runOnCompute(model, server, model.timings.reboot, injected === 'hang');
    if (injected === 'error' || injected === 'no-valid-host') return toVmError(model, server, 'Reboot failed.');
    server.vmState = 'active';
    server.powerState = POWER.running;
    server.taskState = null;
    model.touch(server);
  });
}

/** Starts a rebuild; the server ends active, or stopped if it was stopped. */
export function startRebuild(model: NovaModel, server: NovaServer): void {
  const wasStopped = server.vmState === 'stopped';
  server.taskState = TASK.rebuilding;
  model.touch(server);
  const injected = model.takeFailure('rebuild');
  model.spawn(async () => {
    await runOnCompute(model, server, model.timings.rebuild, injected === 'hang');
    if (injected === 'error' || injected === 'no-valid-host') return toVmError(model, server, 'Rebuild failed.');
    server.vmState = wasStopped ? 'stopped' : 'active';
    server.powerState = powerStateFor(server.vmState);
    server.taskState = null;
    server.fault = null;
    server.launchedAt = model.clock.now();
    model.touch(server);
  });
}

/** Work a compute does: it waits in the queue while the compute is dead and restarts if it dies. */
async function runOnCompute(model: NovaModel, server: NovaServer, duration: number, hang: boolean): Promise<void> {
  for (;;) {
    if (server.host !== null) await model.waitForCompute(server.host);
    if (hang) await model.hang();
    await model.sleep(duration);
    if (server.host === null || model.computeAlive(server.host)) return;
  }
}

function toVmError(model: NovaModel, server: NovaServer, message: string): void {
  server.vmState = 'error';
  server.powerState = POWER.nostate;
  server.taskState = null;
  server.fault = { code: 500, message, details: '', created: model.clock.now() };
  model.touch(server);
}
