// Fakes capped below upstream's 2.104: a 2.52 cloud (before uuid service ids)
// and a 2.93 cloud (Debian Zed, before evacuate-to-stopped).
import { expect } from 'chai';
import { PROJECT, startNova, type NovaFixture } from './nova-fixture.ts';

describe('fake nova: capped microversions', () => {
  describe('max 2.52', () => {
    let f: NovaFixture;
    beforeEach(async () => {
      f = await startNova({ maxVersion: '2.52' });
      f.nova.model.addHost('compute-1');
      f.nova.model.addHost('compute-2');
    });
    afterEach(() => f.close());

    it('advertises and negotiates 2.52', async () => {
      expect((await f.call('GET', '/v2.1', { token: null })).json.version.version).to.equal('2.52');
      expect((await f.call('GET', '/', { token: null })).json.versions[1].version).to.equal('2.52');
      const latest = await f.call('GET', '/v2.1/os-services', { version: 'latest' });
      expect(latest.headers.get('openstack-api-version')).to.equal('compute 2.52');
      expect(latest.json.services.every((s: { id: unknown; forced_down: unknown }) => typeof s.id === 'number' && s.forced_down === false)).to.equal(true);
    });

    it('refuses 2.53 with the fake own maximum', async () => {
      const r = await f.call('GET', '/v2.1/os-services', { version: '2.53' });
      expect(r.status).to.equal(406);
      expect(r.json).to.deep.equal({
        computeFault: { code: 406, message: 'Version 2.53 is not supported by the API. Minimum is 2.1 and maximum is 2.52.' },
      });
    });

    it('updates services the pre-2.53 way at latest', async () => {
      const r = await f.call('PUT', '/v2.1/os-services/force-down', {
        body: { host: 'compute-1', binary: 'nova-compute', forced_down: true },
        version: 'latest',
      });
      expect(r.json).to.deep.equal({ service: { host: 'compute-1', binary: 'nova-compute', forced_down: true } });
    });

    it('evacuates to ACTIVE with an empty 200 and runs live-migration prechecks asynchronously', async () => {
      const id = f.nova.model.addServer({ name: 'pet', host: 'compute-1', projectId: PROJECT, userId: 'u' }).id;
      f.nova.model.setServiceState('compute-2', { disabled: true });
      const lm = await f.call('POST', `/v2.1/servers/${id}/action`, { body: { 'os-migrateLive': { block_migration: 'auto', host: null } }, version: 'latest' });
      expect(lm.status).to.equal(202);
      await f.advance();
      expect(f.nova.model.migrations()[0]!.status).to.equal('error');
      f.nova.model.setServiceState('compute-2', { disabled: false });
      f.nova.model.setHostAlive('compute-1', false);
      const ev = await f.call('POST', `/v2.1/servers/${id}/action`, { body: { evacuate: { host: 'compute-2', force: false } }, version: 'latest' });
      expect(ev.status).to.equal(200);
      expect(ev.text).to.equal('');
      await f.advance();
      expect(f.nova.model.migrations()[1]!.status).to.equal('done');
      expect(f.nova.model.getServer(id)).to.include({ host: 'compute-2', vmState: 'active' });
    });
  });

  describe('max 2.93', () => {
    let f: NovaFixture;
    beforeEach(async () => {
      f = await startNova({ maxVersion: '2.93' });
      f.nova.model.addHost('compute-1');
      f.nova.model.addHost('compute-2');
    });
    afterEach(() => f.close());

    it('negotiates latest to 2.93 and refuses 2.95', async () => {
      const r = await f.call('GET', '/v2.1/servers', { version: 'latest' });
      expect(r.headers.get('x-openstack-nova-api-version')).to.equal('2.93');
      const high = await f.call('GET', '/v2.1/servers', { headers: { 'X-OpenStack-Nova-API-Version': '2.95' } });
      expect(high.json.computeFault.message).to.equal('Version 2.95 is not supported by the API. Minimum is 2.1 and maximum is 2.93.');
    });

    it('evacuates to ACTIVE at latest (the stopped target state needs 2.95)', async () => {
      const id = f.nova.model.addServer({ name: 'pet', host: 'compute-1', projectId: PROJECT, userId: 'u' }).id;
      f.nova.model.setHostAlive('compute-1', false);
      const ev = await f.call('POST', `/v2.1/servers/${id}/action`, { body: { evacuate: {} }, version: 'latest' });
      expect(ev.status).to.equal(200);
      await f.advance();
      expect(f.nova.model.migrations()[0]!.status).to.equal('done');
      expect(f.nova.model.getServer(id)).to.include({ host: 'compute-2', vmState: 'active' });
    });

    it('shows the 2.93 fields only', async () => {
      const id = f.nova.model.addServer({ name: 'pet', host: 'compute-1', projectId: PROJECT, userId: 'u' }).id;
      const r = await f.call('GET', `/v2.1/servers/${id}`, { version: 'latest' });
      expect(r.json.server).to.include.keys('locked_reason', 'OS-EXT-SRV-ATTR:hostname', 'host_status');
      expect(r.json.server).to.not.have.any.keys('pinned_availability_zone', 'scheduler_hints');
      expect(r.json.server.image).to.not.have.property('properties');
    });

    it('uses uuid service ids and the uuid update at latest', async () => {
      const list = await f.call('GET', '/v2.1/os-services?binary=nova-compute', { version: 'latest' });
      const uuid = list.json.services[0].id as string;
      expect(uuid).to.match(/^[0-9a-f-]{36}$/);
      const r = await f.call('PUT', `/v2.1/os-services/${uuid}`, { body: { status: 'disabled', disabled_reason: 'vmha' }, version: 'latest' });
      expect(r.json.service).to.include({ id: uuid, status: 'disabled', disabled_reason: 'vmha' });
    });
  });

  it('refuses an invalid maxVersion', async () => {
    for (const bad of ['bogus', '3', '1.9']) {
      const err = await startNova({ maxVersion: bad }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message, bad).to.equal(`invalid nova maxVersion ${bad}`);
    }
  });
});
