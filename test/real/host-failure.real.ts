// A failed host on the real test cloud (issue 7), twice:
//  1. compute-1's nova-compute stops. Nova reports the service down (service_down_time
//     20 s here); vmha's census pass finds it and runs the host workflow against the real
//     Nova: disable compute-1, fence it with a hook that stops its nova-compute
//     (test/cloud/cloud.sh stop compute-1), force it down, evacuate every HA instance of
//     compute-1 (the non-HA one stays) and verify each ACTIVE on compute-2. Then the
//     operator's end: `vmha host enable` is refused while compute-1 has not restarted
//     (Nova keeps `done` evacuations), and works after.
//  2. nova-compute still runs, but ping alarms of two HA guests on compute-1 go through
//     the real Gnocchi and Aodh: the same workflow, now fencing a live nova-compute.
// Every evacuate vmha sends is checked at the moment it is sent: Nova must report
// compute-1 forced down and its nova-compute process must be gone.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import YAML from 'yaml';
import { render } from '../../src/alarms/render.ts';
import { bundledTemplatesDir, loadTemplate, resolveVariables } from '../../src/alarms/template.ts';
import { run } from '../../src/cli/main.ts';
import { configSchema } from '../../src/config/schema.ts';
import { systemClock } from '../../src/domain/clock.ts';
import type { HostWorkflow } from '../../src/domain/host-workflow.ts';
import { memoryLogger } from '../../src/log.ts';
import type { OpenStackClients } from '../../src/openstack/index.ts';
import { startService, type RunningService } from '../../src/service/serve.ts';
import { METRIC } from '../../agents/probes/result.ts';
import { freePort } from '../helpers/port.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { CLOUD_SH, CLOUDS_YAML, cloudSh, deleteServers, FatalError, getRaw, haServer, realClients, waitActive, waitFor } from './real-cloud.ts';

const SECRET = 'host-failure-real-secret';
const HOST = 'compute-1';
const PID_FILE = `/var/lib/vmha-testcloud/run/${HOST}.pid`;

/** Whether HOST's nova-compute process group is alive (cloud.sh keeps its pid file). */
function computeAlive(): boolean {
  let pgid: number;
  try {
    pgid = Number(fs.readFileSync(PID_FILE, 'utf8').trim());
  } catch {
    return false;
  }
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

interface EvacuateSeen {
  serverId: string;
  forcedDown: boolean;
  state: string;
  computeAlive: boolean;
}

describe('real cloud: a failed host (disable, fence, force down, evacuate)', function () {
  this.timeout(600_000);
  let c: OpenStackClients;
  let service: RunningService | undefined;
  const dir = tmpDir('vmha-host-failure-real-');
  const servers: string[] = [];
  const resources: string[] = [];
  const alarmIds: string[] = [];
  const evacuations: EvacuateSeen[] = [];
  let port: number;
  let configFile: string;

  before(async () => {
    c = realClients('vmha-test');
    // Every evacuate vmha sends passes here first: record what Nova and the host look like then.
    const observer = realClients('vmha-test');
    const evacuate = c.nova.evacuate.bind(c.nova);
    c.nova.evacuate = async (serverId) => {
      const svc = await observer.nova.computeService(HOST);
      evacuations.push({ serverId, forcedDown: svc.forcedDown, state: svc.state, computeAlive: computeAlive() });
      return evacuate(serverId);
    };

    port = await freePort();
    const webhook = { listen: `127.0.0.1:${port}`, public_url: `http://127.0.0.1:${port}`, secret: SECRET };
    const config = configSchema.parse({
      webhook,
      state: { dir: dir.dir },
      recovery: { wait_retry_s: 1, verify_timeout_s: 120, verify_poll_s: 1, reconcile_interval_s: 3600, reconcile_grace_s: 0 },
      limits: { global: { per_window: 100, window_s: 60 }, per_host: { concurrency: 2, per_window: 100, window_s: 60 } },
      safety: {
        instance: { cooldown_s: 0 },
        host_failure: { enabled: true, min_instances: 2, settle_s: 2, fence: { command: ['bash', CLOUD_SH, 'stop', '{host}'], timeout_s: 120 } },
        guard: { census_interval_s: 5 },
      },
    });
    service = await startService({ config, clients: c, logger: memoryLogger().logger, clock: systemClock });
    configFile = path.join(dir.dir, 'vmha.yaml');
    fs.writeFileSync(configFile, YAML.stringify({ openstack: { cloud: 'vmha-test' }, webhook, state: { dir: path.join(dir.dir, 'cli') } }));
  });

  after(async () => {
    for (const id of alarmIds) await c.aodh.delete(id).catch(() => undefined);
    await service?.close().catch(() => undefined);
    // Leave compute-1 as nova.real.ts expects it: running, up, enabled.
    if (!computeAlive()) await cloudSh('start', HOST).catch(() => undefined);
    await waitFor(`${HOST} back in service`, async () => {
      const svc = await c.nova.computeService(HOST);
      if (svc.forcedDown) await c.nova.forceDown(HOST, false);
      if (svc.status === 'disabled') await c.nova.enableService(HOST);
      return svc.state === 'up' && !svc.forcedDown && svc.status === 'enabled';
    }, 120_000, 3000).catch(() => undefined);
    await deleteServers(c, servers).catch(() => undefined);
    for (const id of resources) {
      await c.session.request('metric', { service: 'gnocchi', method: 'DELETE', path: `/v1/resource/instance/${id}` }).catch(() => undefined);
    }
    dir.cleanup();
  });

  const vmha = async (args: string[]): Promise<{ code: number; out: string }> => {
    let out = '';
    const code = await run(args, { stdout: (x) => (out += x), stderr: (x) => (out += x), env: { VMHA_CONFIG: configFile, OS_CLIENT_CONFIG_FILE: CLOUDS_YAML }, cwd: dir.dir, isTTY: false });
    return { code, out };
  };

  /** Three HA guests and one without HA on compute-1, and one HA guest on compute-2. */
  async function guests(tag: string): Promise<{ ha: string[]; plain: string }> {
    const booted = await Promise.all([
      ...['a', 'b', 'c'].map((x) => haServer(c, `vmha-hf-${tag}-${x}`, HOST, servers, resources)),
      haServer(c, `vmha-hf-${tag}-plain`, HOST, servers, resources, false),
      haServer(c, `vmha-hf-${tag}-other`, 'compute-2', servers, resources),
    ]);
    return { ha: booted.slice(0, 3), plain: booted[3]! };
  }

  /** Waits for the host workflow of compute-1 to complete; checks what it did, in Nova and on the host. */
  async function completedWorkflow(g: { ha: string[]; plain: string }, started: number): Promise<void> {
    const done = await waitFor<HostWorkflow>('the host workflow to complete', async () => {
      const wf = service!.safety.store.holding(HOST);
      if (wf?.state === 'failed' || wf?.state === 'aborted') throw new FatalError(`host workflow ${wf.state}: ${wf.reason}`);
      return wf?.state === 'completed' ? wf : undefined;
    }, 300_000, 1000);
    console.log(`      host workflow (${done.trigger.detail}) completed ${Math.round((Date.now() - started) / 1000)} s after the fault`);

    // The fence hook ran and succeeded; compute-1's nova-compute is gone.
    expect(done.fence?.ok).to.equal(true);
    expect(computeAlive(), `${HOST} nova-compute running after the fence`).to.equal(false);

    // Every HA guest of compute-1 (alarming or not) evacuated once, to compute-2, ACTIVE.
    expect(done.instances.map((i) => i.serverId).sort()).to.deep.equal([...g.ha].sort());
    for (const i of done.instances) expect(i.outcome, i.serverId).to.equal('succeeded');
    for (const id of g.ha) {
      await waitActive(c, id, 'compute-2', 60_000);
      const ev = await c.nova.listMigrations({ instanceUuid: id, migrationType: 'evacuation' });
      expect(ev, `evacuations of ${id}`).to.have.length(1);
      expect(ev[0]).to.include({ sourceCompute: HOST, destCompute: 'compute-2' });
    }
    // The guest without HA stays where it was; nothing was sent for it.
    expect((await getRaw(c, g.plain))['OS-EXT-SRV-ATTR:host']).to.equal(HOST);
    expect((await c.nova.listInstanceActions(g.plain)).map((a) => a.action)).to.deep.equal(['create']);

    // The split-brain guard, as Nova and the host saw it at each evacuate.
    const mine = evacuations.filter((e) => g.ha.includes(e.serverId));
    expect(mine.map((e) => e.serverId).sort()).to.deep.equal([...g.ha].sort());
    for (const e of mine) expect(e, e.serverId).to.deep.include({ forcedDown: true, state: 'down', computeAlive: false });

    // The service stays disabled and forced down, with vmha's reason.
    const svc = await c.nova.computeService(HOST);
    expect(svc).to.include({ status: 'disabled', forcedDown: true, state: 'down' });
    expect(svc.disabledReason).to.match(/^vmha: host failure workflow /);
  }

  /** The operator restarts nova-compute (still disabled, forced down) and runs `vmha host enable`. */
  async function enableAfterRestart(): Promise<void> {
    await cloudSh('start', '--keep-disabled', HOST);
    expect(await c.nova.computeService(HOST)).to.include({ status: 'disabled', forcedDown: true });
    // nova-compute completes the evacuation records at start; then Nova lifts force-down.
    const enabled = await waitFor('vmha host enable to succeed', async () => {
      const r = await vmha(['host', 'enable', HOST]);
      return r.code === 0 ? r : undefined;
    }, 120_000, 3000);
    expect(enabled.out).to.contain(`lift force-down of the compute service on ${HOST}`).and.contain(`enable the compute service on ${HOST}`);
    await waitFor(`${HOST} up and enabled`, async () => {
      const svc = await c.nova.computeService(HOST);
      return svc.state === 'up' && svc.status === 'enabled' && !svc.forcedDown ? svc : undefined;
    }, 120_000);
    expect(service!.safety.store.holding(HOST), 'no workflow holds the host any more').to.equal(undefined);
  }

  it("compute-1's nova-compute stops: Nova reports it down, one host workflow evacuates its HA guests, never while it is up", async () => {
    const g = await guests('down');
    const started = Date.now();
    await cloudSh('stop', HOST);
    const wf = await waitFor(`a host workflow for ${HOST}`, async () => service!.safety.store.holding(HOST), 120_000, 1000);
    expect(wf.trigger.kind).to.equal('service-down');
    console.log(`      host workflow detected ${Math.round((Date.now() - started) / 1000)} s after nova-compute stopped (Nova: service_down_time 20 s; vmha: census every 5 s)`);
    await completedWorkflow(g, started);
  });

  it('vmha host enable: refused while compute-1 has not restarted; after its restart it lifts force-down, enables and releases', async () => {
    const refused = await vmha(['host', 'enable', HOST]);
    expect(refused.code, refused.out).to.not.equal(0);
    expect(refused.out).to.match(/Nova refused: .*restart nova-compute/);
    expect(await c.nova.computeService(HOST)).to.include({ status: 'disabled', forcedDown: true });
    await enableAfterRestart();
    const status = await vmha(['--json', 'host', 'status', HOST]);
    expect(status.code, status.out).to.equal(0);
    expect((JSON.parse(status.out) as { workflows: HostWorkflow[] }).workflows[0]!.state).to.equal('released');
  });

  it('nova-compute still running, two HA guests alarming through the real Aodh: the host workflow fences it first, then evacuates', async () => {
    const g = await guests('alarm');
    // vmha's ping-delay alarm on two of the three HA guests, 10 s x 1 period.
    const t = loadTemplate(bundledTemplatesDir(), 'ping-delay');
    const vars = resolveVariables(t, { granularity: 10, periods: 1 });
    for (const id of g.ha.slice(0, 2)) {
      const alarm = await c.aodh.create(render(t, id, vars, { publicUrl: `http://127.0.0.1:${port}`, secret: SECRET, trust: false }) as unknown as Record<string, unknown>);
      alarmIds.push(alarm.alarm_id);
    }
    expect(computeAlive()).to.equal(true);
    const started = Date.now();
    const wf = await waitFor(`a host workflow for ${HOST}`, async () => {
      const found = service!.safety.store.holding(HOST);
      if (found) return found;
      const timestamp = new Date().toISOString();
      await c.gnocchi.batchResourceMeasures(Object.fromEntries(g.ha.slice(0, 2).map((id) => [id, { [METRIC.pingDelay]: [{ timestamp, value: 999 }] }])));
      return undefined;
    }, 120_000, 2000);
    expect(wf.trigger.kind).to.equal('instances-alarming');
    await completedWorkflow(g, started);
    await enableAfterRestart();
  });
});
