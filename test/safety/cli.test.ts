import { expect } from 'chai';
import YAML from 'yaml';
import { run } from '../../src/cli/main.ts';
import type { CliIO } from '../../src/cli/io.ts';
import { cloudsEntry } from '../helpers/cloud.ts';
import { withService, type ServiceFixture } from '../helpers/service.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { alarm, events, fenceScripts, safetyOverrides, type FenceScripts } from './fixture.ts';

describe('vmha host / guard / maintenance commands (against a running service)', function () {
  this.timeout(60_000);
  let f: ServiceFixture;
  let fence: FenceScripts;
  const t = tmpDir('vmha-safety-cli-');
  let env: Record<string, string>;
  let configFile: string;

  before(async () => {
    fence = fenceScripts();
    f = await withService({ overrides: { safety: safetyOverrides(fence.ok, fence.log) } });
    const clouds = t.write(
      'clouds.yaml',
      YAML.stringify({
        clouds: { fake: cloudsEntry(f.cloud.authUrl) },
      }),
    );
    configFile = t.write(
      'vmha.yaml',
      YAML.stringify({
        openstack: { cloud: 'fake' },
        webhook: { listen: new URL(f.service.url).host, public_url: 'http://127.0.0.1:8780', secret: 'cli-test-secret-123' },
        state: { dir: t.dir },
      }),
    );
    env = { OS_CLIENT_CONFIG_FILE: clouds };
  });
  after(async () => {
    await f.stop();
    fence.cleanup();
    t.cleanup();
  });

  async function vmha(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io: CliIO = { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env, cwd: t.dir, isTTY: false };
    const code = await run(['--config', configFile, ...args], io);
    return { code, stdout, stderr };
  }

  it('maintenance on|off --host|--az|--instance, and status', async () => {
    let r = await vmha('maintenance', 'on', '--host', 'compute-1', '--reason', 'new DIMMs');
    expect(r, r.stderr).to.include({ code: 0, stdout: 'maintenance of host compute-1 on\n' });
    r = await vmha('maintenance', 'on', '--host', 'compute-1');
    expect(r.stdout).to.equal('maintenance of host compute-1 on (it already was)\n');
    r = await vmha('maintenance', 'on', '--az', 'az-b');
    expect(r.code).to.equal(0);
    r = await vmha('maintenance', 'status');
    expect(r.stdout).to.match(/^LEVEL +TARGET +BY +SINCE +REASON\n/);
    expect(r.stdout).to.match(/\naz +az-b +\S+ +\S+ *\n/);
    expect(r.stdout).to.match(/\nhost +compute-1 +\S+ +\S+ +new DIMMs\n/);
    const json = JSON.parse((await vmha('--json', 'maintenance', 'status')).stdout) as { maintenance: { hosts: Record<string, { reason: string }> } };
    expect(json.maintenance.hosts['compute-1']!.reason).to.equal('new DIMMs');
    r = await vmha('maintenance', 'on', '--host', 'a', '--az', 'b');
    expect(r).to.include({ code: 1, stderr: 'vmha: give at most one of --az, --host, --instance\n' });
    for (const args of [['--host', 'compute-1'], ['--az', 'az-b']]) expect((await vmha('maintenance', 'off', ...args)).code).to.equal(0);
    expect((await vmha('maintenance', 'status')).stdout).to.equal('no maintenance switch is on\n');
    expect(events(f, 'maintenance.').map((e) => e.type)).to.deep.equal(['maintenance.on', 'maintenance.on', 'maintenance.off', 'maintenance.off']);
    r = await vmha('maintenance', 'on');
    expect(r.stdout).to.equal('global maintenance on\n');
    expect((await vmha('maintenance', 'off')).stdout).to.equal('global maintenance off\n');
  });

  it('guard status and resume', async () => {
    const status = JSON.parse((await vmha('--json', 'guard', 'status')).stdout) as { state: { tripped: boolean } };
    expect(status.state.tripped).to.equal(false);
    expect((await vmha('guard', 'resume')).stdout).to.equal('the guard was not tripped\n');
  });

  it('host status and host enable (dry run, a refusal, an unknown host)', async () => {
    const s = await Promise.all([0, 1, 2].map((i) => f.seedServer({ name: `p${i}`, host: 'compute-1', ha: true })));
    for (const host of ['compute-2', 'compute-3']) for (let i = 0; i < 3; i++) await f.seedServer({ name: `${host}-${i}`, host, ha: true });
    await Promise.all(s.map((x) => alarm(x)));
    const deadline = Date.now() + 15_000;
    while (f.service.safety.store.holding('compute-1')?.state !== 'completed' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    let r = await vmha('host', 'status');
    expect(r.stdout).to.match(/^WORKFLOW +HOST +STATE +DETECTED +FENCE +INSTANCES +REASON\n\S+ +compute-1 +completed +\S+ +ok +\S+:succeeded,\S+:succeeded,\S+:succeeded +evacuated 3/);
    r = await vmha('host', 'enable', 'compute-1', '--dry-run');
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/^would lift force-down of the compute service on compute-1\nwould enable the compute service on compute-1\nwould release host workflow/);
    r = await vmha('host', 'enable', 'compute-1');
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/^vmha: vmha serve answered 409: Nova refused: Unable to force up host compute-1/);
    r = await vmha('host', 'enable', 'compute-9');
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/^vmha: vmha serve answered 404: /);
    f.cloud.nova.model.setHostAlive('compute-1', false);
    f.cloud.nova.model.setHostAlive('compute-1', true);
    r = await vmha('host', 'enable', 'compute-1');
    expect(r.stdout).to.match(/^done: lift force-down of the compute service on compute-1\ndone: enable the compute service on compute-1\ndone: release host workflow/);
    expect(f.cloud.nova.model.computeService('compute-1')).to.include({ disabled: false, forcedDown: false });
  });
});
