import { expect } from 'chai';
import YAML from 'yaml';
import { run } from '../../src/cli/main.ts';
import { withGlobalConcurrency } from '../../src/limits/limits.ts';
import { aodhBody, postLikeAodh, thresholdTransition } from '../helpers/aodh-notifier.ts';
import { cloudsEntry, vmhaAuth } from '../helpers/cloud.ts';
import { SECRET, withService, type ServiceFixture } from '../helpers/service.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { until } from '../helpers/wait.ts';

describe('vmha serve admin API and the CLI on it: limits and incidents', function () {
  this.timeout(60_000);
  let f: ServiceFixture;
  const t = tmpDir('vmha-admin-');
  let vmha: (args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;

  before(async () => {
    f = await withService();
    const clouds = t.write(
      'clouds.yaml',
      YAML.stringify({
        clouds: {
          test: cloudsEntry(f.cloud.authUrl),
          demo: cloudsEntry(f.cloud.authUrl, vmhaAuth({ username: 'demo', password: 'demo-secret', projectName: 'demo' })),
        },
      }),
    );
    const config = t.write('vmha.yaml', YAML.stringify({ openstack: { cloud: 'test' }, webhook: { public_url: 'http://127.0.0.1:8780', secret: SECRET }, state: { dir: t.dir } }));
    vmha = async (args) => {
      let stdout = '';
      let stderr = '';
      const code = await run(['--config', config, ...args, '--url', f.service.url], {
        stdout: (x) => (stdout += x),
        stderr: (x) => (stderr += x),
        env: { OS_CLIENT_CONFIG_FILE: clouds },
        cwd: t.dir,
        isTTY: false,
      });
      return { code, stdout, stderr };
    };
  });
  after(async () => {
    await f.stop();
    t.cleanup();
  });

  it('vmha limits set changes the limits at runtime, and they survive a restart', async () => {
    const shown = await vmha(['--json', 'limits', 'show']);
    expect(shown.code, shown.stderr).to.equal(0);
    expect(JSON.parse(shown.stdout).settings.global.perWindow).to.equal(1000);

    const set = await vmha(['--json', 'limits', 'set', '--global-per-window', '7', '--host-concurrency', '3']);
    expect(set.code, set.stderr).to.equal(0);
    expect(JSON.parse(set.stdout).settings).to.deep.include({ global: { perWindow: 7, windowSeconds: 60, concurrency: 20 } });
    expect(f.service.limits.snapshot().settings.perHost.concurrency).to.equal(3);

    await f.restart();
    expect(f.service.limits.snapshot().settings.global.perWindow).to.equal(7);
  });

  it('refuses invalid limits with a clear message and changes nothing', async () => {
    const bad = await vmha(['limits', 'set', '--global-per-window', '0']);
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.match(/--global-per-window must be a positive integer, got '0'/);
    const token = (await f.clients.session.getToken()).id;
    const res = await fetch(`${f.service.url}/v1/admin/limits`, {
      method: 'PUT',
      headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' },
      body: JSON.stringify({ global: { perWindow: -1, windowSeconds: 60 }, perHost: { concurrency: 1, perWindow: 1, windowSeconds: 1 } }),
    });
    expect(res.status).to.equal(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).to.equal('global.perWindow must be an integer from 1 to 100000');
    expect(f.service.limits.snapshot().settings.global.perWindow).to.equal(7);
  });

  it('a PUT without global.concurrency (an older client) keeps the current value; an older persisted setting gets it from the file', async () => {
    const token = (await f.clients.session.getToken()).id;
    const res = await fetch(`${f.service.url}/v1/admin/limits`, {
      method: 'PUT',
      headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' },
      body: JSON.stringify({ global: { perWindow: 8, windowSeconds: 60 }, perHost: { concurrency: 3, perWindow: 10, windowSeconds: 60 } }),
    });
    expect(res.status).to.equal(200);
    expect(f.service.limits.snapshot().settings.global).to.deep.equal({ perWindow: 8, windowSeconds: 60, concurrency: 20 });
    // Only global.concurrency is filled in: anything else missing or malformed is refused.
    for (const body of [{ global: 5, perHost: { concurrency: 3, perWindow: 10, windowSeconds: 60 } }, { global: { perWindow: 8, windowSeconds: 60 } }]) {
      const bad = await fetch(`${f.service.url}/v1/admin/limits`, { method: 'PUT', headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      expect(bad.status, JSON.stringify(body)).to.equal(400);
    }
    expect(f.service.limits.snapshot().settings.global.perWindow).to.equal(8);
    const base = f.service.limits.snapshot().settings;
    expect(withGlobalConcurrency({ global: { perWindow: 8, windowSeconds: 60 }, perHost: base.perHost }, base).global.concurrency).to.equal(20);
  });

  it('the admin API needs a token with an admin role', async () => {
    expect((await fetch(`${f.service.url}/v1/admin/incidents`)).status).to.equal(401);
    const demo = f.clientsFor({ auth: { type: 'password', username: 'demo', password: 'demo-secret', userDomainName: 'Default', projectName: 'demo', projectDomainName: 'Default' } });
    const res = await fetch(`${f.service.url}/v1/admin/incidents`, { headers: { 'X-Auth-Token': (await demo.session.getToken()).id } });
    expect(res.status).to.equal(403);
  });

  it('vmha incidents list and show give the timeline with the decision and the Nova request id', async () => {
    const s = await f.seedServer({ name: 'pet', host: 'compute-1', ha: true });
    f.cloud.nova.model.addHost('compute-2');
    const res = await postLikeAodh(s.url, aodhBody(thresholdTransition(s.alarmName, s.alarmId, 'alarm', 999)));
    const id = res.body.incident_id as string;
    await until('succeeded', () => f.service.journal.get(id)?.state === 'succeeded', 15_000);

    const list = await vmha(['incidents', 'list']);
    expect(list.code, list.stderr).to.equal(0);
    expect(list.stdout.split('\n')[0]).to.match(/^INCIDENT\s+SERVER\s+STATE\s+OPENED\s+ACTIONS\s+REASON$/);
    expect(list.stdout).to.contain(id).and.contain('live-migrate:succeeded');

    const show = await vmha(['--json', 'incidents', 'show', id]);
    expect(show.code, show.stderr).to.equal(0);
    const doc = JSON.parse(show.stdout) as { incident: { state: string }; timeline: { type: string; data: Record<string, unknown> }[] };
    expect(doc.incident.state).to.equal('succeeded');
    const types = doc.timeline.map((e) => e.type);
    expect(types).to.include.members(['incident.opened', 'decision.act', 'action.accepted', 'verify.succeeded']);
    const accepted = doc.timeline.find((e) => e.type === 'action.accepted')!;
    expect(accepted.data.request_id).to.equal(f.cloud.nova.model.actions.at(-1)?.requestId);

    const missing = await vmha(['incidents', 'show', '00000000-0000-0000-0000-000000000000']);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.match(/vmha serve answered 404: incident 00000000-0000-0000-0000-000000000000 not found/);
  });
});
