// `vmha demo` as a newcomer runs it: the real executable, every scenario, exit 0 and the
// final table; --json and --scenario; a usage error for an unknown scenario.
import { expect } from 'chai';
import { runVmha } from '../helpers/cli.ts';

describe('vmha demo (the executable)', function () {
  this.timeout(120_000);

  it('runs every scenario to its expected end, narrates the steps and exits 0 with the final table', async () => {
    const started = Date.now();
    const r = await runVmha(['demo']);
    expect(r.code, r.stderr + r.stdout.slice(-3000)).to.equal(0);
    // The acceptance bound; on an idle machine it takes about 20 s.
    expect(Date.now() - started).to.be.lessThan(120_000);
    const out = r.stdout;
    expect(out).to.contain('Intervals are shortened for the demo (production values in brackets):\n  probes every 0.5 s (10 s); alarms over 3 x 1 s (3 x 10 s); Aodh evaluates every 1 s (60 s);');
    expect(out).to.contain('$ vmha alarms install --all');
    expect(out).to.contain('8 instances x 3 templates (ping-delay, disk-health, agent-down): 24 created');
    // Narration: the fault, the alarm with Aodh's words, the decision and why, Nova's request id, verification.
    expect(out).to.match(/fault {2}web-1's port on the virtual switch of compute-1 stops forwarding/);
    expect(out).to.match(/aodh {3}ping-delay alarm of web-1 \(vmha:ping-delay:[0-9a-f-]{36}\): ok -> alarm: Transition to alarm due to 3 samples outside threshold, most recent: 999\.0/);
    expect(out).to.match(/vmha {3}incident [0-9a-f]{8}: decision: live-migrate \(rule metric-instance\.ping\.delay\)/);
    expect(out).to.match(/vmha {3}incident [0-9a-f]{8}: Nova accepted live-migrate, request req-[0-9a-f-]{36}/);
    expect(out).to.match(/vmha {3}incident [0-9a-f]{8}: verified: live-migrate verified: ACTIVE on compute-\d \(was compute-1\)/);
    expect(out).to.match(/decision: ignore \(rule not-ha-enabled\)/);

    const table = out.slice(out.lastIndexOf('SCENARIO '));
    const rows = table.trim().split('\n');
    expect(rows[0]).to.match(/^SCENARIO\s+EXPECTED\s+RESULT\s+DETECTED AFTER\s+RECOVERED AFTER\s+HEALTHY AFTER\s+NOVA ACTIONS$/);
    expect(rows[1]).to.match(/^network-loss\s+live-migrate, healthy again\s+as expected\s+\d+\.\d s\s+\d+\.\d s\s+\d+\.\d s\s+os-migrateLive req-[0-9a-f-]{36}$/);
    expect(rows[2]).to.match(/^disk-read-only\s+hard reboot, healthy again\s+as expected\s+\d+\.\d s\s+\d+\.\d s\s+\d+\.\d s\s+reboot HARD req-[0-9a-f-]{36}$/);
    expect(rows[3]).to.match(/^not-ha\s+ignored, no Nova action\s+as expected\s+\d+\.\d s\s+-\s+-\s+none$/);
    expect(rows[4]).to.match(/^host-down\s+fence host, evacuate HA guests\s+as expected\s+\d+\.\d s\s+\d+\.\d s\s+\d+\.\d s\s+evacuate req-[0-9a-f-]{36}, evacuate req-[0-9a-f-]{36}$/);
    expect(rows[5]).to.match(/^storm\s+guard holds: no action\s+as expected\s+\d+\.\d s\s+-\s+\d+\.\d s\s+none$/);
    expect(rows[7]).to.match(/^Every scenario ended as expected \(\d+\.\d s\)\.$/);
    expect(out).to.match(/vmha {3}host compute-4: fence succeeded: fence command exited 0; it printed "Chassis Power Control: Down\/Off"/);
    expect(out).to.match(/vmha {3}mass-failure guard tripped: mass failure: /);
  });

  it('--json --scenario prints one document for the chosen scenario only', async () => {
    const r = await runVmha(['--json', 'demo', '--scenario', 'not-ha']);
    expect(r.code, r.stderr).to.equal(0);
    const doc = JSON.parse(r.stdout) as { ok: boolean; settings: Record<string, unknown>; scenarios: { name: string; ok: boolean; nova_actions: string[]; checks: { ok: boolean }[]; events: { source: string }[] }[] };
    expect(doc.ok).to.equal(true);
    expect(doc.settings).to.include({ probe_interval_s: 0.5, alarm_granularity_s: 1, aodh_evaluation_interval_s: 1 });
    expect(doc.scenarios.map((s) => s.name)).to.deep.equal(['not-ha']);
    expect(doc.scenarios[0]!.nova_actions).to.deep.equal([]);
    expect(doc.scenarios[0]!.checks.every((c) => c.ok)).to.equal(true);
    expect(new Set(doc.scenarios[0]!.events.map((e) => e.source))).to.include.members(['fault', 'probe', 'aodh', 'vmha']);
  });

  it('refuses an unknown scenario with a usage error, naming the known ones', async () => {
    const r = await runVmha(['demo', '--scenario', 'meteor-strike']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.equal('vmha: demo: unknown scenario meteor-strike (known: network-loss, disk-read-only, not-ha, host-down, storm)\n');
    expect(r.stdout).to.equal('');
  });
});
