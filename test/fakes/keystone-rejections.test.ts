import { expect } from 'chai';
import { SEED_PROJECTS, SEED_USERS } from '../../src/fakes/keystone.ts';
import { keystoneFixture, password, UNAUTH, VALIDATION_TAIL, type Json } from './keystone-fixture.ts';
import { call } from './service-harness.ts';

describe('fakes/keystone: rejections of POST /v3/auth/tokens', () => {
  const f = keystoneFixture();

  const expect400 = async (body: Json | undefined, message: string, opts: { raw?: string; contentType?: string | null } = {}): Promise<void> => {
    const r = await call(f.tokensUrl, { method: 'POST', ...(opts.raw !== undefined ? { raw: opts.raw } : { body }), ...(opts.contentType !== undefined ? { contentType: opts.contentType } : {}) });
    expect(r.status, r.text).to.equal(400);
    expect(r.json).to.deep.equal({ error: { code: 400, message, title: 'Bad Request' } });
  };
  const expect401 = async (body: Json, extra: Json = {}): Promise<Json> => {
    const r = await call(f.tokensUrl, { body });
    expect(r.status, r.text).to.equal(401);
    expect(r.headers.get('www-authenticate')).to.equal(`Keystone uri="${f.srv.base}"`);
    if (!Object.keys(extra).length) expect(r.json).to.deep.equal(UNAUTH);
    return r.json;
  };

  it('refuses a body that is not JSON by Content-Type or by content', async () => {
    await expect400(undefined, `Expecting to find application/json in Content-Type header.${VALIDATION_TAIL}`, { raw: '{}', contentType: 'text/plain' });
    await expect400(undefined, `Expecting to find valid JSON in request body.${VALIDATION_TAIL}`, { raw: '{"auth": ' });
    await expect400(undefined, `Expecting to find valid JSON in request body.${VALIDATION_TAIL}`, { raw: '[1]' });
    // No Content-Type at all: the body is still read as JSON.
    await expect400(undefined, `Expecting to find auth in request body.${VALIDATION_TAIL}`, { raw: '{}', contentType: null });
  });

  it('needs auth, identity and methods', async () => {
    await expect400({}, `Expecting to find auth in request body.${VALIDATION_TAIL}`);
    await expect400(
      { auth: {} },
      "'identity' is a required property\n\nFailed validating 'required' in schema:\n    " +
        (await schemaDump()) +
        '\n\nOn instance:\n    {}',
    );
    const r = await call(f.tokensUrl, { body: { auth: { identity: { password: {} } } } });
    expect(r.json.error.message).to.equal(
      "Invalid input for field 'identity': 'methods' is a required property\n\nFailed validating 'required' in schema['properties']['identity']:\n" +
        r.json.error.message.split("schema['properties']['identity']:\n")[1],
    );
    expect(r.json.error.message).to.match(/\n\nOn instance\['identity'\]:\n    \{'password': \{\}\}$/);
  });

  it('reports jsonschema type errors with their path', async () => {
    await expect400(
      { auth: { identity: { methods: [1] } } },
      "Invalid input for field 'identity/methods/0': 1 is not of type 'string'\n\n" +
        "Failed validating 'type' in schema['properties']['identity']['properties']['methods']['items']:\n    {'type': 'string'}\n\n" +
        "On instance['identity']['methods'][0]:\n    1",
    );
    await expect400(
      password({ id: 5, password: 'x' }),
      "Invalid input for field 'identity/password/user/id': 5 is not of type 'string'\n\n" +
        "Failed validating 'type' in schema['properties']['identity']['properties']['password']['properties']['user']['properties']['id']:\n    {'type': 'string'}\n\n" +
        "On instance['identity']['password']['user']['id']:\n    5",
    );
  });

  it('needs id or name for user, domains and project', async () => {
    await expect400(password({ password: 'x' }), 'Invalid input for field identity/password/user: id or name must be present.');
    await expect400(password({ name: 'vmha', domain: {}, password: 'x' }), 'Invalid input for field identity/password/user/domain: id or name must be present.');
    await expect400(password({ id: 'x', password: 'x' }, { project: {} }), 'Invalid input for field scope/project: id or name must be present.');
    await expect400(password({ id: 'x', password: 'x' }, { project: { name: 'p', domain: {} } }), 'Invalid input for field scope/project/domain: id or name must be present.');
    await expect400(password({ id: 'x', password: 'x' }, { domain: {} }), 'Invalid input for field scope/domain: id or name must be present.');
  });

  it('needs the payload of each method and a supported method', async () => {
    await expect400({ auth: { identity: { methods: ['password'] } } }, `Expecting to find password in identity.${VALIDATION_TAIL}`);
    const body = await expect401({ auth: { identity: { methods: ['totp'], totp: {} } } }, { custom: true });
    expect(body).to.deep.equal({
      error: {
        code: 401,
        identity: { methods: ['password', 'token', 'application_credential'] },
        message: 'Attempted to authenticate with an unsupported method.',
        title: 'Unauthorized',
      },
    });
  });

  it('needs a domain for names and exactly one scope', async () => {
    await expect400(password({ name: 'vmha', password: 'vmha-secret' }), `Expecting to find domain in user.${VALIDATION_TAIL}`);
    await expect400(password({ id: SEED_USERS.vmha.id, password: 'vmha-secret' }, { project: { name: 'service' } }), `Expecting to find domain in project.${VALIDATION_TAIL}`);
    await expect400(
      password({ id: SEED_USERS.vmha.id, password: 'vmha-secret' }, { project: { id: SEED_PROJECTS.service.id }, domain: { id: 'default' } }),
      `Expecting to find system, project, domain, OS-TRUST:trust or unscoped in scope.${VALIDATION_TAIL}`,
    );
    // f.keystone validates the password payload before setting the method name, hence "None".
    await expect400({ auth: { identity: { methods: ['password'], password: {} } } }, `Expecting to find user in None.${VALIDATION_TAIL}`);
  });

  it('answers every credential or scope failure with the same 401', async () => {
    const svc = { project: { id: SEED_PROJECTS.service.id } };
    await expect401(password({ name: 'vmha', domain: { name: 'Default' }, password: 'wrong' }, svc));
    await expect401(password({ name: 'nobody', domain: { name: 'Default' }, password: 'x' }, svc));
    await expect401(password({ name: 'vmha', domain: { name: 'Nowhere' }, password: 'vmha-secret' }, svc));
    await expect401(password({ id: SEED_USERS.vmha.id, password: 'vmha-secret' }, { project: { id: 'nope' } }));
    await expect401(password({ id: SEED_USERS.vmha.id, password: 'vmha-secret' }, { project: { name: 'service', domain: { name: 'Nowhere' } } }));
    // vmha holds no role on the demo project.
    await expect401(password({ id: SEED_USERS.vmha.id, password: 'vmha-secret' }, { project: { name: 'demo', domain: { id: 'default' } } }));
    await expect401(password({ id: SEED_USERS.vmha.id, password: 'vmha-secret' }, { domain: { id: 'default' } }));
    await expect401(password({ id: SEED_USERS.vmha.id, password: 'vmha-secret' }, { 'OS-TRUST:trust': { id: 't' } }));
  });

  it('refuses application credentials with a scope, a wrong secret or an unknown id', async () => {
    const { id } = f.keystone.addApplicationCredential({ userId: SEED_USERS.vmha.id, name: 'ac', secret: 'right', projectId: SEED_PROJECTS.service.id });
    const ac = (cred: Json, scope?: Json): Json => ({ auth: { identity: { methods: ['application_credential'], application_credential: cred }, ...(scope ? { scope } : {}) } });
    const scoped = await expect401(ac({ id, secret: 'right' }, { project: { id: SEED_PROJECTS.service.id } }), { custom: true });
    expect(scoped).to.deep.equal({
      error: { code: 401, identity: {}, message: 'Error authenticating with application credential: Application credentials cannot request a scope.', title: 'Unauthorized' },
    });
    await expect401(ac({ id, secret: 'wrong' }));
    await expect401(ac({ name: 'other', secret: 'right', user: { id: SEED_USERS.vmha.id } }));
    await expect400(ac({ secret: 'right' }), `Expecting to find name or ID in application credential.${VALIDATION_TAIL}`);
    await expect400(ac({ name: 'ac', secret: 'right' }), `Expecting to find user in application credential.${VALIDATION_TAIL}`);
    const unknown = await call(f.tokensUrl, { body: ac({ id: 'f00', secret: 'x' }) });
    expect(unknown.status).to.equal(404);
    expect(unknown.json).to.deep.equal({ error: { code: 404, message: 'Could not find Application Credential: f00.', title: 'Not Found' } });
  });

  it('refuses to re-scope an unknown or expired token', async () => {
    const unknown = await call(f.tokensUrl, { body: { auth: { identity: { methods: ['token'], token: { id: 'gAAAAAnope' } } } } });
    expect(unknown.status).to.equal(404);
    expect(unknown.json.error.message).to.equal('Could not find token: gAAAAAnope.');
    const { id } = await f.login();
    f.clock.advance(3601_000);
    const expired = await call(f.tokensUrl, { body: { auth: { identity: { methods: ['token'], token: { id } } } } });
    expect(expired.status).to.equal(404);
    expect(expired.json.error.message).to.equal('Failed to validate token');
  });

  it('turns unexpected failures into f.keystone 500s', async () => {
    // A string scope naming "project" makes upstream index a string: a TypeError.
    const r = await call(f.tokensUrl, { body: password({ id: SEED_USERS.vmha.id, password: 'vmha-secret' }, 'project' as unknown as Json) });
    expect(r.status).to.equal(500);
    expect(r.json).to.deep.equal({ error: { code: 500, message: 'An unexpected error prevented the server from fulfilling your request.', title: 'Internal Server Error' } });
  });
});

/** pprint of keystone's whole token_issue schema as jsonschema prints it (width 72, 4-space indent). */
async function schemaDump(): Promise<string> {
  return [
    "{'type': 'object',",
    " 'properties': {'identity': {'type': 'object',",
    "                             'properties': {'methods': {'type': 'array',",
    "                                                        'items': {'type': 'string'}},",
    "                                            'password': {'type': 'object',",
    "                                                         'properties': {'user': {'type': 'object',",
    "                                                                                 'properties': {'id': {'type': 'string'},",
    "                                                                                                'name': {'type': 'string'},",
    "                                                                                                'password': {'type': 'string'},",
    "                                                                                                'domain': {'type': 'object',",
    "                                                                                                           'properties': {'id': {'type': 'string'},",
    "                                                                                                                          'name': {'type': 'string'}}}}}}},",
    "                                            'token': {'type': 'object',",
    "                                                      'properties': {'id': {'type': 'string'}},",
    "                                                      'required': ['id']}},",
    "                             'required': ['methods']},",
    "                'scope': {'type': ['object', 'string'],",
    "                          'properties': {'project': {'type': 'object',",
    "                                                     'properties': {'name': {'type': 'string'},",
    "                                                                    'id': {'type': 'string'},",
    "                                                                    'domain': {'type': 'object',",
    "                                                                               'properties': {'id': {'type': 'string'},",
    "                                                                                              'name': {'type': 'string'}}}}},",
    "                                         'domain': {'type': 'object',",
    "                                                    'properties': {'id': {'type': 'string'},",
    "                                                                   'name': {'type': 'string'}}},",
    "                                         'OS-TRUST:trust': {'type': 'object',",
    "                                                            'properties': {'id': {'type': 'string'}}},",
    "                                         'system': {'type': 'object',",
    "                                                    'properties': {'all': {'type': 'boolean',",
    "                                                                           'enum': [True,",
    "                                                                                    False]}}}}}},",
    " 'required': ['identity']}",
  ].join('\n    ');
}
