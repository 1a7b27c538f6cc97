// Each demo scenario played through the demo harness (simulated cloud, real vmha serve,
// alarms installed by the real CLI, real probes and publisher, the fake Aodh's evaluator)
// and asserted step by step from what the fakes recorded.
import { expect } from 'chai';
import { run } from '../../src/cli/main.ts';
import { startDemo, type DemoHarness } from '../../src/demo/harness.ts';
import { runScenario, type ScenarioResult } from '../../src/demo/run.ts';
import { scenarioNamed } from '../../src/demo/scenarios.ts';
import { DEMO_ARCHIVE_POLICY } from '../../src/demo/settings.ts';
import { alarmActionUrl } from '../../src/domain/webhook-url.ts';
import type { JournalEvent } from '../../src/journal/journal.ts';

const METRIC_OF: Record<string, string> = { 'ping-delay': 'instance.ping.delay', 'disk-health': 'instance.disk.health', 'agent-down': 'instance.agent.up' };

describe('vmha demo scenarios', function () {
  this.timeout(120_000);
  let h: DemoHarness;

  before(async () => {
    h = await startDemo({ runCli: run });
  });
  after(async () => {
    await h?.close();
  });

  const id = (name: string): string => h.sim.guest(name).id;
  const alarmOf = (template: string, guest: string) => {
    const a = h.alarms.find((x) => x.template === template && x.serverId === id(guest));
    if (!a) throw new Error(`no ${template} alarm on ${guest}`);
    return a;
  };
  /** Aodh's recorded state transitions of an alarm since `since`, oldest first. */
  const transitions = (alarmId: string, since: number) =>
    h.sim.cloud.aodh
      .history(alarmId)
      .filter((c) => c.type === 'state transition' && c.timestamp >= since)
      .reverse()
      .map((c) => JSON.parse(c.detail) as { state: string; transition_reason: string });
  const incidentOf = (guest: string, since: number) => {
    const incidents = h.service.journal.list({ instanceId: id(guest) }).filter((i) => i.openedAt >= since);
    expect(incidents, `incidents of ${guest}`).to.have.length(1);
    return { incident: incidents[0]!, timeline: h.service.journal.timeline(incidents[0]!.id) };
  };
  const eventOf = (timeline: JournalEvent[], type: string): JournalEvent => {
    const e = timeline.find((x) => x.type === type);
    if (!e) throw new Error(`no ${type} in ${timeline.map((x) => x.type).join(', ')}`);
    return e;
  };
  const novaActionsSince = (since: number) => h.sim.cloud.nova.model.actions.filter((a) => a.at >= since);
  const safetySince = (since: number) =>
    h.service.journal
      .eventsSince(0, 100_000)
      .filter((e) => e.incidentId === null && e.at >= since && (e.type.startsWith('host.') || e.type.startsWith('guard.')));

  it('starts with the alarms installed by the real CLI on every HA instance, all evaluated ok', () => {
    const ha = h.sim.guests().filter((g) => h.sim.server(g.name)?.metadata.HA_Enabled === 'True');
    expect(ha).to.have.length(8);
    expect(h.alarms).to.have.length(ha.length * 3);
    for (const g of ha) {
      for (const template of ['ping-delay', 'disk-health', 'agent-down']) {
        const installed = alarmOf(template, g.name);
        const alarm = h.sim.cloud.aodh.get(installed.alarmId)!;
        expect(alarm.name).to.equal(`vmha:${template}:${g.id}`);
        expect(alarm.state).to.equal('ok');
        expect(alarm.rule).to.include({ metric: METRIC_OF[template], resource_id: g.id, granularity: 1, evaluation_periods: 3 });
        // The action URL is the running service's, with the per-alarm token.
        expect(alarm.alarm_actions).to.deep.equal([alarmActionUrl(h.service.url, readSecret(h), alarm.name)]);
      }
    }
    // Ordinary instances get no alarm.
    for (const g of h.sim.guests().filter((x) => !ha.includes(x))) expect(h.alarms.some((a) => a.serverId === g.id), g.name).to.equal(false);
    // The probe agents published through Gnocchi's batch API with the demo's archive policy.
    const metricId = h.sim.cloud.gnocchi.metricId(id('web-2'), 'instance.ping.delay')!;
    expect(h.sim.cloud.gnocchi.indexer.metrics.get(metricId)?.archivePolicyName).to.equal(DEMO_ARCHIVE_POLICY);
    expect(h.sim.cloud.gnocchi.measures(id('web-2'), 'instance.ping.delay').length).to.be.at.least(3);
    // Aodh's first transitions (insufficient data -> ok) reached vmha, which had nothing to do.
    const noted = h.service.journal.eventsSince(0, 10_000).filter((e) => e.type === 'delivery.no_incident' && e.data.current === 'ok');
    expect(new Set(noted.map((e) => e.data.alarm_id))).to.have.property('size', h.alarms.length);
    expect(h.sim.cloud.nova.model.actions).to.deep.equal([]);
  });

  it('network-loss: the ping-delay alarm fires, vmha live-migrates the guest, it is healthy again on another host', async () => {
    const hostBefore = h.sim.server('web-1')!.host;
    const r = await runScenario(h, scenarioNamed('network-loss')!);
    assertOk(r);
    const since = r.injectedAt;
    const alarm = alarmOf('ping-delay', 'web-1');

    // Aodh: ok -> alarm over three 1 s periods of 999 ms, then back to ok.
    const t = transitions(alarm.alarmId, since);
    expect(t.map((x) => x.state)).to.deep.equal(['alarm', 'ok']);
    expect(t[0]!.transition_reason).to.equal('Transition to alarm due to 3 samples outside threshold, most recent: 999.0');
    expect(t[1]!.transition_reason).to.match(/^Transition to ok due to 3 samples inside threshold, most recent: 0\.\d+$/);
    // Only this alarm of web-1 fired.
    for (const other of h.alarms.filter((a) => a.serverId === id('web-1') && a.alarmId !== alarm.alarmId)) {
      expect(transitions(other.alarmId, since), other.name).to.deep.equal([]);
    }

    // vmha: the notification opened an incident, the decision, Nova's request id, verification.
    const { incident, timeline } = incidentOf('web-1', since);
    expect(incident.state).to.equal('succeeded');
    const opened = eventOf(timeline, 'incident.opened');
    expect(opened.data).to.include({ alarm_id: alarm.alarmId, previous: 'ok', current: 'alarm', via: 'webhook', reason: t[0]!.transition_reason });
    expect(eventOf(timeline, 'decision.act').data).to.include({ action: 'live-migrate', rule: 'metric-instance.ping.delay' });
    const accepted = eventOf(timeline, 'action.accepted');

    // Nova: exactly one action on the whole cloud, the live migration, with vmha's request id.
    const actions = novaActionsSince(since);
    expect(actions.map((a) => ({ server: a.serverId, action: a.action, body: a.body }))).to.deep.equal([
      { server: id('web-1'), action: 'os-migrateLive', body: { 'os-migrateLive': { host: null, block_migration: 'auto' } } },
    ]);
    expect(accepted.data.request_id).to.equal(actions[0]!.requestId);
    expect(eventOf(timeline, 'verify.succeeded').data.reason).to.match(/ACTIVE on compute-\d \(was compute-1\)/);

    // The end: web-1 runs on another host, and its in-guest ping works again.
    const server = h.sim.server('web-1')!;
    expect(server.host).to.not.equal(hostBefore);
    expect(server.vmState).to.equal('active');
    expect(server.taskState).to.equal(null);
    const last = h.sim.cloud.gnocchi.measures(id('web-1'), 'instance.ping.delay').at(-1)!;
    expect(last.value).to.be.lessThan(500);
    expect(r.detectedAfterMs!).to.be.within(1000, 10_000);
    expect(r.recoveredAfterMs!).to.be.greaterThan(r.detectedAfterMs!);
  });

  it('disk-read-only: the disk-health alarm fires, vmha hard-reboots the guest in place, its disk is writable again', async () => {
    const hostBefore = h.sim.server('db-2')!.host;
    const r = await runScenario(h, scenarioNamed('disk-read-only')!);
    assertOk(r);
    const since = r.injectedAt;
    const alarm = alarmOf('disk-health', 'db-2');

    const t = transitions(alarm.alarmId, since);
    expect(t.map((x) => x.state)).to.deep.equal(['alarm', 'ok']);
    expect(t[0]!.transition_reason).to.equal('Transition to alarm due to 3 samples outside threshold, most recent: -1.0');
    expect(t[1]!.transition_reason).to.equal('Transition to ok due to 3 samples inside threshold, most recent: 0.0');

    const { incident, timeline } = incidentOf('db-2', since);
    expect(incident.state).to.equal('succeeded');
    expect(eventOf(timeline, 'incident.opened').data).to.include({ alarm_id: alarm.alarmId, metric: 'instance.disk.health', current: 'alarm' });
    expect(eventOf(timeline, 'decision.act').data).to.include({ action: 'reboot-hard', rule: 'metric-instance.disk.health' });

    const actions = novaActionsSince(since);
    expect(actions.map((a) => ({ server: a.serverId, action: a.action, body: a.body }))).to.deep.equal([
      { server: id('db-2'), action: 'reboot', body: { reboot: { type: 'HARD' } } },
    ]);
    expect(eventOf(timeline, 'action.accepted').data.request_id).to.equal(actions[0]!.requestId);

    const server = h.sim.server('db-2')!;
    expect(server.host).to.equal(hostBefore);
    expect([server.vmState, server.taskState]).to.deep.equal(['active', null]);
    // The probes saw the disk fail, then (after the reboot) pass again.
    const disk = h.sim.cloud.gnocchi.measures(id('db-2'), 'instance.disk.health').filter((m) => m.timestamp >= since).map((m) => m.value);
    expect(disk).to.include(-1);
    expect(disk.at(-1)).to.equal(0);
  });

  it('not-ha: an alarm on an instance whose owner turned HA off is ignored, and Nova is not called', async () => {
    const hostBefore = h.sim.server('legacy-1')!.host;
    const r = await runScenario(h, scenarioNamed('not-ha')!);
    assertOk(r);
    const since = r.injectedAt;
    const alarm = alarmOf('disk-health', 'legacy-1');

    expect(transitions(alarm.alarmId, since).map((x) => x.state)).to.deep.equal(['alarm']);
    const { incident, timeline } = incidentOf('legacy-1', since);
    expect(incident.state).to.equal('ignored');
    expect(eventOf(timeline, 'decision.ignore').data).to.include({ rule: 'not-ha-enabled' });
    expect(timeline.map((e) => e.type)).to.not.include('action.issuing');
    expect(novaActionsSince(since)).to.deep.equal([]);
    const server = h.sim.server('legacy-1')!;
    expect([server.host, server.vmState, server.taskState]).to.deep.equal([hostBefore, 'active', null]);
    expect(r.recoveredAfterMs).to.equal(undefined);
  });
  it('host-down: the census finds the dead host, vmha fences it through its BMC, forces it down and evacuates its HA guests', async () => {
    const r = await runScenario(h, scenarioNamed('host-down')!);
    assertOk(r);
    const since = r.injectedAt;
    const model = h.sim.cloud.nova.model;

    // No alarm could fire: the host's probe agent died with it.
    for (const g of ['app-1', 'app-2']) {
      for (const a of h.alarms.filter((x) => x.serverId === id(g))) {
        const states = h.sim.cloud.aodh.history(a.alarmId).filter((c) => c.timestamp >= since && c.type === 'state transition').map((c) => JSON.parse(c.detail).state as string);
        expect(states, a.name).to.not.include('alarm');
        expect(states, a.name).to.include('insufficient data');
      }
    }

    // The workflow, step by step, in the journal.
    const steps = safetySince(since).filter((e) => e.data.host === 'compute-4').map((e) => e.type);
    const order = ['host.workflow_started', 'host.service_disabled', 'host.fence_started', 'host.fence_succeeded', 'host.service_forced_down', 'host.evacuation_started', 'host.workflow_completed'];
    expect(steps.filter((t) => order.includes(t))).to.deep.equal(order);
    const fenced = safetySince(since).find((e) => e.type === 'host.fence_succeeded')!;
    expect(String(fenced.data.stdout_tail)).to.contain('Chassis Power Control: Down/Off');

    // The fence really ran (the BMC powered compute-4 off once), before Nova evacuated anything.
    const actions = model.actions.filter((a) => a.at >= since);
    expect(actions.map((a) => [a.action, a.body])).to.deep.equal([
      ['evacuate', { evacuate: {} }],
      ['evacuate', { evacuate: {} }],
    ]);
    expect(actions.map((a) => a.serverId).sort()).to.deep.equal([id('app-1'), id('app-2')].sort());
    expect(h.sim.bmc.powerOffs.map((p) => p.host)).to.deep.equal(['compute-4']);
    expect(h.sim.bmc.powerOffs[0]!.at).to.be.at.most(actions[0]!.at);
    const svc = model.computeService('compute-4')!;
    expect([svc.disabled, svc.forcedDown]).to.deep.equal([true, true]);

    for (const g of ['app-1', 'app-2']) {
      const incidents = h.service.journal.list({ instanceId: id(g) }).filter((i) => i.openedAt >= since);
      expect(incidents.map((i) => [i.state, i.alarmingMetrics]), g).to.deep.equal([['succeeded', ['host.failure']]]);
      const timeline = h.service.journal.timeline(incidents[0]!.id).map((e) => e.type);
      expect(timeline).to.include.members(['incident.opened', 'incident.attached_to_host_workflow', 'action.accepted', 'verify.succeeded']);
      const server = h.sim.server(g)!;
      expect(server.host).to.be.oneOf(['compute-1', 'compute-2', 'compute-3']);
      expect([server.vmState, server.taskState]).to.deep.equal(['active', null]);
    }
    // The ordinary instance on the host is not vmha's: still there, untouched.
    expect(h.sim.server('batch-4')!.host).to.equal('compute-4');
  });

  it('storm: most guests fail at once, the mass-failure guard holds every action, and releases once the storm passes', async () => {
    const r = await runScenario(h, scenarioNamed('storm')!);
    assertOk(r);
    const since = r.injectedAt;
    const events = safetySince(since);
    const tripped = events.find((e) => e.type === 'guard.tripped');
    const released = events.find((e) => e.type === 'guard.released');
    expect(tripped, 'guard.tripped').to.not.equal(undefined);
    expect(String(tripped!.data.reason)).to.match(/^mass failure: .*HA instances alarming/);
    expect(released!.at).to.be.greaterThan(tripped!.at);
    // Nothing was changed anywhere: no Nova action, no fence.
    expect(h.sim.cloud.nova.model.actions.filter((a) => a.at >= since)).to.deep.equal([]);
    expect(events.map((e) => e.type)).to.not.include('host.fence_started');
    for (const g of scenarioNamed('storm')!.targets) {
      const alarm = h.alarms.find((a) => a.template === 'ping-delay' && a.serverId === id(g))!;
      const states = h.sim.cloud.aodh.history(alarm.alarmId).filter((c) => c.timestamp >= since && c.type === 'state transition').reverse().map((c) => JSON.parse(c.detail).state as string);
      expect(states, g).to.deep.equal(['alarm', 'ok']);
      const [incident] = h.service.journal.list({ instanceId: id(g) }).filter((i) => i.openedAt >= since);
      const timeline = h.service.journal.timeline(incident!.id).map((e) => e.type);
      expect(timeline.some((t) => t === 'decision.held' || t === 'incident.attached_to_host_workflow'), `${g}: ${timeline.join(', ')}`).to.equal(true);
      expect(timeline).to.not.include('action.issuing');
      expect(incident!.state).to.be.oneOf(['closed', 'ignored']);
    }
  });

});

function assertOk(r: ScenarioResult): void {
  const failed = r.checks.filter((c) => !c.ok).map((c) => `${c.what}: ${c.detail}`);
  expect(failed, `${r.name}: failed checks`).to.deep.equal([]);
  expect(r.ok).to.equal(true);
  expect(r.timedOut).to.equal(false);
}

function readSecret(h: DemoHarness): string {
  return h.config.webhook.secret;
}
