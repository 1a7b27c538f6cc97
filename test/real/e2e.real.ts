// End to end against the real test cloud: Aodh -> vmha serve (in-process) -> Nova live
// migration (issue 4), the probe agent's publisher into the real Gnocchi (issue 5), and
// `vmha alarms lint` / `vmha alarms install` against the real Aodh and Gnocchi (issue 6).
// Sorts before nova.real.ts, which stops and starts compute-1.
import { expect } from 'chai';
import YAML from 'yaml';
import { GnocchiSink, Publisher } from '../../agents/publish/publisher.ts';
import { METRIC, type GuestResult } from '../../agents/probes/result.ts';
import { render } from '../../src/alarms/render.ts';
import { bundledTemplatesDir, loadTemplate, resolveVariables } from '../../src/alarms/template.ts';
import { run } from '../../src/cli/main.ts';
import { configSchema } from '../../src/config/schema.ts';
import { systemClock } from '../../src/domain/clock.ts';
import type { Incident } from '../../src/domain/incident.ts';
import { memoryLogger } from '../../src/log.ts';
import { OpenStackError } from '../../src/openstack/errors.ts';
import type { OpenStackClients } from '../../src/openstack/index.ts';
import { startService, type RunningService } from '../../src/service/serve.ts';
import { freePort } from '../helpers/port.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { CLOUDS_YAML, deleteServers, FatalError, haServer, realClients, sleep, waitActive, waitFor } from './real-cloud.ts';

const SECRET = 'e2e-real-webhook-secret';
const POLICY = 'vmha-10s';

describe('real cloud: end to end (webhook, publisher, alarms CLI)', function () {
  this.timeout(600_000);
  let c: OpenStackClients;
  let service: RunningService | undefined;
  let publicUrl: string;
  const dir = tmpDir('vmha-e2e-real-');
  const servers: string[] = [];
  const alarmIds = new Set<string>();
  const resources: string[] = [];
  let serverId: string;
  let trustServerId: string;
  let hangServerId: string;
  let lastBreachAt = 0;
  const log = memoryLogger();

  before(async () => {
    c = realClients('vmha-test');
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    const config = configSchema.parse({
      webhook: { listen: `127.0.0.1:${port}`, public_url: publicUrl, secret: SECRET },
      state: { dir: dir.dir },
      recovery: {
        wait_retry_s: 1,
        verify_timeout_s: 120,
        verify_poll_s: 1,
        retry: { attempts: 5, base_ms: 200, max_ms: 2000 },
        reconcile_interval_s: 3600,
        reconcile_grace_s: 0,
      },
      limits: { global: { per_window: 1000, window_s: 60 }, per_host: { concurrency: 50, per_window: 1000, window_s: 60 } },
      safety: { host_failure: { correlate_s: 0, settle_s: 0 }, guard: { enabled: false }, instance: { cooldown_s: 0 } },
    });
    service = await startService({ config, clients: c, logger: log.logger, clock: systemClock });
    expect(service.url).to.equal(publicUrl);

    [serverId, trustServerId, hangServerId] = await Promise.all([
      haServer(c, 'vmha-e2e', 'compute-1', servers, resources),
      haServer(c, 'vmha-e2e-trust', 'compute-1', servers, resources),
      haServer(c, 'vmha-e2e-hang', 'compute-1', servers, resources),
    ]);
  });

  after(async () => {
    for (const id of alarmIds) await c.aodh.delete(id).catch(() => undefined);
    // Alarms the CLI installed for our servers (by name), in case a test failed midway.
    for (const a of await listOwnedAlarms(c).catch(() => [])) {
      if (servers.some((s) => a.name.endsWith(s))) await c.aodh.delete(a.alarm_id).catch(() => undefined);
    }
    await service?.close().catch(() => undefined);
    await deleteServers(c, servers).catch(() => undefined);
    for (const id of resources) {
      await c.session.request('metric', { service: 'gnocchi', method: 'DELETE', path: `/v1/resource/instance/${id}` }).catch(() => undefined);
    }
    dir.cleanup();
  });

  /** Runs the vmha CLI in-process against the real cloud with a config of `alarms` settings. */
  function cli(alarms: Record<string, unknown>): (args: string[]) => Promise<{ code: number; stdout: string; stderr: string }> {
    const configFile = dir.write(
      `cli/vmha-${Object.keys(alarms).join('-') || 'default'}.yaml`,
      YAML.stringify({
        openstack: { cloud: 'vmha-test' },
        webhook: { public_url: publicUrl, secret: SECRET },
        state: { dir: dir.dir },
        alarms: { evaluation_interval_s: 10, archive_policy: POLICY, ...alarms },
      }),
    );
    return async (args) => {
      let stdout = '';
      let stderr = '';
      const code = await run(args, {
        stdout: (x) => (stdout += x),
        stderr: (x) => (stderr += x),
        env: { VMHA_CONFIG: configFile, OS_CLIENT_CONFIG_FILE: CLOUDS_YAML },
        cwd: dir.dir,
        isTTY: false,
      });
      return { code, stdout, stderr };
    };
  }

  /** Posts one ping-delay and agent-up measure for `id`, as a probe cycle would. */
  async function probeMeasures(id: string, pingMs: number, agentUp: 0 | 1): Promise<void> {
    const timestamp = new Date().toISOString();
    await c.gnocchi.batchResourceMeasures({ [id]: { [METRIC.pingDelay]: [{ timestamp, value: pingMs }], [METRIC.agentUp]: [{ timestamp, value: agentUp }] } });
  }

  /** Waits for vmha's incident to succeed; fails at once if it ends any other way. */
  async function succeeded(incidentId: string): Promise<Incident> {
    return waitFor('the incident to succeed', async () => {
      const i = service!.journal.get(incidentId)!;
      if (['failed', 'gave_up', 'ignored', 'suppressed', 'dry_run'].includes(i.state)) throw new FatalError(`incident ended ${i.state}: ${i.reason}`);
      return i.state === 'succeeded' ? i : undefined;
    }, 180_000, 1000);
  }

  /** Renders and creates the ping-delay alarm, posts breaching measures until vmha opens an incident, waits for its success. */
  async function recoverThroughAodh(id: string, trust: boolean): Promise<void> {
    const t = loadTemplate(bundledTemplatesDir(), 'ping-delay');
    const vars = resolveVariables(t, { granularity: 10, periods: 1 });
    const body = render(t, id, vars, { publicUrl, secret: SECRET, trust });
    expect(body.alarm_actions[0]).to.match(trust ? /^trust\+http:\/\/127\.0\.0\.1:\d+\/v1\/aodh\// : /^http:\/\/127\.0\.0\.1:\d+\/v1\/aodh\//);
    if (trust) {
      // Without the per-alarm URL token, vmha can only authenticate Aodh's X-Auth-Token (a
      // trust-scoped token of vmha's user), which it validates with Keystone.
      const bare = (u: string): string => u.replace(/\/v1\/aodh\/[^/]+$/, '/v1/aodh');
      body.alarm_actions = body.alarm_actions.map(bare);
      body.ok_actions = body.ok_actions.map(bare);
    }
    const alarm = await c.aodh.create(body as unknown as Record<string, unknown>);
    alarmIds.add(alarm.alarm_id);

    const started = Date.now();
    const incident = await waitFor(`an incident for ${id} in vmha's journal`, async () => {
      const found = service!.journal.list({ instanceId: id })[0];
      if (found) return found;
      await c.gnocchi.batchResourceMeasures({ [id]: { [METRIC.pingDelay]: [{ timestamp: new Date().toISOString(), value: 999 }] } });
      lastBreachAt = Date.now();
      return undefined;
    }, 90_000, 2000);
    console.log(`      incident opened ${Math.round((Date.now() - started) / 1000)} s after the first breaching measure`);

    const done = await succeeded(incident.id);
    expect(done.actions.map((a) => a.action)).to.deep.equal(['live-migrate']);

    const migrations = (await c.nova.listInstanceActions(id)).filter((a) => a.action === 'live-migration');
    expect(migrations).to.have.length(1);
    await waitActive(c, id, 'compute-2', 60_000);

    const accepted = service!.journal.timeline(incident.id).filter((e) => e.type === 'action.accepted');
    expect(accepted).to.have.length(1);
    expect(accepted[0]!.data.request_id).to.be.a('string').and.match(/^req-/);
    expect(accepted[0]!.data.request_id).to.equal(migrations[0]!.requestId);

    const notified = log.memory.entries.filter((e) => e.message === 'notification accepted' && e.server_id === id);
    expect(notified.length, 'accepted notifications').to.be.at.least(1);
    expect(notified[0]!.auth).to.equal(trust ? 'keystone' : 'url-token');
  }

  it('Aodh fires the rendered ping-delay alarm, vmha serve live-migrates the server once (issue 4)', async () => {
    await recoverThroughAodh(serverId, false);
  });

  it('the same with a trust+http action: Aodh sends a trust token that vmha validates with Keystone (issue 4)', async () => {
    await recoverThroughAodh(trustServerId, true);
  });

  it("publishes a probe cycle through the agent's publisher and reads it back aggregated at 10 s (issue 5)", async () => {
    // Stay out of the 10 s bucket the breaching measures went to.
    const wait = lastBreachAt + 11_000 - Date.now();
    if (wait > 0) await sleep(wait);
    const at = Date.now();
    const result: GuestResult = { uuid: serverId, name: undefined, at, durationMs: 3, agentUp: true, ping: { delayMs: 0.25, via: 'guest' }, disk: 0, problems: [] };
    const p = new Publisher({ sink: new GnocchiSink(c.gnocchi), clock: systemClock, logger: memoryLogger().logger, archivePolicy: POLICY, bufferMax: 100, retries: 1, backoffMs: 200 });
    p.enqueue([result]);
    expect(await p.flush()).to.deep.equal({ sent: 3, rejected: 0, delivered: true });

    const res = await c.session.request<{ metrics: Record<string, string> }>('metric', { service: 'gnocchi', method: 'GET', path: `/v1/resource/instance/${serverId}` });
    const bucket = Math.floor(at / 10_000) * 10_000;
    const expected: Record<string, number> = { [METRIC.pingDelay]: 0.25, [METRIC.diskHealth]: 0, [METRIC.agentUp]: 1 };
    for (const [metric, value] of Object.entries(expected)) {
      const metricId = res.body.metrics[metric];
      expect(metricId, metric).to.be.a('string');
      const point = await waitFor(`${metric} aggregated at 10 s`, async () => {
        const m = await c.session.request<[string, number, number][]>('metric', {
          service: 'gnocchi',
          method: 'GET',
          path: `/v1/metric/${metricId}/measures?granularity=10&aggregation=mean&refresh=true`,
        });
        return m.body.find(([ts]) => Date.parse(ts) === bucket);
      }, 30_000, 1000);
      expect(point[1], metric).to.equal(10);
      expect(point[2], metric).to.equal(value);
    }
  });

  it('vmha alarms lint and alarms install --instance work against the real Aodh and Gnocchi (issue 6)', async () => {
    const vmha = cli({});
    const lint = await vmha(['--json', 'alarms', 'lint']);
    expect(lint.code, lint.stderr + lint.stdout).to.equal(0);
    const report = JSON.parse(lint.stdout) as { errors: number; templates: { name: string; findings: { level: string }[]; leaves: { archive_policy: string | null }[] }[] };
    expect(report.errors).to.equal(0);
    for (const t of report.templates) {
      expect(t.findings.filter((f) => f.level === 'error'), t.name).to.deep.equal([]);
      for (const l of t.leaves) expect(l.archive_policy, t.name).to.equal(POLICY);
    }

    const install = await vmha(['alarms', 'install', '--instance', serverId]);
    expect(install.code, install.stderr + install.stdout).to.equal(0);

    const mine = (await listOwnedAlarms(c)).filter((a) => a.name.endsWith(`:${serverId}`));
    for (const a of mine) alarmIds.add(a.alarm_id);
    const names = mine.map((a) => a.name).sort();
    expect(names).to.deep.equal(['agent-down', 'disk-health', 'ping-delay'].map((t) => `vmha:${t}:${serverId}`));
    // Every alarm carries the rendered template: the managed note and vmha's action URL.
    for (const a of mine) {
      const full = (await c.session.request<Record<string, unknown>>('alarming', { service: 'aodh', method: 'GET', path: `/v2/alarms/${a.alarm_id}` })).body;
      expect(String(full.description)).to.contain('Managed by vmha');
      expect((full.alarm_actions as string[])[0]).to.match(new RegExp(`^${publicUrl}/`));
    }

    for (const a of mine) {
      await c.aodh.delete(a.alarm_id);
      alarmIds.delete(a.alarm_id);
    }
  });

  it('the composite guest-unresponsive template: real Aodh accepts it, holds on ping alone, fires on ping AND agent down; vmha hard-reboots once (issue 6)', async () => {
    const vmha = cli({ templates: ['guest-unresponsive'], vars: { 'guest-unresponsive': { periods: 1 } } });
    const lint = await vmha(['--json', 'alarms', 'lint']);
    expect(lint.code, lint.stderr + lint.stdout).to.equal(0);
    const install = await vmha(['alarms', 'install', '--instance', hangServerId, '--template', 'guest-unresponsive']);
    expect(install.code, install.stderr + install.stdout).to.equal(0);
    const [alarm] = (await listOwnedAlarms(c)).filter((a) => a.name === `vmha:guest-unresponsive:${hangServerId}`);
    expect(alarm, 'the installed composite alarm').to.not.equal(undefined);
    alarmIds.add(alarm!.alarm_id);
    const full = (await c.session.request<Record<string, unknown>>('alarming', { service: 'aodh', method: 'GET', path: `/v2/alarms/${alarm!.alarm_id}` })).body;
    expect(full.type).to.equal('composite');

    // Ping lost but the agent answers: one signal alone; Aodh evaluates the rule to ok.
    await waitFor('Aodh to evaluate the composite to ok on ping alone', async () => {
      await probeMeasures(hangServerId, 999, 1);
      return (await c.aodh.getState(alarm!.alarm_id)) === 'ok';
    }, 90_000, 2000);
    expect(service!.journal.list({ instanceId: hangServerId }), 'no incident on ping alone').to.deep.equal([]);

    // Both: the guest hangs. Aodh fires, vmha hard-reboots it (recovery.actions default).
    const incident = await waitFor('an incident for the hung guest', async () => {
      const found = service!.journal.list({ instanceId: hangServerId })[0];
      if (found) return found;
      await probeMeasures(hangServerId, 999, 0);
      return undefined;
    }, 90_000, 2000);
    expect(incident.alarmingMetrics).to.deep.equal(['composite:guest-unresponsive']);
    const done = await succeeded(incident.id);
    expect(done.actions.map((a) => a.action)).to.deep.equal(['reboot-hard']);
    expect((await c.nova.listInstanceActions(hangServerId)).filter((a) => a.action === 'reboot')).to.have.length(1);
  });
});

async function listOwnedAlarms(c: OpenStackClients): Promise<{ alarm_id: string; name: string }[]> {
  try {
    const res = await c.session.request<{ alarm_id: string; name: string }[]>('alarming', { service: 'aodh', method: 'GET', path: '/v2/alarms' });
    return res.body.filter((a) => a.name.startsWith('vmha:'));
  } catch (err) {
    if (err instanceof OpenStackError) return [];
    throw err;
  }
}
