import { expect } from 'chai';
import { freePort } from '../helpers/port.ts';
import { Conflict, Forbidden, Invalid, NotFound, Transient } from '../../src/openstack/errors.ts';
import { MAX_MICROVERSION, MIN_MICROVERSION } from '../../src/openstack/nova.ts';
import { vmhaAuth, withFakeCloud, type CloudFixture } from '../helpers/cloud.ts';
import { rejectionOf, until } from '../helpers/wait.ts';

const FAST = { liveMigrate: 60, reboot: 40, rebuild: 40, evacuate: 60 };

async function seed(f: CloudFixture): Promise<{ serverId: string; projectId: string }> {
  const { projectId } = await f.clients.session.getToken();
  f.cloud.nova.model.addHost('compute-1');
  f.cloud.nova.model.addHost('compute-2');
  const s = f.cloud.nova.model.addServer({ name: 'pet-1', host: 'compute-1', metadata: { HA_Enabled: 'True' }, projectId, userId: 'u' });
  return { serverId: s.id, projectId };
}

describe('openstack/nova client', () => {
  let f: CloudFixture;
  let serverId: string;
  beforeEach(async () => {
    f = await withFakeCloud({ novaTimings: FAST });
    ({ serverId } = await seed(f));
  });
  afterEach(() => f.close());

  it(`negotiates min(cloud max, ${MAX_MICROVERSION}) and sends it on every call`, async () => {
    const v = await f.clients.nova.version();
    expect(v).to.deep.equal({ cloudMin: '2.1', cloudMax: '2.104', using: MAX_MICROVERSION });
    await f.clients.nova.getServer(serverId);
    const call = f.memory.entries.find((e) => e.message === 'openstack call' && String(e.url).includes(`/servers/${serverId}`));
    expect(call?.microversion).to.equal(MAX_MICROVERSION);
  });

  it('reads a server with host, task_state and metadata, and lists servers by host', async () => {
    const s = await f.clients.nova.getServer(serverId);
    expect(s).to.deep.include({ id: serverId, name: 'pet-1', status: 'ACTIVE', host: 'compute-1', taskState: null });
    expect(s.metadata).to.deep.equal({ HA_Enabled: 'True' });
    expect(s.hostStatus).to.equal('UP');
    const onHost = await f.clients.nova.listServers({ host: 'compute-1' });
    expect(onHost.map((x) => x.id)).to.deep.equal([serverId]);
    expect(await f.clients.nova.listServers({ host: 'compute-2' })).to.deep.equal([]);
  });

  it('live-migrates to another host (202) and the migration completes', async () => {
    const receipt = await f.clients.nova.liveMigrate(serverId);
    expect(receipt.requestId).to.match(/^req-/);
    const last = f.cloud.nova.model.actions.at(-1);
    expect(last?.action).to.equal('os-migrateLive');
    expect(last?.body).to.deep.equal({ 'os-migrateLive': { host: null, block_migration: 'auto' } });
    const s = await until('server on compute-2', async () => {
      const x = await f.clients.nova.getServer(serverId);
      return x.status === 'ACTIVE' && x.host === 'compute-2' ? x : undefined;
    });
    expect(s?.taskState).to.equal(null);
    const migs = await f.clients.nova.listMigrations({ instanceUuid: serverId, migrationType: 'live-migration' });
    expect(migs.map((m) => m.status)).to.deep.equal(['completed']);
  });

  it('reboots SOFT and HARD, back to ACTIVE', async () => {
    await f.clients.nova.reboot(serverId, 'HARD');
    expect((await f.clients.nova.getServer(serverId)).status).to.equal('HARD_REBOOT');
    await until('ACTIVE after hard reboot', async () => (await f.clients.nova.getServer(serverId)).status === 'ACTIVE');
    await f.clients.nova.reboot(serverId, 'SOFT');
    await until('ACTIVE after soft reboot', async () => (await f.clients.nova.getServer(serverId)).status === 'ACTIVE');
    expect(f.cloud.nova.model.actions.map((a) => a.body)).to.deep.equal([{ reboot: { type: 'HARD' } }, { reboot: { type: 'SOFT' } }]);
  });

  it("rebuilds from the server's current image", async () => {
    const image = (await f.clients.nova.getServer(serverId)).imageId;
    await f.clients.nova.rebuild(serverId);
    expect(f.cloud.nova.model.actions.at(-1)?.body).to.deep.equal({ rebuild: { imageRef: image } });
    await until('ACTIVE after rebuild', async () => (await f.clients.nova.getServer(serverId)).status === 'ACTIVE');
  });

  it('evacuates from a forced-down host (200) to another host', async () => {
    f.cloud.nova.model.setHostAlive('compute-1', false);
    await f.clients.nova.disableService('compute-1', 'vmha: host failure');
    const svc = await f.clients.nova.forceDown('compute-1', true);
    expect(svc).to.deep.include({ host: 'compute-1', status: 'disabled', forcedDown: true, state: 'down', disabledReason: 'vmha: host failure' });
    await f.clients.nova.evacuate(serverId);
    expect(f.cloud.nova.model.actions.at(-1)?.body).to.deep.equal({ evacuate: {} });
    await until('ACTIVE on compute-2', async () => {
      const x = await f.clients.nova.getServer(serverId);
      return x.status === 'ACTIVE' && x.host === 'compute-2';
    });
    const migs = await f.clients.nova.listMigrations({ instanceUuid: serverId, migrationType: 'evacuation' });
    expect(migs[0]?.status).to.equal('done');
  });

  it('enables a service again and lifts forced_down', async () => {
    await f.clients.nova.disableService('compute-2', 'maintenance');
    await f.clients.nova.forceDown('compute-2', true);
    await f.clients.nova.forceDown('compute-2', false);
    const svc = await f.clients.nova.enableService('compute-2');
    expect(svc).to.deep.include({ status: 'enabled', forcedDown: false, disabledReason: null });
  });

  describe('failures map to typed errors carrying the request id', () => {
    it('409 while a task_state is set -> Conflict', async () => {
      await f.clients.nova.reboot(serverId, 'HARD');
      const err = await rejectionOf(f.clients.nova.liveMigrate(serverId));
      expect(err).to.be.instanceOf(Conflict);
      expect((err as Conflict).status).to.equal(409);
      expect((err as Conflict).requestId).to.match(/^req-/);
      expect((err as Conflict).detail).to.match(/while it is in task_state rebooting_hard/);
    });

    it('400 "still in use" when evacuating from a live host -> Invalid', async () => {
      const err = await rejectionOf(f.clients.nova.evacuate(serverId));
      expect(err).to.be.instanceOf(Invalid);
      expect((err as Invalid).detail).to.equal('Compute service of compute-1 is still in use.');
    });

    it('404 unknown server -> NotFound', async () => {
      const err = await rejectionOf(f.clients.nova.reboot('6a1c6b0e-2b7e-4a57-9d9b-2b9f5c3c1d11', 'HARD'));
      expect(err).to.be.instanceOf(NotFound);
    });

    it('403 for a non-admin -> Forbidden', async () => {
      const demo = f.clientsFor({ auth: vmhaAuth({ username: 'demo', password: 'demo-secret', projectName: 'demo' }) });
      const err = await rejectionOf(demo.nova.listServices());
      expect(err).to.be.instanceOf(Forbidden);
    });

    it('503 -> Transient', async () => {
      f.cloud.faults.add({ service: 'compute', method: 'POST', path: /\/action$/, status: 503, times: 1 });
      const err = await rejectionOf(f.clients.nova.reboot(serverId, 'HARD'));
      expect(err).to.be.instanceOf(Transient);
      expect((err as Transient).status).to.equal(503);
      expect(f.cloud.nova.model.actions).to.have.length(0);
    });

    it('a timeout -> Transient', async () => {
      const slow = f.clientsFor({}, { timeoutMs: 150 });
      await slow.nova.version();
      f.cloud.faults.add({ service: 'compute', method: 'GET', path: /\/os-services/, delayMs: 1000, times: 1 });
      const err = await rejectionOf(slow.nova.listServices());
      expect(err).to.be.instanceOf(Transient);
      expect((err as Transient).detail).to.match(/timed out after 150 ms/);
    });

    it('a dropped connection -> Transient', async () => {
      await f.clients.nova.version();
      f.cloud.faults.add({ service: 'compute', method: 'GET', path: /\/os-services/, drop: true, times: 1 });
      expect(await rejectionOf(f.clients.nova.listServices())).to.be.instanceOf(Transient);
    });

    it('connection refused -> Transient', async () => {
      const port = await freePort();
      const gone = f.clientsFor({ authUrl: `http://127.0.0.1:${port}/identity/v3` });
      const err = await rejectionOf(gone.nova.listServices());
      expect(err).to.be.instanceOf(Transient);
      expect((err as Transient).detail).to.match(/ECONNREFUSED/);
    });
  });

  describe('microversions', () => {
    it('a cloud capped at 2.52 gets the pre-2.53 os-services request shape', async () => {
      const old = await withFakeCloud({ novaMaxVersion: '2.52', novaTimings: FAST });
      try {
        old.cloud.nova.model.addHost('compute-1');
        expect((await old.clients.nova.version()).using).to.equal('2.52');
        const svc = await old.clients.nova.disableService('compute-1', 'vmha test');
        expect(svc).to.deep.include({ status: 'disabled', disabledReason: 'vmha test' });
        expect(svc.id).to.match(/^\d+$/); // integer ids before 2.53
        await old.clients.nova.forceDown('compute-1', true);
        expect((await old.clients.nova.computeService('compute-1')).forcedDown).to.equal(true);
        const urls = old.memory.entries.filter((e) => e.method === 'PUT').map((e) => String(e.url));
        expect(urls.map((u) => u.replace(old.cloud.url, ''))).to.deep.equal([
          '/compute/v2.1/os-services/disable-log-reason',
          '/compute/v2.1/os-services/force-down',
        ]);
      } finally {
        await old.close();
      }
    });

    it('a cloud at 2.93 (Debian Zed) gets 2.93 and the 2.53 uuid form', async () => {
      const zed = await withFakeCloud({ novaMaxVersion: '2.93', novaTimings: FAST });
      try {
        zed.cloud.nova.model.addHost('compute-1');
        expect((await zed.clients.nova.version()).using).to.equal('2.93');
        const svc = await zed.clients.nova.disableService('compute-1', 'r');
        expect(svc.id).to.match(/^[0-9a-f-]{36}$/);
      } finally {
        await zed.close();
      }
    });

    it(`a cloud below ${MIN_MICROVERSION} is refused clearly`, async () => {
      const ancient = await withFakeCloud({ novaMaxVersion: '2.20' });
      try {
        const err = await rejectionOf(ancient.clients.nova.listServices());
        expect(err).to.be.instanceOf(Invalid);
        expect((err as Invalid).detail).to.equal(`the cloud's compute API supports up to microversion 2.20; vmha needs ${MIN_MICROVERSION} or later`);
      } finally {
        await ancient.close();
      }
    });
  });
});
