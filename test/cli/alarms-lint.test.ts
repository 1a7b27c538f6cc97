import { expect } from 'chai';
import { alarmsFixture, type AlarmsFixture } from '../helpers/alarms.ts';

describe('vmha alarms lint and vmha archive-policy ensure', function () {
  this.timeout(60_000);
  let f: AlarmsFixture;
  before(async () => {
    f = await alarmsFixture({ ha: 4, nonHa: 0, archivePolicy: false });
  });
  after(() => f.close());

  it("catches a granularity the metric's archive policy does not have (Gnocchi's default rule: low)", async () => {
    const r = await f.vmha(['alarms', 'lint']);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.match(/^error: \S+ping-delay\.yaml: alarm\.gnocchi_resources_threshold_rule\.granularity: archive policy 'low' .* keeps granularities 300 s, not 10 s: the alarm would stay in 'insufficient data' forever/m);
    expect(r.stdout).to.match(/^ping-delay\s+instance\.ping\.delay\s+mean\s+10 s x 3\s+low\s+90 s\s+ERROR$/m);
    expect(r.stdout).to.match(/^guest-unresponsive \(not installed\)/m);
  });

  it('install refuses (exit 2, nothing written) while the archive policy lacks the granularity; --dry-run only warns', async () => {
    const r = await f.vmha(['alarms', 'install', '--all']);
    expect(r.code).to.equal(2);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.match(/^vmha: \S+ping-delay\.yaml: alarm\.gnocchi_resources_threshold_rule\.granularity: archive policy 'low' .*keeps granularities 300 s, not 10 s/m);
    expect(r.stderr).to.match(/vmha: alarms install: nothing written: these alarms could never fire \(--skip-lint installs them anyway\)\n$/);
    expect(f.cloud.aodh.list()).to.have.length(0);
    const dry = await f.vmha(['alarms', 'install', '--all', '--dry-run']);
    expect(dry.code).to.equal(0);
    expect(dry.stderr).to.match(/^vmha: warning: \S+ping-delay\.yaml: alarm\.gnocchi_resources_threshold_rule\.granularity/m);
    expect(dry.stdout).to.contain('Plan: 12 to create');
    const forced = await f.vmha(['alarms', 'install', '--all', '--template', 'ping-delay', '--skip-lint']);
    expect(forced.code).to.equal(0);
    expect(f.cloud.aodh.list()).to.have.length(4);
  });

  it('ensure creates the 10 s policy and one rule per metric; lint then passes; a second ensure changes nothing', async () => {
    const dry = await f.vmha(['archive-policy', 'ensure', '--dry-run']);
    expect(dry.code).to.equal(0);
    expect(dry.stdout).to.match(/archive policy\s+vmha-10s\s+would create/);
    expect((await f.vmha(['alarms', 'lint'])).code).to.equal(1);

    const r = await f.vmha(['archive-policy', 'ensure']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/archive policy\s+vmha-10s\s+created\s+0:00:10 x 8640/);
    for (const m of ['instance.ping.delay', 'instance.disk.health', 'instance.agent.up']) {
      expect(r.stdout).to.match(new RegExp(`rule\\s+vmha-${m.replace(/\./g, '\\.')}\\s+created\\s+${m.replace(/\./g, '\\.')} -> vmha-10s`));
    }
    const policy = await f.clients.gnocchi.getArchivePolicy('vmha-10s');
    expect(policy.aggregation_methods).to.include('mean');

    const lint = await f.vmha(['alarms', 'lint', '--json']);
    expect(lint.code, lint.stdout).to.equal(0);
    const out = JSON.parse(lint.stdout);
    expect(out.errors).to.equal(0);
    const ping = out.templates.find((t: { name: string }) => t.name === 'ping-delay');
    expect(ping.detection_s).to.equal(90);
    expect(ping.leaves[0]).to.include({ archive_policy: 'vmha-10s', archive_policy_rule: 'vmha-instance.ping.delay' });

    const again = await f.vmha(['archive-policy', 'ensure']);
    expect(again.code).to.equal(0);
    expect(again.stdout).not.to.match(/\s(created|would create)\s{2}/);
    expect(again.stdout.match(/unchanged/g)).to.have.length(4);
  });

  it('warns (exit 0; 1 with --strict) when detection exceeds alarms.detection_target_s', async () => {
    f.configure({ detection_target_s: 60, evaluation_interval_s: 60 });
    const r = await f.vmha(['alarms', 'lint', '--template', 'ping-delay']);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/warning: \S+ping-delay\.yaml: detection takes up to 90 s .*above alarms\.detection_target_s 60 s/);
    expect((await f.vmha(['alarms', 'lint', '--template', 'ping-delay', '--strict'])).code).to.equal(1);
  });

  it('a policy of the same name without the needed granularity is a conflict (exit 1)', async () => {
    await f.clients.gnocchi.createArchivePolicy({ name: 'vmha-coarse', aggregation_methods: ['mean'], definition: [{ granularity: '0:01:00', timespan: '1:00:00' }] });
    f.configure({ archive_policy: 'vmha-coarse' });
    const r = await f.vmha(['archive-policy', 'ensure']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/vmha: archive policy vmha-coarse: exists without granularity 10 s, aggregation method last/);
  });
});
