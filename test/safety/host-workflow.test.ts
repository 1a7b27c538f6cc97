import { expect } from 'chai';
import { isTerminal } from '../../src/domain/incident.ts';
import { SafetyStore } from '../../src/safety/store.ts';
import { Journal } from '../../src/journal/journal.ts';
import { systemClock } from '../../src/domain/clock.ts';
import path from 'node:path';
import { withService, type ServiceFixture } from '../helpers/service.ts';
import { until } from '../helpers/wait.ts';
import { admin, alarm, events, freshPerTest, safetyOverrides, watchNova, type FenceScripts, type NovaCall } from './fixture.ts';

type Seeded = Awaited<ReturnType<ServiceFixture['seedServer']>>;

/** compute-1 with `n` HA instances (and one non-HA), compute-2/3 with 3 HA instances each (no alarms). */
async function seedCloud(f: ServiceFixture, n = 4): Promise<{ failing: Seeded[]; cattle: Seeded; others: Seeded[] }> {
  const failing: Seeded[] = [];
  for (let i = 0; i < n; i++) failing.push(await f.seedServer({ name: `pet-${i}`, host: 'compute-1', ha: true }));
  const cattle = await f.seedServer({ name: 'cattle', host: 'compute-1', ha: false });
  const others: Seeded[] = [];
  for (const host of ['compute-2', 'compute-3']) for (let i = 0; i < 3; i++) others.push(await f.seedServer({ name: `${host}-pet-${i}`, host, ha: true }));
  return { failing, cattle, others };
}

const workflowsOf = (f: ServiceFixture, host: string) => f.service.safety.store.list().filter((w) => w.host === host);

async function settled(f: ServiceFixture, ids: string[], timeoutMs = 20_000): Promise<void> {
  await until(`incidents ${ids.length} terminal`, () => ids.every((id) => isTerminal(f.service.journal.get(id)?.state ?? 'open')), timeoutMs);
}

describe('host failure workflow (fake cloud, end to end)', function () {
  this.timeout(60_000);
  let f: ServiceFixture;
  let fence: FenceScripts;
  let calls: NovaCall[];

  freshPerTest((a, b) => ((fence = a), (calls = b)), () => ({ f, fence }));

  it('alarms on 4 instances of one host: one host workflow (disable, fence, force down, evacuate 4, verify), no instance recoveries', async () => {
    f = await withService({ overrides: { safety: safetyOverrides(fence.ok, fence.log) }, wrapClients: watchNova(calls) });
    const { failing, cattle, others } = await seedCloud(f);
    const answers = await Promise.all(failing.map((s) => alarm(s)));
    expect(answers.map((a) => a.status)).to.deep.equal([202, 202, 202, 202]);
    const ids = answers.map((a) => a.body.incident_id as string);
    await settled(f, ids);
    await until('workflow completed', () => workflowsOf(f, 'compute-1')[0]?.state === 'completed', 10_000);

    // One workflow, every instance evacuated and verified.
    const wfs = workflowsOf(f, 'compute-1');
    expect(wfs).to.have.length(1);
    const wf = wfs[0]!;
    expect(wf.fence?.ok).to.equal(true);
    expect(wf.instances.map((i) => i.outcome)).to.deep.equal(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(ids.map((id) => f.service.journal.get(id)!.state)).to.deep.equal(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    for (const s of failing) expect(f.cloud.nova.model.getServer(s.serverId)!.host).to.be.oneOf(['compute-2', 'compute-3']);
    // The non-HA instance and the other hosts' instances were left alone.
    expect(f.cloud.nova.model.getServer(cattle.serverId)!.host).to.equal('compute-1');
    const acted = new Set(f.cloud.nova.model.actions.map((a) => a.serverId));
    for (const s of [cattle, ...others]) expect(acted.has(s.serverId)).to.equal(false);

    // Exactly: disable, force down, 4 evacuations; no live-migrate or reboot.
    expect(calls.map((c) => c.method)).to.deep.equal(['disableService', 'forceDown', 'evacuate', 'evacuate', 'evacuate', 'evacuate']);
    expect(f.cloud.nova.model.actions.map((a) => a.action)).to.deep.equal(['evacuate', 'evacuate', 'evacuate', 'evacuate']);
    // The split-brain guard: no evacuate was ever sent while the fake reported the source up.
    for (const c of calls.filter((c) => c.method === 'evacuate')) expect(c, 'evacuate while source up').to.include({ sourceHost: 'compute-1', sourceUp: false });
    expect(f.service.journal.eventsSince(0, 100_000).filter((e) => e.type === 'action.attempt_failed')).to.deep.equal([]);

    // The fence ran once, for this host and workflow, between disable and force down.
    expect(fence.calls()).to.deep.equal([`compute-1 ${wf.id}`]);
    const order = events(f, 'host.').map((e) => e.type);
    const at = (t: string): number => order.indexOf(t);
    for (const t of ['host.failure_detected', 'host.workflow_started', 'host.service_disabled', 'host.fence_started', 'host.fence_succeeded', 'host.service_forced_down', 'host.evacuation_started', 'host.workflow_completed']) {
      expect(at(t), t).to.be.greaterThan(-1);
    }
    expect(at('host.service_disabled')).to.be.lessThan(at('host.fence_started'));
    expect(at('host.fence_succeeded')).to.be.lessThan(at('host.service_forced_down'));
    expect(at('host.service_forced_down')).to.be.lessThan(at('host.evacuation_started'));
    const fenceEvent = events(f, 'host.fence_succeeded')[0]!;
    expect(fenceEvent.data).to.include({ host: 'compute-1', workflow_id: wf.id, exit_code: 0, timed_out: false });
    expect(fenceEvent.data.stdout_tail).to.match(/Down\/Off/);

    // Every incident names the rule and the workflow; the service stays disabled and forced down.
    const timeline = f.service.journal.timeline(ids[0]!).map((e) => e.type);
    expect(timeline).to.include.members(['incident.attached_to_host_workflow', 'decision.act', 'action.accepted', 'verify.succeeded']);
    const attached = ids.map((id) => f.service.journal.timeline(id).find((e) => e.type === 'incident.attached_to_host_workflow')!.data);
    for (const a of attached) expect(a).to.include({ matched: 'host-failure', workflow_id: wf.id });
    // The first to decide saw K alarms; the others found the workflow already in charge.
    expect(attached.map((a) => a.failure)).to.include('instances-alarming');
    for (const a of attached) expect(a.failure).to.be.oneOf(['instances-alarming', 'workflow-active']);
    expect(f.service.journal.timeline(ids[0]!).find((e) => e.type === 'decision.act')!.data).to.include({ action: 'evacuate', rule: 'host-workflow' });
    const svc = f.cloud.nova.model.computeService('compute-1')!;
    expect(svc).to.include({ disabled: true, forcedDown: true });
    expect(svc.disabledReason).to.match(new RegExp(`^vmha: host failure workflow ${wf.id}`));
  });

  it('vmha host enable: refused while Nova keeps done evacuations, accepted after the host restarted; the workflow is released', async () => {
    f = await withService({ overrides: { safety: safetyOverrides(fence.ok, fence.log) } });
    const { failing } = await seedCloud(f, 3);
    const answers = await Promise.all(failing.map((s) => alarm(s)));
    await settled(f, answers.map((a) => a.body.incident_id as string));
    await until('workflow completed', () => workflowsOf(f, 'compute-1')[0]?.state === 'completed', 10_000);

    const dry = await admin<{ steps: string[] }>(f, 'POST', '/hosts/compute-1/enable', { dry_run: true });
    expect(dry.status).to.equal(200);
    expect(dry.body.steps).to.deep.equal([
      'would lift force-down of the compute service on compute-1',
      'would enable the compute service on compute-1',
      `would release host workflow ${workflowsOf(f, 'compute-1')[0]!.id} (completed)`,
    ]);
    expect(f.cloud.nova.model.computeService('compute-1')).to.include({ disabled: true, forcedDown: true });

    const refused = await admin<{ error: { message: string } }>(f, 'POST', '/hosts/compute-1/enable', {});
    expect(refused.status).to.equal(409);
    expect(refused.body.error.message).to.match(/done` evacuation migration records remain.*restart nova-compute/);
    expect(f.cloud.nova.model.computeService('compute-1')).to.include({ disabled: true, forcedDown: true });

    // The host comes back: its compute restarts and completes the evacuation records.
    f.cloud.nova.model.setHostAlive('compute-1', false);
    f.cloud.nova.model.setHostAlive('compute-1', true);
    const ok = await admin<{ steps: string[] }>(f, 'POST', '/hosts/compute-1/enable', {});
    expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
    expect(f.cloud.nova.model.computeService('compute-1')).to.include({ disabled: false, forcedDown: false });
    expect(workflowsOf(f, 'compute-1')[0]!.state).to.equal('released');
    expect(events(f, 'host.enabled')).to.have.length(1);
  });

  it('a failing fence hook stops the workflow before any evacuation: no force down, no evacuate, incidents given up', async () => {
    f = await withService({ overrides: { safety: safetyOverrides(fence.fail, fence.log) }, wrapClients: watchNova(calls) });
    const { failing } = await seedCloud(f);
    const answers = await Promise.all(failing.map((s) => alarm(s)));
    const ids = answers.map((a) => a.body.incident_id as string);
    await settled(f, ids);
    const wf = workflowsOf(f, 'compute-1')[0]!;
    expect(wf.state).to.equal('failed');
    expect(wf.fence).to.include({ ok: false });
    expect(fence.calls()).to.have.length(1);
    expect(calls.map((c) => c.method)).to.deep.equal(['disableService']);
    expect(f.cloud.nova.model.actions).to.deep.equal([]);
    const failed = events(f, 'host.fence_failed')[0]!;
    expect(failed.data).to.include({ exit_code: 1, timed_out: false, ok: false });
    expect(failed.data.stderr_tail).to.match(/Unable to establish IPMI/);
    expect(events(f, 'host.workflow_failed')[0]!.data).to.include({ step: 'fence' });
    for (const id of ids) {
      const i = f.service.journal.get(id)!;
      expect(i.state).to.equal('gave_up');
      expect(i.reason).to.match(/failed at fence: fence failed/);
    }
    // Disabled (no new instances go there), but not forced down: Nova would not evacuate.
    expect(f.cloud.nova.model.computeService('compute-1')).to.include({ disabled: true, forcedDown: false });
  });

  it('Nova reports the compute down, no alarm at all: the census finds it, HA instances are evacuated, the rest left alone', async () => {
    f = await withService({ overrides: { safety: safetyOverrides(fence.ok, fence.log) }, wrapClients: watchNova(calls) });
    const { failing, cattle } = await seedCloud(f, 2);
    f.cloud.nova.model.setHostAlive('compute-1', false);
    await until('workflow completed', () => workflowsOf(f, 'compute-1')[0]?.state === 'completed', 15_000);
    const wf = workflowsOf(f, 'compute-1')[0]!;
    expect(wf.trigger.kind).to.equal('service-down');
    expect(wf.instances.map((i) => [i.serverId, i.outcome]).sort()).to.deep.equal(failing.map((s) => [s.serverId, 'succeeded']).sort());
    expect(f.cloud.nova.model.getServer(cattle.serverId)!.host).to.equal('compute-1');
    for (const c of calls.filter((c) => c.method === 'evacuate')) expect(c.sourceUp).to.equal(false);
    expect(calls.filter((c) => c.method === 'evacuate')).to.have.length(2);
    // The incidents vmha opened for them say why.
    const incident = f.service.journal.list({ instanceId: failing[0]!.serverId })[0]!;
    expect(incident.state).to.equal('succeeded');
    expect(incident.alarmingMetrics).to.deep.equal(['host.failure']);
  });

  it('without a fence hook there is no host workflow: instances on a down host only wait (the old behaviour)', async () => {
    f = await withService({ overrides: { safety: safetyOverrides(null, fence.log) }, wrapClients: watchNova(calls) });
    const { failing } = await seedCloud(f);
    f.cloud.nova.model.setHostAlive('compute-1', false);
    const res = await alarm(failing[0]!);
    const id = res.body.incident_id as string;
    await until('waiting', () => f.service.journal.get(id)?.state === 'waiting');
    await new Promise((r) => setTimeout(r, 300));
    expect(f.service.journal.get(id)!.reason).to.match(/compute service on compute-1 is down/);
    expect(f.service.safety.store.list()).to.deep.equal([]);
    expect(calls).to.deep.equal([]);
  });

  it('a restart while the fence ran (outcome unknown): the fence is run again, then the workflow goes on', async () => {
    f = await withService({ overrides: { safety: safetyOverrides(fence.ok, fence.log) }, wrapClients: watchNova(calls) });
    const { failing } = await seedCloud(f, 2);
    let wfId = '';
    await f.restart(() => {
      // As a crash would leave it: service disabled, fence started, no result.
      const journal = new Journal(path.join(f.stateDir, 'journal.sqlite'), systemClock);
      const store = new SafetyStore(journal, systemClock);
      const { workflow } = store.open('compute-1', { kind: 'instances-alarming', detail: 'test' }, false);
      wfId = workflow.id;
      store.update(wfId, { state: 'disabling', event: 'host.workflow_started' });
      store.update(wfId, { state: 'fencing', event: 'host.service_disabled' });
      store.update(wfId, { event: 'host.fence_started', patch: { fence: { startedAt: Date.now(), finishedAt: null, ok: null, detail: null } } });
      journal.close();
      f.cloud.nova.model.setServiceState('compute-1', { disabled: true });
    });
    await until('workflow completed', () => f.service.safety.store.get(wfId)?.state === 'completed', 15_000);
    expect(fence.calls()).to.deep.equal([`compute-1 ${wfId}`]);
    expect(events(f, 'host.fence_rerun')).to.have.length(1);
    expect(events(f, 'host.workflow_resumed')).to.have.length(1);
    expect(calls.map((c) => c.method)).to.deep.equal(['forceDown', 'evacuate', 'evacuate']);
    expect(f.service.safety.store.get(wfId)!.instances.map((i) => i.outcome)).to.deep.equal(['succeeded', 'succeeded']);
    expect(failing.every((s) => f.cloud.nova.model.getServer(s.serverId)!.host !== 'compute-1')).to.equal(true);
  });

  it('a restart after a successful fence: the fence is not re-run; evacuation resumes', async () => {
    f = await withService({ overrides: { safety: safetyOverrides(fence.ok, fence.log) }, wrapClients: watchNova(calls) });
    await seedCloud(f, 2);
    let wfId = '';
    await f.restart(() => {
      const journal = new Journal(path.join(f.stateDir, 'journal.sqlite'), systemClock);
      const store = new SafetyStore(journal, systemClock);
      const { workflow } = store.open('compute-1', { kind: 'service-down', detail: 'test' }, false);
      wfId = workflow.id;
      store.update(wfId, { state: 'disabling', event: 'host.workflow_started' });
      store.update(wfId, { state: 'fencing', event: 'host.service_disabled' });
      store.update(wfId, { state: 'forcing_down', event: 'host.fence_succeeded', patch: { fence: { startedAt: 1, finishedAt: 2, ok: true, detail: 'ok' } } });
      store.update(wfId, { state: 'evacuating', event: 'host.service_forced_down' });
      journal.close();
      f.cloud.nova.model.setServiceState('compute-1', { disabled: true, forcedDown: true });
    });
    await until('workflow completed', () => f.service.safety.store.get(wfId)?.state === 'completed', 15_000);
    expect(fence.calls()).to.deep.equal([]);
    expect(calls.map((c) => c.method)).to.deep.equal(['evacuate', 'evacuate']);
    for (const c of calls) expect(c.sourceUp).to.equal(false);
  });

  it('host maintenance: a host Nova reports down gets no workflow; instance maintenance: that instance is not evacuated', async () => {
    f = await withService({ overrides: { safety: safetyOverrides(fence.ok, fence.log) }, wrapClients: watchNova(calls) });
    const { failing } = await seedCloud(f, 3);
    await admin(f, 'PUT', '/maintenance', { level: 'host', target: 'compute-1', on: true, reason: 'rack work' });
    await admin(f, 'PUT', '/maintenance', { level: 'instance', target: failing[0]!.serverId, on: true });
    f.cloud.nova.model.setHostAlive('compute-1', false);
    await new Promise((r) => setTimeout(r, 1000)); // several census passes
    expect(f.service.safety.store.list()).to.deep.equal([]);
    expect(calls).to.deep.equal([]);

    // Host maintenance off: the workflow runs, and leaves the instance under maintenance alone.
    await admin(f, 'PUT', '/maintenance', { level: 'host', target: 'compute-1', on: false });
    await until('workflow completed', () => f.service.safety.store.holding('compute-1')?.state === 'completed', 15_000);
    const wf = f.service.safety.store.holding('compute-1')!;
    const outcome = Object.fromEntries(wf.instances.map((i) => [i.serverId, i.outcome]));
    expect(outcome).to.deep.equal({ [failing[0]!.serverId]: 'skipped', [failing[1]!.serverId]: 'succeeded', [failing[2]!.serverId]: 'succeeded' });
    expect(calls.filter((c) => c.method === 'evacuate').map((c) => c.args[0]).sort()).to.deep.equal([failing[1]!.serverId, failing[2]!.serverId].sort());
    expect(f.service.journal.list({ instanceId: failing[0]!.serverId })[0]!.state).to.equal('suppressed');
  });

  it('a late alarm from an instance still on a host the workflow already fenced: evacuated at once, no second fence', async () => {
    f = await withService({ overrides: { safety: safetyOverrides(fence.ok, fence.log) }, wrapClients: watchNova(calls) });
    const { failing } = await seedCloud(f, 3);
    await Promise.all(failing.map((s) => alarm(s)));
    await until('workflow completed', () => f.service.safety.store.holding('compute-1')?.state === 'completed', 15_000);
    // An HA instance Nova still places on the fenced host (e.g. HA metadata set since).
    const late = await f.seedServer({ name: 'late', host: 'compute-1', ha: true });
    const res = await alarm(late);
    const id = res.body.incident_id as string;
    await until('late one settled', () => isTerminal(f.service.journal.get(id)?.state ?? 'open'), 15_000);
    expect(f.service.journal.get(id)!.state).to.equal('succeeded');
    expect(f.cloud.nova.model.getServer(late.serverId)!.host).to.not.equal('compute-1');
    expect(fence.calls()).to.have.length(1);
    expect(f.service.safety.store.list()).to.have.length(1);
    const evacuations = calls.filter((c) => c.method === 'evacuate');
    expect(evacuations).to.have.length(4);
    for (const c of evacuations) expect(c.sourceUp).to.equal(false);
  });

  it('the split-brain guard refuses an evacuate the matrix asks for on an unfenced host', async () => {
    const matrix = { rules: [{ name: 'evacuate-on-ping', when: { alarms: { any: ['instance.ping.delay'] } }, then: ['evacuate'] }] };
    f = await withService({ overrides: { recovery: { matrix }, safety: safetyOverrides(fence.ok, fence.log) }, wrapClients: watchNova(calls) });
    const s = await f.seedServer({ name: 'pet', host: 'compute-1', ha: true });
    f.cloud.nova.model.addHost('compute-2');
    const res = await alarm(s);
    const id = res.body.incident_id as string;
    await until('terminal', () => isTerminal(f.service.journal.get(id)?.state ?? 'open'));
    const i = f.service.journal.get(id)!;
    expect(i.state).to.equal('failed');
    expect(i.reason).to.match(/^split-brain guard: refusing to evacuate from compute-1: vmha has not fenced it/);
    expect(calls).to.deep.equal([]);
    expect(f.cloud.nova.model.actions).to.deep.equal([]);
  });
});
