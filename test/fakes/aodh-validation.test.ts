import { expect } from 'chai';
import { SEED_PROJECTS } from '../../src/fakes/keystone.ts';
import { aodhFixture, fault, resourcesAlarm, type Json } from './aodh-fixture.ts';
import { call, type Reply } from './service-harness.ts';

describe('fakes/aodh: body validation (WSME)', () => {
  const f = aodhFixture();

  it('checks the content type, the JSON and the presence of a body', async () => {
    fault(await f.post(undefined, f.admin, { raw: '{}', contentType: 'text/plain' }), 415, 'Unknown mimetype: text/plain');
    fault(await f.post(undefined, f.admin, { raw: '{"name": ' }), 400, 'Request is not in valid JSON format');
    fault(await call(f.alarms, { token: f.admin, method: 'POST' }), 400, 'Missing argument: "data"');
    fault(await f.post([1]), 500, "'list' object has no attribute 'keys'", 'Server');
    fault(await f.post(null), 500, "'NoneType' object has no attribute 'alarm_id'", 'Server');
    fault(await call(`${f.alarms}?foo=1`, { token: f.admin, body: resourcesAlarm() }), 400, 'Unknown argument: "foo"');
  });

  it('names unknown attributes, nested ones with their path', async () => {
    fault(await f.post(resourcesAlarm({ colour: 'red' })), 400, 'Unknown attribute for argument data: colour');
    fault(await f.post(resourcesAlarm({ colour: 'red', size: 1 })), 400, 'Unknown attributes for argument data: colour, size');
    fault(await f.post(resourcesAlarm({}, { period: 60 })), 400, 'Unknown attribute for argument data.gnocchi_resources_threshold_rule: period');
    fault(
      await f.post(resourcesAlarm({ time_constraints: [{ name: 'n', start: '0 1 * * *', duration: 5, when: 'x' }] })),
      400,
      'Unknown attribute for argument data.time_constraints: when',
    );
  });

  it('checks attributes in alphabetical order, mandatory ones included', async () => {
    fault(await f.post({ type: 'bogus' }), 400, "Invalid input for field/attribute name. Value: 'None'. Mandatory field missing.");
    fault(await f.post({ name: 'x' }), 400, "Invalid input for field/attribute type. Value: 'None'. Mandatory field missing.");
    fault(
      await f.post({ name: 'x', severity: 'urgent', type: 'bogus' }),
      400,
      "Invalid input for field/attribute severity. Value: 'urgent'. Value should be one of: low, moderate, critical",
    );
    fault(
      await f.post({ name: 'x', type: 'threshold' }),
      400,
      "Invalid input for field/attribute type. Value: 'threshold'. Value should be one of: gnocchi_resources_threshold, gnocchi_aggregation_by_metrics_threshold, " +
        'gnocchi_aggregation_by_resources_threshold, composite, event, prometheus, loadbalancer_member_health',
    );
    fault(await f.post(resourcesAlarm({ state: 'broken' })), 400, "Invalid input for field/attribute state. Value: 'broken'. Value should be one of: ok, alarm, insufficient data");
    fault(await f.post(resourcesAlarm({}, { threshold: undefined })), 400, "Invalid input for field/attribute threshold. Value: 'None'. Mandatory field missing.");
    fault(
      await f.post(resourcesAlarm({}, { aggregation_method: undefined, metric: undefined })),
      400,
      "Invalid input for field/attribute aggregation_method. Value: 'None'. Mandatory field missing.",
    );
  });

  it('validates rule fields: enums, integer ranges, floats', async () => {
    fault(
      await f.post(resourcesAlarm({}, { comparison_operator: 'bigger' })),
      400,
      "Invalid input for field/attribute comparison_operator. Value: 'bigger'. Value should be one of: lt, le, eq, ne, ge, gt",
    );
    fault(await f.post(resourcesAlarm({}, { evaluation_periods: 0 })), 400, "Invalid input for field/attribute evaluation_periods. Value: '0'. Value should be greater or equal to 1");
    fault(await f.post(resourcesAlarm({}, { evaluation_periods: 101 })), 400, "Invalid input for field/attribute evaluation_periods. Value: '101'. Value should be lower or equal to 100");
    fault(await f.post(resourcesAlarm({}, { granularity: 31536001 })), 400, "Invalid input for field/attribute granularity. Value: '31536001'. Value should be lower or equal to 31536000");
    const body = { name: 'x', type: 'gnocchi_resources_threshold', gnocchi_resources_threshold_rule: { metric: 'm', resource_id: 'r', resource_type: 'instance', aggregation_method: 'mean', threshold: 'abc' } };
    fault(
      await f.post(body),
      400,
      "Invalid input for field/attribute data. Value: '{'name': 'x', 'type': 'gnocchi_resources_threshold', 'gnocchi_resources_threshold_rule': " +
        "{'metric': 'm', 'resource_id': 'r', 'resource_type': 'instance', 'aggregation_method': 'mean', 'threshold': 'abc'}}'. could not convert string to float: 'abc'",
    );
    const agg = await f.post(resourcesAlarm({}, { aggregation_method: 'average' }));
    expect(agg.status).to.equal(400);
    expect(agg.json.error_message.faultstring).to.match(/^aggregation_method should be in \['mean', 'sum', 'last', .*'rate:99pct'\] not average$/);
  });

  it('converts booleans and refuses wrong types', async () => {
    const a = await f.created(resourcesAlarm({ enabled: 'no', repeat_actions: 1 }));
    expect(a).to.include({ enabled: false, repeat_actions: true });
    fault(
      await f.post({ name: 'x', enabled: 'maybe', type: 'gnocchi_resources_threshold' }),
      400,
      "Invalid input for field/attribute data. Value: '{'name': 'x', 'enabled': 'maybe', 'type': 'gnocchi_resources_threshold'}'. Value not an unambiguous boolean: maybe",
    );
    fault(await f.post(resourcesAlarm({ name: 5 })), 400, "Invalid input for field/attribute name. Value: '5'. Wrong type. Expected '<class 'str'>', got '<class 'int'>'");
    fault(await f.post(resourcesAlarm({ ok_actions: [1] })), 400, "Invalid input for field/attribute ok_actions. Value: '[1]'. Wrong type. Expected '<class 'str'>', got '<class 'int'>'");
  });

  it('needs exactly the rule of the type', async () => {
    fault(await f.post({ name: 'x', type: 'gnocchi_resources_threshold' }), 400, 'gnocchi_resources_threshold_rule must be set for gnocchi_resources_threshold type alarm');
    fault(
      await f.post(resourcesAlarm({ prometheus_rule: { threshold: 1, query: 'up' } })),
      400,
      'gnocchi_resources_threshold_rule and prometheus_rule cannot be set at the same time',
    );
  });

  it('validates the resources-threshold query and scopes it for non-admins', async () => {
    const rule = { metric: 'cpu', query: 'not json', resource_type: 'instance', aggregation_method: 'mean', threshold: 1 };
    const body = (query: string): Json => ({ name: 'x', type: 'gnocchi_aggregation_by_resources_threshold', gnocchi_aggregation_by_resources_threshold_rule: { ...rule, query } });
    fault(await f.post(body('not json')), 400, "Invalid input for field/attribute rule/query. Value: 'not json'. ");
    const mine = await f.created(body('{"=": {"server_group": "g"}}'), f.demo);
    const P = SEED_PROJECTS.demo.id;
    const S = SEED_PROJECTS.service.id;
    expect(mine.gnocchi_aggregation_by_resources_threshold_rule.query).to.equal(
      `{"and": [{"or": [{"=": {"created_by_project_id": "${P}"}}, {"and": [{"=": {"created_by_project_id": "${S}"}}, {"=": {"project_id": "${P}"}}]}]}, {"=": {"server_group": "g"}}]}`,
    );
    expect((await f.created(body('{"=": {"server_group": "g"}}'))).gnocchi_aggregation_by_resources_threshold_rule.query).to.equal('{"=": {"server_group": "g"}}');
  });

  it('validates composite rules and fills in leaf defaults', async () => {
    const leaf = { type: 'gnocchi_resources_threshold', metric: 'm', resource_id: 'r', resource_type: 'instance', aggregation_method: 'max', threshold: 5 };
    const a = await f.created({ name: 'c', type: 'composite', composite_rule: { or: [leaf, { and: [{ ...leaf, threshold: 7 }] }] } });
    expect(a.description).to.equal('composite alarm rule');
    expect(a.composite_rule.or[0]).to.deep.equal({ ...leaf, granularity: 60, comparison_operator: 'eq', evaluation_periods: 1 });
    const bad = (rule: unknown): Promise<Reply> => f.post({ name: 'c', type: 'composite', composite_rule: rule });
    fault(await bad({ xor: [leaf] }), 400, 'Threshold rules should be combined with "and" or "or"');
    fault(await bad({ or: [{ metric: 'm', threshold: 1 }] }), 400, 'type must be set in every rule');
    fault(
      await bad({ or: [{ ...leaf, type: 'event' }] }),
      400,
      "Unsupported sub-rule type :event in composite rule, should be one of: ['gnocchi_aggregation_by_metrics_threshold', 'gnocchi_aggregation_by_resources_threshold', 'gnocchi_resources_threshold']",
    );
    fault(
      await bad({ or: 'x' }),
      400,
      "Invalid input composite rule: {'or': 'x'}, it should be a dict with an \"and\" or \"or\" as key, and the value of dict should be a list of basic threshold rules or sub composite rules, can be nested.",
    );
    fault(await bad({ or: [{ ...leaf, bogus: 1 }] }), 400, 'Unknown attribute for argument data.composite_rule: bogus');
  });

  it('validates time constraints', async () => {
    const tc = { name: 'night', start: '0 23 * * *', duration: 3600, timezone: 'Europe/Ljubljana' };
    const a = await f.created(resourcesAlarm({ time_constraints: [tc] }));
    expect(a.time_constraints).to.deep.equal([{ ...tc, description: 'Time constraint at 0 23 * * * lasting for 3600 seconds' }]);
    fault(await f.post(resourcesAlarm({ time_constraints: [tc, tc] })), 400, 'Time constraint names must be unique for a given alarm.');
    fault(await f.post(resourcesAlarm({ time_constraints: [{ ...tc, timezone: 'Mars/Olympus' }] })), 400, 'Timezone Mars/Olympus is not valid');
    fault(
      await f.post(resourcesAlarm({ time_constraints: [{ ...tc, start: '0 23 *' }] })),
      400,
      "Invalid input for field/attribute start. Value: '0 23 *'. Exactly 5, 6 or 7 columns has to be specified for iterator expression.",
    );
    fault(await f.post(resourcesAlarm({ time_constraints: [{ ...tc, duration: -1 }] })), 400, "Invalid input for field/attribute duration. Value: '-1'. Value should be greater or equal to 0");
  });
});
