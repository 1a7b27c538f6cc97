// reboot and rebuild on the fake Nova: schemas, lock and state rules (409),
// the statuses a caller sees, and the end states through the model.
import { expect } from 'chai';
import { PROJECT, keys, sample, startNova, type NovaFixture } from './nova-fixture.ts';

const IMAGE = '70a599e0-31e7-49b7-b260-868f441e862b';
const OTHER_IMAGE = 'a2459075-d96c-40d5-893e-577ff92e721c';

describe('fake nova: reboot and rebuild', () => {
  let f: NovaFixture;
  let id: string;

  beforeEach(async () => {
    f = await startNova({ timings: { reboot: 150, rebuild: 150 } });
    f.nova.model.addHost('compute-1');
    id = f.nova.model.addServer({ name: 'pet', host: 'compute-1', projectId: PROJECT, userId: 'u1', imageId: OTHER_IMAGE }).id;
  });
  afterEach(() => f.close());

  const act = (body: unknown, version = '2.1', token?: string) =>
    f.call('POST', `/v2.1/servers/${id}/action`, { body, version, token: token ?? f.member });
  const status = async (): Promise<string> => (await f.call('GET', `/v2.1/servers/${id}`, { token: f.member })).json.server.status;
  const server = () => f.nova.model.getServer(id)!;
  const conflict = (message: string) => ({ conflictingRequest: { code: 409, message } });
  const bad = (message: string) => ({ badRequest: { code: 400, message } });

  describe('reboot', () => {
    it('replays the upstream sample: HARD_REBOOT, then ACTIVE', async () => {
      const r = await act(sample('servers_server-action-reboot.json'));
      expect(r.status).to.equal(202);
      expect(r.text).to.equal('');
      expect(await status()).to.equal('HARD_REBOOT');
      await f.advance(150);
      expect(await status()).to.equal('ACTIVE');
      expect(f.nova.model.actions.map((a) => [a.action, a.body])).to.deep.equal([['reboot', { reboot: { type: 'HARD' } }]]);
    });

    it('soft reboots through REBOOT', async () => {
      expect((await act({ reboot: { type: 'soft' } })).status).to.equal(202);
      expect(server().taskState).to.equal('rebooting');
      expect(await status()).to.equal('REBOOT');
      await f.advance(150);
      expect(await status()).to.equal('ACTIVE');
    });

    it('checks the schema', async () => {
      expect((await act({ reboot: {} })).json).to.deep.equal(bad("Invalid input for field/attribute reboot. Value: {}. 'type' is a required property"));
      expect((await act({ reboot: { type: 'FAST' } })).json).to.deep.equal(
        bad("Invalid input for field/attribute type. Value: FAST. 'FAST' is not one of ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']"),
      );
      expect((await act({ reboot: { type: 'HARD', when: 'now' } })).json).to.deep.equal(
        bad("Invalid input for field/attribute reboot. Value: {'type': 'HARD', 'when': 'now'}. Additional properties are not allowed ('when' was unexpected)"),
      );
    });

    it('soft-reboots only an active server without a task; hard-reboots a stopped one', async () => {
      f.nova.model.serverRecord(id)!.vmState = 'stopped';
      expect((await act({ reboot: { type: 'SOFT' } })).json).to.deep.equal(conflict(`Cannot 'reboot' instance ${id} while it is in vm_state stopped`));
      expect((await act({ reboot: { type: 'HARD' } })).status).to.equal(202);
      await f.advance(150);
      expect(await status()).to.equal('ACTIVE');
      expect(server()).to.include({ vmState: 'active', powerState: 1, taskState: null });
    });

    it('answers 409 for the task states the compute API refuses', async () => {
      const rec = f.nova.model.serverRecord(id)!;
      rec.taskState = 'rebooting_hard';
      expect((await act({ reboot: { type: 'SOFT' } })).json).to.deep.equal(conflict(`Cannot 'reboot' instance ${id} while it is in task_state rebooting_hard`));
      rec.taskState = 'migrating';
      expect((await act({ reboot: { type: 'HARD' } })).json).to.deep.equal(conflict(`Cannot 'reboot' instance ${id} while it is in task_state migrating`));
      rec.vmState = 'building';
      rec.taskState = null;
      expect((await act({ reboot: { type: 'HARD' } })).status).to.equal(409);
    });

    it('lets only admins act on a locked server', async () => {
      f.nova.model.lockServer(id, true, 'hands off');
      expect((await act({ reboot: { type: 'HARD' } })).json).to.deep.equal(conflict(`Instance ${id} is locked`));
      expect((await act({ reboot: { type: 'HARD' } }, '2.1', f.admin)).status).to.equal(202);
    });

    it("hides another project's server", async () => {
      const r = await act({ reboot: { type: 'HARD' } }, '2.1', f.other);
      expect(r.json).to.deep.equal({ itemNotFound: { code: 404, message: `Instance ${id} could not be found.` } });
    });

    it('waits while the host is down and finishes once it is back', async () => {
      f.nova.model.setHostAlive('compute-1', false);
      await act({ reboot: { type: 'HARD' } });
      await f.advance(10_000);
      expect(await status()).to.equal('HARD_REBOOT');
      f.nova.model.setHostAlive('compute-1', true);
      await f.advance(150);
      expect(await status()).to.equal('ACTIVE');
    });

    it('fails on demand (failNext)', async () => {
      f.nova.model.failNext('reboot');
      await act({ reboot: { type: 'HARD' } });
      await f.advance(150);
      expect(await status()).to.equal('ERROR');
    });
  });

  describe('rebuild', () => {
    it('replays the upstream sample and answers its reduced view with a Location', async () => {
      const r = await act(sample('servers_server-action-rebuild.json'), '2.1');
      expect(r.status, r.text).to.equal(202);
      const expected = sample('servers_server-action-rebuild-resp.json').server as Record<string, unknown>;
      expect(keys(r.json.server)).to.deep.equal(keys(expected));
      expect(keys(r.json.server.addresses.private[0])).to.deep.equal(['addr', 'version']);
      expect(r.json.server).to.include({ status: 'REBUILD', name: 'foobar', adminPass: 'seekr3t', accessIPv4: '1.2.3.4' });
      expect(r.headers.get('location')).to.equal(`${f.base}/v2.1/servers/${id}`);
      await f.advance(150);
      expect(await status()).to.equal('ACTIVE');
      expect(server()).to.include({ imageId: IMAGE, name: 'foobar', vmState: 'active' });
      expect(server().metadata).to.deep.equal({ meta_var: 'meta_val' });
    });

    it('answers the full view from 2.75, without OS-EXT-SRV-ATTR:user_data', async () => {
      const r = await act({ rebuild: { imageRef: IMAGE } }, '2.75', f.admin);
      expect(r.status).to.equal(202);
      expect(r.json.server).to.include.keys('OS-EXT-STS:vm_state', 'OS-EXT-SRV-ATTR:host', 'host_status', 'server_groups', 'user_data', 'adminPass', 'key_name');
      expect(r.json.server).to.not.have.property('OS-EXT-SRV-ATTR:user_data');
      expect(r.json.server.adminPass).to.match(/^[A-Za-z0-9]{12}$/);
      expect(server().taskState).to.equal('rebuilding');
      const again = await act({ rebuild: { imageRef: IMAGE } }, '2.74', f.admin);
      expect(again.status).to.equal(409);
    });

    it('versions the schema', async () => {
      const personality = [{ path: '/etc/motd', contents: 'aGk=' }];
      expect((await act({ rebuild: { imageRef: IMAGE, personality } }, '2.56')).status).to.equal(202);
      await f.advance(150);
      expect(await status()).to.equal('ACTIVE');
      expect((await act({ rebuild: { imageRef: IMAGE, personality } }, '2.57')).json.badRequest.message).to.contain(
        "Additional properties are not allowed ('personality' was unexpected)",
      );
      expect((await act({ rebuild: { imageRef: IMAGE, description: 'd' } }, '2.18')).status).to.equal(400);
      expect((await act({ rebuild: { imageRef: IMAGE, key_name: null } }, '2.53')).status).to.equal(400);
      expect((await act({ rebuild: { imageRef: IMAGE, hostname: 'my.fqdn' } }, '2.90')).status).to.equal(400);
    });

    it('checks imageRef, name and metadata', async () => {
      expect((await act({ rebuild: {} })).json).to.deep.equal(bad("Invalid input for field/attribute rebuild. Value: {}. 'imageRef' is a required property"));
      expect((await act({ rebuild: { imageRef: 'nope' } })).json).to.deep.equal(bad("Invalid input for field/attribute imageRef. Value: nope. 'nope' is not a 'uuid'"));
      expect((await act({ rebuild: { imageRef: IMAGE, name: ' padded' } })).json).to.deep.equal(
        bad("An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace."),
      );
      expect((await act({ rebuild: { imageRef: IMAGE, metadata: { 'bad key!': 'x' } } })).json).to.deep.equal(
        bad("Invalid input for field/attribute metadata. Value: {'bad key!': 'x'}. 'bad key!' does not match any of the regexes: '^[a-zA-Z0-9-_:. ]{1,255}$'"),
      );
    });

    it('answers 400 for an unknown image, after the state checks', async () => {
      const unknown = '11111111-2222-3333-4444-555555555555';
      expect((await act({ rebuild: { imageRef: unknown } })).json).to.deep.equal(bad('Cannot find image for rebuild'));
      f.nova.model.serverRecord(id)!.vmState = 'paused';
      expect((await act({ rebuild: { imageRef: unknown } })).json).to.deep.equal(conflict(`Cannot 'rebuild' instance ${id} while it is in vm_state paused`));
    });

    it('answers 409 while a task runs', async () => {
      await act({ reboot: { type: 'SOFT' } });
      expect((await act({ rebuild: { imageRef: IMAGE } })).json).to.deep.equal(conflict(`Cannot 'rebuild' instance ${id} while it is in task_state rebooting`));
    });

    it('rebuilds a stopped server back to SHUTOFF', async () => {
      f.nova.model.serverRecord(id)!.vmState = 'stopped';
      await act({ rebuild: { imageRef: IMAGE } });
      expect(await status()).to.equal('REBUILD');
      await f.advance(150);
      expect(await status()).to.equal('SHUTOFF');
      expect(server().imageId).to.equal(IMAGE);
    });

    it('rebuilds a server in error to ACTIVE', async () => {
      f.nova.model.serverRecord(id)!.vmState = 'error';
      await act({ rebuild: { imageRef: IMAGE } });
      await f.advance(150);
      expect(await status()).to.equal('ACTIVE');
    });
  });

  it('logs exactly one action per accepted request, none for refused ones', async () => {
    await act({ reboot: { type: 'FAST' } });
    await act({ rebuild: { imageRef: 'nope' } });
    await act({ reboot: { type: 'HARD' } });
    await act({ reboot: { type: 'SOFT' } });
    expect(f.nova.model.actions.map((a) => a.action)).to.deep.equal(['reboot']);
  });
});
