import { expect } from 'chai';
import { GnocchiError, uuid5 } from '../../src/fakes/gnocchi.ts';
import { SEED_PROJECTS, SEED_USERS } from '../../src/fakes/keystone.ts';
import { ADMIN_CREATOR, error, gnocchiFixture, IDENTITY, NAMESPACE, RID, type Json } from './gnocchi-fixture.ts';
import { call, sample, UNAUTHORIZED } from './service-harness.ts';

describe('fakes/gnocchi', () => {
  const f = gnocchiFixture();

  describe('replaying the upstream samples', () => {
    it('batch-create-metrics-newformat: creates metrics on an existing resource (gabbi batch-measures)', async () => {
      expect((await f.post('/archive_policy', { name: 'simple', definition: [{ granularity: '1 second' }] })).status).to.equal(201);
      expect((await f.post('/archive_policy_rule', { name: 'rule_auto', metric_pattern: 'auto.*', archive_policy_name: 'simple' })).status).to.equal(201);
      await f.generic(RID);
      const r = await f.batch(sample('gnocchi/batch-create-metrics-newformat_gabbi.json'), '?create_metrics=true');
      expect(r.status, r.text).to.equal(202);
      expect(r.text).to.equal('');
      const newformat = (await call(`${f.v1}/resource/generic/${RID}/metric/newformat`, { token: f.admin })).json;
      expect(newformat).to.include({ name: 'newformat', unit: 'ks' });
      expect(newformat.archive_policy.name).to.equal('simple');
      const auto = await call(`${f.v1}/resource/generic/${RID}/metric/auto.test/measures`, { token: f.admin });
      expect(auto.json).to.deep.equal([
        ['2015-03-06T14:33:57+00:00', 0, 43.1],
        ['2015-03-06T14:35:12+00:00', 0, 24],
      ]);
      expect(f.gnocchi.measures(RID, 'newformat').map((m) => m.value)).to.deep.equal([43.1, 42]);
      const agg = await call(`${f.v1}/resource/generic/${RID}/metric/auto.test/measures?aggregation=mean&start=2015-03-06T14:34`, { token: f.admin });
      expect(agg.json).to.deep.equal([['2015-03-06T14:35:12+00:00', 1, 24]]);
    });

    it('resource-instance-create and batch-resources-metrics-measures (rest.yaml)', async () => {
      const metric = await f.post('/metric', { archive_policy_name: 'low' });
      expect(metric.status).to.equal(201);
      const body = sample<Json>('gnocchi/resource-instance-create_rest.yaml.json');
      body.metrics = { 'cpu.util': metric.json.id };
      const r = await f.post('/resource/instance', body);
      expect(r.status, r.text).to.equal(201);
      expect(r.headers.get('location')).to.equal(`${f.v1}/resource/instance/6f24edd9-5a2f-4592-b708-ffbed821c5d2`);
      expect(r.json).to.deep.equal({
        created_by_project_id: SEED_PROJECTS.service.id,
        created_by_user_id: SEED_USERS.vmha.id,
        creator: ADMIN_CREATOR,
        display_name: 'myvm2',
        ended_at: null,
        flavor_id: '2',
        flavor_name: null,
        host: 'compute1',
        id: '6f24edd9-5a2f-4592-b708-ffbed821c5d2',
        image_ref: 'http://image',
        metrics: { 'cpu.util': metric.json.id },
        original_resource_id: '6F24EDD9-5A2F-4592-B708-FFBED821C5D2',
        project_id: 'BD3A1E52-1C62-44CB-BF04-660BD88CD74D',
        revision_end: null,
        revision_start: '2026-01-01T10:00:00+00:00',
        server_group: 'my_autoscaling_group',
        started_at: '2014-10-06T14:00:02+00:00',
        type: 'instance',
        user_id: 'BD3A1E52-1C62-44CB-BF04-660BD88CD74D',
      });
      await f.generic('15e9c872-7ca9-11e4-a2da-2fb4032dfc09', { 'disk.io.test': {} });
      const b = await f.batch(sample('gnocchi/batch-resources-metrics-measures_rest.yaml.json'));
      expect(b.status, b.text).to.equal(202);
      expect(f.gnocchi.measures('6f24edd9-5a2f-4592-b708-ffbed821c5d2', 'cpu.util')).to.deep.equal([
        { timestamp: Date.UTC(2014, 9, 6, 14, 34, 12), value: 6 },
        { timestamp: Date.UTC(2014, 9, 6, 14, 34, 20), value: 25 },
      ]);
      expect(f.gnocchi.measures('15e9c872-7ca9-11e4-a2da-2fb4032dfc09', 'disk.io.test').map((m) => m.value)).to.deep.equal([71, 81]);
      const got = await call(`${f.v1}/resource/instance/6F24EDD9-5A2F-4592-B708-FFBED821C5D2`, { token: f.admin });
      expect(got.json.display_name).to.equal('myvm2');
    });

    it('batch-unknown-resources-error: maps non-UUID ids with uuid5 and the creator', async () => {
      const s = sample<Json>('gnocchi/batch-unknown-resources-error_gabbi.json');
      // The sample was recorded with creator "foobar".
      expect(uuid5(NAMESPACE, 'foobar\0foobar')).to.equal(s.response_json_paths['$.description.detail'][0].resource_id);
      const r = await f.batch(s.request, '?create_metrics=true');
      expect(r.status).to.equal(s.status);
      error(r, 400, { cause: 'Unknown resources', detail: [{ resource_id: uuid5(NAMESPACE, `foobar\0${ADMIN_CREATOR}`), original_resource_id: 'foobar' }] });
    });
  });

  describe('resources', () => {
    const instance = { id: 'vm-1', display_name: 'pet', flavor_id: '1', image_ref: 'img', host: 'compute-1' };

    it('validates instances and refuses duplicates', async () => {
      error(await f.post('/resource/instance', { ...instance, host: undefined }), 400, "Invalid input: required key not provided @ data['host']");
      error(await f.post('/resource/instance', { ...instance, colour: 'red' }), 400, "Invalid input: extra keys not allowed @ data['colour']");
      error(await f.post('/resource/instance', { ...instance, host: 5 }), 400, "Invalid input: expected str for dictionary value @ data['host']");
      error(await f.post('/resource/instance', { ...instance, id: 'a/b' }), 400, "Invalid input: '/' is not supported in resource id for dictionary value @ data['id']");
      const ok = await f.post('/resource/instance', instance);
      expect(ok.status).to.equal(201);
      expect(ok.json.id).to.equal(uuid5(NAMESPACE, `vm-1\0${ADMIN_CREATOR}`));
      error(await f.post('/resource/instance', instance), 409, `Resource ${ok.json.id} already exists`);
      error(await f.post('/resource/server', instance), 404, 'Resource type server does not exist');
    });

    it('finds resources by UUID or original id, per type and project', async () => {
      const created = f.gnocchi.addResource('instance', { ...instance, project_id: SEED_PROJECTS.demo.id }, ADMIN_CREATOR);
      expect((await call(`${f.v1}/resource/instance/vm-1`, { token: f.admin })).json.id).to.equal(created.id);
      const asGeneric = (await call(`${f.v1}/resource/generic/${created.id as string}`, { token: f.demo })).json;
      expect(asGeneric.type).to.equal('instance');
      expect(asGeneric).not.to.have.property('host');
      error(await call(`${f.v1}/resource/instance/vm-2`, { token: f.admin }), 404, `Resource ${uuid5(NAMESPACE, `vm-2\0${ADMIN_CREATOR}`)} does not exist`);
      await f.generic('f0f6038f-f82c-4f30-8d81-65db8be249fe');
      error(await call(`${f.v1}/resource/instance/f0f6038f-f82c-4f30-8d81-65db8be249fe`, { token: f.admin }), 404, 'Resource f0f6038f-f82c-4f30-8d81-65db8be249fe does not exist');
      error(await call(`${f.v1}/resource/generic/f0f6038f-f82c-4f30-8d81-65db8be249fe`, { token: f.demo }), 403, 'Access was denied to this resource.');
      expect((await call(`${f.v1}/resource/generic`, { token: f.demo })).json.map((x: Json) => x.id)).to.deep.equal([created.id]);
      expect(() => f.gnocchi.addResource('instance', { id: 'x' })).to.throw("Invalid input: required key not provided @ data['display_name']");
    });
  });

  describe('archive policies and capabilities', () => {
    it('seeds low, medium, high and bool like gnocchi-upgrade', async () => {
      const low = await call(`${f.v1}/archive_policy/low`, { token: f.demo });
      expect(low.json).to.deep.equal({
        aggregation_methods: ['mean', 'min', 'max', 'sum', 'std', 'count'],
        back_window: 0,
        definition: [{ granularity: '0:05:00', points: 8640, timespan: '30 days, 0:00:00' }],
        name: 'low',
      });
      const names = (await call(`${f.v1}/archive_policy`, { token: f.demo })).json.map((p: Json) => p.name);
      expect(names).to.deep.equal(['bool', 'low', 'medium', 'high']);
      expect((await call(`${f.v1}/archive_policy/high`, { token: f.demo })).json.definition.map((d: Json) => d.granularity)).to.deep.equal(['0:00:01', '0:01:00', '1:00:00']);
      expect((await call(`${f.v1}/archive_policy_rule`, { token: f.demo })).json).to.deep.equal([{ archive_policy_name: 'low', metric_pattern: '*', name: 'default' }]);
      error(await call(`${f.v1}/archive_policy/none`, { token: f.demo }), 404, 'Archive policy none does not exist');
    });

    it('creates policies for admins only, once, with a valid definition', async () => {
      const body = { name: 'vmha-10s', aggregation_methods: ['mean', 'max', 'min', 'last'], definition: [{ granularity: '0:00:10', timespan: '1:00:00' }] };
      error(await f.post('/archive_policy', body, f.demo), 403, 'Access was denied to this resource.');
      const r = await f.post('/archive_policy', body);
      expect(r.status).to.equal(201);
      expect(r.json.definition).to.deep.equal([{ granularity: '0:00:10', points: 360, timespan: '1:00:00' }]);
      error(await f.post('/archive_policy', body), 409, 'Archive policy vmha-10s already exists');
      error(await f.post('/archive_policy', { name: 'x', definition: [] }), 400, "Invalid input: length of value must be at least 1 for dictionary value @ data['definition']");
      error(await f.post('/archive_policy', { name: 'x', definition: [{ granularity: 'soon' }] }), 400, "Invalid input: Unable to parse timespan for dictionary value @ data['definition'][0]['granularity']");
      error(await f.post('/archive_policy', { name: 'x', definition: [{ points: 5 }] }), 400, 'At least two of granularity/points/timespan must be provided');
      error(await f.post('/archive_policy', { name: 'x', definition: [{ granularity: 60, points: 5, timespan: 60 }] }), 400, 'timespan ≠ granularity × points');
      error(await f.post('/archive_policy', { name: 'x', aggregation_methods: ['avg'], definition: [{ granularity: 60 }] }), 400, "Invalid input: not a valid value @ data['aggregation_methods'][0]");
      error(await f.post('/archive_policy', { definition: [{ granularity: 60 }] }), 400, "Invalid input: required key not provided @ data['name']");
    });

    it('lists capabilities', async () => {
      const caps = (await call(`${f.v1}/capabilities`, { token: f.demo })).json;
      expect(caps.aggregation_methods).to.include.members(['mean', 'last', '99pct', 'rate:mean', 'rate:99pct']);
      expect(caps.aggregation_methods).to.have.length(216);
    });
  });

  describe('aggregation helper', () => {
    beforeEach(() => f.generic(RID, { cpu: { archive_policy_name: 'medium' }, mem: { archive_policy_name: 'low' } }));

    it('aggregates by granularity and method within [start, stop)', async () => {
      const t0 = Date.UTC(2026, 0, 1, 9, 0) / 1000;
      await f.batch({ [RID]: { cpu: [1, 5, 3, 10, 20].map((value, i) => ({ timestamp: t0 + i * 30, value })) } });
      const id = f.gnocchi.metricId(RID, 'cpu') as string;
      const at = (m: number): number => Date.UTC(2026, 0, 1, 9, m);
      expect(f.gnocchi.aggregate(id, { granularitySeconds: 60, method: 'mean' })).to.deep.equal([
        { timestamp: at(0), granularity: 60, value: 3 },
        { timestamp: at(1), granularity: 60, value: 6.5 },
        { timestamp: at(2), granularity: 60, value: 20 },
      ]);
      expect(f.gnocchi.aggregate(id, { granularitySeconds: 60, method: 'max', start: at(1), stop: at(2) }).map((p) => p.value)).to.deep.equal([10]);
      expect(f.gnocchi.aggregate(id, { granularitySeconds: 3600, method: 'min' }).map((p) => p.value)).to.deep.equal([1]);
      expect(() => f.gnocchi.aggregate(id, { granularitySeconds: 60, method: 'last' })).to.throw(GnocchiError, `Aggregation method 'last' at granularity '60.0' for metric ${id} does not exist`);
      expect(() => f.gnocchi.aggregate(id, { granularitySeconds: 10, method: 'mean' })).to.throw(GnocchiError);
      expect(() => f.gnocchi.aggregate('nope', { granularitySeconds: 60, method: 'mean' })).to.throw('Metric nope does not exist');
    });

    it('drops measures older than the current block, as carbonara does', async () => {
      const t = (h: number, m: number): number => Date.UTC(2026, 0, 1, h, m) / 1000;
      await f.batch({ [RID]: { mem: [{ timestamp: t(9, 7), value: 1 }] } });
      await f.batch({ [RID]: { mem: [{ timestamp: t(9, 4), value: 2 }, { timestamp: t(9, 6), value: 3 }] } });
      expect(f.gnocchi.measures(RID, 'mem').map((m) => m.value)).to.deep.equal([3, 1]);
    });
  });

  describe('tokens, routing and request ids', () => {
    it('checks f.tokens like keystonemiddleware but serves / openly', async () => {
      const r = await call(`${f.v1}/archive_policy`);
      expect(r.status).to.equal(401);
      expect(r.json).to.deep.equal(UNAUTHORIZED);
      expect(r.headers.get('www-authenticate')).to.equal(`Keystone uri="${IDENTITY}"`);
      f.clock.advance(3600_000);
      expect((await call(`${f.v1}/archive_policy`, { token: f.admin })).status).to.equal(401);
      const root = await call(`${f.srv.base}/`);
      expect(root.json.versions[0].id).to.equal('v1.0');
      expect(root.headers.get('x-openstack-request-id')).to.match(/^req-/);
    });

    it('answers unknown routes and methods in f.gnocchi format', async () => {
      error(await call(`${f.v1}/nothing`, { token: f.admin }), 404, 'The resource could not be found.');
      error(await call(`${f.v1}/capabilities`, { token: f.admin, method: 'DELETE' }), 404, 'The resource could not be found.');
      error(await call(`${f.v1}/archive_policy`, { token: f.admin, method: 'DELETE' }), 405, 'The method DELETE is not allowed for this resource.');
    });
  });
});
