import { expect } from 'chai';
import { aodhBody, postLikeAodh, thresholdTransition } from '../helpers/aodh-notifier.ts';
import { withService, type ServiceFixture } from '../helpers/service.ts';
import { until } from '../helpers/wait.ts';

async function terminal(f: ServiceFixture, incidentId: string): Promise<string> {
  return until<string | undefined>(
    `incident ${incidentId} terminal`,
    () => {
      const i = f.service.journal.get(incidentId);
      return i && ['succeeded', 'failed', 'ignored', 'gave_up', 'closed'].includes(i.state) ? i.state : undefined;
    },
    15_000,
  ) as Promise<string>;
}

describe('vmha serve: webhook to verified recovery (fake cloud)', function () {
  this.timeout(30_000);
  let f: ServiceFixture;
  beforeEach(async () => {
    f = await withService();
  });
  afterEach(() => f.stop());

  it('a notification exactly as Aodh sends it, for an HA instance: live-migrate, verified, succeeded', async () => {
    const s = await f.seedServer({ name: 'pet', host: 'compute-1', ha: true });
    f.cloud.nova.model.addHost('compute-2');
    const res = await postLikeAodh(s.url, aodhBody(thresholdTransition(s.alarmName, s.alarmId, 'alarm', 999)));
    expect(res.status).to.equal(202);
    const id = res.body.incident_id as string;
    expect(await terminal(f, id)).to.equal('succeeded');
    const actions = f.cloud.nova.model.actions.filter((a) => a.serverId === s.serverId);
    expect(actions.map((a) => a.action)).to.deep.equal(['os-migrateLive']);
    expect(f.cloud.nova.model.getServer(s.serverId)?.host).to.equal('compute-2');
    const timeline = f.service.journal.timeline(id).map((e) => e.type);
    expect(timeline).to.include.members(['incident.opened', 'decision.act', 'action.issuing', 'action.accepted', 'verify.succeeded']);
    const accepted = f.service.journal.timeline(id).find((e) => e.type === 'action.accepted');
    expect(accepted?.data.request_id).to.match(/^req-/);
  });

  it('a disk alarm gives a hard reboot', async () => {
    const s = await f.seedServer({ name: 'pet', host: 'compute-1', ha: true, template: 'disk-health' });
    const res = await postLikeAodh(s.url, aodhBody(thresholdTransition(s.alarmName, s.alarmId, 'alarm', -1)));
    expect(await terminal(f, res.body.incident_id as string)).to.equal('succeeded');
    expect(f.cloud.nova.model.actions.map((a) => a.body)).to.deep.equal([{ reboot: { type: 'HARD' } }]);
  });

  it('a non-HA instance: no action, incident ignored with the reason', async () => {
    const s = await f.seedServer({ name: 'cattle', host: 'compute-1', ha: false });
    const res = await postLikeAodh(s.url, aodhBody(thresholdTransition(s.alarmName, s.alarmId, 'alarm', 999)));
    expect(res.status).to.equal(202);
    const id = res.body.incident_id as string;
    expect(await terminal(f, id)).to.equal('ignored');
    expect(f.service.journal.get(id)?.reason).to.match(/not HA-enabled \(metadata HA_Enabled=True not set\)/);
    expect(f.cloud.nova.model.actions).to.have.length(0);
  });

  it('the same delivery 5 times: one incident, one action', async () => {
    const s = await f.seedServer({ name: 'pet', host: 'compute-1', ha: true });
    f.cloud.nova.model.addHost('compute-2');
    const body = aodhBody(thresholdTransition(s.alarmName, s.alarmId, 'alarm', 999));
    // A re-delivery carries the same request id (Aodh keeps it across its own retries).
    const requestId = 'req-6f7a0e0e-2b43-4b8a-9b1b-5f0c0c8d1a11';
    const answers = await Promise.all(Array.from({ length: 5 }, () => postLikeAodh(s.url, body, { requestId })));
    expect(answers.map((a) => a.status)).to.deep.equal([202, 202, 202, 202, 202]);
    expect(new Set(answers.map((a) => a.body.incident_id)).size).to.equal(1);
    expect(answers.filter((a) => a.body.duplicate === true)).to.have.length(4);
    expect(await terminal(f, answers[0]!.body.incident_id as string)).to.equal('succeeded');
    // Later deliveries of the same notification still change nothing.
    await postLikeAodh(s.url, body, { requestId });
    await f.service.engine.idle();
    expect(f.cloud.nova.model.actions).to.have.length(1);
  });

  it('the same alarm firing again later, worded the same, is a new notification, not a duplicate', async () => {
    const s = await f.seedServer({ name: 'pet', host: 'compute-1', ha: true });
    f.cloud.nova.model.addHost('compute-2');
    const body = aodhBody(thresholdTransition(s.alarmName, s.alarmId, 'alarm', 999));
    const first = await postLikeAodh(s.url, body);
    expect(await terminal(f, first.body.incident_id as string)).to.equal('succeeded');
    const again = await postLikeAodh(s.url, body);
    expect(again.status).to.equal(202);
    expect(again.body.duplicate).to.equal(false);
    expect(again.body.incident_id).to.be.a('string').and.not.equal(first.body.incident_id);
  });

  it('an ok transition before any action closes the incident', async () => {
    const s = await f.seedServer({ name: 'pet', host: 'compute-1', ha: true });
    f.cloud.nova.model.setHostAlive('compute-1', false); // host down: the engine waits instead of acting
    const opened = await postLikeAodh(s.url, aodhBody(thresholdTransition(s.alarmName, s.alarmId, 'alarm', 999)));
    await until('waiting', () => f.service.journal.get(opened.body.incident_id as string)?.state === 'waiting');
    const ok = await postLikeAodh(s.url, aodhBody(thresholdTransition(s.alarmName, s.alarmId, 'ok', 3)));
    expect(ok.status).to.equal(202);
    expect(ok.body.state).to.equal('closed');
    expect(f.cloud.nova.model.actions).to.have.length(0);
  });

  it('Nova answering 503 twice then success: succeeded after 3 attempts', async () => {
    const s = await f.seedServer({ name: 'pet', host: 'compute-1', ha: true });
    f.cloud.nova.model.addHost('compute-2');
    f.cloud.faults.add({ service: 'compute', method: 'POST', path: /\/action$/, status: 503, times: 2 });
    const res = await postLikeAodh(s.url, aodhBody(thresholdTransition(s.alarmName, s.alarmId, 'alarm', 999)));
    const id = res.body.incident_id as string;
    expect(await terminal(f, id)).to.equal('succeeded');
    const events = f.service.journal.timeline(id);
    expect(events.filter((e) => e.type === 'action.attempt_failed').map((e) => e.data.status)).to.deep.equal([503, 503]);
    expect(events.find((e) => e.type === 'action.accepted')?.data.attempt).to.equal(3);
    expect(f.cloud.nova.model.actions).to.have.length(1);
  });

  it('Nova always 503: failed after 5 attempts, with the reason', async () => {
    const s = await f.seedServer({ name: 'pet', host: 'compute-1', ha: true });
    f.cloud.faults.add({ service: 'compute', method: 'POST', path: /\/action$/, status: 503 });
    const res = await postLikeAodh(s.url, aodhBody(thresholdTransition(s.alarmName, s.alarmId, 'alarm', 999)));
    const id = res.body.incident_id as string;
    expect(await terminal(f, id)).to.equal('failed');
    const incident = f.service.journal.get(id)!;
    expect(incident.reason).to.match(/^live-migrate failed \(after 5 attempts\): Transient 503 Injected fault 503/);
    expect(f.service.journal.timeline(id).filter((e) => e.type === 'action.attempt_failed')).to.have.length(5);
    expect(f.cloud.nova.model.actions).to.have.length(0);
  });

  it('a failed live-migration escalates to a hard reboot in the same incident', async () => {
    const s = await f.seedServer({ name: 'pet', host: 'compute-1', ha: true });
    f.cloud.nova.model.addHost('compute-2');
    f.cloud.nova.model.failNext('live-migration');
    const res = await postLikeAodh(s.url, aodhBody(thresholdTransition(s.alarmName, s.alarmId, 'alarm', 999)));
    const id = res.body.incident_id as string;
    expect(await terminal(f, id)).to.equal('succeeded');
    expect(f.cloud.nova.model.actions.map((a) => a.action)).to.deep.equal(['os-migrateLive', 'reboot']);
    expect(f.service.journal.get(id)!.actions.map((a) => [a.action, a.outcome])).to.deep.equal([
      ['live-migrate', 'failed'],
      ['reboot-hard', 'succeeded'],
    ]);
  });

  it('a notification that never arrived is found by the reconciler and acted on once', async () => {
    const s = await f.seedServer({ name: 'pet', host: 'compute-1', ha: true });
    f.cloud.nova.model.addHost('compute-2');
    await f.clients.aodh.setState(s.alarmId, 'alarm');
    const first = await f.service.reconciler.runOnce();
    expect(first).to.have.length(1);
    expect(await terminal(f, first[0]!)).to.equal('succeeded');
    // Further passes see the transition as handled.
    expect(await f.service.reconciler.runOnce()).to.deep.equal([]);
    await f.service.engine.idle();
    expect(f.cloud.nova.model.actions).to.have.length(1);
  });

  it('the reconciler leaves alarms whose notification did arrive', async () => {
    const s = await f.seedServer({ name: 'pet', host: 'compute-1', ha: true });
    f.cloud.nova.model.addHost('compute-2');
    await f.clients.aodh.setState(s.alarmId, 'alarm');
    const res = await postLikeAodh(s.url, aodhBody(thresholdTransition(s.alarmName, s.alarmId, 'alarm', 999)));
    await terminal(f, res.body.incident_id as string);
    expect(await f.service.reconciler.runOnce()).to.deep.equal([]);
    expect(f.cloud.nova.model.actions).to.have.length(1);
  });
});
