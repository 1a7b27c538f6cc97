// The request pipeline of the fake Nova: version documents, token checks,
// microversion negotiation, headers, content type, body decoding, routing.
import { expect } from 'chai';
import { ADMIN_PROJECT, PROJECT, startNova, type NovaFixture } from './nova-fixture.ts';

const UNAUTHORIZED = {
  error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' },
};

describe('fake nova: request pipeline', () => {
  let f: NovaFixture;
  let serverId: string;

  beforeEach(async () => {
    f = await startNova();
    f.nova.model.addHost('compute-1');
    serverId = f.nova.model.addServer({ name: 'pet', host: 'compute-1', projectId: PROJECT, userId: 'u1' }).id;
  });
  afterEach(() => f.close());

  describe('version documents', () => {
    it('lists v2.0 and v2.1 at the root without a token', async () => {
      const r = await f.call('GET', '/', { token: null });
      expect(r.status).to.equal(200);
      expect(r.json.versions.map((v: { id: string; status: string }) => [v.id, v.status])).to.deep.equal([
        ['v2.0', 'SUPPORTED'],
        ['v2.1', 'CURRENT'],
      ]);
      expect(r.json.versions[1]).to.include({ version: '2.104', min_version: '2.1' });
    });

    for (const path of ['/v2.1', '/v2.1/']) {
      it(`serves the v2.1 document at ${path} without a token`, async () => {
        const r = await f.call('GET', path, { token: null });
        expect(r.status).to.equal(200);
        expect(r.json.version).to.include({ id: 'v2.1', status: 'CURRENT', version: '2.104', min_version: '2.1' });
        expect(r.json.version.links[0]).to.deep.equal({ rel: 'self', href: `${f.base}/v2.1/` });
        expect(r.headers.get('x-openstack-request-id')).to.match(/^req-[0-9a-f-]{36}$/);
      });
    }
  });

  describe('tokens (keystonemiddleware)', () => {
    const cases: [string, (fx: NovaFixture) => string | null][] = [
      ['missing', () => null],
      ['unknown', () => 'gAAAAAnot-a-token'],
      ['expired', (fx) => fx.issue(PROJECT, ['admin'], 0)],
      ['unscoped', (fx) => fx.issue(undefined, ['admin'])],
    ];
    for (const [what, token] of cases) {
      it(`answers 401 with WWW-Authenticate for a ${what} token`, async () => {
        const r = await f.call('GET', '/v2.1/servers', { token: token(f), version: 'not-a-version' });
        expect(r.status).to.equal(401);
        expect(r.json).to.deep.equal(UNAUTHORIZED);
        expect(r.headers.get('www-authenticate')).to.equal('Keystone uri="http://127.0.0.1:5000/identity"');
        expect(r.headers.get('openstack-api-version')).to.equal(null);
      });
    }

    it('rejects a revoked token', async () => {
      const t = f.issue(PROJECT, ['member']);
      f.tokens.revoke(t);
      expect((await f.call('GET', '/v2.1/servers', { token: t })).status).to.equal(401);
    });
  });

  describe('microversions', () => {
    const echo = async (headers: Record<string, string>): Promise<string | null> => {
      const r = await f.call('GET', '/v2.1/servers', { headers });
      expect(r.status).to.equal(200);
      expect(r.headers.get('x-openstack-nova-api-version')).to.equal(r.headers.get('openstack-api-version')!.slice('compute '.length));
      return r.headers.get('openstack-api-version');
    };

    it('defaults to 2.1 and echoes the version, Vary and both request ids', async () => {
      const r = await f.call('GET', '/v2.1/servers');
      expect(r.headers.get('openstack-api-version')).to.equal('compute 2.1');
      expect(r.headers.get('x-openstack-nova-api-version')).to.equal('2.1');
      expect(r.headers.get('vary')).to.equal('OpenStack-API-Version, X-OpenStack-Nova-API-Version');
      const id = r.headers.get('x-openstack-request-id');
      expect(id).to.match(/^req-/);
      expect(r.headers.get('x-compute-request-id')).to.equal(id);
    });

    it('takes the last compute entry of the standard header and ignores other services', async () => {
      expect(await echo({ 'OpenStack-API-Version': 'compute 2.10, identity 3.5, compute 2.60' })).to.equal('compute 2.60');
      expect(await echo({ 'OpenStack-API-Version': 'compute 2.60, placement 1.3' })).to.equal('compute 2.60');
    });

    it('prefers the standard header over the legacy one, and uses the legacy one alone', async () => {
      expect(await echo({ 'OpenStack-API-Version': 'compute 2.30', 'X-OpenStack-Nova-API-Version': '2.40' })).to.equal('compute 2.30');
      expect(await echo({ 'X-OpenStack-Nova-API-Version': '2.40' })).to.equal('compute 2.40');
      expect(await echo({ 'OpenStack-API-Version': 'placement 1.3', 'X-OpenStack-Nova-API-Version': '2.41' })).to.equal('compute 2.41');
    });

    it('maps latest to the maximum', async () => {
      expect(await echo({ 'OpenStack-API-Version': 'compute latest' })).to.equal('compute 2.104');
    });

    for (const bad of ['2', '2.01', 'v2.1', '02.1', '2.1.1', 'Latest']) {
      it(`rejects the malformed version "${bad}" with 400 and no version headers`, async () => {
        const r = await f.call('GET', '/v2.1/servers', { version: bad });
        expect(r.status).to.equal(400);
        expect(r.json).to.deep.equal({
          badRequest: { code: 400, message: `API Version String ${bad} is of invalid format. Must be of format MajorNum.MinorNum.` },
        });
        expect(r.headers.get('openstack-api-version')).to.equal(null);
      });
    }

    for (const [asked, shown] of [['2.105', '2.105'], ['3.0', '3.0'], ['2.0', '2.0'], ['1.1', '1.1']]) {
      it(`answers 406 computeFault for ${asked}`, async () => {
        const r = await f.call('GET', '/v2.1/servers', { version: asked });
        expect(r.status).to.equal(406);
        expect(r.json).to.deep.equal({
          computeFault: { code: 406, message: `Version ${shown} is not supported by the API. Minimum is 2.1 and maximum is 2.104.` },
        });
      });
    }

    it('checks the token before the version', async () => {
      expect((await f.call('GET', '/v2.1/servers', { token: null, version: '9.9' })).status).to.equal(401);
    });
  });

  describe('content type and bodies', () => {
    const action = (body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> =>
      f.call('POST', `/v2.1/servers/${serverId}/action`, {
        rawBody: typeof body === 'string' ? body : JSON.stringify(body),
        headers: { 'Content-Type': 'application/json', ...headers },
      });

    it('answers 415 for a non-JSON content type, after the version check', async () => {
      const r = await action({ reboot: { type: 'HARD' } }, { 'Content-Type': 'application/xml' });
      expect(r.status).to.equal(415);
      expect(r.json).to.deep.equal({ badMediaType: { code: 415, message: 'Unsupported Content-Type' } });
      const v = await f.call('POST', `/v2.1/servers/${serverId}/action`, {
        rawBody: '{}',
        version: '9.0',
        headers: { 'Content-Type': 'application/xml' },
      });
      expect(v.status).to.equal(406);
    });

    it('checks the content type of GETs too', async () => {
      const r = await f.call('GET', '/v2.1/servers', { headers: { 'Content-Type': 'text/html' } });
      expect(r.status).to.equal(415);
    });

    it('accepts the compute media type, text/plain and charset parameters', async () => {
      for (const ct of ['application/vnd.openstack.compute+json', 'text/plain', 'application/json; charset=UTF-8']) {
        f.nova.model.serverRecord(serverId)!.taskState = null;
        expect((await action({ reboot: { type: 'HARD' } }, { 'Content-Type': ct })).status, ct).to.equal(202);
      }
    });

    const malformed: [string, string][] = [
      ['undecodable JSON', '{"reboot": '],
      ['an empty body', ''],
      ['two keys', '{"reboot": {"type": "HARD"}, "rebuild": {}}'],
      ['no key', '{}'],
      ['a two-element list', '[1, 2]'],
    ];
    for (const [what, raw] of malformed) {
      it(`answers 400 Malformed request body for ${what}`, async () => {
        const r = await action(raw);
        expect(r.status).to.equal(400);
        expect(r.json).to.deep.equal({ badRequest: { code: 400, message: 'Malformed request body' } });
      });
    }

    for (const raw of ['null', '5', '[1]', '"x"']) {
      it(`answers the bare 404 nova gives for the action body ${raw}`, async () => {
        const r = await action(raw);
        expect(r.status).to.equal(404);
        expect(r.json).to.deep.equal({ itemNotFound: { code: 404, message: 'The resource could not be found.' } });
      });
    }

    it('names an unknown action', async () => {
      const r = await action({ 'os-frobnicate': null });
      expect(r.status).to.equal(400);
      expect(r.json).to.deep.equal({ badRequest: { code: 400, message: 'There is no such action: os-frobnicate' } });
    });

    it('checks the body before the server exists', async () => {
      const r = await f.call('POST', '/v2.1/servers/00000000-0000-0000-0000-000000000000/action', { rawBody: '{', headers: { 'Content-Type': 'application/json' } });
      expect(r.status).to.equal(400);
    });

    it('rejects a PUT with an empty body through the schema', async () => {
      const r = await f.call('PUT', '/v2.1/os-services/enable', { rawBody: '', version: '2.1', headers: { 'Content-Type': 'application/json' } });
      expect(r.status).to.equal(400);
      expect(r.json).to.deep.equal({ badRequest: { code: 400, message: "None is not of type 'object'" } });
    });
  });

  describe('routes', () => {
    it('accepts the legacy /v2.1/{project_id}/... form and puts the project in links', async () => {
      const r = await f.call('GET', `/v2.1/${PROJECT}/servers`, { token: f.member });
      expect(r.status).to.equal(200);
      expect(r.json.servers[0].links[0].href).to.equal(`${f.base}/v2.1/${PROJECT}/servers/${serverId}`);
      expect(r.json.servers[0].links[1].href).to.equal(`${f.base}/${PROJECT}/servers/${serverId}`);
    });

    it("rejects a legacy URL whose project is not the token's", async () => {
      const r = await f.call('GET', `/v2.1/${PROJECT}/servers`, { token: f.admin });
      expect(r.status).to.equal(400);
      expect(r.json.badRequest.message).to.equal(
        `Malformed request URL: URL's project_id '${PROJECT}' doesn't match Context's project_id '${ADMIN_PROJECT}'`,
      );
    });

    it('answers itemNotFound for unknown paths and methods', async () => {
      for (const [method, path] of [['GET', '/v2.1/os-nothing'], ['DELETE', '/v2.1/os-services'], ['GET', '/elsewhere']]) {
        const r = await f.call(method!, path!);
        expect(r.status, `${method} ${path}`).to.equal(404);
        expect(r.json).to.deep.equal({ itemNotFound: { code: 404, message: 'The resource could not be found.' } });
      }
    });

    it('turns an unexpected exception into a 500 computeFault', async () => {
      f.nova.model.serverRecords = () => {
        throw new TypeError('boom');
      };
      const r = await f.call('GET', '/v2.1/servers');
      expect(r.status).to.equal(500);
      expect(r.json.computeFault.code).to.equal(500);
      expect(r.json.computeFault.message).to.match(/^Unexpected API Error\. .*\n<class 'TypeError'>$/s);
      expect((await f.call('GET', '/v2.1/os-services')).status).to.equal(200);
    });

    it('survives hostile input', async () => {
      const weird = ['/v2.1/servers/%E0%A4%A', '/v2.1/servers/..%2F..', '/v2.1/servers?limit=%ZZ', '/v2.1/servers/detail?name=(', '/v2.1//servers'];
      for (const path of weird) {
        const r = await f.call('GET', path);
        expect(r.status, path).to.be.oneOf([200, 400, 404]);
        expect(r.json, path).to.be.an('object');
      }
      const big = await f.call('POST', `/v2.1/servers/${serverId}/action`, {
        rawBody: JSON.stringify({ reboot: { type: 'x'.repeat(200_000) } }),
        headers: { 'Content-Type': 'application/json' },
      });
      expect(big.status).to.equal(413);
    });
  });
});
