// The same requests sent to vmha's fake cloud (src/fakes) and to the real one:
// status codes, the error body's key shape, and the message where deterministic.
// Known, documented differences (docs/test-cloud.md) are listed in KNOWN.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { startFakeCloud, type FakeCloud } from '../../src/fakes/cloud.ts';
import { raw, realClients, shape } from './real-cloud.ts';

interface Target {
  keystone: string;
  nova: string;
  aodh: string;
  gnocchi: string;
  token: string;
  user: { name: string; password: string; project: string };
}

interface Case {
  name: string;
  send(t: Target, ids: { server: string; alarm: string; resource: string }): Promise<{ status: number; body: unknown }>;
  /** Compare the message too (deterministic and id-free or with the same ids). */
  message?: (body: unknown) => unknown;
}

const json = (token: string, extra: Record<string, string> = {}): Record<string, string> => ({
  'Content-Type': 'application/json',
  Accept: 'application/json',
  'X-Auth-Token': token,
  ...extra,
});
const mv = (v: string): Record<string, string> => ({ 'OpenStack-API-Version': `compute ${v}`, 'X-OpenStack-Nova-API-Version': v });
const firstMessage = (b: unknown): unknown => {
  const o = b as Record<string, Record<string, unknown>>;
  const k = Object.keys(o ?? {})[0];
  return k ? o[k]?.message : undefined;
};

const badAlarm = (resource: string): string =>
  JSON.stringify({
    name: `vmha:bad:${resource}`,
    type: 'gnocchi_resources_threshold',
    gnocchi_resources_threshold_rule: {
      metric: 'instance.ping.delay',
      resource_type: 'instance',
      resource_id: resource,
      aggregation_method: 'mean',
      comparison_operator: 'bigger',
      threshold: 5,
      granularity: 10,
      evaluation_periods: 3,
    },
  });

const CASES: Case[] = [
  {
    name: 'keystone: wrong password',
    send: (t) =>
      raw(`${t.keystone}/auth/tokens`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          auth: {
            identity: { methods: ['password'], password: { user: { name: t.user.name, domain: { name: 'Default' }, password: 'wrong' } } },
            scope: { project: { name: t.user.project, domain: { name: 'Default' } } },
          },
        }),
      }),
    message: (b) => (b as { error: { message: string } }).error.message,
  },
  {
    name: 'nova: GET unknown server at 2.93',
    send: (t, ids) => raw(`${t.nova}/servers/${ids.server}`, { headers: json(t.token, mv('2.93')) }),
    message: firstMessage,
  },
  {
    name: 'nova: invalid microversion header "2.x"',
    send: (t) => raw(`${t.nova}/servers`, { headers: json(t.token, mv('2.x')) }),
    message: firstMessage,
  },
  {
    name: 'nova: microversion above the maximum (2.200)',
    send: (t) => raw(`${t.nova}/servers`, { headers: json(t.token, mv('2.200')) }),
    message: firstMessage,
  },
  {
    name: 'nova: os-migrateLive without block_migration',
    send: (t, ids) =>
      raw(`${t.nova}/servers/${ids.server}/action`, { method: 'POST', headers: json(t.token, mv('2.93')), body: JSON.stringify({ 'os-migrateLive': { host: null } }) }),
    message: firstMessage,
  },
  {
    name: 'aodh: POST alarm with a bad comparison_operator',
    send: (t, ids) => raw(`${t.aodh}/v2/alarms`, { method: 'POST', headers: json(t.token), body: badAlarm(ids.resource) }),
    // WSME lists the enum from a Python set: its order changes with aodh-api's hash
    // seed (per process start), so compare the values as a set.
    message: (b) =>
      (b as { error_message: { faultstring: string } }).error_message.faultstring.replace(/one of: (.*)$/, (_m, list: string) => `one of: ${list.split(', ').sort().join(', ')}`),
  },
  {
    name: 'aodh: GET unknown alarm',
    send: (t, ids) => raw(`${t.aodh}/v2/alarms/${ids.alarm}`, { headers: json(t.token) }),
    message: (b) => (b as { error_message: { faultstring: string } }).error_message.faultstring,
  },
  {
    name: 'gnocchi: batch measures for an unknown resource',
    send: (t, ids) =>
      raw(`${t.gnocchi}/v1/batch/resources/metrics/measures?create_metrics=true`, {
        method: 'POST',
        headers: json(t.token),
        body: JSON.stringify({ [ids.resource]: { 'instance.ping.delay': [{ timestamp: '2026-01-01T00:00:00Z', value: 1 }] } }),
      }),
    message: (b) => b,
  },
  {
    name: 'gnocchi: batch measures with a non-JSON content type',
    send: (t, ids) =>
      raw(`${t.gnocchi}/v1/batch/resources/metrics/measures`, {
        method: 'POST',
        headers: { ...json(t.token), 'Content-Type': 'text/plain' },
        body: JSON.stringify({ [ids.resource]: {} }),
      }),
  },
];

/** Differences kept on purpose; each is explained in docs/test-cloud.md ("Fake vs real"). */
const KNOWN: Record<string, { status?: true; shape?: true; message?: true }> = {};

describe('real cloud: fake vs real answers', () => {
  let fake: FakeCloud;
  let targets: { fake: Target; real: Target };
  const ids = { server: randomUUID(), alarm: randomUUID(), resource: randomUUID() };

  before(async () => {
    fake = await startFakeCloud({ novaMaxVersion: '2.93' });
    const real = realClients();
    const { createClients } = await import('../../src/openstack/index.ts');
    const { memoryLogger } = await import('../../src/log.ts');
    const fakeClients = createClients(
      {
        source: 'fake',
        authUrl: fake.authUrl,
        auth: { type: 'password', username: 'vmha', password: 'vmha-secret', userDomainName: 'Default', projectName: 'service', projectDomainName: 'Default' },
        interface: 'public',
        region: fake.region,
        verify: true,
      },
      { logger: memoryLogger().logger },
    );
    const mk = async (c: typeof real, user: Target['user']): Promise<Target> => ({
      keystone: (await c.session.endpoint('identity')).replace(/\/+$/, '').replace(/(\/v3)?$/, '/v3'),
      nova: await c.session.endpoint('compute'),
      aodh: await c.session.endpoint('alarming'),
      gnocchi: await c.session.endpoint('metric'),
      token: (await c.session.getToken()).id,
      user,
    });
    targets = {
      fake: await mk(fakeClients, { name: 'vmha', password: 'vmha-secret', project: 'service' }),
      real: await mk(real, { name: 'vmha', password: 'vmha-pass', project: 'vmha' }),
    };
  });
  after(() => fake?.close());

  for (const c of CASES) {
    it(c.name, async () => {
      const f = await c.send(targets.fake, ids);
      const r = await c.send(targets.real, ids);
      const report = JSON.stringify({ fake: { status: f.status, body: f.body }, real: { status: r.status, body: r.body } });
      console.log(`      ${report}`);
      const known = KNOWN[c.name] ?? {};
      if (!known.status) expect(f.status, report).to.equal(r.status);
      if (!known.shape) expect(shape(f.body), report).to.deep.equal(shape(r.body));
      if (c.message && !known.message) expect(c.message(f.body), report).to.deep.equal(c.message(r.body));
    });
  }
});
