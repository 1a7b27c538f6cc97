// GET /servers/{id}/os-instance-actions on the fake Nova: the record of what
// was asked of a server, as vmha reads it back after a crash.
import { expect } from 'chai';
import { PROJECT, startNova, type NovaFixture } from './nova-fixture.ts';

describe('fake nova: os-instance-actions', () => {
  let f: NovaFixture;
  let id: string;
  const requestIds: string[] = [];

  beforeEach(async () => {
    f = await startNova();
    f.nova.model.addHost('compute-1');
    f.nova.model.addHost('compute-2');
    id = f.nova.model.addServer({ name: 'pet', host: 'compute-1', projectId: PROJECT, userId: 'u1' }).id;
    requestIds.length = 0;
    const reboot = await f.call('POST', `/v2.1/servers/${id}/action`, { body: { reboot: { type: 'HARD' } }, token: f.member });
    requestIds.push(reboot.headers.get('x-openstack-request-id')!);
    await f.advance();
    const lm = await f.call('POST', `/v2.1/servers/${id}/action`, { body: { 'os-migrateLive': { block_migration: 'auto', host: null } }, version: '2.68' });
    requestIds.push(lm.headers.get('x-openstack-request-id')!);
  });
  afterEach(() => f.close());

  it('lists the accepted actions newest first, with the requester', async () => {
    const r = await f.call('GET', `/v2.1/servers/${id}/os-instance-actions`, { token: f.member });
    expect(r.status).to.equal(200);
    expect(r.json.instanceActions.map((a: { action: string; request_id: string }) => [a.action, a.request_id])).to.deep.equal([
      ['live-migration', requestIds[1]],
      ['reboot', requestIds[0]],
    ]);
    expect(Object.keys(r.json.instanceActions[1]).sort()).to.deep.equal(
      ['action', 'instance_uuid', 'message', 'project_id', 'request_id', 'start_time', 'user_id'].sort(),
    );
    expect(r.json.instanceActions[1]).to.include({ instance_uuid: id, project_id: PROJECT, user_id: `user-${PROJECT}`, message: null });
  });

  it('adds updated_at and paging from 2.58', async () => {
    const r = await f.call('GET', `/v2.1/servers/${id}/os-instance-actions?limit=1`, { version: '2.58' });
    expect(r.json.instanceActions).to.have.length(1);
    expect(r.json.instanceActions[0]).to.have.property('updated_at');
    expect(new URL(r.json.links[0].href).searchParams.get('marker')).to.equal(requestIds[1]);
    const rest = await f.call('GET', `/v2.1/servers/${id}/os-instance-actions?marker=${requestIds[1]!}`, { version: '2.58' });
    expect(rest.json.instanceActions.map((a: { action: string }) => a.action)).to.deep.equal(['reboot']);
    const bad = await f.call('GET', `/v2.1/servers/${id}/os-instance-actions?frob=1`, { version: '2.58' });
    expect(bad.json).to.deep.equal({ badRequest: { code: 400, message: "Additional properties are not allowed ('frob' was unexpected)" } });
  });

  it('shows one action and hides other projects', async () => {
    const one = await f.call('GET', `/v2.1/servers/${id}/os-instance-actions/${requestIds[0]!}`);
    expect(one.json.instanceAction).to.include({ action: 'reboot', request_id: requestIds[0] });
    const missing = await f.call('GET', `/v2.1/servers/${id}/os-instance-actions/req-nope`);
    expect(missing.json).to.deep.equal({ itemNotFound: { code: 404, message: `Action for request_id req-nope on instance ${id} not found` } });
    const hidden = await f.call('GET', `/v2.1/servers/${id}/os-instance-actions`, { token: f.other });
    expect(hidden.status).to.equal(404);
  });
});
