// The fake Aodh's evaluator and notifier: threshold semantics of aodh/evaluator/threshold.py
// and gnocchi.py, and notifications exactly as aodh/notifier/rest.py sends them.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { ManualClock } from '../../src/domain/clock.ts';
import { AodhEvaluator, type EvaluatorEvent } from '../../src/fakes/aodh/evaluator.ts';
import { actionTarget, pyFloatRepr, pythonJsonDumps, PyFloat } from '../../src/fakes/aodh/notifier.ts';
import { evaluateRule, queryWindow, transitionFor, type ThresholdRule } from '../../src/fakes/aodh/threshold.ts';
import { SEED_PROJECTS, SEED_USERS } from '../../src/fakes/keystone/seed.ts';
import { withFakeCloud, type CloudFixture } from '../helpers/cloud.ts';

const RULE: ThresholdRule = {
  metric: 'instance.ping.delay',
  resource_id: 'x',
  resource_type: 'instance',
  aggregation_method: 'mean',
  comparison_operator: 'gt',
  threshold: 500,
  granularity: 1,
  evaluation_periods: 3,
};
const pts = (...values: number[]) => values.map((value) => ({ granularity: 1, value }));

describe('fakes/aodh threshold evaluation (pure)', () => {
  it('prints floats as Python does', () => {
    const cases: [number, string][] = [
      [999, '999.0'],
      [-1, '-1.0'],
      [0, '0.0'],
      [0.5, '0.5'],
      [12.5, '12.5'],
      [0.1 + 0.31, '0.41000000000000003'],
      [0.0001, '0.0001'],
      [0.00001, '1e-05'],
      [1.5e-7, '1.5e-07'],
      [1e16, '1e+16'],
      [123456789012345680, '1.2345678901234568e+17'],
      [1e15, '1000000000000000.0'],
    ];
    for (const [n, s] of cases) expect(pyFloatRepr(n), String(n)).to.equal(s);
    expect(pythonJsonDumps({ a: new PyFloat(999), b: 3, c: null, d: 'é' })).to.equal('{"a": 999.0, "b": 3, "c": null, "d": "\\u00e9"}');
  });

  it('queries granularity x (periods + 1) back from now', () => {
    expect(queryWindow({ ...RULE, granularity: 10 }, 100_000)).to.deep.equal({ start: 60_000, stop: 100_000 });
  });

  it('keeps the last evaluation_periods points at the rule granularity and compares each', () => {
    expect(evaluateRule(RULE, pts(0.4, 999, 999, 999))).to.deep.equal({ state: 'alarm', trending: undefined, statistics: [999, 999, 999], outsideCount: 3 });
    expect(evaluateRule(RULE, pts(999, 0.4, 0.5, 0.6))).to.include({ state: 'ok', outsideCount: 0 });
    expect(evaluateRule(RULE, pts(999, 999, 0.4))).to.include({ state: undefined, trending: 'ok', outsideCount: 2 });
    expect(evaluateRule(RULE, pts(0.4, 0.4, 999))).to.include({ state: undefined, trending: 'alarm', outsideCount: 1 });
    expect(evaluateRule(RULE, [...pts(999, 999), { granularity: 60, value: 999 }])).to.deep.include({
      state: 'insufficient data',
      statistics: [999, 999],
      unknownReason: '3 datapoints are unknown',
    });
    expect(evaluateRule(RULE, [{ granularity: 60, value: 1 }])).to.include({ state: 'insufficient data', unknownReason: 'No datapoint for granularity 1' });
  });

  it('changes state like _transition_alarm, with Aodh reason texts', () => {
    const alarm = (state: 'ok' | 'alarm' | 'insufficient data', repeat = false) => ({ state, repeat_actions: repeat, evaluation_periods: 3 });
    const t = transitionFor(alarm('ok'), evaluateRule(RULE, pts(999, 999, 999)))!;
    expect(t.state).to.equal('alarm');
    expect(t.reason).to.equal('Transition to alarm due to 3 samples outside threshold, most recent: 999.0');
    expect(pythonJsonDumps(t.reasonData)).to.equal('{"type": "threshold", "disposition": "outside", "count": 3, "most_recent": 999.0}');
    const ok = transitionFor(alarm('alarm'), evaluateRule(RULE, pts(0.5, 0.25, 0.75)))!;
    expect(ok.reason).to.equal('Transition to ok due to 3 samples inside threshold, most recent: 0.75');
    expect(ok.reasonData).to.deep.include({ disposition: 'inside', count: 3 });
    // Unchanged state: nothing, unless repeat_actions.
    expect(transitionFor(alarm('alarm'), evaluateRule(RULE, pts(999, 999, 999)))).to.equal(undefined);
    expect(transitionFor(alarm('alarm', true), evaluateRule(RULE, pts(999, 999, 999)))!.reason).to.equal(
      'Remaining as alarm due to 3 samples outside threshold, most recent: 999.0',
    );
    // A mixed window moves only an alarm with insufficient data (toward the latest point).
    expect(transitionFor(alarm('ok'), evaluateRule(RULE, pts(0.4, 0.4, 999)))).to.equal(undefined);
    const trend = transitionFor(alarm('insufficient data'), evaluateRule(RULE, pts(0.4, 999, 0.4)))!;
    expect([trend.state, trend.reason]).to.deep.equal(['ok', 'Transition to ok due to 2 samples inside threshold, most recent: 0.4']);
    // Losing data: to insufficient data with the evaluator's reason; staying there is silent.
    const lost = transitionFor(alarm('alarm'), evaluateRule(RULE, pts(999)))!;
    expect(lost.state).to.equal('insufficient data');
    expect(lost.reason).to.equal('3 datapoints are unknown');
    expect(pythonJsonDumps(lost.reasonData)).to.equal('{"type": "threshold", "disposition": "unknown", "count": 3, "most_recent": 999.0}');
    expect(transitionFor(alarm('insufficient data'), evaluateRule(RULE, []))).to.equal(undefined);
  });

  it('turns trust+ actions into plain URLs with the trust id set apart', () => {
    expect(actionTarget('trust+http://abc123:delete@127.0.0.1:8780/v1/aodh/tok')).to.deep.equal({ kind: 'rest', url: 'http://127.0.0.1:8780/v1/aodh/tok', trustId: 'abc123', verifyTls: true });
    expect(actionTarget('https://h/x?aodh-alarm-ssl-verify=0')).to.deep.include({ kind: 'rest', verifyTls: false });
    expect(actionTarget('log://')).to.deep.equal({ kind: 'log' });
    expect(actionTarget('zaqar://?queue_name=q')).to.deep.equal({ kind: 'unsupported', scheme: 'zaqar' });
  });
});

interface Received {
  rawHeaders: string[];
  path: string;
  body: string;
}

describe('fakes/aodh evaluator against the fake Gnocchi', function () {
  this.timeout(20_000);
  let f: CloudFixture;
  let clock: ManualClock;
  let receiver: http.Server;
  let received: Received[];
  let status: number;
  let events: EvaluatorEvent[];
  let evaluator: AodhEvaluator;
  let url: string;
  const instance = '5d1c7e2a-8b3f-4a6e-9c0d-1e2f3a4b5c6d';

  beforeEach(async () => {
    clock = new ManualClock(Date.UTC(2026, 0, 1, 10, 0, 0));
    f = await withFakeCloud({ clock, clientClock: clock });
    received = [];
    status = 202;
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ rawHeaders: req.rawHeaders, path: req.url ?? '', body });
        res.statusCode = status;
        res.end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/aodh/tok`;
    await f.clients.gnocchi.createArchivePolicy({ name: 'one-second', back_window: 0, aggregation_methods: ['mean', 'last'], definition: [{ granularity: '0:00:01', points: 3600 }] });
    f.cloud.gnocchi.addResource('instance', { id: instance, display_name: 'pet', flavor_id: '1', image_ref: 'cirros', host: 'compute-1', project_id: 'p', user_id: 'u' });
    events = [];
    evaluator = new AodhEvaluator({ aodh: f.cloud.aodh, gnocchi: f.cloud.gnocchi, tokens: f.cloud.tokens, clock, intervalMs: 1000, onEvent: (e) => events.push(e) });
  });
  afterEach(async () => {
    await evaluator.stop();
    await new Promise<void>((r) => receiver.close(() => r()));
    await f.close();
  });

  const createAlarm = (actions: string[], metric = 'instance.ping.delay') =>
    f.clients.aodh.create({
      name: `vmha:ping-delay:${instance}`,
      type: 'gnocchi_resources_threshold',
      severity: 'critical',
      alarm_actions: actions,
      ok_actions: actions,
      gnocchi_resources_threshold_rule: { ...RULE, metric, resource_id: instance },
    });
  /** Publishes one value per second for the `values`, the last one a moment ago. */
  const publish = async (values: number[]) => {
    const now = clock.now();
    const measures = values.map((value, i) => ({ timestamp: new Date(now - (values.length - i) * 1000 + 100).toISOString(), value }));
    await f.clients.gnocchi.batchResourceMeasures({ [instance]: { 'instance.ping.delay': { archive_policy_name: 'one-second', measures } } }, true);
  };
  const evaluateAndSettle = async () => {
    evaluator.evaluateAll();
    await evaluator.settled();
  };

  it('goes ok, then alarm, posting each transition once with the notifier body and headers', async () => {
    const alarm = await createAlarm([url]);
    await evaluateAndSettle();
    expect(f.cloud.aodh.get(alarm.alarm_id)!.state).to.equal('insufficient data');
    expect(received).to.deep.equal([]);

    await publish([0.5, 0.25, 0.75]);
    await evaluateAndSettle();
    expect(f.cloud.aodh.get(alarm.alarm_id)!.state).to.equal('ok');
    expect(received).to.have.length(1);
    expect(received[0]!.body).to.equal(
      `{"alarm_name": "vmha:ping-delay:${instance}", "alarm_id": "${alarm.alarm_id}", "severity": "critical", "previous": "insufficient data", "current": "ok", ` +
        '"reason": "Transition to ok due to 3 samples inside threshold, most recent: 0.75", ' +
        '"reason_data": {"type": "threshold", "disposition": "inside", "count": 3, "most_recent": 0.75}}',
    );
    const names = received[0]!.rawHeaders.filter((_, i) => i % 2 === 0);
    expect(names).to.deep.equal(['Host', 'User-Agent', 'Accept-Encoding', 'Accept', 'Connection', 'x-openstack-request-id', 'content-type', 'Content-Length']);
    expect(received[0]!.rawHeaders[3]).to.equal('python-requests/2.32.3');

    // Nothing changed: no notification (repeat_actions is false).
    await evaluateAndSettle();
    expect(received).to.have.length(1);

    clock.advance(3000);
    await publish([999, 999, 999]);
    await evaluateAndSettle();
    const fired = f.cloud.aodh.get(alarm.alarm_id)!;
    expect([fired.state, fired.state_reason]).to.deep.equal(['alarm', 'Transition to alarm due to 3 samples outside threshold, most recent: 999.0']);
    expect(received).to.have.length(2);
    expect(JSON.parse(received[1]!.body)).to.deep.include({ previous: 'ok', current: 'alarm' });
    expect(received[1]!.body).to.contain('"most_recent": 999.0}');
    // History as the evaluator records it: state and transition_reason.
    expect(JSON.parse(f.cloud.aodh.history(alarm.alarm_id)[0]!.detail)).to.deep.equal({ state: 'alarm', transition_reason: fired.state_reason });
    expect(events.filter((e) => e.kind === 'notification').map((e) => (e as { status?: number }).status)).to.deep.equal([202, 202]);
  });

  it('falls to insufficient data when the points stop, without a notification (no insufficient_data_actions)', async () => {
    const alarm = await createAlarm([url]);
    await publish([0.5, 0.5, 0.5]);
    await evaluateAndSettle();
    clock.advance(10_000);
    await evaluateAndSettle();
    const a = f.cloud.aodh.get(alarm.alarm_id)!;
    expect([a.state, a.state_reason]).to.deep.equal(['insufficient data', 'No datapoint for granularity 1']);
    expect(received).to.have.length(1);
  });

  it('leaves an alarm on a missing metric in insufficient data, with no transition recorded', async () => {
    const alarm = await createAlarm([url], 'instance.nothing');
    await publish([0.5, 0.5, 0.5]);
    await evaluateAndSettle();
    expect(f.cloud.aodh.get(alarm.alarm_id)!.state).to.equal('insufficient data');
    // Still "Not evaluated yet": insufficient data to insufficient data is no transition.
    expect(f.cloud.aodh.get(alarm.alarm_id)!.state_reason).to.equal('Not evaluated yet');
  });

  it('posts once and never retries, whatever the receiver answers or if it is down', async () => {
    status = 500;
    await createAlarm([url, 'http://127.0.0.1:1/v1/aodh/nobody']);
    await publish([0.5, 0.5, 0.5]);
    await evaluateAndSettle();
    expect(received).to.have.length(1);
    const sent = events.filter((e): e is Extract<EvaluatorEvent, { kind: 'notification' }> => e.kind === 'notification');
    expect(sent).to.have.length(2);
    expect(sent.find((e) => e.url === url)!.status).to.equal(500);
    expect(sent.find((e) => e.url !== url)!.error).to.be.a('string');
    await evaluateAndSettle();
    expect(received).to.have.length(1);
  });

  it('delivers trust+http actions to the plain URL with a token of the trust', async () => {
    await createAlarm([url.replace(/^http/, 'trust+http')]);
    await publish([0.5, 0.5, 0.5]);
    await evaluateAndSettle();
    expect(received).to.have.length(1);
    expect(received[0]!.path).to.equal('/v1/aodh/tok');
    const headers = received[0]!.rawHeaders;
    const token = headers[headers.indexOf('X-Auth-Token') + 1]!;
    const found = f.cloud.tokens.lookup(token);
    expect(found.status).to.equal('valid');
    if (found.status !== 'valid') return;
    expect(found.info).to.include({ userId: SEED_USERS.vmha.id, projectId: SEED_PROJECTS.service.id });
    expect(found.info.roles.map((r) => r.name)).to.include('admin');
  });
});
