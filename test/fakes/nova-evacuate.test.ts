// evacuate on the fake Nova: 200 (not 202), the "still in use" rule, schemas
// per microversion, and the evacuation migration through done to completed.
import { expect } from 'chai';
import { PROJECT, sample, startNova, type NovaFixture } from './nova-fixture.ts';

const SAMPLE_HOST = 'b419863b7d814906a68fb31703c0dbd6';

describe('fake nova: evacuate', () => {
  let f: NovaFixture;
  let id: string;

  beforeEach(async () => {
    f = await startNova();
    f.nova.model.addHost('compute-1');
    f.nova.model.addHost('testHost');
    f.nova.model.addHost(SAMPLE_HOST);
    id = f.nova.model.addServer({ name: 'pet', host: 'compute-1', projectId: PROJECT, userId: 'u1' }).id;
    f.nova.model.setHostAlive('compute-1', false);
  });
  afterEach(() => f.close());

  const evacuate = (body: unknown, version: string, token?: string) =>
    f.call('POST', `/v2.1/servers/${id}/action`, { body: { evacuate: body }, version, token: token ?? f.admin });
  const bad = (message: string) => ({ badRequest: { code: 400, message } });
  const server = () => f.nova.model.getServer(id)!;
  const migration = () => f.nova.model.migrations().at(-1)!;

  describe('accepts the upstream samples', () => {
    const cases: [string, string, string, string][] = [
      ['os-evacuate_server-evacuate-req.json', '2.1', SAMPLE_HOST, 'active'],
      ['os-evacuate_v2.14_server-evacuate-req.json', '2.14', 'testHost', 'active'],
      ['os-evacuate_v2.29_server-evacuate-req.json', '2.29', 'testHost', 'active'],
      ['os-evacuate_v2.68_server-evacuate-req.json', '2.68', 'testHost', 'active'],
      ['os-evacuate_v2.95_server-evacuate-req.json', '2.95', 'testHost', 'stopped'],
    ];
    for (const [file, version, dest, endState] of cases) {
      it(`${file} at ${version} ends ${endState} on ${dest}`, async () => {
        const r = await f.call('POST', `/v2.1/servers/${id}/action`, { body: sample(file), version });
        expect(r.status, r.text).to.equal(200);
        if (version === '2.1') expect(r.json).to.deep.equal(sample('os-evacuate_server-evacuate-resp.json'));
        else expect(r.text).to.equal('');
        expect(server().taskState).to.equal('rebuilding');
        await f.advance();
        expect(migration().status).to.equal('done');
        expect(server()).to.include({ host: dest, vmState: endState, taskState: null });
        expect(migration()).to.include({ migrationType: 'evacuation', sourceCompute: 'compute-1', destCompute: dest });
        expect(f.nova.model.actions.map((a) => [a.serverId, a.action, a.microversion])).to.deep.equal([[id, 'evacuate', version]]);
      });
    }
  });

  describe('rules', () => {
    it('answers 400 while the source compute is up', async () => {
      f.nova.model.setHostAlive('compute-1', true);
      const r = await evacuate({}, '2.68');
      expect(r.json).to.deep.equal(bad('Compute service of compute-1 is still in use.'));
      f.nova.model.setServiceState('compute-1', { disabled: true });
      expect((await evacuate({}, '2.68')).status).to.equal(400);
      expect(f.nova.model.actions).to.deep.equal([]);
      expect(f.nova.model.migrations()).to.deep.equal([]);
    });

    it('accepts a source that is alive but forced down', async () => {
      f.nova.model.setHostAlive('compute-1', true);
      f.nova.model.setServiceState('compute-1', { forcedDown: true });
      expect((await evacuate({}, '2.68')).status).to.equal(200);
    });

    it('answers 404 for an unknown host and 400 for the current one', async () => {
      const r = await evacuate({ host: 'nowhere' }, '2.68');
      expect(r.status).to.equal(404);
      expect(r.json).to.deep.equal({ itemNotFound: { code: 404, message: 'Compute host nowhere not found.' } });
      expect((await evacuate({ host: 'compute-1' }, '2.68')).json).to.deep.equal(bad("The target host can't be the same one."));
    });

    it('needs vm_state active, stopped or error but ignores task_state', async () => {
      const rec = f.nova.model.serverRecord(id)!;
      rec.vmState = 'paused';
      const r = await evacuate({}, '2.68');
      expect(r.status).to.equal(409);
      expect(r.json).to.deep.equal({ conflictingRequest: { code: 409, message: `Cannot 'evacuate' instance ${id} while it is in vm_state paused` } });
      rec.vmState = 'error';
      rec.taskState = 'rebooting_hard';
      expect((await evacuate({}, '2.68')).status).to.equal(200);
    });

    it('is admin-only', async () => {
      const r = await evacuate({}, '2.68', f.member);
      expect(r.json).to.deep.equal({ forbidden: { code: 403, message: "Policy doesn't allow os_compute_api:os-evacuate to be performed." } });
    });

    it('refuses force without a host (2.29-2.67)', async () => {
      expect((await evacuate({ force: true }, '2.29')).json).to.deep.equal(bad("Can't force to a non-provided destination"));
    });
  });

  describe('schemas', () => {
    it('requires onSharedStorage before 2.14 and refuses it from 2.14', async () => {
      const r = await evacuate({ host: 'testHost' }, '2.13');
      expect(r.json).to.deep.equal(bad("Invalid input for field/attribute evacuate. Value: {'host': 'testHost'}. 'onSharedStorage' is a required property"));
      const late = await evacuate({ onSharedStorage: false }, '2.14');
      expect(late.json).to.deep.equal(bad("Invalid input for field/attribute evacuate. Value: {'onSharedStorage': False}. Additional properties are not allowed ('onSharedStorage' was unexpected)"));
    });

    it('accepts force only from 2.29 to 2.67', async () => {
      expect((await evacuate({ force: false }, '2.28')).status).to.equal(400);
      expect((await evacuate({ force: false }, '2.68')).json.badRequest.message).to.contain("('force' was unexpected)");
    });

    it('refuses a null or malformed host', async () => {
      expect((await evacuate({ host: null }, '2.68')).json).to.deep.equal(bad("Invalid input for field/attribute host. Value: None. None is not of type 'string'"));
      expect((await evacuate({ host: 'a b' }, '2.68')).json).to.deep.equal(bad("Invalid input for field/attribute host. Value: a b. 'a b' does not match '^[a-zA-Z0-9-._]*$'"));
    });

    it('refuses adminPass on shared storage before 2.14', async () => {
      const r = await evacuate({ onSharedStorage: 'True', adminPass: 'x' }, '2.1');
      expect(r.json).to.deep.equal(bad("admin password can't be changed on existing disk"));
    });

    it('returns a generated password, or none on shared storage, before 2.14', async () => {
      const r = await evacuate({ onSharedStorage: false }, '2.13');
      expect(r.json.adminPass).to.match(/^[A-Za-z0-9]{12}$/);
      await f.advance();
      expect(migration().status).to.equal('done');
      f.nova.model.setHostAlive(server().host!, false);
      const shared = await evacuate({ onSharedStorage: true }, '2.1');
      expect(shared.json).to.deep.equal({ adminPass: null });
    });
  });

  describe('the evacuation', () => {
    it('goes accepted, pre-migrating, done, and completed once the source restarts', async () => {
      expect((await evacuate({}, '2.68')).status).to.equal(200);
      const seen = [migration().status];
      const statuses = new Set<string>();
      while (migration().status !== 'done') {
        if (seen.at(-1) !== migration().status) seen.push(migration().status);
        const shown = (await f.call('GET', `/v2.1/servers/${id}`)).json.server.status as string;
        // Count it only if the evacuation was still running when the answer came.
        if (migration().status !== 'done') statuses.add(shown);
        await f.advance(10);
      }
      seen.push('done');
      expect(seen).to.deep.equal(['accepted', 'pre-migrating', 'done']);
      expect([...statuses]).to.deep.equal(['REBUILD']);
      expect((await f.call('GET', `/v2.1/servers/${id}`)).json.server.status).to.equal('ACTIVE');
      expect(server().host).to.be.oneOf(['testHost', SAMPLE_HOST]);
      f.nova.model.setHostAlive('compute-1', true);
      expect(migration().status).to.equal('completed');
    });

    it('keeps a stopped server stopped', async () => {
      f.nova.model.serverRecord(id)!.vmState = 'stopped';
      await evacuate({}, '2.68');
      await f.advance();
      expect(migration().status).to.equal('done');
      expect(server()).to.include({ vmState: 'stopped', powerState: 4 });
    });

    it('puts the migration and the server in error when no host is valid', async () => {
      f.nova.model.setServiceState('testHost', { disabled: true });
      f.nova.model.setHostAlive(SAMPLE_HOST, false);
      expect((await evacuate({}, '2.68')).status).to.equal(200);
      await f.advance();
      expect(migration().status).to.equal('error');
      expect(server()).to.include({ vmState: 'error', taskState: null, host: 'compute-1' });
      const r = await f.call('GET', `/v2.1/servers/${id}`);
      expect(r.json.server.status).to.equal('ERROR');
      expect(r.json.server.fault.message).to.equal('No valid host was found. There are not enough hosts available.');
    });

    it('sends a named host through the scheduler unless forced', async () => {
      f.nova.model.setServiceState('testHost', { disabled: true });
      await evacuate({ host: 'testHost', force: false }, '2.29');
      await f.advance();
      expect(migration().status).to.equal('error');
      Object.assign(f.nova.model.serverRecord(id)!, { vmState: 'active' });
      await evacuate({ host: 'testHost', force: true }, '2.29');
      await f.advance();
      expect(migration().status).to.equal('done');
      expect(server().host).to.equal('testHost');
    });

    it('fails on demand (failNext) with the migration failed', async () => {
      f.nova.model.failNext('evacuation', 'error');
      await evacuate({}, '2.68');
      await f.advance();
      expect(migration().status).to.equal('failed');
      expect(server()).to.include({ vmState: 'error', taskState: null });
    });
  });
});
