import { expect } from 'chai';
import { ManualClock } from '../../src/domain/clock.ts';
import { Unauthorized } from '../../src/openstack/errors.ts';
import { authBody, identityV3, pickEndpoint } from '../../src/openstack/session.ts';
import { vmhaAuth, withFakeCloud, type CloudFixture } from '../helpers/cloud.ts';

describe('openstack/session (Keystone v3)', () => {
  let f: CloudFixture;
  beforeEach(async () => {
    f = await withFakeCloud();
  });
  afterEach(() => f.close());

  it('issues a project-scoped token and finds endpoints in the catalog', async () => {
    const token = await f.clients.session.getToken();
    expect(token.projectId).to.be.a('string').and.not.equal('');
    expect(token.roles).to.include('admin');
    expect(await f.clients.session.endpoint('compute')).to.equal(`${f.cloud.url}/compute/v2.1`);
    expect(await f.clients.session.endpoint('metric')).to.equal(`${f.cloud.url}/metric`);
  });

  it('reuses one token across calls', async () => {
    const before = f.cloud.tokens.issued;
    await f.clients.nova.listServices();
    await f.clients.aodh.list();
    await f.clients.nova.listServers();
    expect(f.cloud.tokens.issued - before).to.equal(1);
  });

  it('ten concurrent calls cause one authentication, not ten', async () => {
    const before = f.cloud.tokens.issued;
    await Promise.all(Array.from({ length: 10 }, () => f.clients.nova.listServices()));
    expect(f.cloud.tokens.issued - before).to.equal(1);
    expect(f.clients.session.authentications).to.equal(1);
  });

  it('with every token expired mid-run, every call still succeeds after exactly one re-authentication', async () => {
    await f.clients.nova.listServices();
    expect(f.clients.session.authentications).to.equal(1);
    f.cloud.tokens.expireAll();
    const results = await Promise.all([
      f.clients.nova.listServices(),
      f.clients.aodh.list(),
      f.clients.nova.listServers(),
      f.clients.nova.listMigrations(),
    ]);
    expect(results).to.have.length(4);
    expect(f.clients.session.authentications).to.equal(2);
    // And the next call runs on the new token without any further authentication.
    await f.clients.nova.listServices();
    expect(f.clients.session.authentications).to.equal(2);
  });

  it('renews before expires_at instead of waiting for a 401', async () => {
    const clock = new ManualClock(Date.now());
    const g = await withFakeCloud({ clock, clientClock: clock, tokenTtlSeconds: 600 });
    try {
      await g.clients.nova.listServices();
      clock.advance(590_000); // 10 s before expiry: inside the renewal margin
      await g.clients.nova.listServices();
      expect(g.clients.session.authentications).to.equal(2);
      const rejected = g.memory.entries.filter((e) => e.status === 401);
      expect(rejected).to.have.length(0);
    } finally {
      await g.close();
    }
  });

  it('logs method, URL, status, duration and x-openstack-request-id on every call', async () => {
    await f.clients.nova.listServices();
    const calls = f.memory.entries.filter((e) => e.message === 'openstack call');
    expect(calls.length).to.be.greaterThanOrEqual(3); // token, version document, services
    for (const c of calls) {
      expect(c).to.include.keys('service', 'method', 'url', 'status', 'duration_ms');
      expect(c.request_id).to.match(/^req-[0-9a-f-]{36}$/);
    }
  });

  it('a wrong password gives Unauthorized naming where the credentials came from, without the password', async () => {
    const bad = f.clientsFor({ auth: vmhaAuth({ password: 'wrong-pw-123' }), source: "clouds.yaml /x/clouds.yaml, cloud 'c'" });
    const err = await bad.nova.listServices().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(Unauthorized);
    expect((err as Error).message).to.contain("clouds.yaml /x/clouds.yaml, cloud 'c'");
    expect((err as Error).message).not.to.contain('wrong-pw-123');
    expect((err as Unauthorized).requestId).to.match(/^req-/);
  });

  it('authenticates with an application credential (no scope sent)', async () => {
    const { id } = f.cloud.keystone.addApplicationCredential({
      userName: 'vmha',
      name: 'vmha-ac',
      secret: 'ac-secret-1',
      projectName: 'service',
      roles: ['admin'],
    });
    const ac = f.clientsFor({ auth: { type: 'v3applicationcredential', applicationCredentialId: id, applicationCredentialSecret: 'ac-secret-1' } });
    const services = await ac.nova.listServices();
    expect(services.length).to.be.greaterThan(0);
    const named = f.clientsFor({
      auth: {
        type: 'v3applicationcredential',
        applicationCredentialName: 'vmha-ac',
        applicationCredentialSecret: 'ac-secret-1',
        username: 'vmha',
        userDomainName: 'Default',
      },
    });
    expect((await named.session.getToken()).roles).to.include('admin');
    const wrong = f.clientsFor({ auth: { type: 'v3applicationcredential', applicationCredentialId: id, applicationCredentialSecret: 'nope' } });
    await wrong.session.getToken().then(
      () => expect.fail('expected Unauthorized'),
      (e: unknown) => expect(e).to.be.instanceOf(Unauthorized),
    );
  });

  it('builds auth bodies Keystone accepts and never scopes an application credential', () => {
    const base = { source: 's', authUrl: 'http://k/v3', interface: 'public' as const, verify: true };
    const pw = authBody({ ...base, auth: vmhaAuth({ userId: 'u1' }) }) as { auth: Record<string, unknown> };
    expect(pw.auth.identity).to.deep.equal({ methods: ['password'], password: { user: { id: 'u1', password: 'vmha-secret' } } });
    expect(pw.auth.scope).to.deep.equal({ project: { name: 'service', domain: { name: 'Default' } } });
    const ac = authBody({ ...base, auth: { type: 'v3applicationcredential', applicationCredentialId: 'a', applicationCredentialSecret: 's' } }) as {
      auth: Record<string, unknown>;
    };
    expect(ac.auth).not.to.have.property('scope');
  });

  it('picks endpoints by interface and region and accepts auth_url with or without /v3', () => {
    const catalog = [
      {
        type: 'compute',
        endpoints: [
          { interface: 'public', region_id: 'R1', url: 'http://pub-r1' },
          { interface: 'internal', region_id: 'R2', url: 'http://int-r2' },
          { interface: 'internal', region_id: 'R1', url: 'http://int-r1' },
        ],
      },
    ];
    expect(pickEndpoint(catalog, 'compute', 'internal', 'R1')).to.equal('http://int-r1');
    expect(pickEndpoint(catalog, 'compute', 'public')).to.equal('http://pub-r1');
    expect(() => pickEndpoint(catalog, 'compute', 'admin')).to.throw(/no admin endpoint for 'compute'/);
    expect(() => pickEndpoint(catalog, 'metric', 'public')).to.throw(/no 'metric' service/);
    expect(identityV3('http://k:5000')).to.equal('http://k:5000/v3');
    expect(identityV3('http://k:5000/v3/')).to.equal('http://k:5000/v3');
  });
});
