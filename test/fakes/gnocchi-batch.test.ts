import { expect } from 'chai';
import { error, gnocchiFixture, invalid, RID } from './gnocchi-fixture.ts';
import { call } from './service-harness.ts';

describe('fakes/gnocchi: f.batch measures', () => {
  const f = gnocchiFixture();
  beforeEach(() => f.generic(RID, { cpu: { archive_policy_name: 'medium' } }));

  it('accepts ISO 8601, epoch seconds and relative timestamps', async () => {
    const r = await f.batch({ [RID]: { cpu: [
      { timestamp: '2026-01-01T09:00:00Z', value: 1 },
      { timestamp: '2026-01-01T11:00:00+02:00', value: '2' },
    ] } });
    expect(r.status).to.equal(202);
    expect((await f.batch({ [RID]: { cpu: [{ timestamp: Date.UTC(2026, 0, 1, 9, 1) / 1000, value: true }] } })).status).to.equal(202);
    expect((await f.batch({ [RID]: { cpu: { measures: [{ timestamp: '-5 minutes', value: 4 }] } } })).status).to.equal(202);
    expect(f.gnocchi.measures(RID, 'cpu')).to.deep.equal([
      { timestamp: Date.UTC(2026, 0, 1, 9, 0), value: 2 },
      { timestamp: Date.UTC(2026, 0, 1, 9, 1), value: 1 },
      { timestamp: Date.UTC(2026, 0, 1, 9, 55), value: 4 },
    ]);
  });

  it('refuses bad shapes with the detailed 400', async () => {
    error(await f.batch({ [RID]: { cpu: [['2015-03-06T14:33:57', 43.1]] } }), 400, invalid('unexpected measures format', [RID, 'cpu']));
    error(await f.batch({ [RID]: { cpu: [{ timestamp: 'yesterday-ish', value: 1 }] } }), 400, invalid("unexpected timestamp 'Unable to convert timestamps'", [RID, 'cpu']));
    error(await f.batch({ [RID]: { cpu: [{ timestamp: -10, value: 1 }] } }), 400, invalid("unexpected timestamp 'Timestamp must be after Epoch'", [RID, 'cpu']));
    error(await f.batch({ [RID]: { cpu: [{ timestamp: 1, value: 'high' }] } }), 400, invalid('unexpected measures value', [RID, 'cpu']));
    error(await f.batch({ [RID]: { cpu: [{ timestamp: 1 }] } }), 400, invalid('unexpected measures value', [RID, 'cpu']));
    error(await f.batch({ [RID]: { cpu: { measures: 'x' } } }), 400, invalid('unexpected measures format', [RID, 'cpu', 'measures']));
    error(await f.batch({ [RID]: { cpu: { measures: [], colour: 'red' } } }), 400, invalid('extra keys not allowed', [RID, 'cpu', 'colour']));
    error(await f.batch({ [RID]: { cpu: { archive_policy_name: 'low' } } }), 400, invalid('required key not provided', [RID, 'cpu', 'measures']));
    error(await f.batch({ 'a/b': { cpu: [] } }), 400, invalid('extra keys not allowed', ['a/b']));
    error(await f.batch({ [RID]: [] }), 400, invalid('expected a dictionary', [RID]));
    error(await f.batch([]), 400, invalid('expected a dictionary', []));
  });

  it('fails with a 500, as upstream, when a measure has no timestamp', async () => {
    error(await f.batch({ [RID]: { cpu: [{ value: 1 }] } }), 500, 'The server has either erred or is incapable of performing the requested operation.');
  });

  it('needs JSON and a strict create_metrics', async () => {
    error(await f.post('/batch/resources/metrics/measures', undefined, f.admin, { raw: '{}', contentType: 'text/plain' }), 415, 'The request media type text/plain is not supported by this server.');
    const bad = await f.post('/batch/resources/metrics/measures', undefined, f.admin, { raw: '{"x": ' });
    expect(bad.status).to.equal(400);
    expect(bad.json.description).to.match(/^Unable to decode body: /);
    error(
      await f.batch({ [RID]: { cpu: [] } }, '?create_metrics=sure'),
      400,
      "Unable to parse `create_metrics': Unrecognized value 'sure', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'",
    );
    // Nothing named: accepted before create_metrics is looked at.
    expect((await f.batch({ [RID]: {} }, '?create_metrics=sure')).status).to.equal(202);
  });

  it('lists unknown metrics, and creates them only on existing resources', async () => {
    const other = '37aec8b7-c0d9-445b-8ab9-d3c6312dcf5d';
    error(
      await f.batch({ [other.toUpperCase()]: { cpu_util: [] }, [RID]: { 'disk.iops': [], cpu: [] } }),
      400,
      `Unknown metrics: ${other}/cpu_util, ${RID}/disk.iops`,
    );
    error(await f.batch({ [other]: { cpu_util: [] } }, '?create_metrics=true'), 400, { cause: 'Unknown resources', detail: [{ resource_id: other, original_resource_id: other }] });
    expect((await f.batch({ [RID]: { 'disk.iops': [{ timestamp: 5, value: 1 }] } }, '?create_metrics=1')).status).to.equal(202);
    const metric = await call(`${f.v1}/metric/${f.gnocchi.metricId(RID, 'disk.iops')}`, { token: f.admin });
    expect(metric.json.archive_policy.name).to.equal('low');
    expect(metric.json.resource.id).to.equal(RID);
    error(await f.batch({ [RID]: { y: { archive_policy_name: 'none', measures: [] } } }, '?create_metrics=true'), 400, 'Archive policy none does not exist');
  });

  it("refuses measures for another project's resource", async () => {
    error(await f.batch({ [RID]: { cpu: [{ timestamp: 5, value: 1 }] } }, '', f.demo), 403, 'Access was denied to this resource.');
  });

  it('posts to metrics by id', async () => {
    const id = f.gnocchi.metricId(RID, 'cpu') as string;
    expect((await f.post('/batch/metrics/measures', { [id]: [{ timestamp: 60, value: 3 }] })).status).to.equal(202);
    error(
      await f.post('/batch/metrics/measures', { '37AEC8B7-C0D9-445B-8AB9-D3C6312DCF5D': [], '37aec8b7-c0d9-445b-8ab9-d3c6312dcf5c': [] }),
      400,
      'Unknown metrics: 37aec8b7-c0d9-445b-8ab9-d3c6312dcf5c, 37aec8b7-c0d9-445b-8ab9-d3c6312dcf5d',
    );
    error(await f.post('/batch/metrics/measures', { [id]: [{ timestamp: 'x', value: 1 }] }), 400, `Invalid input: unexpected timestamp 'Unable to convert timestamps' for dictionary value @ data['${id}']`);
    expect((await f.post(`/metric/${id}/measures`, [{ timestamp: 120, value: 4 }])).status).to.equal(202);
    error(await f.post(`/metric/${id}/measures`, [{ timestamp: 120 }]), 400, invalid('unexpected measures value', []));
    expect((await call(`${f.v1}/metric/${id}/measures`, { token: f.admin })).json).to.deep.equal([
      ['1970-01-01T00:01:00+00:00', 0, 3],
      ['1970-01-01T00:02:00+00:00', 0, 4],
    ]);
    error(await call(`${f.v1}/metric/not-a-uuid`, { token: f.admin }), 404, 'Metric not-a-uuid does not exist');
  });
});
