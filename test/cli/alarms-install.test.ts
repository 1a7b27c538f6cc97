import { expect } from 'chai';
import { alarmsFixture, type AlarmsFixture } from '../helpers/alarms.ts';

const TEMPLATES = ['ping-delay', 'disk-health', 'agent-down'];

describe('vmha alarms install / diff (against the fake cloud)', function () {
  this.timeout(60_000);
  let f: AlarmsFixture;
  before(async () => {
    f = await alarmsFixture({ ha: 50, nonHa: 10 });
  });
  after(() => f.close());

  const owned = async () => (await f.clients.aodh.list({ all_projects: true })).filter((a) => a.name.startsWith('vmha:'));

  it('--dry-run on an empty Aodh prints the plan and writes nothing', async () => {
    const r = await f.vmha(['alarms', 'install', '--all', '--dry-run']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/Plan: 150 to create, 0 to update, 0 to remove, 0 unchanged\./);
    expect(r.stdout.match(/^\+ create /gm)).to.have.length(150);
    expect(f.cloud.aodh.list()).to.have.length(0);
  });

  it('install --all creates 50 x 3 alarms that Aodh accepts, only on HA-enabled instances', async () => {
    const r = await f.vmha(['alarms', 'install', '--all']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.equal('');
    expect(r.stdout).to.contain('50 instances x 3 templates (ping-delay, disk-health, agent-down): 150 created, 0 updated, 0 unchanged, 0 removed, 0 failed');
    // Not a terminal: one plain line per alarm.
    expect(r.stdout.match(/^created  vmha:/gm)).to.have.length(150);
    const alarms = await owned();
    expect(alarms).to.have.length(150);
    const names = new Set(alarms.map((a) => a.name));
    for (const id of f.ha) for (const t of TEMPLATES) expect(names.has(`vmha:${t}:${id}`), `${t} on ${id}`).to.equal(true);
    for (const id of f.nonHa) expect(alarms.some((a) => a.name.endsWith(id))).to.equal(false);
    const ping = alarms.find((a) => a.name === `vmha:ping-delay:${f.ha[0]}`)!;
    expect(ping).to.include({ type: 'gnocchi_resources_threshold', severity: 'critical', repeat_actions: false, enabled: true });
    expect(ping.gnocchi_resources_threshold_rule).to.deep.include({ metric: 'instance.ping.delay', threshold: 500, comparison_operator: 'gt', granularity: 10, evaluation_periods: 3, aggregation_method: 'mean' });
    expect(ping.alarm_actions).to.have.length(1);
    expect(ping.alarm_actions[0]).to.match(/^http:\/\/127\.0\.0\.1:8780\/v1\/aodh\/[A-Za-z0-9_-]{43}$/);
    expect(ping.ok_actions).to.deep.equal(ping.alarm_actions);
    expect(ping.description).to.contain('Managed by vmha');
  });

  it('a second run creates and updates nothing, and says so', async () => {
    const before = f.cloud.aodh.list().map((a) => [a.alarm_id, a.timestamp]);
    const r = await f.vmha(['alarms', 'install', '--all']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^Nothing to change: 150 alarms on 50 instances already up to date\./m);
    expect(r.stdout).to.contain('0 created, 0 updated, 150 unchanged');
    expect(f.cloud.aodh.list().map((a) => [a.alarm_id, a.timestamp])).to.deep.equal(before);
    const diff = await f.vmha(['alarms', 'diff', '--exit-code']);
    expect(diff.code).to.equal(0);
    expect(diff.stdout).to.match(/No changes: 150 alarms on 50 instances up to date\./);
  });

  it('a threshold change in vmha.yaml: diff shows it, install updates all 50 in place, keeping ids and state', async () => {
    f.configure({ vars: { 'ping-delay': { threshold: 800 } } });
    const firing = (await owned()).find((a) => a.name === `vmha:ping-delay:${f.ha[1]}`)!;
    await f.clients.aodh.setState(firing.alarm_id, 'alarm');
    const ids = new Map((await owned()).map((a) => [a.name, a.alarm_id]));

    const diff = await f.vmha(['alarms', 'diff', '--exit-code']);
    expect(diff.code).to.equal(1);
    expect(diff.stdout).to.match(/Plan: 0 to create, 50 to update, 0 to remove, 100 unchanged\./);
    expect(diff.stdout).to.contain('gnocchi_resources_threshold_rule.threshold: 500 -> 800');

    const dry = await f.vmha(['alarms', 'install', '--all', '--dry-run', '--json']);
    expect(dry.code).to.equal(0);
    expect(JSON.parse(dry.stdout).plan.update).to.have.length(50);
    expect((await owned()).filter((a) => (a.gnocchi_resources_threshold_rule as { threshold: number }).threshold === 800)).to.have.length(0);

    const r = await f.vmha(['alarms', 'install', '--all', '--json']);
    expect(r.code, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout);
    expect(out.summary).to.deep.equal({ created: 0, updated: 50, unchanged: 100, removed: 0, failed: 0, stale: 0 });
    const after = await owned();
    expect(after).to.have.length(150);
    for (const a of after) expect(a.alarm_id).to.equal(ids.get(a.name));
    const pings = after.filter((a) => a.name.startsWith('vmha:ping-delay:'));
    expect(pings.every((a) => (a.gnocchi_resources_threshold_rule as { threshold: number }).threshold === 800)).to.equal(true);
    // Aodh's PUT would have reset the state; install carries it over.
    expect(after.find((a) => a.alarm_id === firing.alarm_id)!.state).to.equal('alarm');
    expect((await f.vmha(['alarms', 'install', '--all'])).stdout).to.match(/^Nothing to change/m);
  });

  it('--instance and --project limit the scope; a missing or non-HA instance fails alone', async () => {
    f.configure({ vars: { 'ping-delay': { threshold: 800 } } });
    const r = await f.vmha(['alarms', 'diff', '--instance', f.ha[0]!, f.nonHa[0]!, 'no-such-server', '--json']);
    expect(r.code).to.equal(1);
    const out = JSON.parse(r.stdout);
    expect(out.instances).to.equal(1);
    expect(out.plan.unchanged).to.have.length(3);
    expect(out.problems.map((p: { instance_id: string }) => p.instance_id).sort()).to.deep.equal([f.nonHa[0], 'no-such-server'].sort());
    expect(JSON.stringify(out.problems)).to.match(/not HA-enabled \(set metadata HA_Enabled=True first\)/);
    expect(JSON.stringify(out.problems)).to.match(/instance no-such-server not found in Nova/);
    const p = await f.vmha(['alarms', 'diff', '--project', 'project-b', '--json']);
    expect(JSON.parse(p.stdout).instances).to.equal(25);
  });

  it('needs a scope: no flag, or two, is a usage error (exit 2)', async () => {
    const none = await f.vmha(['alarms', 'install']);
    expect(none.code).to.equal(2);
    expect(none.stderr).to.match(/say which instances: --all, --instance ID \.\.\. or --project ID/);
    const two = await f.vmha(['alarms', 'install', '--all', '--project', 'x']);
    expect(two.code).to.equal(2);
  });

  it('on a terminal shows one progress line rewritten in place', async () => {
    f.configure();
    const r = await f.vmha(['alarms', 'install', '--all'], { tty: true });
    expect(r.code).to.equal(0);
    expect(r.stdout).to.contain('\r');
    expect(r.stdout).to.match(/\[#{30}\] 50\/50 {2}updated 50/);
    expect(r.stdout).not.to.match(/^updated /m);
  });

  it('list shows each alarm with its state', async () => {
    const r = await f.vmha(['alarms', 'list', '--instance', f.ha[1]!]);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/^INSTANCE\s+TEMPLATE\s+STATE\s+SEVERITY/);
    expect(r.stdout).to.match(new RegExp(`${f.ha[1]}\\s+ping-delay\\s+alarm\\s+critical\\s+yes`));
    expect(r.stdout).to.contain('3 alarms: 2 insufficient data, 1 alarm');
    const j = await f.vmha(['alarms', 'list', '--json', '--state', 'alarm']);
    expect(JSON.parse(j.stdout).map((a: { instance_id: string }) => a.instance_id)).to.deep.equal([f.ha[1]]);
  });
});
