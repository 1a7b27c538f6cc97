import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { isTerminal } from '../../src/domain/incident.ts';
import { tearRow } from '../helpers/journal-fault.ts';
import { withService, type ServiceFixture } from '../helpers/service.ts';
import { until } from '../helpers/wait.ts';
import { alarm, events, fenceScripts, safetyOverrides, watchNova, type NovaCall } from './fixture.ts';

type Seeded = Awaited<ReturnType<ServiceFixture['seedServer']>>;

/** `count` HA instances on each host, by name. */
async function seed(f: ServiceFixture, count: Record<string, number>): Promise<Record<string, Seeded[]>> {
  const out: Record<string, Seeded[]> = {};
  for (const [host, n] of Object.entries(count)) {
    out[host] = [];
    for (let i = 0; i < n; i++) out[host].push(await f.seedServer({ name: `${host}-pet-${i}`, host, ha: true }));
  }
  return out;
}

const evacuated = (calls: NovaCall[]): unknown[] => calls.filter((c) => c.method === 'evacuate').map((c) => c.args[0]);

describe('incidents attached to a host workflow (fake cloud, end to end)', function () {
  this.timeout(60_000);
  const fence = fenceScripts();
  const calls: NovaCall[] = [];
  let running: ServiceFixture | undefined;
  /** A fresh service with the host workflow on (the fence succeeds), every Nova write watched. */
  const serve = async (o: { safety?: Record<string, unknown>; recovery?: Record<string, unknown> } = {}): Promise<ServiceFixture> => {
    calls.length = 0;
    fs.rmSync(fence.log, { force: true });
    running = await withService({ overrides: { recovery: o.recovery, safety: safetyOverrides(fence.ok, fence.log, o.safety) }, wrapClients: watchNova(calls) });
    return running;
  };
  afterEach(() => running?.stop());
  after(() => fence.cleanup());

  it('an instance Nova cannot evacuate in its vm_state: given up (state gave_up, event decision.give_up), the others evacuated', async () => {
    const f = await serve();
    const pets = (await seed(f, { 'compute-1': 3, 'compute-2': 2, 'compute-3': 2 }))['compute-1']!;
    const paused = pets[0]!.serverId;
    f.cloud.nova.model.serverRecord(paused)!.vmState = 'paused';
    f.cloud.nova.model.setHostAlive('compute-1', false);
    await until('workflow completed', () => f.service.safety.store.holding('compute-1')?.state === 'completed', 15_000);
    const id = f.service.safety.store.holding('compute-1')!.instances.find((i) => i.serverId === paused)!.incidentId!;
    const incident = f.service.journal.get(id)!;
    expect(incident.state).to.equal('gave_up');
    expect(incident.reason).to.equal('Nova does not accept evacuate in vm_state paused');
    const last = f.service.journal.timeline(id).pop()!;
    expect(last.type).to.equal('decision.give_up');
    expect(last.data).to.include({ state: 'gave_up', rule: 'state-forbids' });
    expect(evacuated(calls).sort()).to.deep.equal([pets[1]!.serverId, pets[2]!.serverId].sort());
  });

  it('a host workflow whose loop crashed: its waiting incidents are taken back, the workflow driven again, every instance evacuated once', async () => {
    const f = await serve({ safety: { host_failure: { settle_s: 1 } } });
    const pets = (await seed(f, { 'compute-1': 3, 'compute-2': 2, 'compute-3': 2 }))['compute-1']!;
    const ids = (await Promise.all(pets.map((s) => alarm(s)))).map((a) => a.body.incident_id as string);
    await until('all attached, waiting', () => ids.every((id) => f.service.journal.get(id)!.hostWorkflow && f.service.journal.get(id)!.state === 'waiting'));
    const wf = f.service.safety.store.holding('compute-1')!;
    expect(wf.state).to.equal('detected');

    // The workflow's own record unreadable when its loop next looks (after settle_s): the loop crashes.
    const restore = tearRow(path.join(f.stateDir, 'journal.sqlite'), 'host_workflows', wf.id);
    await until('loop crashed', () => f.memory.entries.some((e) => /^host workflow crashed/.test(String(e.message)) && e.workflow_id === wf.id));
    restore();

    await until('incidents terminal', () => ids.every((id) => isTerminal(f.service.journal.get(id)!.state)), 20_000);
    expect(ids.map((id) => f.service.journal.get(id)!.state)).to.deep.equal(['succeeded', 'succeeded', 'succeeded']);
    await until('workflow completed', () => f.service.safety.store.get(wf.id)!.state === 'completed');
    expect(f.service.safety.store.list()).to.have.length(1);
    expect(evacuated(calls).sort()).to.deep.equal(pets.map((s) => s.serverId).sort());
    expect(fence.calls()).to.deep.equal([`compute-1 ${wf.id}`]);
    const detached = ids.flatMap((id) => f.service.journal.timeline(id).filter((e) => e.type === 'incident.detached_from_host_workflow'));
    expect(detached.length).to.be.greaterThan(0);
    expect(detached[0]!.data).to.include({ workflow_id: wf.id, workflow_state: 'detected' });
  });

  it('stop() during a guard hold in the evacuation path returns at once, not after wait_retry_s', async () => {
    const f = await serve({ recovery: { wait_retry_s: 30 } });
    await seed(f, { 'compute-1': 2, 'compute-2': 1, 'compute-3': 1, 'compute-4': 1, 'compute-5': 1 });
    f.cloud.nova.model.setHostAlive('compute-1', false);
    await until('compute-1 evacuated', () => f.service.safety.store.holding('compute-1')?.state === 'completed', 15_000);
    // Three of the other four hosts fail at once: the guard trips.
    for (const h of ['compute-2', 'compute-3', 'compute-4']) f.cloud.nova.model.setHostAlive(h, false);
    await until('guard tripped', () => events(f, 'guard.tripped').length === 1, 10_000);
    // A late alarm from an instance still on the fenced host: evacuated at once, but the guard holds it.
    const late = await f.seedServer({ name: 'late', host: 'compute-1', ha: true });
    const id = (await alarm(late)).body.incident_id as string;
    await until('held', () => /^mass-failure guard tripped/.test(f.service.journal.get(id)!.reason), 10_000);

    const started = Date.now();
    await Promise.all([f.service.safety.stop(), f.service.engine.stop()]);
    expect(Date.now() - started).to.be.lessThan(3000);
    expect(evacuated(calls)).to.not.include(late.serverId);
  });
});
