// Real Aodh and Gnocchi through vmha's clients: alarm CRUD with a
// gnocchi_resources_threshold body, q filters, state; instance resource + batch measures.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Invalid, NotFound } from '../../src/openstack/errors.ts';
import { rejectionOf } from '../helpers/wait.ts';
import { realClients, waitFor } from './real-cloud.ts';

function alarmBody(name: string, resourceId: string, threshold = 500): Record<string, unknown> {
  return {
    name,
    description: 'vmha real-cloud test',
    type: 'gnocchi_resources_threshold',
    severity: 'critical',
    enabled: true,
    alarm_actions: ['http://127.0.0.1:8780/v1/aodh/secret-x'],
    ok_actions: ['http://127.0.0.1:8780/v1/aodh/secret-x'],
    insufficient_data_actions: [],
    repeat_actions: false,
    gnocchi_resources_threshold_rule: {
      metric: 'instance.ping.delay',
      resource_type: 'instance',
      resource_id: resourceId,
      aggregation_method: 'mean',
      comparison_operator: 'gt',
      threshold,
      granularity: 10,
      evaluation_periods: 3,
    },
  };
}

describe('real cloud: aodh and gnocchi', () => {
  const c = realClients();
  const alarms: string[] = [];
  const resources: string[] = [];

  after(async () => {
    for (const id of alarms) await c.aodh.delete(id).catch(() => undefined);
    for (const id of resources) {
      await c.session.request('metric', { service: 'gnocchi', method: 'DELETE', path: `/v1/resource/instance/${id}` }).catch(() => undefined);
    }
  });

  it('creates, gets, updates, lists with q filters, reads and sets state, deletes an alarm', async () => {
    const instance = randomUUID();
    const name = `vmha:ping-delay:${instance}`;
    const a = await c.aodh.create(alarmBody(name, instance));
    alarms.push(a.alarm_id);
    expect(a.alarm_id).to.match(/^[0-9a-f-]{36}$/);
    expect(a.state).to.equal('insufficient data');
    expect(a.type).to.equal('gnocchi_resources_threshold');
    expect((await c.aodh.get(a.alarm_id)).name).to.equal(name);

    const updated = await c.aodh.update(a.alarm_id, alarmBody(name, instance, 800));
    expect((updated.gnocchi_resources_threshold_rule as { threshold: number }).threshold).to.equal(800);

    const other = await c.aodh.create(alarmBody(`vmha:other:${instance}`, instance));
    alarms.push(other.alarm_id);
    expect((await c.aodh.list({ name })).map((x) => x.alarm_id)).to.deep.equal([a.alarm_id]);
    expect((await c.aodh.list({ type: 'gnocchi_resources_threshold' })).map((x) => x.alarm_id)).to.include.members([a.alarm_id, other.alarm_id]);

    // The evaluator may move the alarm on its own (every 10 s); "alarm" stays until
    // it evaluates insufficient data again, so read right after setting.
    expect(await c.aodh.setState(a.alarm_id, 'alarm')).to.equal('alarm');
    expect(await c.aodh.getState(a.alarm_id)).to.be.oneOf(['alarm', 'insufficient data']);
    expect(await c.aodh.setState(a.alarm_id, 'ok')).to.equal('ok');

    await c.aodh.delete(a.alarm_id);
    const err = await rejectionOf(c.aodh.get(a.alarm_id));
    expect(err).to.be.instanceOf(NotFound);
    expect((err as NotFound).detail).to.equal(`Alarm ${a.alarm_id} not found`);
  });

  it("maps Aodh's validation error (bad comparison_operator) to Invalid", async () => {
    const body = alarmBody('vmha:bad:x', randomUUID());
    (body.gnocchi_resources_threshold_rule as Record<string, unknown>).comparison_operator = 'bigger';
    const err = await rejectionOf(c.aodh.create(body));
    expect(err).to.be.instanceOf(Invalid);
    expect((err as Invalid).detail).to.match(/Value should be one of/);
  });

  it('posts batch measures to an instance resource (create_metrics) and reads them back', async () => {
    const token = await c.session.getToken();
    const id = randomUUID();
    await c.session.request('metric', {
      service: 'gnocchi',
      method: 'POST',
      path: '/v1/resource/instance',
      body: { id, display_name: 'pet-1', flavor_id: 'vmha-tiny', image_ref: 'img', host: 'compute-1', project_id: token.projectId, user_id: token.userId },
    });
    resources.push(id);
    const now = Math.floor(Date.now() / 10_000) * 10_000;
    const ts = (ms: number): string => new Date(ms).toISOString();
    await c.gnocchi.batchResourceMeasures({
      [id]: { 'instance.ping.delay': [{ timestamp: ts(now - 20_000), value: 10 }, { timestamp: ts(now - 10_000), value: 20 }, { timestamp: ts(now), value: 30 }] },
    });
    const resource = await c.gnocchi.getResource('instance', id);
    const metricId = (resource.metrics as Record<string, string>)['instance.ping.delay'];
    expect(metricId).to.match(/^[0-9a-f-]{36}$/);
    const points = await waitFor('aggregated measures', async () => {
      const res = await c.session.request<[string, number, number][]>('metric', {
        service: 'gnocchi',
        method: 'GET',
        path: `/v1/metric/${metricId}/measures?granularity=10&refresh=true`,
      });
      return res.body.length >= 3 ? res.body : undefined;
    }, 30_000);
    expect(points.map((p) => p[1])).to.deep.equal([10, 10, 10]);
    expect(points.map((p) => p[2])).to.deep.equal([10, 20, 30]);
    expect(points.map((p) => Date.parse(p[0]))).to.deep.equal([now - 20_000, now - 10_000, now]);
  });

  it('maps an unknown resource in a batch to Invalid naming it', async () => {
    const id = randomUUID();
    const err = await rejectionOf(c.gnocchi.batchResourceMeasures({ [id]: { 'instance.ping.delay': [{ timestamp: new Date().toISOString(), value: 1 }] } }));
    expect(err).to.be.instanceOf(Invalid);
    expect((err as Invalid).detail).to.contain('Unknown resources');
    expect((err as Invalid).detail).to.contain(id);
  });
});
