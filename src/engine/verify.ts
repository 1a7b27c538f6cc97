// After Nova accepted an action, poll until the end state that proves it worked, or
// until it clearly failed, or a timeout. Reads only; the decision what to do about a
// failure belongs to decide().
import type { Clock } from '../domain/clock.ts';
import type { RecoveryAction } from '../domain/incident.ts';
import { NotFound, OpenStackError } from '../openstack/errors.ts';
import type { NovaClient } from '../openstack/nova.ts';
import type { Server } from '../openstack/nova-types.ts';
import { parseTimestamp } from '../openstack/timestamps.ts';

export type NovaPort = Pick<
  NovaClient,
  'getServer' | 'computeService' | 'liveMigrate' | 'reboot' | 'rebuild' | 'evacuate' | 'listMigrations' | 'listInstanceActions'
>;

export interface VerifyOptions {
  clock: Clock;
  timeoutMs: number;
  pollMs: number;
}

export type VerifyResult = { ok: true; server: Server; detail: string } | { ok: false; detail: string };

/** The end state each action must reach. */
export async function verifyAction(
  nova: NovaPort,
  serverId: string,
  action: RecoveryAction,
  before: { host: string | undefined; startedAt: number },
  opts: VerifyOptions,
): Promise<VerifyResult> {
  const deadline = opts.clock.now() + opts.timeoutMs;
  const movesHost = action === 'live-migrate' || action === 'evacuate';
  for (;;) {
    let server: Server | undefined;
    try {
      server = await nova.getServer(serverId);
    } catch (err) {
      if (err instanceof NotFound) return { ok: false, detail: 'the server disappeared during recovery' };
      if (!(err instanceof OpenStackError)) throw err;
      // Transient read failures: keep polling until the deadline.
    }
    if (server && !server.taskState) {
      if (server.status === 'ERROR') return { ok: false, detail: `server went to ERROR after ${action}` };
      if (server.status === 'ACTIVE') {
        if (!movesHost) return { ok: true, server, detail: `ACTIVE again on ${server.host ?? 'its host'}` };
        if (server.host && server.host !== before.host) {
          return { ok: true, server, detail: `ACTIVE on ${server.host} (was ${before.host ?? 'unknown'})` };
        }
        // Same host and no task: did the migration fail? (From 2.34 failed prechecks end
        // the migration in error after the 202.)
        const failed = await failedMigration(nova, serverId, action, before.startedAt);
        if (failed) return { ok: false, detail: failed };
      }
    }
    if (opts.clock.now() >= deadline) {
      const where = server ? `status ${server.status}, task_state ${server.taskState ?? 'none'}, host ${server.host ?? '?'}` : 'server unreadable';
      return { ok: false, detail: `${action} not verified within ${Math.round(opts.timeoutMs / 1000)} s (${where})` };
    }
    await opts.clock.sleep(opts.pollMs);
  }
}

async function failedMigration(nova: NovaPort, serverId: string, action: RecoveryAction, since: number): Promise<string | undefined> {
  const type = action === 'evacuate' ? 'evacuation' : 'live-migration';
  try {
    const migs = await nova.listMigrations({ instanceUuid: serverId, migrationType: type });
    const recent = migs.filter((m) => parseTimestamp(m.createdAt) >= since - 1000);
    const bad = recent.find((m) => ['error', 'failed', 'cancelled'].includes(m.status));
    return bad ? `${type} ${bad.id} ended in ${bad.status}; the server is still on ${bad.sourceCompute ?? 'its host'}` : undefined;
  } catch {
    return undefined;
  }
}
