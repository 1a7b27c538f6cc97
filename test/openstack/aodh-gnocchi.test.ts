import { expect } from 'chai';
import { Invalid, NotFound } from '../../src/openstack/errors.ts';
import { withFakeCloud, type CloudFixture } from '../helpers/cloud.ts';
import { rejectionOf } from '../helpers/wait.ts';

const INSTANCE = '6c1b5a74-4a5f-4e1c-9b8e-0f6a8d7c2b10';

function alarmBody(name: string, threshold = 500): Record<string, unknown> {
  return {
    name,
    type: 'gnocchi_resources_threshold',
    severity: 'critical',
    alarm_actions: ['http://127.0.0.1:8780/v1/aodh/secret-x'],
    ok_actions: ['http://127.0.0.1:8780/v1/aodh/secret-x'],
    repeat_actions: false,
    gnocchi_resources_threshold_rule: {
      metric: 'instance.ping.delay',
      resource_type: 'instance',
      resource_id: INSTANCE,
      aggregation_method: 'mean',
      comparison_operator: 'gt',
      threshold,
      granularity: 10,
      evaluation_periods: 3,
    },
  };
}

describe('openstack/aodh and gnocchi clients', () => {
  let f: CloudFixture;
  beforeEach(async () => {
    f = await withFakeCloud();
  });
  afterEach(() => f.close());

  it('creates, gets, updates, lists with q filters, reads and sets state, deletes alarms', async () => {
    const a = await f.clients.aodh.create(alarmBody(`vmha:ping-delay:${INSTANCE}`));
    expect(a.alarm_id).to.match(/^[0-9a-f-]{36}$/);
    expect(a.state).to.equal('insufficient data');
    expect((await f.clients.aodh.get(a.alarm_id)).name).to.equal(`vmha:ping-delay:${INSTANCE}`);

    const updated = await f.clients.aodh.update(a.alarm_id, alarmBody(a.name, 800));
    expect((updated.gnocchi_resources_threshold_rule as { threshold: number }).threshold).to.equal(800);

    await f.clients.aodh.create(alarmBody('other'));
    const mine = await f.clients.aodh.list({ name: a.name });
    expect(mine.map((x) => x.alarm_id)).to.deep.equal([a.alarm_id]);

    expect(await f.clients.aodh.setState(a.alarm_id, 'alarm')).to.equal('alarm');
    expect(await f.clients.aodh.getState(a.alarm_id)).to.equal('alarm');
    expect((await f.clients.aodh.list({ state: 'alarm' })).map((x) => x.alarm_id)).to.deep.equal([a.alarm_id]);

    await f.clients.aodh.delete(a.alarm_id);
    const err = await rejectionOf(f.clients.aodh.get(a.alarm_id));
    expect(err).to.be.instanceOf(NotFound);
    expect((err as NotFound).detail).to.equal(`Alarm ${a.alarm_id} not found`);
  });

  it("maps Aodh's validation errors to Invalid with its message", async () => {
    const body = alarmBody('bad');
    (body.gnocchi_resources_threshold_rule as Record<string, unknown>).comparison_operator = 'bigger';
    const err = await rejectionOf(f.clients.aodh.create(body));
    expect(err).to.be.instanceOf(Invalid);
    expect((err as Invalid).detail).to.match(/Value should be one of/);
  });

  it('posts batch measures to an existing instance resource, creating the metric', async () => {
    const { projectId, userId } = await f.clients.session.getToken();
    f.cloud.gnocchi.addResource('instance', {
      id: INSTANCE,
      display_name: 'pet-1',
      flavor_id: '1',
      image_ref: 'img',
      host: 'compute-1',
      project_id: projectId,
      user_id: userId,
    });
    await f.clients.gnocchi.batchResourceMeasures({
      [INSTANCE]: { 'instance.ping.delay': [{ timestamp: '2026-01-01T00:00:00Z', value: 12.5 }] },
    });
    const res = await f.clients.gnocchi.getResource('instance', INSTANCE);
    expect(res.metrics).to.have.property('instance.ping.delay');
    expect(f.cloud.gnocchi.measures(INSTANCE, 'instance.ping.delay').map((m: { value: number }) => m.value)).to.deep.equal([12.5]);
  });

  it('maps an unknown resource in a batch to Invalid naming it', async () => {
    const err = await rejectionOf(
      f.clients.gnocchi.batchResourceMeasures({ [INSTANCE]: { 'instance.ping.delay': [{ timestamp: 1, value: 1 }] } }),
    );
    expect(err).to.be.instanceOf(Invalid);
    expect((err as Invalid).detail).to.contain('Unknown resources');
    expect((err as Invalid).detail).to.contain(INSTANCE);
  });

  it('reads and creates archive policies', async () => {
    expect((await f.clients.gnocchi.getArchivePolicy('low')).name).to.equal('low');
    const created = await f.clients.gnocchi.createArchivePolicy({
      name: 'vmha-10s',
      aggregation_methods: ['mean', 'max', 'min', 'last'],
      definition: [{ granularity: '0:00:10', timespan: '1:00:00' }],
    });
    expect(created.name).to.equal('vmha-10s');
    expect((await f.clients.gnocchi.getArchivePolicy('vmha-10s')).definition[0]?.points).to.equal(360);
    expect(await rejectionOf(f.clients.gnocchi.getArchivePolicy('none'))).to.be.instanceOf(NotFound);
  });
});
