// os-migrateLive on the fake Nova: schemas per microversion, checks in
// nova's order, the conductor prechecks (400 below 2.34, async from 2.34),
// and the migration's life through the model.
import { expect } from 'chai';
import { PROJECT, sample, startNova, type NovaFixture } from './nova-fixture.ts';

const DEST = '01c0cadef72d47e28a672a76060d492c';

describe('fake nova: os-migrateLive', () => {
  let f: NovaFixture;
  let id: string;

  beforeEach(async () => {
    f = await startNova();
    f.nova.model.addHost('compute-1');
    f.nova.model.addHost(DEST);
    id = f.nova.model.addServer({ name: 'pet', host: 'compute-1', projectId: PROJECT, userId: 'u1' }).id;
  });
  afterEach(() => f.close());

  const migrate = (body: unknown, version: string, token?: string) =>
    f.call('POST', `/v2.1/servers/${id}/action`, { body: { 'os-migrateLive': body }, version, token: token ?? f.admin });
  const bad = (message: string) => ({ badRequest: { code: 400, message } });
  const server = () => f.nova.model.getServer(id)!;
  const migration = () => f.nova.model.migrations().at(-1)!;

  describe('accepts the upstream samples', () => {
    const cases: [string, string][] = [
      ['os-migrate-server_live-migrate-server.json', '2.1'],
      ['os-migrate-server_v2.25_live-migrate-server.json', '2.25'],
      ['os-migrate-server_v2.30_live-migrate-server.json', '2.30'],
      ['os-migrate-server_v2.68_live-migrate-server.json', '2.68'],
    ];
    for (const [file, version] of cases) {
      it(`${file} at ${version}`, async () => {
        const r = await f.call('POST', `/v2.1/servers/${id}/action`, { body: sample(file), version });
        expect(r.status, r.text).to.equal(202);
        expect(r.text).to.equal('');
        await f.advance();
        expect(migration().status).to.equal('completed');
        expect(server()).to.include({ host: DEST, node: DEST, taskState: null, vmState: 'active' });
        expect(f.nova.model.actions).to.have.length(1);
        expect(f.nova.model.actions[0]).to.include({ serverId: id, action: 'os-migrateLive', microversion: version });
        expect(f.nova.model.actions[0]!.body).to.deep.equal(sample(file));
        expect(f.nova.model.actions[0]!.requestId).to.equal(r.headers.get('x-openstack-request-id'));
      });
    }
  });

  describe('schemas', () => {
    it('requires block_migration, disk_over_commit and host before 2.25', async () => {
      const r = await migrate({ block_migration: false, host: null }, '2.24');
      expect(r.json).to.deep.equal(bad("Invalid input for field/attribute os-migrateLive. Value: {'block_migration': False, 'host': None}. 'disk_over_commit' is a required property"));
    });

    it('takes string booleans before 2.25 but not "auto"', async () => {
      expect((await migrate({ block_migration: 'yes', disk_over_commit: 'False', host: null }, '2.1')).status).to.equal(202);
    });

    it('rejects "auto" before 2.25', async () => {
      const r = await migrate({ block_migration: 'auto', disk_over_commit: false, host: null }, '2.24');
      expect(r.json.badRequest.message).to.match(/^Invalid input for field\/attribute block_migration\. Value: auto\. 'auto' is not one of \[True, 'True', 'TRUE'/);
    });

    it('drops disk_over_commit from 2.25', async () => {
      const r = await migrate({ block_migration: 'auto', disk_over_commit: false, host: null }, '2.25');
      expect(r.json).to.deep.equal(bad("Invalid input for field/attribute os-migrateLive. Value: {'block_migration': 'auto', 'disk_over_commit': False, 'host': None}. Additional properties are not allowed ('disk_over_commit' was unexpected)"));
    });

    it('requires host (null allowed) from 2.25', async () => {
      const r = await migrate({ block_migration: 'auto' }, '2.25');
      expect(r.json.badRequest.message).to.equal("Invalid input for field/attribute os-migrateLive. Value: {'block_migration': 'auto'}. 'host' is a required property");
    });

    it('accepts force only from 2.30 to 2.67', async () => {
      const r = await migrate({ block_migration: 'auto', host: DEST, force: false }, '2.29');
      expect(r.json.badRequest.message).to.contain("Additional properties are not allowed ('force' was unexpected)");
      const late = await migrate({ block_migration: 'auto', host: DEST, force: false }, '2.68');
      expect(late.json.badRequest.message).to.contain("Additional properties are not allowed ('force' was unexpected)");
    });

    it('checks the host pattern and type', async () => {
      const r = await migrate({ block_migration: 'auto', host: 'bad host!' }, '2.30');
      expect(r.json).to.deep.equal(bad("Invalid input for field/attribute host. Value: bad host!. 'bad host!' does not match '^[a-zA-Z0-9-._]*$'"));
      const num = await migrate({ block_migration: 'auto', host: 5 }, '2.30');
      expect(num.json).to.deep.equal(bad("Invalid input for field/attribute host. Value: 5. 5 is not of type 'string', 'null'"));
      const empty = await migrate({ block_migration: 'auto', host: '' }, '2.30');
      expect(empty.json).to.deep.equal(bad("Invalid input for field/attribute host. Value: . '' should be non-empty"));
    });

    it('rejects a non-object action and a boolean of the wrong type', async () => {
      expect((await migrate('now', '2.68')).json).to.deep.equal(bad("Invalid input for field/attribute os-migrateLive. Value: now. 'now' is not of type 'object'"));
      expect((await migrate({ block_migration: 1, host: null }, '2.68')).json).to.deep.equal(
        bad("Invalid input for field/attribute block_migration. Value: 1. 1 is not of type 'boolean', 'string'"),
      );
    });
  });

  describe('checks', () => {
    it('validates the schema before looking the server up', async () => {
      const r = await f.call('POST', '/v2.1/servers/0e44cc9c-e052-415d-afbf-469b0d384170/action', { body: { 'os-migrateLive': {} }, version: '2.68' });
      expect(r.status).to.equal(400);
    });

    it('answers 404 before 403, and 403 for a non-admin owner', async () => {
      const missing = await f.call('POST', '/v2.1/servers/0e44cc9c-e052-415d-afbf-469b0d384170/action', {
        body: { 'os-migrateLive': { block_migration: 'auto', host: null } },
        version: '2.68',
        token: f.member,
      });
      expect(missing.status).to.equal(404);
      const r = await migrate({ block_migration: 'auto', host: null }, '2.68', f.member);
      expect(r.status).to.equal(403);
      expect(r.json).to.deep.equal({ forbidden: { code: 403, message: "Policy doesn't allow os_compute_api:os-migrate-server:migrate_live to be performed." } });
      const other = await migrate({ block_migration: 'auto', host: null }, '2.68', f.other);
      expect(other.status).to.equal(404);
      expect(f.nova.model.actions).to.deep.equal([]);
    });

    it("refuses force without a host", async () => {
      const r = await migrate({ block_migration: 'auto', host: null, force: true }, '2.30');
      expect(r.json).to.deep.equal(bad("Can't force to a non-provided destination"));
    });

    it('answers 409 unless the server is active or paused without a task', async () => {
      const rec = f.nova.model.serverRecord(id)!;
      rec.vmState = 'stopped';
      let r = await migrate({ block_migration: 'auto', host: null }, '2.68');
      expect(r.status).to.equal(409);
      expect(r.json).to.deep.equal({ conflictingRequest: { code: 409, message: `Cannot 'os-migrateLive' instance ${id} while it is in vm_state stopped` } });
      rec.vmState = 'active';
      rec.taskState = 'rebooting';
      r = await migrate({ block_migration: 'auto', host: null }, '2.68');
      expect(r.json.conflictingRequest.message).to.equal(`Cannot 'os-migrateLive' instance ${id} while it is in task_state rebooting`);
      rec.taskState = null;
      rec.vmState = 'paused';
      expect((await migrate({ block_migration: 'auto', host: null }, '2.68')).status).to.equal(202);
    });

    it('answers 409 while a live migration runs', async () => {
      f.nova.model.failNext('live-migration', 'hang');
      expect((await migrate({ block_migration: 'auto', host: null }, '2.68')).status).to.equal(202);
      expect(server().taskState).to.equal('migrating');
      const r = await migrate({ block_migration: 'auto', host: null }, '2.68');
      expect(r.json.conflictingRequest.message).to.equal(`Cannot 'os-migrateLive' instance ${id} while it is in task_state migrating`);
    });

    it('answers 400 for an unknown destination', async () => {
      const r = await migrate({ block_migration: 'auto', host: 'nowhere' }, '2.68');
      expect(r.json).to.deep.equal(bad('Compute host nowhere could not be found.'));
      expect(f.nova.model.migrations()).to.deep.equal([]);
    });
  });

  describe('conductor prechecks', () => {
    it('fails synchronously with 400 below 2.34 and leaves an error migration', async () => {
      f.nova.model.setServiceState(DEST, { disabled: true });
      const r = await migrate({ block_migration: 'auto', host: null }, '2.33');
      expect(r.json).to.deep.equal(bad('No valid host was found. There are not enough hosts available.'));
      expect(migration()).to.include({ status: 'error', migrationType: 'live-migration' });
      expect(server()).to.include({ taskState: null, host: 'compute-1' });
      expect(f.nova.model.actions).to.deep.equal([]);
    });

    it('answers 202 from 2.34 and then puts the migration in error', async () => {
      f.nova.model.setServiceState(DEST, { disabled: true });
      const r = await migrate({ block_migration: 'auto', host: null }, '2.34');
      expect(r.status).to.equal(202);
      expect(server().taskState).to.equal('migrating');
      await f.advance();
      expect(migration().status).to.equal('error');
      expect(server()).to.include({ taskState: null, host: 'compute-1', vmState: 'active' });
      expect(f.nova.model.actions).to.have.length(1);
    });

    it('refuses a down source', async () => {
      f.nova.model.setServiceState('compute-1', { forcedDown: true });
      const r = await migrate({ block_migration: false, disk_over_commit: false, host: DEST }, '2.1');
      expect(r.json).to.deep.equal(bad('Compute service of compute-1 is unavailable at this time.'));
    });

    it('refuses the source as destination', async () => {
      const r = await migrate({ block_migration: 'auto', host: 'compute-1', force: true }, '2.30');
      expect(r.json).to.deep.equal(bad(`Unable to migrate instance (${id}) to current host (compute-1).`));
      const sched = await migrate({ block_migration: 'auto', host: 'compute-1' }, '2.33');
      expect(sched.json).to.deep.equal(bad('No valid host was found. There are not enough hosts available.'));
    });

    it('checks a disabled destination only when the scheduler is used', async () => {
      f.nova.model.setServiceState(DEST, { disabled: true });
      // Below 2.30 a named host bypasses the scheduler.
      expect((await migrate({ block_migration: 'auto', host: DEST }, '2.29')).status).to.equal(202);
      await f.advance();
      expect(migration().status).to.equal('completed');
      f.nova.model.serverRecord(id)!.host = 'compute-1';
      const scheduled = await migrate({ block_migration: 'auto', host: DEST, force: false }, '2.30');
      expect(scheduled.json).to.deep.equal(bad('No valid host was found. There are not enough hosts available.'));
      const forced = await migrate({ block_migration: 'auto', host: DEST, force: true }, '2.30');
      expect(forced.status, forced.text).to.equal(202);
    });
  });

  describe('the migration', () => {
    it('goes accepted, preparing, running, completed and moves the server at the end', async () => {
      const seen: string[] = [];
      const hosts: (string | null)[] = [];
      expect((await migrate({ block_migration: 'auto', host: null }, '2.68')).status).to.equal(202);
      seen.push(migration().status);
      while (migration().status !== 'completed') {
        const s = migration().status;
        if (seen.at(-1) !== s) seen.push(s);
        if (s !== 'completed') hosts.push(server().host);
        await f.advance(10);
      }
      seen.push('completed');
      expect(seen).to.deep.equal(['accepted', 'preparing', 'running', 'completed']);
      expect(new Set(hosts)).to.deep.equal(new Set(['compute-1']));
      expect(migration()).to.include({ sourceCompute: 'compute-1', destCompute: DEST, destNode: DEST });
      expect(server()).to.include({ host: DEST, taskState: null });
    });

    it('ends in error when the destination dies, and the server stays', async () => {
      await migrate({ block_migration: 'auto', host: DEST }, '2.68');
      await f.advance(200);
      expect(migration().status).to.equal('running');
      f.nova.model.setHostAlive(DEST, false);
      await f.advance();
      expect(migration().status).to.equal('error');
      expect(server()).to.include({ host: 'compute-1', taskState: null, vmState: 'active' });
    });

    it('ends in error when the source dies', async () => {
      await migrate({ block_migration: 'auto', host: null }, '2.68');
      await f.advance(50);
      expect(migration().status).to.equal('preparing');
      f.nova.model.setHostAlive('compute-1', false);
      await f.advance();
      expect(migration().status).to.equal('error');
      expect(server().host).to.equal('compute-1');
    });

    it('obeys failNext', async () => {
      f.nova.model.failNext('live-migration', 'error');
      await migrate({ block_migration: 'auto', host: null }, '2.68');
      await f.advance();
      expect(migration().status).to.equal('error');
      expect(server()).to.include({ host: 'compute-1', taskState: null });
      // Only the next one fails.
      await migrate({ block_migration: 'auto', host: null }, '2.68');
      await f.advance();
      expect(migration().status).to.equal('completed');
      f.nova.model.failNext('live-migration', 'no-valid-host');
      const r = await migrate({ block_migration: 'auto', host: null }, '2.33');
      expect(r.status).to.equal(400);
    });

    it('can hang until stopped', async () => {
      f.nova.model.failNext('live-migration', 'hang');
      await migrate({ block_migration: 'auto', host: null }, '2.68');
      await f.advance(200);
      expect(migration().status).to.equal('running');
      await f.advance();
      expect(migration().status).to.equal('running');
      f.nova.stop();
      await f.nova.model.settled();
      expect(migration().status).to.equal('running');
    });

    it('lists the running migration under the server from 2.23', async () => {
      f.nova.model.failNext('live-migration', 'hang');
      await migrate({ block_migration: 'auto', host: null }, '2.68');
      await f.advance(200);
      expect(migration().status).to.equal('running');
      const before = await f.call('GET', `/v2.1/servers/${id}/migrations`, { version: '2.22' });
      expect(before.status).to.equal(404);
      const r = await f.call('GET', `/v2.1/servers/${id}/migrations`, { version: '2.80' });
      expect(r.status).to.equal(200);
      expect(Object.keys(r.json.migrations[0]).sort()).to.deep.equal(
        Object.keys((sample('server-migrations_v2.80_migrations-index.json').migrations as object[])[0]!).sort(),
      );
      const one = await f.call('GET', `/v2.1/servers/${id}/migrations/${migration().id}`, { version: '2.59' });
      expect(Object.keys(one.json.migration).sort()).to.deep.equal(
        Object.keys((sample('server-migrations_v2.59_migrations-index.json').migrations as object[])[0]!).sort(),
      );
      expect(one.json.migration).to.include({ status: 'running', server_uuid: id, source_compute: 'compute-1', dest_compute: DEST });
    });
  });
});
