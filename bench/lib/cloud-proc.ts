// Child process: the fake cloud (Keystone, Nova, Aodh, Gnocchi on one loopback port),
// playing the controller. It also plays Aodh's notifier for the decision-latency
// benchmark, so "notification sent" and "Nova action arrived" are read on one clock.
import { performance } from 'node:perf_hooks';
import { startFakeCloud } from '../../src/fakes/cloud.ts';
import { aodhBody, postLikeAodh } from '../../src/fakes/aodh/notifier.ts';
import { memoryLogger } from '../../src/log.ts';
import { createClients } from '../../src/openstack/index.ts';
import type { NovaTimings } from '../../src/fakes/nova/types.ts';
import { renderedAlarm } from '../../test/helpers/alarm-body.ts';
import { childInput, serveParent } from './child.ts';
import { credentialsFor, transition, type Seeded } from './cloud-types.ts';

const input = childInput<{ novaTimings?: Partial<NovaTimings> }>();
const cloud = await startFakeCloud({ novaTimings: input.novaTimings ?? {} });
const clients = createClients(credentialsFor(cloud.authUrl), { logger: memoryLogger('error').logger, timeoutMs: 30_000 });

// When each Nova action arrived, on this process's monotonic clock (model.actions[].at
// has only millisecond resolution and is read after the request was handled).
const arrivals = new Map<string, number>();
const waiters = new Map<string, () => void>();
const record = cloud.nova.model.recordAction.bind(cloud.nova.model);
cloud.nova.model.recordAction = (rec) => {
  if (!arrivals.has(rec.serverId)) arrivals.set(rec.serverId, performance.now());
  record(rec);
  waiters.get(rec.serverId)?.();
};

/** Creates hosts, HA servers and one vmha ping-delay alarm per server (through the Aodh API, as `vmha alarms install` does). */
async function seed(a: { hosts: number; servers: number; secret: string; publicUrl: string; prefix?: string }): Promise<Seeded[]> {
  const { projectId } = await clients.session.getToken();
  const prefix = a.prefix ?? 'bench';
  const hosts = Array.from({ length: a.hosts }, (_, i) => `${prefix}-compute-${i + 1}`);
  for (const h of hosts) cloud.nova.model.addHost(h);
  const out: Seeded[] = new Array(a.servers);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < a.servers) {
      const i = next++;
      const host = hosts[i % hosts.length]!;
      const s = cloud.nova.model.addServer({ name: `${prefix}-pet-${i}`, host, metadata: { HA_Enabled: 'True' }, projectId, userId: 'vmha' });
      const alarmName = `vmha:ping-delay:${s.id}`;
      const body = renderedAlarm('ping-delay', s.id, a.publicUrl, a.secret);
      const url = body.alarm_actions[0]!;
      const alarm = await clients.aodh.create(body as unknown as Record<string, unknown>);
      out[i] = { serverId: s.id, alarmId: alarm.alarm_id, alarmName, host, token: url.slice(url.lastIndexOf('/') + 1) };
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return out;
}

serveParent({ url: cloud.url, authUrl: cloud.authUrl }, {
  seed,
  /** Marks hosts' nova-compute forced down (the engine then waits on their instances). */
  forceDown: (a: { hosts: string[] }) => {
    for (const h of a.hosts) cloud.nova.model.setServiceState(h, { forcedDown: true });
  },
  actionCount: () => cloud.nova.model.actions.length,
  /**
   * Sends one notification like Aodh and waits for the Nova action on its server:
   * returns ms from sending to the 202 and to the action's arrival.
   */
  fireAndWait: async (a: { base: string; alarm: Seeded; current: 'alarm' | 'ok'; value: number; timeoutMs: number }) => {
    const t0 = performance.now();
    const res = await postLikeAodh(`${a.base}/v1/aodh/${a.alarm.token}`, aodhBody(transition(a.alarm, a.current, a.value)));
    const answered = performance.now() - t0;
    if (a.current !== 'alarm' || res.status !== 202) return { status: res.status, answeredMs: answered, body: res.body };
    if (!arrivals.has(a.alarm.serverId)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, a.timeoutMs);
        waiters.set(a.alarm.serverId, () => (clearTimeout(timer), resolve()));
      });
      waiters.delete(a.alarm.serverId);
    }
    const at = arrivals.get(a.alarm.serverId);
    return { status: res.status, answeredMs: answered, actionMs: at === undefined ? null : at - t0, body: res.body };
  },
}, () => cloud.close());
