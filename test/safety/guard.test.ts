import { expect } from 'chai';
import { withService, type ServiceFixture } from '../helpers/service.ts';
import { until } from '../helpers/wait.ts';
import { admin, alarm, events, freshPerTest, safetyOverrides, watchNova, type FenceScripts, type NovaCall } from './fixture.ts';

type Seeded = Awaited<ReturnType<ServiceFixture['seedServer']>>;

/** compute-1..5, `per` HA instances each; `metric` picks the alarm template. */
async function seedHosts(f: ServiceFixture, per: number, metric: 'ping' | 'disk' = 'ping'): Promise<Map<string, Seeded[]>> {
  const out = new Map<string, Seeded[]>();
  for (let h = 1; h <= 5; h++) {
    const host = `compute-${h}`;
    const list: Seeded[] = [];
    for (let i = 0; i < per; i++) {
      list.push(
        await f.seedServer(
          metric === 'disk'
            ? { name: `${host}-pet-${i}`, host, ha: true, template: 'disk-health' }
            : { name: `${host}-pet-${i}`, host, ha: true },
        ),
      );
    }
    out.set(host, list);
  }
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('mass-failure guard (fake cloud, end to end)', function () {
  this.timeout(60_000);
  let f: ServiceFixture;
  let fence: FenceScripts;
  let calls: NovaCall[];

  freshPerTest((a, b) => ((fence = a), (calls = b)), () => ({ f, fence }));

  it('60 % of hosts failing at once: no automatic action, the guard trips and says so; under 30 % it resumes and the one host left is recovered', async () => {
    f = await withService({ overrides: { safety: safetyOverrides(fence.ok, fence.log) }, wrapClients: watchNova(calls) });
    const hosts = await seedHosts(f, 2);
    for (const h of ['compute-1', 'compute-2', 'compute-3']) f.cloud.nova.model.setHostAlive(h, false);
    const failing = ['compute-1', 'compute-2', 'compute-3'].flatMap((h) => hosts.get(h)!);
    await Promise.all(failing.map((s) => alarm(s)));

    await until('guard tripped', () => events(f, 'guard.tripped').length === 1, 10_000);
    await sleep(1000); // time enough for any action to have slipped through
    expect(calls, 'Nova writes while tripped').to.deep.equal([]);
    expect(fence.calls()).to.deep.equal([]);
    expect(f.cloud.nova.model.actions).to.deep.equal([]);
    const tripped = events(f, 'guard.tripped')[0]!;
    expect(tripped.data.hosts).to.deep.include({ failing: 3, total: 5, pct: 60 });
    const status = await admin<{ state: { tripped: boolean; reason: string } }>(f, 'GET', '/guard');
    expect(status.status).to.equal(200);
    expect(status.body.state.tripped).to.equal(true);
    expect(status.body.state.reason).to.match(/^mass failure: 3 of 5 hosts failing \(60 %\)/);
    expect(f.memory.entries.some((e) => e.level === 'error' && /mass-failure guard TRIPPED/.test(String(e.message)))).to.equal(true);
    // Workflows were opened but hold before changing anything; incidents wait with the reason.
    expect(f.service.safety.store.list().every((w) => w.state === 'detected')).to.equal(true);
    expect(events(f, 'host.workflow_held').length).to.be.greaterThan(0);

    // Two hosts come back and their alarms clear: 1 of 5 hosts (20 %) is below 30 %.
    for (const h of ['compute-2', 'compute-3']) {
      f.cloud.nova.model.setHostAlive(h, true);
      await Promise.all(hosts.get(h)!.map((s) => alarm(s, 'ok', 3)));
    }
    await until('guard released', () => events(f, 'guard.released').length === 1, 10_000);
    expect(events(f, 'guard.released')[0]!.data).to.include({ by: 'automatic' });
    await until('compute-1 recovered', () => f.service.safety.store.holding('compute-1')?.state === 'completed', 15_000);
    expect(fence.calls().map((c) => c.split(' ')[0])).to.deep.equal(['compute-1']);
    const evacuated = calls.filter((c) => c.method === 'evacuate');
    expect(evacuated.map((c) => c.sourceHost)).to.deep.equal(['compute-1', 'compute-1']);
    for (const c of evacuated) expect(c.sourceUp).to.equal(false);
    // The hosts that came back were never touched.
    for (const h of ['compute-2', 'compute-3']) {
      expect(f.cloud.nova.model.computeService(h)).to.include({ disabled: false, forcedDown: false });
      expect(f.service.safety.store.latest(h)?.state).to.be.oneOf(['aborted', undefined]);
    }
  });

  it('a storage blip flips 60 % of the disk alarms at once: the instance share trips the guard, no reboot; the remainder is acted on after', async () => {
    f = await withService({ overrides: { safety: safetyOverrides(null, fence.log) }, wrapClients: watchNova(calls) });
    const hosts = await seedHosts(f, 2, 'disk');
    const all = [...hosts.values()].flat();
    const hit = all.slice(0, 6); // 6 of 10 HA instances, on three hosts
    const answers = await Promise.all(hit.map((s) => alarm(s, 'alarm', -1)));
    await until('guard tripped', () => events(f, 'guard.tripped').length === 1, 10_000);
    await sleep(800);
    expect(calls).to.deep.equal([]);
    // It may trip mid-burst, at 5 of 10 already (at least 50 % trips).
    const share = events(f, 'guard.tripped')[0]!.data.instances as { alarming: number; total: number; pct: number };
    expect(share.total).to.equal(10);
    expect(share.pct).to.be.at.least(50);
    expect(share.alarming).to.be.oneOf([5, 6]);
    const held = f.service.journal.get(answers[0]!.body.incident_id as string)!;
    expect(held.state).to.equal('waiting');
    expect(held.reason).to.match(/^mass-failure guard tripped/);

    // Storage back: 4 alarms clear, 2 of 10 (20 %) still alarm -> resume, and those 2 get their reboot.
    await Promise.all(hit.slice(0, 4).map((s) => alarm(s, 'ok', 0)));
    await until('guard released', () => events(f, 'guard.released').length === 1, 10_000);
    const rest = answers.slice(4).map((a) => a.body.incident_id as string);
    await until('the 2 rebooted', () => rest.every((id) => f.service.journal.get(id)?.state === 'succeeded'), 10_000);
    expect(calls.map((c) => c.method)).to.deep.equal(['reboot', 'reboot']);
    expect(answers.slice(0, 4).map((a) => f.service.journal.get(a.body.incident_id as string)!.state)).to.deep.equal(['closed', 'closed', 'closed', 'closed']);
  });

  it('an operator resumes while the share is still high: actions go ahead and the guard does not re-trip', async () => {
    f = await withService({ overrides: { safety: safetyOverrides(null, fence.log) }, wrapClients: watchNova(calls) });
    const hosts = await seedHosts(f, 2, 'disk');
    const hit = [...hosts.values()].flat().slice(0, 6);
    const answers = await Promise.all(hit.map((s) => alarm(s, 'alarm', -1)));
    await until('guard tripped', () => events(f, 'guard.tripped').length === 1, 10_000);
    const resumed = await admin<{ resumed: boolean }>(f, 'POST', '/guard/resume', {});
    expect(resumed.body.resumed).to.equal(true);
    const ids = answers.map((a) => a.body.incident_id as string);
    await until('all rebooted', () => ids.every((id) => f.service.journal.get(id)?.state === 'succeeded'), 15_000);
    expect(calls.filter((c) => c.method === 'reboot')).to.have.length(6);
    expect(events(f, 'guard.tripped')).to.have.length(1);
    const released = events(f, 'guard.released');
    expect(released).to.have.length(1);
    expect(released[0]!.data.reason).to.match(/^resumed by operator/);
    const again = await admin<{ resumed: boolean; message: string }>(f, 'POST', '/guard/resume', {});
    expect(again.body).to.include({ resumed: false, message: 'the guard was not tripped' });
  });

  it('the tripped guard survives a restart (persisted in the journal settings)', async () => {
    f = await withService({ overrides: { safety: safetyOverrides(null, fence.log) }, wrapClients: watchNova(calls) });
    const hosts = await seedHosts(f, 2, 'disk');
    const hit = [...hosts.values()].flat().slice(0, 6);
    await Promise.all(hit.map((s) => alarm(s, 'alarm', -1)));
    await until('guard tripped', () => events(f, 'guard.tripped').length === 1, 10_000);
    await f.restart();
    expect(f.service.safety.monitor.guardState().tripped).to.equal(true);
    await sleep(800);
    expect(calls).to.deep.equal([]);
  });
});
