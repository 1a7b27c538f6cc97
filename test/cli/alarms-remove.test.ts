import { expect } from 'chai';
import { render } from '../../src/alarms/render.ts';
import { bundledTemplatesDir, loadTemplate } from '../../src/alarms/template.ts';
import { alarmsFixture, PUBLIC_URL, SECRET, type AlarmsFixture } from '../helpers/alarms.ts';

const TEMPLATES = ['ping-delay', 'disk-health', 'agent-down'];

describe('vmha alarms remove', function () {
  this.timeout(60_000);
  let f: AlarmsFixture;
  let deleted: string[];
  beforeEach(async () => {
    f = await alarmsFixture({ ha: 10, nonHa: 2 });
    expect((await f.vmha(['alarms', 'install', '--all'])).code).to.equal(0);
    // Two HA instances deleted after install left their alarms: Nova now answers 404 for them.
    deleted = f.ha.slice(-2);
    for (const id of deleted) f.cloud.nova.model.removeServer(id);
    // Not vmha's, and a vmha alarm of a live instance that is not HA-enabled: neither is an orphan.
    await f.clients.aodh.create({ ...render(loadTemplate(bundledTemplatesDir(), 'ping-delay'), f.nonHa[0]!, { threshold: 500, granularity: 10, periods: 3, severity: 'critical' }, { publicUrl: PUBLIC_URL, secret: SECRET, trust: false }) });
    await f.clients.aodh.create({ name: 'cpu-high', type: 'gnocchi_resources_threshold', gnocchi_resources_threshold_rule: { metric: 'cpu', resource_type: 'instance', resource_id: deleted[0], aggregation_method: 'mean', threshold: 90 } });
  });
  afterEach(() => f.close());

  const names = async () => (await f.clients.aodh.list({ all_projects: true })).map((a) => a.name).sort();

  it('--orphans removes exactly the alarms of deleted instances', async () => {
    const before = await names();
    const dry = await f.vmha(['alarms', 'remove', '--orphans', '--dry-run']);
    expect(dry.code).to.equal(0);
    expect(dry.stdout).to.contain('Plan: 6 to remove.');
    expect(await names()).to.deep.equal(before);

    const r = await f.vmha(['alarms', 'remove', '--orphans']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('6 removed, 0 failed');
    const gone = new Set(deleted.flatMap((id) => TEMPLATES.map((t) => `vmha:${t}:${id}`)));
    expect(await names()).to.deep.equal(before.filter((n) => !gone.has(n)));
    expect(await names()).to.include.members(['cpu-high', `vmha:ping-delay:${f.nonHa[0]}`]);

    const again = await f.vmha(['alarms', 'remove', '--orphans']);
    expect(again.stdout).to.contain('Nothing to remove.');
  });

  it('--instance removes the alarms of those instances only; install --prune removes stale ones', async () => {
    const r = await f.vmha(['alarms', 'remove', '--instance', f.ha[0]!, '--template', 'ping-delay', '--json']);
    expect(r.code).to.equal(0);
    expect(JSON.parse(r.stdout).summary).to.deep.equal({ removed: 1, failed: 0 });
    expect(await names()).not.to.include(`vmha:ping-delay:${f.ha[0]}`);

    const diff = await f.vmha(['alarms', 'diff']);
    expect(diff.stdout).to.match(/Plan: 1 to create, 0 to update, 0 to remove, 23 unchanged, 7 stale\./);
    const pruned = await f.vmha(['alarms', 'install', '--all', '--prune']);
    expect(pruned.code).to.equal(0);
    expect(pruned.stdout).to.contain('1 created, 0 updated, 23 unchanged, 7 removed, 0 failed');
    expect((await names()).filter((n) => n.startsWith('vmha:'))).to.have.length(24);
    expect(await names()).to.include('cpu-high');
  });

  it('needs exactly one of --instance, --orphans, --all (exit 2)', async () => {
    expect((await f.vmha(['alarms', 'remove'])).code).to.equal(2);
    expect((await f.vmha(['alarms', 'remove', '--all', '--orphans'])).code).to.equal(2);
  });
});
