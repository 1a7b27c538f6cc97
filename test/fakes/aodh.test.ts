import { expect } from 'chai';
import type { AodhAlarm } from '../../src/fakes/aodh.ts';
import { SEED_PROJECTS, SEED_ROLES, SEED_USERS } from '../../src/fakes/keystone.ts';
import { aodhFixture, fault, IDENTITY, resourcesAlarm, type Json } from './aodh-fixture.ts';
import { call, sample, UNAUTHORIZED, type Reply } from './service-harness.ts';

describe('fakes/aodh', () => {
  const f = aodhFixture();

  describe('replaying the upstream samples', () => {
    it('stores the defaults of test_post_threshold_rule_defaults', async () => {
      const { request, stored } = sample<{ request: Json; stored: Json }>('aodh/alarm-defaults_test_post_threshold_rule_defaults.json');
      const r = await f.post(request);
      expect(r.status).to.equal(201);
      expect(r.headers.get('location')).to.equal(`${f.alarms}/${r.json.alarm_id}`);
      expect(r.headers.get('x-openstack-request-id')).to.match(/^req-/);
      const a = r.json;
      for (const k of ['name', 'state', 'description', 'type']) expect(a[k], k).to.equal(stored[k]);
      expect(a.gnocchi_aggregation_by_metrics_threshold_rule).to.deep.equal(stored.rule);
      expect(Object.keys(a).sort()).to.deep.equal([
        'alarm_actions', 'alarm_id', 'description', 'enabled', 'gnocchi_aggregation_by_metrics_threshold_rule', 'insufficient_data_actions', 'name',
        'ok_actions', 'project_id', 'repeat_actions', 'severity', 'state', 'state_reason', 'state_timestamp', 'time_constraints', 'timestamp', 'type', 'user_id',
      ]);
      expect(a).to.include({ enabled: true, repeat_actions: false, severity: 'low', state_reason: 'Not evaluated yet', project_id: SEED_PROJECTS.service.id, user_id: SEED_USERS.vmha.id });
      expect(a.alarm_id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(a.timestamp).to.equal('2026-01-01T10:00:00');
      expect(a.state_timestamp).to.equal('2026-01-01T10:00:00');
      for (const k of ['ok_actions', 'alarm_actions', 'insufficient_data_actions', 'time_constraints']) expect(a[k], k).to.deep.equal([]);
      const kept = f.aodh.get(a.alarm_id) as AodhAlarm;
      expect(kept.rule).to.deep.equal(stored.rule);
      expect(kept).to.include({ name: stored.name, state: stored.state, description: stored.description, type: stored.type });
      expect((await call(`${f.alarms}/${a.alarm_id}`, { token: f.admin })).json).to.deep.equal(a);
    });

    it('creates the gnocchi_aggregation_by_metrics_threshold sample as given', async () => {
      const body = sample<Json>('aodh/alarm-create_gnocchi_aggregation_by_metrics_threshold.json');
      const a = await f.created(body);
      expect(a).to.include({ enabled: false, name: 'name_post', state: 'ok', severity: 'critical', repeat_actions: true });
      expect(a.ok_actions).to.deep.equal(['http://something/ok']);
      expect(a.alarm_actions).to.deep.equal(['http://something/alarm']);
      expect(a.insufficient_data_actions).to.deep.equal(['http://something/no']);
      expect(a.gnocchi_aggregation_by_metrics_threshold_rule).to.deep.equal(body.gnocchi_aggregation_by_metrics_threshold_rule);
    });

    it('accepts the gnocchi_resources_threshold rule sample (the type vmha uses)', async () => {
      const a = await f.created(resourcesAlarm());
      expect(a.gnocchi_resources_threshold_rule).to.deep.equal(sample('aodh/alarm-rule_gnocchi_resources_threshold.json'));
      expect(a.description).to.equal('gnocchi_resources_threshold alarm rule');
    });
  });

  describe('token checks', () => {
    it('answers a missing, unknown, expired or unscoped token like keystonemiddleware', async () => {
      const unscoped = f.tokens.issue({ userId: 'u', userName: 'u', userDomainId: 'default', roles: [], methods: ['password'] }, 3600).id;
      const expiring = f.issue(SEED_USERS.demo, SEED_PROJECTS.demo, [SEED_ROLES.member]);
      f.clock.advance(3600_000);
      for (const token of [undefined, 'nope', unscoped, expiring]) {
        const r = await call(f.alarms, token ? { token } : {});
        expect(r.status).to.equal(401);
        expect(r.json).to.deep.equal(UNAUTHORIZED);
        expect(r.headers.get('www-authenticate')).to.equal(`Keystone uri="${IDENTITY}"`);
        expect(r.headers.get('x-openstack-request-id')).to.match(/^req-/);
      }
      expect((await call(`${f.srv.base}/`)).json.versions.values[0].id).to.equal('v2');
    });
  });

  describe('actions and ownership', () => {
    it('checks schemes, removes duplicates, keeps log:// and test:// for admins', async () => {
      fault(await f.post(resourcesAlarm({ alarm_actions: ['mailto:ops@example.com'] })), 400, 'Unsupported action mailto:ops@example.com');
      fault(await f.post(resourcesAlarm({ alarm_actions: ['http://[::1/x'] })), 400, 'Unable to parse action http://[::1/x');
      fault(await f.post(resourcesAlarm({ alarm_actions: ['log://'] }), f.demo), 401, 'You are not authorized to create action: log://');
      const a = await f.created(resourcesAlarm({ alarm_actions: ['http://h/a', 'log://', 'http://h/a', 'HTTPS://Hook/x?y=1'] }));
      // Aodh renders every action through Python's geturl(): "log://" comes back as "log:".
      expect(a.alarm_actions).to.deep.equal(['http://h/a', 'log:', 'https://Hook/x?y=1']);
    });

    it('embeds a trust id in trust+ URLs and never shows it', async () => {
      const a = await f.created(resourcesAlarm({ alarm_actions: ['trust+http://hook.example/alarm'], ok_actions: ['trust+https://hook.example/ok'] }));
      expect(a.alarm_actions).to.deep.equal(['trust+http://hook.example/alarm']);
      expect(a.ok_actions).to.deep.equal(['trust+https://hook.example/ok']);
      const kept = f.aodh.get(a.alarm_id) as AodhAlarm;
      // The first trust URL (ok_actions come first) owns the trust (":delete"), the others share it.
      const [, trustId] = /^trust\+https:\/\/([0-9a-f]{32}):delete@hook\.example\/ok$/.exec(kept.ok_actions[0] as string) ?? [];
      expect(trustId).to.be.a('string');
      expect(kept.alarm_actions).to.deep.equal([`trust+http://${trustId}@hook.example/alarm`]);
      expect(f.aodh.trust(trustId as string)).to.deep.include({ trustorUserId: SEED_USERS.vmha.id, projectId: SEED_PROJECTS.service.id });
      expect((await call(`${f.alarms}/${a.alarm_id}`, { token: f.admin })).json.ok_actions).to.deep.equal(['trust+https://hook.example/ok']);
      fault(await f.post(resourcesAlarm({ alarm_actions: ['trust+http://abc:delete@hook.example/x'] })), 400, 'trust URL cannot contain a trust ID.');
      // A full replacement keeps the alarm's trust.
      await call(`${f.alarms}/${a.alarm_id}`, { method: 'PUT', token: f.admin, body: resourcesAlarm({ alarm_actions: ['trust+http://hook.example/alarm2'] }) });
      expect(f.aodh.get(a.alarm_id)?.alarm_actions).to.deep.equal([`trust+http://${trustId}:delete@hook.example/alarm2`]);
    });

    it('defaults user and project from the token and guards them for non-admins', async () => {
      const mine = await f.created(resourcesAlarm(), f.demo);
      expect(mine).to.include({ user_id: SEED_USERS.demo.id, project_id: SEED_PROJECTS.demo.id });
      fault(await f.post(resourcesAlarm({ user_id: 'someone' }), f.demo), 401, 'Not Authorized to access user someone');
      fault(await f.post(resourcesAlarm({ project_id: 'elsewhere' }), f.demo), 401, 'Not Authorized to access project elsewhere');
      const onBehalf = await f.created(resourcesAlarm({ project_id: SEED_PROJECTS.demo.id }));
      expect(onBehalf).to.include({ project_id: SEED_PROJECTS.demo.id, user_id: SEED_USERS.vmha.id });
    });
  });

  describe('reading, listing, replacing, deleting', () => {
    it('lists the caller project only, with q filters, and all projects for admins', async () => {
      const a1 = await f.created(resourcesAlarm({ name: 'one', state: 'ok' }), f.demo);
      f.clock.advance(1000);
      const a2 = await f.created(resourcesAlarm({ name: 'two', enabled: false }), f.demo);
      const theirs = await f.created(resourcesAlarm({ name: 'three' }), f.otherMember);
      const mine = await call(f.alarms, { token: f.demo });
      expect(mine.json.map((x: Json) => x.alarm_id)).to.deep.equal([a2.alarm_id, a1.alarm_id]);
      const q = (pairs: [string, string, string?][], token = f.demo): Promise<Reply> => {
        const p = new URLSearchParams();
        for (const [f, v, op] of pairs) {
          p.append('q.field', f);
          p.append('q.op', op ?? 'eq');
          p.append('q.value', v);
        }
        return call(`${f.alarms}?${p}`, { token });
      };
      expect((await q([['name', 'one']])).json.map((x: Json) => x.name)).to.deep.equal(['one']);
      expect((await q([['state', 'ok']])).json.map((x: Json) => x.name)).to.deep.equal(['one']);
      expect((await q([['enabled', 'false']])).json.map((x: Json) => x.name)).to.deep.equal(['two']);
      expect((await q([['enabled', 'True']])).json.map((x: Json) => x.name)).to.deep.equal(['one']);
      expect((await q([['type', 'event']])).json).to.deep.equal([]);
      expect((await q([['all_projects', 'true']], f.admin)).json.map((x: Json) => x.name).sort()).to.deep.equal(['one', 'three', 'two']);
      expect((await q([['project_id', SEED_PROJECTS.demo.id]], f.admin)).json).to.have.length(2);
      expect((await call(f.alarms, { token: f.admin })).json).to.deep.equal([]);
      expect(theirs.project_id).to.equal('p-other');

      fault(await q([['name', 'one', 'ne']]), 400, "Invalid input for field/attribute op. Value: '{'ne'}'. only operations {'eq'} are allowed");
      fault(
        await q([['meter', 'x']]),
        400,
        "Invalid input for field/attribute field. Value: '{'meter'}'. only fields {'all_projects', 'user_id', 'project_id', 'type', 'name', 'enabled', 'state', 'severity', 'timestamp', 'repeat_actions'} are allowed",
      );
      fault(await q([['all_projects', 'true']]), 403, 'RBAC Authorization Failed', 'Server');
      fault(await q([['all_projects', 'perhaps']]), 400, 'Unable to convert the value perhaps to the expected data type boolean.');
      fault(await q([['project_id', 'p-other']]), 401, 'Not Authorized to access project p-other');
      fault(await call(`${f.alarms}?q.colour=x`, { token: f.demo }), 400, 'Unknown argument: "q.colour"');
      expect((await call(`${f.alarms}?limit=1&sort=name:asc`, { token: f.demo })).json.map((x: Json) => x.name)).to.deep.equal(['one']);
    });

    it("answers 404 for unknown f.alarms and other projects' alarms", async () => {
      const theirs = await f.created(resourcesAlarm(), f.otherMember);
      fault(await call(`${f.alarms}/nope`, { token: f.admin }), 404, 'Alarm nope not found');
      fault(await call(`${f.alarms}/${theirs.alarm_id}`, { token: f.demo }), 404, `Alarm ${theirs.alarm_id} not found in project ${SEED_PROJECTS.demo.id}`);
      fault(await call(`${f.alarms}/nope/state`, { token: f.admin }), 404, 'Alarm nope not found');
      fault(await call(`${f.alarms}/nope`, { method: 'DELETE', token: f.admin }), 404, 'Alarm nope not found');
      expect((await call(`${f.alarms}/${theirs.alarm_id}`, { token: f.admin })).status).to.equal(200);
    });

    it('replaces an alarm with PUT (state defaults again) and records the change', async () => {
      const a = await f.created(resourcesAlarm({ state: 'ok', severity: 'critical' }));
      f.clock.advance(5000);
      // Body errors come before the lookup.
      fault(await call(`${f.alarms}/nope`, { method: 'PUT', token: f.admin, body: { type: 'x' } }), 400, "Invalid input for field/attribute name. Value: 'None'. Mandatory field missing.");
      const r = await call(`${f.alarms}/${a.alarm_id}`, { method: 'PUT', token: f.admin, body: resourcesAlarm({}, { threshold: 9 }) });
      expect(r.status).to.equal(200);
      expect(r.json).to.include({ alarm_id: a.alarm_id, state: 'insufficient data', state_reason: 'Manually set via API', severity: 'low', timestamp: '2026-01-01T10:00:05' });
      expect(r.json.gnocchi_resources_threshold_rule.threshold).to.equal(9);
      const history = (await call(`${f.alarms}/${a.alarm_id}/history`, { token: f.admin })).json;
      expect(history.map((h: Json) => h.type)).to.deep.equal(['rule change', 'creation']);
      expect(JSON.parse(history[0].detail)).to.deep.equal({
        state: 'insufficient data',
        state_reason: 'Manually set via API',
        severity: 'low',
        rule: { ...r.json.gnocchi_resources_threshold_rule },
      });
      expect(Object.keys(history[0]).sort()).to.deep.equal(['alarm_id', 'detail', 'event_id', 'on_behalf_of', 'project_id', 'timestamp', 'type', 'user_id']);
      expect(history[1].detail).to.match(/^\{"alarm_id": "[0-9a-f-]{36}", "type": "gnocchi_resources_threshold", "enabled": true, "name": "ping", /);
    });

    it('reads and sets the state as a JSON string, with history', async () => {
      const a = await f.created(resourcesAlarm());
      const seen: [string, string, string][] = [];
      f.aodh.onStateChange = (alarm, previous, cause) => seen.push([alarm.state, previous, cause]);
      const put = (raw: string, contentType?: string): Promise<Reply> => call(`${f.alarms}/${a.alarm_id}/state`, { method: 'PUT', token: f.admin, raw, ...(contentType ? { contentType } : {}) });
      expect((await put('"alarm"')).json).to.equal('alarm');
      expect((await call(`${f.alarms}/${a.alarm_id}/state`, { token: f.admin })).json).to.equal('alarm');
      fault(await put('"on fire"'), 400, 'state invalid');
      fault(await put('alarm'), 400, 'Request is not in valid JSON format');
      fault(await put('"ok"', 'text/plain'), 415, 'Unknown mimetype: text/plain');
      fault(await call(`${f.alarms}/${a.alarm_id}/state`, { method: 'PUT', token: f.admin }), 400, 'Missing argument: "state"');
      const history = (await call(`${f.alarms}/${a.alarm_id}/history`, { token: f.admin })).json;
      expect(history[0].type).to.equal('state transition');
      expect(history[0].detail).to.equal('{"state": "alarm", "state_reason": "Manually set via API"}');
      expect(seen).to.deep.equal([['alarm', 'insufficient data', 'api']]);

      const moved = f.aodh.setState(a.alarm_id, 'ok', 'Transition to ok due to 3 samples inside threshold');
      expect(moved).to.include({ state: 'ok', state_reason: 'Transition to ok due to 3 samples inside threshold' });
      expect(f.aodh.history(a.alarm_id)[0]?.detail).to.equal('{"state": "ok", "transition_reason": "Transition to ok due to 3 samples inside threshold"}');
      expect(seen[1]).to.deep.equal(['ok', 'alarm', 'set-state']);
      expect(f.aodh.list().map((x) => x.alarm_id)).to.deep.equal([a.alarm_id]);
    });

    it('deletes with 204 and answers 404 afterwards', async () => {
      const a = await f.created(resourcesAlarm());
      const del = await call(`${f.alarms}/${a.alarm_id}`, { method: 'DELETE', token: f.admin });
      expect(del.status).to.equal(204);
      expect(del.text).to.equal('');
      fault(await call(`${f.alarms}/${a.alarm_id}`, { token: f.admin }), 404, `Alarm ${a.alarm_id} not found`);
      expect(f.aodh.get(a.alarm_id)).to.equal(undefined);
    });

    it('answers unknown routes and methods through the error middleware', async () => {
      const nf = await call(`${f.srv.base}/v2/nothing`, { token: f.admin });
      expect(nf.status).to.equal(404);
      expect(nf.json.error_message).to.be.a('string').and.match(/^404 Not Found/);
      const na = await call(f.alarms, { method: 'DELETE', token: f.admin });
      expect(na.status).to.equal(405);
      expect(na.headers.get('x-openstack-request-id')).to.match(/^req-/);
    });
  });
});
