import { expect } from 'chai';
import { SEED_PROJECTS, SEED_USERS } from '../../src/fakes/keystone.ts';
import { keystoneFixture, password, SAMPLE_RESPONSE, UNAUTH, vmhaLogin, type Json } from './keystone-fixture.ts';
import { call, sample } from './service-harness.ts';

/** Recursively the same keys (arrays compared by their first element). */
function sameShape(actual: unknown, expected: unknown, at = '$'): void {
  if (Array.isArray(expected)) {
    expect(actual, at).to.be.an('array');
    if (expected.length && (actual as unknown[]).length) sameShape((actual as unknown[])[0], expected[0], `${at}[0]`);
    return;
  }
  if (expected && typeof expected === 'object') {
    expect(actual, at).to.be.an('object');
    expect(Object.keys(actual as object).sort(), at).to.deep.equal(Object.keys(expected).sort());
    for (const k of Object.keys(expected)) sameShape((actual as Json)[k], (expected as Json)[k], `${at}.${k}`);
  }
}

describe('fakes/keystone', () => {
  const f = keystoneFixture();

  describe('replaying the upstream samples', () => {
    beforeEach(() => {
      // The sample's user and project ids, with the sample's password.
      f.keystone.addUser({ id: 'ee4dfb6e5540447cb3741905149d9b6e', name: 'sample-admin', password: 'devstacker' });
      f.keystone.addProject({ id: 'a6944d763bf64ee6a275f1263fae0352', name: 'sample-project' });
      f.keystone.grant('ee4dfb6e5540447cb3741905149d9b6e', 'a6944d763bf64ee6a275f1263fae0352', 'admin');
      f.keystone.grant('ee4dfb6e5540447cb3741905149d9b6e', 'admin', 'admin');
    });

    it('project-id-password.json gives a token shaped like project-scoped-password.json', async () => {
      const r = await call(f.tokensUrl, { body: sample('keystone/project-id-password.json') });
      expect(r.status).to.equal(201);
      expect(r.headers.get('x-subject-token')).to.match(/^gAAAAA/);
      expect(r.headers.get('x-openstack-request-id')).to.match(/^req-[0-9a-f-]{36}$/);
      sameShape(r.json, SAMPLE_RESPONSE);
      const t = r.json.token;
      expect(t.methods).to.deep.equal(['password']);
      expect(t.user).to.deep.equal({ domain: { id: 'default', name: 'Default' }, id: 'ee4dfb6e5540447cb3741905149d9b6e', name: 'sample-admin', password_expires_at: null });
      expect(t.project).to.deep.equal({ domain: { id: 'default', name: 'Default' }, id: 'a6944d763bf64ee6a275f1263fae0352', name: 'sample-project' });
      expect(t.is_domain).to.equal(false);
      expect(t.roles.map((x: Json) => x.name)).to.deep.equal(['admin', 'member', 'reader']);
      expect(t.catalog).to.deep.equal(f.catalog);
      expect(t.issued_at).to.equal('2026-01-01T10:00:00.000000Z');
      expect(t.expires_at).to.equal('2026-01-01T11:00:00.000000Z');
      expect(t.audit_ids).to.have.length(1);
    });

    it('project-name-password.json scopes by project name and domain id', async () => {
      const r = await call(f.tokensUrl, { body: sample('keystone/project-name-password.json') });
      expect(r.status).to.equal(201);
      expect(r.json.token.project).to.deep.equal({ domain: { id: 'default', name: 'Default' }, id: SEED_PROJECTS.admin.id, name: 'admin' });
    });

    it('auth-application-credential-id-request.json gives a token like auth-application-credential-response.json', async () => {
      f.keystone.addApplicationCredential({
        id: '423f19a4ac1e4f48bbb4180756e6eb6c',
        name: 'monitoring',
        secret: 'rEaqvJka48mpv',
        userId: SEED_USERS.demo.id,
        projectId: SEED_PROJECTS.demo.id,
        roles: ['member'],
      });
      const r = await call(f.tokensUrl, { body: sample('keystone/auth-application-credential-id-request.json') });
      expect(r.status).to.equal(201);
      const expected = sample<Json>('keystone/auth-application-credential-response.json');
      sameShape(r.json, expected);
      const t = r.json.token;
      expect(t.application_credential).to.deep.equal(expected.token.application_credential);
      expect(t.methods).to.deep.equal(['application_credential']);
      expect(t.project.name).to.equal('demo');
      expect(t.user.name).to.equal('demo');
      expect(t.roles.map((x: Json) => x.name)).to.deep.equal(['member']);
    });
  });

  describe('successful logins', () => {
    it('logs in the seeded users by name and counts authentications', async () => {
      for (const u of Object.values(SEED_USERS)) {
        const { token } = await f.login(password({ name: u.name, domain: { id: 'default' }, password: u.password }, { project: { id: SEED_PROJECTS[u.project].id } }));
        expect(token.user.id).to.equal(u.id);
        expect(token.project.name).to.equal(u.project);
      }
      expect(f.keystone.authentications).to.equal(3);
      expect(f.tokens.issued).to.equal(3);
    });

    it('issues f.tokens other fakes accept until they expire', async () => {
      const { id } = await f.login();
      expect(f.tokens.lookup(id).status).to.equal('valid');
      f.clock.advance(3600_000);
      expect(f.tokens.lookup(id).status).to.equal('expired');
    });

    it('drops the f.catalog with ?nocatalog', async () => {
      const r = await call(`${f.tokensUrl}?nocatalog`, { body: vmhaLogin() });
      expect(r.status).to.equal(201);
      expect(r.json.token).not.to.have.property('catalog');
      expect(r.json.token.project.name).to.equal('service');
    });

    it('gives an unscoped token without project, roles or catalog', async () => {
      const { token } = await f.login(password({ id: SEED_USERS.demo.id, password: 'demo-secret' }));
      expect(Object.keys(token).sort()).to.deep.equal(['audit_ids', 'expires_at', 'issued_at', 'methods', 'user']);
    });

    it('authenticates an application credential by name and user', async () => {
      f.keystone.addApplicationCredential({ userName: 'vmha', name: 'ac', secret: 's3', projectName: 'service' });
      const byId = await f.login({ auth: { identity: { methods: ['application_credential'], application_credential: { name: 'ac', secret: 's3', user: { id: SEED_USERS.vmha.id } } } } });
      expect(byId.token.project.name).to.equal('service');
      expect(byId.token.application_credential.restricted).to.equal(true);
      const byName = await f.login({
        auth: { identity: { methods: ['application_credential'], application_credential: { name: 'ac', secret: 's3', user: { name: 'vmha', domain: { name: 'Default' } } } } },
      });
      expect(byName.token.roles.map((x: Json) => x.name)).to.deep.equal(['admin', 'member', 'reader']);
    });

    it('re-scopes with the token method, keeping expiry and the audit chain', async () => {
      const first = await f.login(password({ name: 'admin', domain: { name: 'Default' }, password: 'admin-secret' }));
      f.clock.advance(600_000);
      const { token } = await f.login({ auth: { identity: { methods: ['token'], token: { id: first.id } }, scope: { project: { name: 'admin', domain: { name: 'Default' } } } } });
      expect(token.methods).to.deep.equal(['token', 'password']);
      expect(token.expires_at).to.equal(first.token.expires_at);
      expect(token.audit_ids).to.deep.equal([token.audit_ids[0], first.token.audit_ids[0]]);
      expect(token.project.name).to.equal('admin');
    });

    it('honours setPassword, addUser, addProject and grant', async () => {
      f.keystone.setPassword('vmha', 'rotated');
      expect((await call(f.tokensUrl, { body: vmhaLogin() })).status).to.equal(401);
      const { id: userId } = f.keystone.addUser({ name: 'ops', password: 'pw' });
      const { id: projectId } = f.keystone.addProject({ name: 'ops-project' });
      const body = password({ id: userId, password: 'pw' }, { project: { id: projectId } });
      expect((await call(f.tokensUrl, { body })).status).to.equal(401);
      f.keystone.grant('ops', 'ops-project', 'reader');
      const { token } = await f.login(body);
      expect(token.roles.map((x: Json) => x.name)).to.deep.equal(['reader']);
    });
  });

  describe('GET and DELETE /v3/auth/tokens', () => {
    it('validates a token for an admin or for its own user, and revokes it', async () => {
      const admin = await f.login(password({ name: 'admin', domain: { id: 'default' }, password: 'admin-secret' }, { project: { name: 'admin', domain: { id: 'default' } } }));
      const demo = await f.login(password({ name: 'demo', domain: { id: 'default' }, password: 'demo-secret' }, { project: { name: 'demo', domain: { id: 'default' } } }));
      const own = await call(f.tokensUrl, { token: demo.id, headers: { 'X-Subject-Token': demo.id } });
      expect(own.status).to.equal(200);
      expect(own.headers.get('x-subject-token')).to.equal(demo.id);
      expect(own.json).to.deep.equal({ token: demo.token });
      const byAdmin = await call(`${f.tokensUrl}?nocatalog`, { token: admin.id, headers: { 'X-Subject-Token': demo.id } });
      expect(byAdmin.status).to.equal(200);
      expect(byAdmin.json.token).not.to.have.property('catalog');
      const forbidden = await call(f.tokensUrl, { token: demo.id, headers: { 'X-Subject-Token': admin.id } });
      expect(forbidden.status).to.equal(403);
      expect(forbidden.json).to.deep.equal({ error: { code: 403, message: 'You are not authorized to perform the requested action: identity:validate_token.', title: 'Forbidden' } });

      const del = await call(f.tokensUrl, { method: 'DELETE', token: admin.id, headers: { 'X-Subject-Token': demo.id } });
      expect(del.status).to.equal(204);
      expect(f.tokens.lookup(demo.id).status).to.equal('unknown');
      const gone = await call(f.tokensUrl, { token: admin.id, headers: { 'X-Subject-Token': demo.id } });
      expect(gone.status).to.equal(404);
      expect(gone.json.error.message).to.equal(`Could not find token: ${demo.id}.`);
    });

    it('needs a valid X-Auth-Token and a subject token', async () => {
      const { id } = await f.login();
      const noAuth = await call(f.tokensUrl, { headers: { 'X-Subject-Token': id } });
      expect(noAuth.status).to.equal(401);
      expect(noAuth.json).to.deep.equal(UNAUTH);
      expect(noAuth.headers.get('www-authenticate')).to.equal(`Keystone uri="${f.srv.base}"`);
      const noSubject = await call(f.tokensUrl, { token: id });
      expect(noSubject.status).to.equal(404);
      expect(noSubject.json.error.message).to.equal('No token in the request');
    });

    it('reports expired subjects unless allow_expired is set', async () => {
      const { id } = await f.login();
      const other = await f.login();
      f.clock.advance(3000_000);
      const fresh = await f.login();
      f.clock.advance(1000_000);
      expect((await call(f.tokensUrl, { token: fresh.id, headers: { 'X-Subject-Token': other.id } })).json.error.message).to.equal('Failed to validate token');
      expect((await call(`${f.tokensUrl}?allow_expired=1`, { token: fresh.id, headers: { 'X-Subject-Token': id } })).status).to.equal(200);
    });
  });

  describe('documents and routing', () => {
    it('serves the version documents', async () => {
      const root = await call(`${f.srv.base}/`);
      expect(root.status).to.equal(300);
      expect(root.json.versions.values[0]).to.include({ id: 'v3.14', status: 'stable' });
      const v3 = await call(`${f.srv.base}/v3`);
      expect(v3.status).to.equal(200);
      expect(v3.json.version.links[0]).to.deep.equal({ rel: 'self', href: `${f.srv.base}/v3/` });
    });

    it('answers unknown paths and methods in f.keystone format, with a request id', async () => {
      const nf = await call(`${f.srv.base}/v3/nothing`);
      expect(nf.status).to.equal(404);
      expect(nf.json).to.deep.equal({ error: { code: 404, message: 'The resource could not be found.', title: 'Not Found' } });
      expect(nf.headers.get('x-openstack-request-id')).to.match(/^req-/);
      const na = await call(f.tokensUrl, { method: 'PUT' });
      expect(na.status).to.equal(405);
      expect(na.json.error.title).to.equal('Method Not Allowed');
    });
  });
});
