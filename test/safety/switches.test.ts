import { expect } from 'chai';
import { isTerminal } from '../../src/domain/incident.ts';
import { withDryRun } from '../../src/service/safety.ts';
import { testConfig, withService, type ServiceFixture } from '../helpers/service.ts';
import { until } from '../helpers/wait.ts';
import { admin, alarm, events, fenceScripts, freshPerTest, safetyOverrides, watchNova, type FenceScripts, type NovaCall } from './fixture.ts';

type Seeded = Awaited<ReturnType<ServiceFixture['seedServer']>>;

const DISK_RESET = { rules: [{ name: 'disk-reset', when: { alarms: { any: ['instance.disk.health'] } }, then: ['reboot-hard'], escalate: false }] };
const disk = (f: ServiceFixture, name: string, host: string): Promise<Seeded> =>
  f.seedServer({ name, host, ha: true, template: 'disk-health' });

async function terminal(f: ServiceFixture, id: string): Promise<string> {
  return until(`incident ${id} terminal`, () => {
    const i = f.service.journal.get(id);
    return i && isTerminal(i.state) ? i.state : undefined;
  }, 15_000) as Promise<string>;
}

describe('maintenance switches (fake cloud, end to end)', function () {
  this.timeout(60_000);
  let f: ServiceFixture;
  let fence: FenceScripts;
  let calls: NovaCall[];
  let a1: Seeded;
  let a2: Seeded;
  let b1: Seeded;
  let round = 0;

  before(async () => {
    fence = fenceScripts();
    calls = [];
    f = await withService({
      overrides: { recovery: { matrix: DISK_RESET }, safety: safetyOverrides(null, fence.log, { guard: { enabled: false }, instance: { max_actions: 10 } }) },
      wrapClients: watchNova(calls),
    });
    f.cloud.nova.model.addHost('compute-1', { zone: 'az-a' });
    f.cloud.nova.model.addHost('compute-2', { zone: 'az-a' });
    f.cloud.nova.model.addHost('compute-3', { zone: 'az-b' });
    a1 = await disk(f, 'a1', 'compute-1');
    a2 = await disk(f, 'a2', 'compute-2');
    b1 = await disk(f, 'b1', 'compute-3');
  });
  after(async () => {
    await f.stop();
    fence.cleanup();
  });

  /** Fires all three alarms (a fresh transition each round) and returns the final state per instance. */
  async function fireAll(): Promise<Record<string, string>> {
    round += 1;
    const out: Record<string, string> = {};
    for (const [name, s] of [['a1', a1], ['a2', a2], ['b1', b1]] as const) {
      const res = await alarm(s, 'alarm', -round);
      out[name] = await terminal(f, res.body.incident_id as string);
      await alarm(s, 'ok', round);
    }
    return out;
  }

  const cases: [string, { level: string; target?: string }, Record<string, string>][] = [
    ['instance a1', { level: 'instance', target: '' }, { a1: 'suppressed', a2: 'succeeded', b1: 'succeeded' }],
    ['host compute-2', { level: 'host', target: 'compute-2' }, { a1: 'succeeded', a2: 'suppressed', b1: 'succeeded' }],
    ['availability zone az-b', { level: 'az', target: 'az-b' }, { a1: 'succeeded', a2: 'succeeded', b1: 'suppressed' }],
    ['availability zone az-a', { level: 'az', target: 'az-a' }, { a1: 'suppressed', a2: 'suppressed', b1: 'succeeded' }],
    ['global', { level: 'global' }, { a1: 'suppressed', a2: 'suppressed', b1: 'suppressed' }],
  ];
  for (const [name, sw, want] of cases) {
    it(`${name}: suppresses exactly its scope; off again, alarms are acted on`, async () => {
      const target = sw.level === 'instance' ? a1.serverId : sw.target;
      const on = await admin<{ changed: boolean }>(f, 'PUT', '/maintenance', { level: sw.level, target, on: true, reason: 'firmware update' });
      expect(on.status, JSON.stringify(on.body)).to.equal(200);
      expect(on.body.changed).to.equal(true);
      const before = calls.length;
      expect(await fireAll()).to.deep.equal(want);
      const acted = Object.values(want).filter((s) => s === 'succeeded').length;
      expect(calls.slice(before).map((c) => c.method)).to.deep.equal(Array(acted).fill('reboot'));
      const suppressed = f.service.journal.list({ state: 'suppressed', limit: 1 })[0]!;
      expect(suppressed.reason).to.match(/maintenance.* is on \(since .*, by .*: firmware update\); not acted on/);
      expect(f.service.journal.timeline(suppressed.id).find((e) => e.type === 'decision.suppressed')!.data).to.include({ level: sw.level, rule: 'maintenance' });

      const off = await admin<{ changed: boolean }>(f, 'PUT', '/maintenance', { level: sw.level, target, on: false });
      expect(off.body.changed).to.equal(true);
      expect(await fireAll()).to.deep.equal({ a1: 'succeeded', a2: 'succeeded', b1: 'succeeded' });
    });
  }

  it('switches are journaled as events and survive a restart', async () => {
    await admin(f, 'PUT', '/maintenance', { level: 'host', target: 'compute-1', on: true });
    await f.restart();
    const got = await admin<{ maintenance: { hosts: Record<string, unknown> } }>(f, 'GET', '/maintenance');
    expect(Object.keys(got.body.maintenance.hosts)).to.deep.equal(['compute-1']);
    // The restarted service listens on a new port.
    a1 = { ...a1, url: a1.url.replace(/^http:\/\/[^/]+/, f.service.url) };
    a2 = { ...a2, url: a2.url.replace(/^http:\/\/[^/]+/, f.service.url) };
    b1 = { ...b1, url: b1.url.replace(/^http:\/\/[^/]+/, f.service.url) };
    const res = await alarm(a1, 'alarm', -100);
    expect(await terminal(f, res.body.incident_id as string)).to.equal('suppressed');
    await alarm(a1, 'ok', 100);
    await admin(f, 'PUT', '/maintenance', { level: 'host', target: 'compute-1', on: false });
    const types = events(f, 'maintenance.').map((e) => `${e.type}:${e.data.level}`);
    expect(types.slice(-2)).to.deep.equal(['maintenance.on:host', 'maintenance.off:host']);
    expect(types.filter((t) => t.startsWith('maintenance.on'))).to.have.length(6);
  });

  it('bad requests are refused with the reason', async () => {
    const cases: [unknown, RegExp][] = [
      [{ level: 'rack', on: true }, /level must be one of global, az, host, instance/],
      [{ level: 'host', on: true }, /^host maintenance needs a target \(a host name\)$/],
      [{ level: 'global', target: 'x', on: true }, /global maintenance takes no target/],
      [{ level: 'host', target: 'h', on: 'yes' }, /on must be true or false/],
    ];
    for (const [body, re] of cases) {
      const r = await admin<{ error: { message: string } }>(f, 'PUT', '/maintenance', body);
      expect(r.status).to.equal(400);
      expect(r.body.error.message).to.match(re);
    }
  });
});

describe('the per-instance budget and the alarm re-check before acting (fake cloud, end to end)', function () {
  this.timeout(60_000);
  let f: ServiceFixture;
  let fence: FenceScripts;
  afterEach(async () => {
    await f.stop();
    fence.cleanup();
  });

  it('the same instance alarming again and again: at most N actions in the window, then given up', async () => {
    fence = fenceScripts();
    f = await withService({ overrides: { recovery: { matrix: DISK_RESET }, safety: safetyOverrides(null, fence.log, { instance: { max_actions: 2, window_s: 3600, cooldown_s: 0 } }) } });
    const s = await disk(f, 'flappy', 'compute-1');
    const states: string[] = [];
    const ids: string[] = [];
    for (let i = 1; i <= 4; i++) {
      const res = await alarm(s, 'alarm', -i);
      ids.push(res.body.incident_id as string);
      states.push(await terminal(f, ids[i - 1]!));
      await alarm(s, 'ok', i);
    }
    expect(states).to.deep.equal(['succeeded', 'succeeded', 'gave_up', 'gave_up']);
    expect(f.cloud.nova.model.actions.map((a) => a.action)).to.deep.equal(['reboot', 'reboot']);
    const gaveUp = f.service.journal.get(ids[2]!)!;
    expect(gaveUp.reason).to.match(/^2 recovery actions on this instance in the last 3600 s \(at most 2\): giving up; an operator must look at it$/);
    expect(f.service.journal.timeline(ids[2]!).find((e) => e.type === 'decision.give_up')!.data).to.include({ rule: 'action-budget-exhausted', matched: 'disk-reset' });
  });

  it('a cooldown after an action: the next incident waits it out, then acts', async () => {
    fence = fenceScripts();
    f = await withService({ overrides: { recovery: { matrix: DISK_RESET }, safety: safetyOverrides(null, fence.log, { instance: { cooldown_s: 1.5 } }) } });
    const s = await disk(f, 'pet', 'compute-1');
    const first = await alarm(s, 'alarm', -1);
    expect(await terminal(f, first.body.incident_id as string)).to.equal('succeeded');
    await alarm(s, 'ok', 1);
    const second = await alarm(s, 'alarm', -2);
    const id = second.body.incident_id as string;
    await until('cooling down', () => /^cooldown: /.test(f.service.journal.get(id)?.reason ?? ''));
    expect(f.cloud.nova.model.actions).to.have.length(1);
    expect(await terminal(f, id)).to.equal('succeeded');
    const [a, b] = f.cloud.nova.model.actions;
    expect(b!.at - a!.at).to.be.at.least(1400);
  });

  // The alarm re-check before acting (recovery.recheck_alarm_after_s).
  /** One recovery, then a late alarm for the same instance that waits out the cooldown; Aodh's state is `late` by then. */
  async function lateAlarm(late: 'ok' | 'alarm' | 'insufficient data'): Promise<{ id: string; actions: number }> {
    fence = fenceScripts();
    f = await withService({
      overrides: { recovery: { matrix: DISK_RESET, recheck_alarm_after_s: 0.5 }, safety: safetyOverrides(null, fence.log, { instance: { cooldown_s: 1.5 } }) },
    });
    const s = await disk(f, 'pet', 'compute-1');
    const first = await alarm(s, 'alarm', -1);
    expect(await terminal(f, first.body.incident_id as string)).to.equal('succeeded');
    // Delivered after the recovery; its ok notification will never come.
    const second = await alarm(s, 'alarm', -2);
    const id = second.body.incident_id as string;
    await until('cooling down', () => /^cooldown: /.test(f.service.journal.get(id)?.reason ?? ''));
    f.cloud.aodh.setState(s.alarmId, late, `Transition to ${late} (test)`);
    await terminal(f, id);
    return { id, actions: f.cloud.nova.model.actions.length };
  }

  it('Aodh says ok by the end of the cooldown: closed, no second action on the healthy instance', async () => {
    const { id, actions } = await lateAlarm('ok');
    expect(actions).to.equal(1);
    const i = f.service.journal.get(id)!;
    expect(i.state).to.equal('closed');
    expect(i.reason).to.match(/^the alarm is ok in Aodh after \d+ s of waiting/);
    const closed = f.service.journal.timeline(id).find((e) => e.type === 'incident.closed')!;
    expect(closed.data).to.include({ would: 'reboot-hard' });
    expect(Object.values(closed.data.alarm_states as Record<string, string>)).to.deep.equal(['ok']);
  });

  for (const late of ['alarm', 'insufficient data'] as const) {
    it(`Aodh says ${late} by then: the action goes ahead (only ok counts as healthy)`, async () => {
      const { id, actions } = await lateAlarm(late);
      expect(f.service.journal.get(id)!.state).to.equal('succeeded');
      expect(actions).to.equal(2);
    });
  }
});

describe('dry run (fake cloud, end to end)', function () {
  this.timeout(60_000);
  let f: ServiceFixture;
  let fence: FenceScripts;
  let calls: NovaCall[];
  freshPerTest((a, b) => ((fence = a), (calls = b)), () => ({ f, fence }));

  it('an instance alarm: the journal shows the plan, Nova is not changed', async () => {
    f = await withService({ overrides: { safety: safetyOverrides(fence.ok, fence.log, { dry_run: true }) }, wrapClients: watchNova(calls) });
    const s = await f.seedServer({ name: 'pet', host: 'compute-1', ha: true });
    f.cloud.nova.model.addHost('compute-2');
    const res = await alarm(s);
    const id = res.body.incident_id as string;
    expect(await terminal(f, id)).to.equal('dry_run');
    const i = f.service.journal.get(id)!;
    expect(i.reason).to.match(/^dry run: would live-migrate: instance\.ping\.delay alarming: live-migrate$/);
    expect(f.service.journal.timeline(id).find((e) => e.type === 'decision.dry_run')!.data).to.include({
      action: 'live-migrate',
      matched: 'metric-instance.ping.delay',
      would: `live-migrate server ${s.serverId} on compute-1`,
    });
    expect(calls).to.deep.equal([]);
    expect(f.cloud.nova.model.actions).to.deep.equal([]);
    expect(f.cloud.nova.model.getServer(s.serverId)!.host).to.equal('compute-1');
  });

  it('a host failure: the workflow is planned and journaled; no disable, no fence, no force down, no evacuate', async () => {
    f = await withService({ overrides: { safety: safetyOverrides(fence.ok, fence.log, { dry_run: true }) }, wrapClients: watchNova(calls) });
    const failing: Seeded[] = [];
    for (let i = 0; i < 4; i++) failing.push(await f.seedServer({ name: `pet-${i}`, host: 'compute-1', ha: true }));
    for (const host of ['compute-2', 'compute-3']) for (let i = 0; i < 3; i++) await f.seedServer({ name: `${host}-${i}`, host, ha: true });
    const servicesBefore = JSON.stringify(f.cloud.nova.model.services().map(({ lastSeen: _l, ...s }) => s));
    const answers = await Promise.all(failing.map((s) => alarm(s)));
    const ids = answers.map((a) => a.body.incident_id as string);
    for (const id of ids) expect(await terminal(f, id)).to.equal('dry_run');
    const wfs = f.service.safety.store.list();
    expect(wfs.map((w) => [w.host, w.state])).to.deep.equal([['compute-1', 'planned']]);
    const planned = events(f, 'host.workflow_planned')[0]!;
    expect(planned.data.plan).to.deep.equal([
      `would disable the compute service on compute-1 (reason "vmha: host failure workflow ${wfs[0]!.id}: ${wfs[0]!.trigger.detail}")`,
      'would fence compute-1 with the command fence hook',
      'would force the compute service on compute-1 down',
      `would evacuate 4 HA instance(s): ${(planned.data.instances as string[]).join(', ')}`,
      'would leave the service disabled until `vmha host enable`',
    ]);
    expect([...(planned.data.instances as string[])].sort()).to.deep.equal(failing.map((s) => s.serverId).sort());
    expect(f.service.journal.get(ids[0]!)!.reason).to.match(/^dry run: /);
    expect(fence.calls()).to.deep.equal([]);
    expect(calls).to.deep.equal([]);
    expect(f.cloud.nova.model.actions).to.deep.equal([]);
    expect(JSON.stringify(f.cloud.nova.model.services().map(({ lastSeen: _l, ...s }) => s))).to.equal(servicesBefore);
  });
});

describe('withDryRun', () => {
  it('(`vmha serve --dry-run`) copies the configuration with safety.dry_run on, leaving the original as it was', () => {
    const base = testConfig('/tmp/x');
    const dry = withDryRun(base);
    expect(dry.safety.dry_run).to.equal(true);
    expect(base.safety.dry_run).to.equal(false);
    expect(dry.recovery).to.equal(base.recovery);
  });
});
