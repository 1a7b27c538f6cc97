// Real Keystone: password and application-credential auth, catalog, wrong password,
// token renewal after invalidation and after revocation.
import { expect } from 'chai';
import { Unauthorized } from '../../src/openstack/errors.ts';
import { rejectionOf } from '../helpers/wait.ts';
import { nova, realClients, realCreds } from './real-cloud.ts';

describe('real cloud: keystone', () => {
  for (const cloud of ['vmha-test', 'vmha-test-appcred']) {
    it(`${cloud} authenticates, lists services and finds the endpoints in the catalog`, async () => {
      const c = realClients(cloud);
      const token = await c.session.getToken();
      expect(token.projectId).to.match(/^[0-9a-f]{32}$/);
      expect(token.roles).to.include('admin');
      expect(await c.session.endpoint('compute')).to.equal('http://127.0.0.1:8774/v2.1');
      expect(await c.session.endpoint('alarming')).to.equal('http://127.0.0.1:8042');
      expect(await c.session.endpoint('metric')).to.equal('http://127.0.0.1:8041');
      const services = await c.session.request<{ services: { type: string }[] }>('identity', { service: 'keystone', method: 'GET', path: '/services' });
      const types = services.body.services.map((s) => s.type);
      expect(types).to.include.members(['identity', 'compute', 'alarming', 'metric', 'image', 'network', 'placement']);
      const computes = await c.nova.listServices({ binary: 'nova-compute' });
      expect(computes.map((s) => s.host).sort()).to.deep.equal(['compute-1', 'compute-2']);
      expect(c.session.authentications).to.equal(1);
    });
  }

  it('a wrong password is Unauthorized naming where the credentials came from', async () => {
    const creds = realCreds();
    const c = realClients('vmha-test', { auth: { ...creds.auth, type: 'password', password: 'wrong' } as typeof creds.auth });
    const err = await rejectionOf(c.session.getToken());
    expect(err).to.be.instanceOf(Unauthorized);
    expect((err as Unauthorized).status).to.equal(401);
    expect((err as Unauthorized).detail).to.contain('clouds.yaml');
  });

  it('re-authenticates once after invalidate()', async () => {
    const c = realClients();
    const t1 = await c.session.getToken();
    c.session.invalidate(t1.id);
    await nova(c, 'GET', '/servers?limit=1');
    const t2 = await c.session.getToken();
    expect(t2.id).to.not.equal(t1.id);
    expect(c.session.authentications).to.equal(2);
  });

  it('re-authenticates exactly once after its token is revoked (401 then retry)', async () => {
    const c = realClients();
    const victim = await c.session.getToken();
    // Revoke with a separate session so ours still holds the now-dead token.
    const admin = realClients();
    await admin.session.request('identity', { service: 'keystone', method: 'DELETE', path: '/auth/tokens', headers: { 'X-Subject-Token': victim.id } });
    // Keystone checks its own tokens against the revocation list (nova's
    // keystonemiddleware may cache a validated token for minutes), so ask keystone.
    const res = await c.session.request<{ services: unknown[] }>('identity', { service: 'keystone', method: 'GET', path: '/services' });
    expect(res.status).to.equal(200);
    expect(c.session.authentications).to.equal(2);
    expect((await c.session.getToken()).id).to.not.equal(victim.id);
    const err = await rejectionOf(admin.session.validate(victim.id));
    expect(err).to.be.instanceOf(Unauthorized);
  });
});
