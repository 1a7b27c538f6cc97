// Child process of the mass-failure benchmark: the fake cloud (Keystone, Nova, Aodh,
// Gnocchi), the failed hosts' BMCs, Aodh's notifier, and an observer on the Nova side
// that records every evacuation Nova accepts, independently of whoever sent it.
// Nova's evacuation time is drawn per server (the plan carries it): the fake's single
// `timings.evacuate` is read once per evacuation, after its scheduling step, in the
// order Nova accepted them, so a FIFO of the accepted servers' durations serves it.
import { startFakeCloud } from '../../src/fakes/cloud.ts';
import { postLikeAodh } from '../../src/fakes/aodh/notifier.ts';
import { startBmc } from '../../src/demo/bmc.ts';
import { memoryLogger } from '../../src/log.ts';
import { createClients } from '../../src/openstack/index.ts';
import { renderedAlarm } from '../../test/helpers/alarm-body.ts';
import { childInput, serveParent } from './child.ts';
import { credentialsFor, notificationBody, PUBLIC_URL, SECRET, type Seeded } from './cloud-types.ts';
import type { PlannedServer } from './mass-scenario.ts';

const input = childInput<{ timeScale: number; scheduleMs: number; fenceMs: number }>();
const cloud = await startFakeCloud({ novaTimings: { schedule: input.scheduleMs } });
const model = cloud.nova.model;
const clients = createClients(credentialsFor(cloud.authUrl), { logger: memoryLogger('error').logger, timeoutMs: 30_000 });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One evacuation as Nova saw it (times: ms since the epoch, this process's clock). */
export interface ObservedEvacuation {
  serverId: string;
  source: string | null;
  dest: string | null;
  acceptedAt: number;
  endedAt: number | null;
  status: string;
  /** The source's nova-compute at that moment: heartbeating, forced down, disabled. */
  sourceAlive: boolean;
  sourceForcedDown: boolean;
  sourceDisabled: boolean;
  /** When the source's BMC powered it off (null: never fenced). */
  fencedAt: number | null;
  /** The drawn duration Nova used, ms (wall). */
  drawnMs: number;
}

export interface Notified {
  serverId: string;
  sentAt: number;
  answeredAt: number;
  status: number;
}

const evacuations: ObservedEvacuation[] = [];
const byMigration = new Map<number, ObservedEvacuation>();
const fences = new Map<string, number>();
const notified: Notified[] = [];
const durationMs = new Map<string, number>();
const fifo: number[] = [];

// Observer: every evacuation migration Nova creates (after its API checks passed).
const createMigration = model.createMigration.bind(model);
model.createMigration = (server, type, dest) => {
  const m = createMigration(server, type, dest);
  if (type === 'evacuation') {
    const svc = server.host ? model.computeService(server.host) : undefined;
    const drawn = durationMs.get(server.id) ?? model.timings.schedule;
    fifo.push(drawn);
    const rec: ObservedEvacuation = {
      serverId: server.id,
      source: server.host,
      dest: null,
      acceptedAt: Date.now(),
      endedAt: null,
      status: 'accepted',
      sourceAlive: svc?.alive ?? false,
      sourceForcedDown: svc?.forcedDown ?? false,
      sourceDisabled: svc?.disabled ?? false,
      fencedAt: server.host ? (fences.get(server.host) ?? null) : null,
      drawnMs: drawn,
    };
    evacuations.push(rec);
    byMigration.set(m.id, rec);
  }
  return m;
};
const setMigrationStatus = model.setMigrationStatus.bind(model);
model.setMigrationStatus = (m, status) => {
  setMigrationStatus(m, status);
  const rec = byMigration.get(m.id);
  if (rec && ['done', 'error', 'failed'].includes(status)) {
    rec.endedAt = Date.now();
    rec.status = status;
    rec.dest = m.destCompute;
  }
};
// Read once per evacuation, after its scheduling sleep: the oldest accepted one's duration.
Object.defineProperty(model.timings, 'evacuate', { get: () => fifo.shift() ?? input.scheduleMs, configurable: true });

const bmc = await startBmc(async (host) => {
  if (!model.hostRecord(host)) return false;
  await sleep(input.fenceMs);
  // The host is dead already (nova-compute stopped at the failure); powering off changes nothing else.
  if (!fences.has(host)) fences.set(host, Date.now());
  return true;
});

let seeded: (Seeded & { ha: boolean })[] = [];

/** Creates hosts, servers and a vmha ping-delay alarm (through Aodh's API) for each HA server, in state ok. */
async function seed(a: { hosts: string[]; servers: PlannedServer[]; alarms: boolean }): Promise<{ id: string; index: number }[]> {
  const { projectId } = await clients.session.getToken();
  for (const h of a.hosts) model.addHost(h);
  seeded = a.servers.map((p) => {
    const s = model.addServer({ name: p.name, host: p.host, metadata: p.ha ? { HA_Enabled: 'True' } : {}, projectId, userId: 'vmha' });
    durationMs.set(s.id, Math.round((p.evacuateS * 1000) / input.timeScale));
    return { serverId: s.id, alarmId: '', alarmName: `vmha:ping-delay:${s.id}`, host: p.host, token: '', ha: p.ha };
  });
  if (a.alarms) {
    const todo = seeded.filter((x) => x.ha);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < todo.length) {
        const x = todo[next++]!;
        const body = renderedAlarm('ping-delay', x.serverId, PUBLIC_URL, SECRET);
        const url = body.alarm_actions[0]!;
        const alarm = await clients.aodh.create(body as unknown as Record<string, unknown>);
        x.alarmId = alarm.alarm_id;
        x.token = url.slice(url.lastIndexOf('/') + 1);
        // A healthy cloud: the alarm has seen data and is ok.
        cloud.aodh.setState(alarm.alarm_id, 'ok', 'Transition to ok due to 3 samples inside threshold, most recent: 1.5');
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
  }
  return seeded.map((x, index) => ({ id: x.serverId, index }));
}

let t0 = 0;
const timers: NodeJS.Timeout[] = [];

/**
 * The failure: the hosts' nova-compute stops heartbeating now (Nova reports them down at
 * once), and each listed alarm goes to `alarm`, Aodh posting it to `base` at its time.
 */
function fail(a: { hosts: string[]; base: string | null; alarms: { index: number; atMs: number }[] }): number {
  t0 = Date.now();
  for (const h of a.hosts) model.setHostAlive(h, false);
  if (a.base) {
    for (const { index, atMs } of a.alarms) {
      timers.push(
        setTimeout(() => {
          const x = seeded[index]!;
          cloud.aodh.setState(x.alarmId, 'alarm', 'Transition to alarm due to 3 samples outside threshold, most recent: 999.5');
          const sentAt = Date.now();
          postLikeAodh(`${a.base}/v1/aodh/${x.token}`, notificationBody(x, 'alarm', 999.5)).then(
            (r) => notified.push({ serverId: x.serverId, sentAt, answeredAt: Date.now(), status: r.status }),
            () => notified.push({ serverId: x.serverId, sentAt, answeredAt: Date.now(), status: 0 }),
          );
        }, atMs),
      );
    }
  }
  return t0;
}

serveParent(
  { url: cloud.url, authUrl: cloud.authUrl, bmcUrl: bmc.url },
  {
    seed,
    fail,
    /** How far Nova got: evacuations accepted and ended, and other actions (none expected). */
    progress: () => ({
      accepted: evacuations.length,
      done: evacuations.filter((e) => e.status === 'done').length,
      failed: evacuations.filter((e) => e.status === 'error' || e.status === 'failed').length,
      notified: notified.length,
    }),
    observations: () => ({
      t0,
      evacuations,
      fences: Object.fromEntries(fences),
      notified,
      otherActions: model.actions.filter((x) => x.action !== 'evacuate').map((x) => ({ serverId: x.serverId, action: x.action, at: x.at })),
      // Where each HA server ended, and in what state.
      final: seeded.filter((x) => x.ha).map((x) => {
        const s = model.getServer(x.serverId);
        return { serverId: x.serverId, from: x.host, host: s?.host ?? null, vmState: s?.vmState ?? null, taskState: s?.taskState ?? null };
      }),
      workflowErrors: model.workflowErrors.map(String),
    }),
  },
  async () => {
    for (const t of timers) clearTimeout(t);
    await bmc.close();
    await cloud.close();
  },
);
