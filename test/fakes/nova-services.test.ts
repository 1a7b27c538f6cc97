// os-services on the fake Nova: list shapes (samples), the up/down rule, the
// action-style updates before 2.53, the uuid-style update from 2.53, and the
// refusal to force a compute up while `done` evacuations remain.
import { expect } from 'chai';
import { PROJECT, keys, sample, startNova, type NovaFixture } from './nova-fixture.ts';

describe('fake nova: os-services', () => {
  let f: NovaFixture;

  beforeEach(async () => {
    f = await startNova();
    f.nova.model.addHost('host1');
    f.nova.model.addHost('host2');
  });
  afterEach(() => f.close());

  const list = async (version: string, query = ''): Promise<Record<string, unknown>[]> => {
    const r = await f.call('GET', `/v2.1/os-services${query}`, { version });
    expect(r.status, r.text).to.equal(200);
    return r.json.services;
  };
  const compute = async (host: string, version = '2.53'): Promise<Record<string, unknown>> =>
    (await list(version, `?host=${host}&binary=nova-compute`))[0]!;
  const put = (path: string, body: unknown, version: string, token?: string) =>
    f.call('PUT', `/v2.1/os-services/${path}`, { body, version, token: token ?? f.admin });
  const bad = (message: string) => ({ badRequest: { code: 400, message } });
  const notFound = (message: string) => ({ itemNotFound: { code: 404, message } });

  describe('GET', () => {
    it('matches the 2.11 and 2.53 samples', async () => {
      for (const [file, version, idType] of [
        ['os-services_v2.11_services-list-get-resp.json', '2.11', 'number'],
        ['os-services_v2.53_services-list-get-resp.json', '2.53', 'string'],
      ] as const) {
        const expected = (sample(file).services as Record<string, unknown>[])[0]!;
        const got = await list(version);
        expect(got.map((s) => s.binary)).to.deep.equal(['nova-conductor', 'nova-scheduler', 'nova-compute', 'nova-compute']);
        for (const s of got) {
          expect(keys(s)).to.deep.equal(keys(expected));
          expect(typeof s.id).to.equal(idType);
          expect(s.updated_at).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
        }
        expect(got[0]).to.include({ zone: 'internal', host: 'controller' });
        expect(got[2]).to.include({ zone: 'nova', host: 'host1', status: 'enabled', state: 'up', disabled_reason: null, forced_down: false });
      }
      expect(await list('2.10')).to.satisfy((s: Record<string, unknown>[]) => s.every((x) => !('forced_down' in x)));
    });

    it('reports up only when alive and not forced down', async () => {
      expect((await compute('host1')).state).to.equal('up');
      f.nova.model.setServiceState('host1', { forcedDown: true });
      expect(await compute('host1')).to.include({ state: 'down', forced_down: true });
      f.nova.model.setServiceState('host1', { forcedDown: false });
      f.nova.model.setHostAlive('host1', false);
      expect((await compute('host1')).state).to.equal('down');
      f.nova.model.setServiceState('host1', { disabled: true, disabledReason: 'maint' });
      expect(await compute('host1')).to.include({ status: 'disabled', disabled_reason: 'maint' });
    });

    it('filters by host and binary and closes the query at 2.75', async () => {
      expect(await list('2.1', '?binary=nova-compute')).to.have.length(2);
      expect(await list('2.74', '?host=host2&foo=1')).to.have.length(1);
      const r = await f.call('GET', '/v2.1/os-services?foo=1', { version: '2.75' });
      expect(r.json).to.deep.equal(bad("Additional properties are not allowed ('foo' was unexpected)"));
    });

    it('is admin-only', async () => {
      const r = await f.call('GET', '/v2.1/os-services', { token: f.member });
      expect(r.json).to.deep.equal({ forbidden: { code: 403, message: "Policy doesn't allow os_compute_api:os-services:list to be performed." } });
    });
  });

  describe('PUT before 2.53', () => {
    it('replays the 2.11 force-down sample', async () => {
      const r = await put('force-down', sample('os-services_v2.11_service-force-down-put-req.json'), '2.11');
      expect(r.status).to.equal(200);
      expect(r.json).to.deep.equal(sample('os-services_v2.11_service-force-down-put-resp.json'));
      expect((await compute('host1', '2.11')).state).to.equal('down');
    });

    it('enables, disables and disables with a reason', async () => {
      expect((await put('disable', { host: 'host1', binary: 'nova-compute' }, '2.1')).json).to.deep.equal({
        service: { host: 'host1', binary: 'nova-compute', status: 'disabled' },
      });
      expect((await put('disable-log-reason', { host: 'host1', binary: 'nova-compute', disabled_reason: 'fenced' }, '2.1')).json).to.deep.equal({
        service: { host: 'host1', binary: 'nova-compute', status: 'disabled', disabled_reason: 'fenced' },
      });
      expect(await compute('host1')).to.include({ status: 'disabled', disabled_reason: 'fenced' });
      expect((await put('enable', { host: 'host1', binary: 'nova-compute' }, '2.52')).json).to.deep.equal({
        service: { host: 'host1', binary: 'nova-compute', status: 'enabled' },
      });
      expect(await compute('host1')).to.include({ status: 'enabled', disabled_reason: null });
    });

    it('checks the schema before the action name and the policy', async () => {
      expect((await put('frob', { host: 'host1' }, '2.1')).json).to.deep.equal(bad("'binary' is a required property"));
      expect((await put('enable', { host: 'host1', binary: 'nova-compute', forced_down: true }, '2.10')).json).to.deep.equal(
        bad("Additional properties are not allowed ('forced_down' was unexpected)"),
      );
      expect((await put('enable', { host: 'host1', binary: 'nova-compute' }, '2.1', f.member)).status).to.equal(403);
    });

    it('answers 404 Unknown action, including force-down below 2.11', async () => {
      expect((await put('frob', { host: 'host1', binary: 'nova-compute' }, '2.11')).json).to.deep.equal(notFound('Unknown action'));
      expect((await put('force-down', { host: 'host1', binary: 'nova-compute' }, '2.10')).json).to.deep.equal(notFound('Unknown action'));
      const uuid = (await compute('host1')).id as string;
      expect((await put(uuid, { host: 'host1', binary: 'nova-compute' }, '2.52')).json).to.deep.equal(notFound('Unknown action'));
    });

    it('names the missing fields', async () => {
      expect((await put('disable-log-reason', { host: 'host1', binary: 'nova-compute' }, '2.1')).json).to.deep.equal(bad('Missing disabled reason field'));
      expect((await put('force-down', { host: 'host1', binary: 'nova-compute' }, '2.11')).json).to.deep.equal(bad('Missing forced_down field'));
    });

    it('refuses other binaries and unknown hosts', async () => {
      expect((await put('disable', { host: 'controller', binary: 'nova-scheduler' }, '2.1')).json).to.deep.equal(
        bad('Updating a nova-scheduler service is not supported. Only nova-compute services can be updated.'),
      );
      expect((await put('disable', { host: 'nowhere', binary: 'nova-compute' }, '2.1')).json).to.deep.equal(
        notFound('Could not find binary nova-compute on host nowhere.'),
      );
    });
  });

  describe('PUT from 2.53', () => {
    it('replays the disable-log and force-down samples', async () => {
      const id = (await compute('host1')).id as string;
      const disabled = await put(id, sample('os-services_v2.53_service-disable-log-put-req.json'), '2.53');
      expect(disabled.status).to.equal(200);
      const expected = sample('os-services_v2.53_service-disable-log-put-resp.json').service as Record<string, unknown>;
      expect(keys(disabled.json.service)).to.deep.equal(keys(expected));
      expect(disabled.json.service).to.include({ id, status: 'disabled', disabled_reason: 'maintenance', state: 'up', forced_down: false });
      const down = await put(id, sample('os-services_v2.53_service-force-down-put-req.json'), '2.53');
      expect(down.json.service).to.include({ state: 'down', forced_down: true, status: 'disabled' });
      expect(keys(down.json.service)).to.deep.equal(keys(sample('os-services_v2.53_service-force-down-put-resp.json').service));
    });

    it('checks the uuid, then the policy, then the service', async () => {
      expect((await put('enable', { status: 'enabled' }, '2.53')).json).to.deep.equal(bad('Invalid uuid enable'));
      expect((await put('enable', { status: 'enabled' }, '2.53', f.member)).status).to.equal(400);
      const missing = 'e81d66a4-ddd3-4aba-8a84-171d1cb4d339';
      expect((await put(missing, { status: 'enabled' }, '2.53', f.member)).status).to.equal(403);
      expect((await put(missing, { status: 'enabled' }, '2.53')).json).to.deep.equal(notFound(`Service ${missing} could not be found.`));
      const scheduler = (await list('2.53', '?binary=nova-scheduler'))[0]!.id as string;
      expect((await put(scheduler, { status: 'disabled' }, '2.53')).json).to.deep.equal(
        bad('Updating a nova-scheduler service is not supported. Only nova-compute services can be updated.'),
      );
    });

    it('needs status or forced_down, and no reason when enabling', async () => {
      const id = (await compute('host1')).id as string;
      const none = bad("No updates were requested. Fields 'status' or 'forced_down' should be specified.");
      expect((await put(id, {}, '2.53')).json).to.deep.equal(none);
      expect((await put(id, { disabled_reason: 'x' }, '2.53')).json).to.deep.equal(none);
      expect((await put(id, { status: 'enabled', disabled_reason: 'x' }, '2.53')).json).to.deep.equal(
        bad("Specifying 'disabled_reason' with status 'enabled' is invalid."),
      );
      expect((await put(id, { status: 'enabled' }, '2.53')).status).to.equal(200);
    });

    it('checks the schema', async () => {
      const id = (await compute('host1')).id as string;
      expect((await put(id, { status: 'paused' }, '2.53')).json).to.deep.equal(
        bad("Invalid input for field/attribute status. Value: paused. 'paused' is not one of ['enabled', 'disabled']"),
      );
      expect((await put(id, { host: 'host1', binary: 'nova-compute' }, '2.53')).json).to.deep.equal(
        bad("Additional properties are not allowed ('binary', 'host' were unexpected)"),
      );
      expect((await put(id, { forced_down: 'perhaps' }, '2.53')).status).to.equal(400);
    });
  });

  describe('forcing a compute up after an evacuation', () => {
    const REFUSED =
      'Unable to force up host host1 as `done` evacuation migration records remain associated with the host. ' +
      'Ensure the compute service has been restarted, allowing these records to move to `completed` before retrying this request.';

    for (const version of ['2.52', '2.53']) {
      it(`is refused while done evacuations remain (${version})`, async () => {
        const id = f.nova.model.addServer({ name: 'pet', host: 'host1', projectId: PROJECT, userId: 'u' }).id;
        const uuid = (await compute('host1')).id as string;
        f.nova.model.setHostAlive('host1', false);
        const forceUp = () =>
          version === '2.52'
            ? put('force-down', { host: 'host1', binary: 'nova-compute', forced_down: false }, version)
            : put(uuid, { forced_down: false }, version);
        expect((await put(uuid, { forced_down: true }, '2.53')).status).to.equal(200);
        expect((await f.call('POST', `/v2.1/servers/${id}/action`, { body: { evacuate: {} }, version: '2.68' })).status).to.equal(200);
        await f.advance();
        expect(f.nova.model.migrations()[0]!.status).to.equal('done');
        const r = await forceUp();
        expect(r.json).to.deep.equal(bad(REFUSED));
        expect((await compute('host1')).forced_down).to.equal(true);
        f.nova.model.setHostAlive('host1', true);
        expect(f.nova.model.migrations()[0]!.status).to.equal('completed');
        expect((await forceUp()).status).to.equal(200);
        expect(await compute('host1')).to.include({ forced_down: false, state: 'up' });
      });
    }
  });
});
