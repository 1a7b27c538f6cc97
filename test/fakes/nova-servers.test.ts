// GET /servers, /servers/detail and /servers/{id} of the fake Nova: shapes per
// microversion and policy (compared with the upstream samples), filters, 404s.
import { expect } from 'chai';
import { ADMIN_PROJECT, OTHER_PROJECT, PROJECT, keys, sample, startNova, type NovaFixture } from './nova-fixture.ts';

describe('fake nova: servers', () => {
  let f: NovaFixture;
  let mine: string;
  let theirs: string;

  beforeEach(async () => {
    f = await startNova();
    f.nova.model.addHost('compute-1');
    f.nova.model.addHost('compute-2');
    mine = f.nova.model.addServer({ name: 'web-1', host: 'compute-1', projectId: PROJECT, userId: 'u1', metadata: { HA_Enabled: 'True' } }).id;
    theirs = f.nova.model.addServer({ name: 'db-1', host: 'compute-2', projectId: OTHER_PROJECT, userId: 'u2' }).id;
  });
  afterEach(() => f.close());

  const show = async (id: string, version: string, token?: string): Promise<Record<string, unknown>> => {
    const r = await f.call('GET', `/v2.1/servers/${id}`, { version, token: token ?? f.admin });
    expect(r.status).to.equal(200);
    return r.json.server as Record<string, unknown>;
  };

  describe('shape', () => {
    it('matches the 2.1 sample for an admin', async () => {
      const expected = sample('servers_server-get-resp.json').server as Record<string, unknown>;
      const got = await show(mine, '2.1');
      expect(keys(got)).to.deep.equal(keys(expected));
      expect(keys(got.flavor)).to.deep.equal(keys(expected.flavor));
      expect(keys(got.image)).to.deep.equal(keys(expected.image));
      const addr = (expected.addresses as Record<string, unknown[]>).private![0];
      expect(keys((got.addresses as Record<string, unknown[]>).private![0])).to.deep.equal(keys(addr));
      expect(got).to.include({ status: 'ACTIVE', 'OS-EXT-SRV-ATTR:host': 'compute-1', 'OS-EXT-STS:vm_state': 'active', 'OS-EXT-STS:task_state': null });
      expect(got.created).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(got['OS-SRV-USG:launched_at']).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    });

    it('matches the 2.100 sample for the owner (no admin-only fields)', async () => {
      const expected = sample('servers_v2.100_server-get-resp.json').server as Record<string, unknown>;
      const got = await show(mine, '2.100', f.member);
      expect(keys(got)).to.deep.equal(keys(expected));
      expect(keys(got.flavor)).to.deep.equal(keys(expected.flavor));
      expect(keys(got.image)).to.deep.equal(keys(expected.image));
      expect(got).to.include({ locked: false, locked_reason: null, description: null, pinned_availability_zone: null });
      expect(got['OS-EXT-SRV-ATTR:hostname']).to.equal('web-1');
    });

    it('adds the admin-only attributes and host_status for an admin at 2.100', async () => {
      const got = await show(mine, '2.100');
      const nonAdmin = await show(mine, '2.100', f.member);
      const extra = keys(got).filter((k) => !(k in nonAdmin));
      expect(extra).to.deep.equal(
        [
          'OS-EXT-SRV-ATTR:host',
          'OS-EXT-SRV-ATTR:hypervisor_hostname',
          'OS-EXT-SRV-ATTR:instance_name',
          'OS-EXT-SRV-ATTR:kernel_id',
          'OS-EXT-SRV-ATTR:launch_index',
          'OS-EXT-SRV-ATTR:ramdisk_id',
          'OS-EXT-SRV-ATTR:reservation_id',
          'OS-EXT-SRV-ATTR:root_device_name',
          'OS-EXT-SRV-ATTR:user_data',
          'host_status',
        ].sort(),
      );
    });

    const gated: [string, string, string][] = [
      ['locked', '2.8', '2.9'],
      ['host_status', '2.15', '2.16'],
      ['description', '2.18', '2.19'],
      ['tags', '2.25', '2.26'],
      ['trusted_image_certificates', '2.62', '2.63'],
      ['server_groups', '2.70', '2.71'],
      ['locked_reason', '2.72', '2.73'],
      ['pinned_availability_zone', '2.95', '2.96'],
      ['scheduler_hints', '2.99', '2.100'],
    ];
    for (const [field, before, from] of gated) {
      it(`shows ${field} from ${from}`, async () => {
        expect(await show(mine, before)).to.not.have.property(field);
        expect(await show(mine, from)).to.have.property(field);
      });
    }

    it('embeds the flavor from 2.47 and image properties from 2.98', async () => {
      expect(keys((await show(mine, '2.46')).flavor)).to.deep.equal(['id', 'links']);
      expect((await show(mine, '2.47')).flavor).to.deep.equal({ vcpus: 1, ram: 512, disk: 1, ephemeral: 0, swap: 0, original_name: 'm1.tiny', extra_specs: {} });
      expect((await show(mine, '2.97')).image).to.not.have.property('properties');
      expect(((await show(mine, '2.98')).image as Record<string, unknown>).properties).to.deep.equal({ architecture: 'x86_64', auto_disk_config: 'True' });
    });

    it('shows the hostname to non-admins from 2.90 only', async () => {
      expect(await show(mine, '2.89', f.member)).to.not.have.property('OS-EXT-SRV-ATTR:hostname');
      expect(await show(mine, '2.90', f.member)).to.have.property('OS-EXT-SRV-ATTR:hostname', 'web-1');
    });

    it('derives host_status from the compute service', async () => {
      const status = async (): Promise<unknown> => (await show(mine, '2.16')).host_status;
      expect(await status()).to.equal('UP');
      f.nova.model.setHostAlive('compute-1', false);
      expect(await status()).to.equal('UNKNOWN');
      f.nova.model.setServiceState('compute-1', { disabled: true, disabledReason: 'maint' });
      expect(await status()).to.equal('MAINTENANCE');
      f.nova.model.setServiceState('compute-1', { forcedDown: true });
      expect(await status()).to.equal('DOWN');
      expect(await show(mine, '2.16', f.member)).to.not.have.property('host_status');
    });

    it('derives status from vm_state and task_state as _STATE_MAP does', async () => {
      const rec = f.nova.model.serverRecord(mine)!;
      const cases: [string, string | null, string][] = [
        ['active', null, 'ACTIVE'],
        ['active', 'rebooting', 'REBOOT'],
        ['active', 'rebooting_hard', 'HARD_REBOOT'],
        ['active', 'migrating', 'MIGRATING'],
        ['active', 'rebuilding', 'REBUILD'],
        ['stopped', null, 'SHUTOFF'],
        ['stopped', 'rebuilding', 'REBUILD'],
        ['stopped', 'rebooting_hard', 'SHUTOFF'],
        ['paused', 'migrating', 'MIGRATING'],
        ['error', null, 'ERROR'],
        ['error', 'rebuilding', 'REBUILD'],
        ['resized', 'resize_reverting', 'REVERT_RESIZE'],
        ['shelved_offloaded', null, 'SHELVED_OFFLOADED'],
        ['bogus', null, 'UNKNOWN'],
      ];
      for (const [vm, task, status] of cases) {
        Object.assign(rec, { vmState: vm, taskState: task });
        expect((await show(mine, '2.1')).status, `${vm}/${task}`).to.equal(status);
      }
    });

    it('shows the fault of a server in error', async () => {
      Object.assign(f.nova.model.serverRecord(mine)!, {
        vmState: 'error',
        fault: { code: 500, message: 'No valid host was found. ', details: 'trace', created: Date.now() },
      });
      const admin = await show(mine, '2.1');
      expect(admin.fault).to.include({ code: 500, message: 'No valid host was found. ', details: 'trace' });
      expect((await show(mine, '2.1', f.member)).fault).to.not.have.property('details');
      expect(admin).to.not.have.property('progress');
    });

    it('omits server_groups from the detail list but not from show', async () => {
      const r = await f.call('GET', '/v2.1/servers/detail', { version: '2.100', token: f.member });
      expect(r.json.servers[0]).to.not.have.property('server_groups');
      expect(keys(r.json.servers[0])).to.deep.equal(keys(await show(mine, '2.100', f.member)).filter((k) => k !== 'server_groups'));
    });
  });

  describe('lookup', () => {
    it("hides another project's server from a non-admin", async () => {
      const r = await f.call('GET', `/v2.1/servers/${theirs}`, { token: f.member });
      expect(r.status).to.equal(404);
      expect(r.json).to.deep.equal({ itemNotFound: { code: 404, message: `Instance ${theirs} could not be found.` } });
      expect((await f.call('GET', `/v2.1/servers/${theirs}`)).status).to.equal(200);
    });

    it('answers 404 for an unknown or malformed id', async () => {
      for (const id of ['0e44cc9c-e052-415d-afbf-469b0d384170', 'not-a-uuid']) {
        const r = await f.call('GET', `/v2.1/servers/${id}`);
        expect(r.json).to.deep.equal({ itemNotFound: { code: 404, message: `Instance ${id} could not be found.` } });
      }
    });

    it('closes the show query from 2.102', async () => {
      expect((await f.call('GET', `/v2.1/servers/${mine}?foo=1`, { version: '2.101' })).status).to.equal(200);
      const r = await f.call('GET', `/v2.1/servers/${mine}?foo=1`, { version: '2.102' });
      expect(r.status).to.equal(400);
      expect(r.json.badRequest.message).to.equal("Additional properties are not allowed ('foo' was unexpected)");
    });
  });

  describe('lists', () => {
    const ids = async (query: string, token?: string, version = '2.1'): Promise<string[]> => {
      const r = await f.call('GET', `/v2.1/servers/detail${query}`, { token: token ?? f.admin, version });
      expect(r.status, r.text).to.equal(200);
      return r.json.servers.map((s: { id: string }) => s.id);
    };

    it("lists the caller's project only, even for an admin without all_tenants", async () => {
      expect(await ids('', f.member)).to.deep.equal([mine]);
      expect(await ids('', f.other)).to.deep.equal([theirs]);
      expect(await ids('')).to.deep.equal([]);
      const adminServer = f.nova.model.addServer({ name: 'ops', host: 'compute-1', projectId: ADMIN_PROJECT, userId: 'a' }).id;
      expect(await ids('')).to.deep.equal([adminServer]);
    });

    it('lists every project with all_tenants (an empty value counts), newest first', async () => {
      expect(await ids('?all_tenants')).to.deep.equal([theirs, mine]);
      expect(await ids('?all_tenants=1')).to.deep.equal([theirs, mine]);
      expect(await ids('?all_tenants=0')).to.deep.equal([]);
      expect(await ids(`?all_tenants=1&project_id=${PROJECT}`)).to.deep.equal([mine]);
    });

    it('refuses all_tenants to a non-admin and rejects a non-boolean value', async () => {
      const r = await f.call('GET', '/v2.1/servers/detail?all_tenants=1', { token: f.member });
      expect(r.status).to.equal(403);
      expect(r.json).to.deep.equal({
        forbidden: { code: 403, message: "Policy doesn't allow os_compute_api:servers:detail:get_all_tenants to be performed." },
      });
      const index = await f.call('GET', '/v2.1/servers?all_tenants=1', { token: f.member });
      expect(index.json.forbidden.message).to.contain('os_compute_api:servers:index:get_all_tenants');
      const bad = await f.call('GET', '/v2.1/servers/detail?all_tenants=maybe');
      expect(bad.status).to.equal(400);
      expect(bad.json.badRequest.message).to.equal(
        "Invalid input received: Unrecognized value 'maybe', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'",
      );
    });

    it('filters by host for admins and ignores it for others', async () => {
      expect(await ids('?all_tenants=1&host=compute-1')).to.deep.equal([mine]);
      expect(await ids('?host=compute-2', f.member)).to.deep.equal([mine]);
    });

    it('filters by name (a regular expression) and status', async () => {
      expect(await ids('?all_tenants=1&name=^db')).to.deep.equal([theirs]);
      f.nova.model.serverRecord(theirs)!.vmState = 'stopped';
      expect(await ids('?all_tenants=1&status=SHUTOFF')).to.deep.equal([theirs]);
      expect(await ids('?all_tenants=1&status=active')).to.deep.equal([mine]);
      expect(await ids('?all_tenants=1&status=ACTIVE&status=SHUTOFF')).to.deep.equal([theirs, mine]);
    });

    it('rejects an unknown status from 2.38 and returns nothing before', async () => {
      expect(await ids('?all_tenants=1&status=FROBNICATED', undefined, '2.37')).to.deep.equal([]);
      const r = await f.call('GET', '/v2.1/servers/detail?all_tenants=1&status=FROBNICATED', { version: '2.38' });
      expect(r.status).to.equal(400);
      expect(r.json.badRequest.message).to.equal('Invalid status value');
    });

    it('refuses unknown query keys from 2.75 and ignores them before', async () => {
      expect(await ids('?all_tenants=1&frob=1', undefined, '2.74')).to.have.length(2);
      const r = await f.call('GET', '/v2.1/servers?frob=1', { version: '2.75' });
      expect(r.status).to.equal(400);
      expect(r.json).to.deep.equal({ badRequest: { code: 400, message: "'frob' does not match any of the regexes: '^_'" } });
    });

    it('validates query values', async () => {
      const r = await f.call('GET', '/v2.1/servers?limit=abc');
      expect(r.json.badRequest.message).to.equal("Invalid input for query parameters limit. Value: abc. 'abc' does not match '^[0-9]*$'");
      const sort = await f.call('GET', '/v2.1/servers?sort_key=frob');
      expect(sort.status).to.equal(400);
      expect(sort.json.badRequest.message).to.match(/^Invalid input for query parameters sort_key\. Value: frob\. 'frob' is not one of \['access_ip_v4'/);
      const joined = await f.call('GET', '/v2.1/servers?all_tenants=1&metadata=x');
      expect(joined.json.badRequest.message).to.equal('Invalid filter field: metadata.');
    });

    it('pages with limit and marker and links the next page', async () => {
      const third = f.nova.model.addServer({ name: 'web-2', host: 'compute-1', projectId: PROJECT, userId: 'u1' }).id;
      const r = await f.call('GET', '/v2.1/servers?all_tenants=1&limit=2');
      expect(r.json.servers.map((s: { id: string }) => s.id)).to.deep.equal([third, theirs]);
      expect(r.json.servers_links[0].rel).to.equal('next');
      const next = new URL(r.json.servers_links[0].href);
      expect(next.searchParams.get('marker')).to.equal(theirs);
      const page2 = await f.call('GET', `/v2.1/servers?all_tenants=1&limit=2&marker=${theirs}`);
      expect(page2.json.servers.map((s: { id: string }) => s.id)).to.deep.equal([mine]);
      expect(page2.json).to.not.have.property('servers_links');
      const bad = await f.call('GET', '/v2.1/servers?marker=nope');
      expect(bad.json.badRequest.message).to.equal('marker [nope] not found');
    });

    it('gives id, name and links in the plain list', async () => {
      const r = await f.call('GET', '/v2.1/servers', { token: f.member });
      expect(r.json.servers).to.have.length(1);
      expect(keys(r.json.servers[0])).to.deep.equal(['id', 'links', 'name']);
    });
  });
});
