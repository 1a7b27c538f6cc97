// Real Nova (two fake-driver computes) through vmha's NovaClient: microversion
// negotiation, boot, live migration, hard reboot, rebuild, the 409/400 refusals,
// instance actions, and (last, since it stops compute-1) an evacuation.
import { expect } from 'chai';
import { Conflict, Invalid } from '../../src/openstack/errors.ts';
import { rejectionOf } from '../helpers/wait.ts';
import { bootServer, cloudSh, deleteServers, realClients, waitActive, waitFor } from './real-cloud.ts';

describe('real cloud: nova', () => {
  const c = realClients();
  const servers: string[] = [];
  const tag = `vmha-real-${process.pid}`;

  after(async () => {
    await deleteServers(c, servers);
  });

  it('negotiates microversion 2.93 (the cloud maximum)', async () => {
    const v = await c.nova.version();
    expect(v.cloudMax).to.equal('2.93');
    expect(v.using).to.equal('2.93');
    expect(v.cloudMin).to.equal('2.1');
  });

  it('boots on compute-1, live-migrates to compute-2 (409 while migrating), hard-reboots, rebuilds', async () => {
    const id = await bootServer(c, `${tag}-a`, 'compute-1');
    servers.push(id);
    await waitActive(c, id, 'compute-1');
    const s = await c.nova.getServer(id);
    expect(s.host).to.equal('compute-1');
    expect(s.status).to.equal('ACTIVE');

    const receipt = await c.nova.liveMigrate(id);
    expect(receipt.microversion).to.equal('2.93');
    // task_state is "migrating" from the API's answer on: another action is a 409.
    const busy = await rejectionOf(c.nova.reboot(id, 'HARD'));
    expect(busy).to.be.instanceOf(Conflict);
    expect((busy as Conflict).status).to.equal(409);
    expect((busy as Conflict).detail).to.match(/task_state migrating/);

    await waitActive(c, id, 'compute-2');
    const migrations = await waitFor('completed live migration', async () => {
      const m = await c.nova.listMigrations({ instanceUuid: id, migrationType: 'live-migration' });
      return m.length === 1 && m[0]!.status === 'completed' ? m : undefined;
    }, 30_000);
    expect(migrations[0]).to.include({ sourceCompute: 'compute-1', destCompute: 'compute-2' });
    expect(await c.nova.listServerMigrations(id)).to.deep.equal([]); // none in progress

    await c.nova.reboot(id, 'HARD');
    await waitActive(c, id, 'compute-2');
    await c.nova.rebuild(id);
    await waitActive(c, id, 'compute-2');
    const after = await c.nova.getServer(id);
    expect(after.powerState).to.equal(1);

    const actions = (await c.nova.listInstanceActions(id)).map((a) => a.action);
    expect(actions).to.include.members(['create', 'live-migration', 'reboot', 'rebuild']);
    for (const a of await c.nova.listInstanceActions(id)) expect(a.requestId).to.match(/^req-/);
  });

  it('refuses to evacuate while the source compute is up: 400 "still in use" -> Invalid', async () => {
    const id = servers[0]!;
    const err = await rejectionOf(c.nova.evacuate(id));
    expect(err).to.be.instanceOf(Invalid);
    expect((err as Invalid).status).to.equal(400);
    expect((err as Invalid).detail).to.equal('Compute service of compute-2 is still in use.');
  });

  it('evacuates a server from a stopped, forced-down compute-1 to compute-2, then restores compute-1', async () => {
    const id = await bootServer(c, `${tag}-b`, 'compute-1');
    servers.push(id);
    await waitActive(c, id, 'compute-1');
    try {
      await cloudSh('stop', 'compute-1');
      // Forced down first: disabling an "up" service makes nova-api RPC-call the
      // (stopped) compute and wait rpc_response_timeout (60 s) for it.
      await c.nova.forceDown('compute-1', true);
      const svc = await c.nova.disableService('compute-1', 'vmha real-cloud evacuation test');
      expect(svc).to.include({ forcedDown: true, status: 'disabled', state: 'down' });

      await c.nova.evacuate(id);
      const s = await waitActive(c, id, 'compute-2');
      expect(s['OS-EXT-SRV-ATTR:host']).to.equal('compute-2');
      const ev = await c.nova.listMigrations({ instanceUuid: id, migrationType: 'evacuation' });
      expect(ev).to.have.length(1);
      expect(ev[0]).to.include({ sourceCompute: 'compute-1', destCompute: 'compute-2' });
      expect(ev[0]!.status).to.be.oneOf(['done', 'completed']);
      expect((await c.nova.listInstanceActions(id)).map((a) => a.action)).to.include('evacuate');
    } finally {
      // start compute-1 first: it clears the "done" evacuation records, without
      // which Nova refuses to lift forced_down (400).
      await cloudSh('start', 'compute-1');
      await c.nova.forceDown('compute-1', false);
      await c.nova.enableService('compute-1');
    }
    const back = await waitFor('compute-1 up and enabled', async () => {
      const svc = await c.nova.computeService('compute-1');
      return svc.state === 'up' && svc.status === 'enabled' && !svc.forcedDown ? svc : undefined;
    }, 60_000);
    expect(back.host).to.equal('compute-1');
  });
});
