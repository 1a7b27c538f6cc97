// GET /os-migrations and /servers/{id}/migrations[/{mid}] on the fake Nova:
// shapes per microversion (samples), filters, paging, errors.
import { expect } from 'chai';
import { PROJECT, keys, sample, startNova, type NovaFixture } from './nova-fixture.ts';

describe('fake nova: migrations', () => {
  let f: NovaFixture;
  let a: string;
  let b: string;

  // The tests only read, so they share one cloud with three migrations in it.
  before(async () => {
    f = await startNova();
    for (const h of ['compute-1', 'compute-2', 'compute-3']) f.nova.model.addHost(h);
    a = f.nova.model.addServer({ name: 'a', host: 'compute-1', projectId: PROJECT, userId: 'u1' }).id;
    b = f.nova.model.addServer({ name: 'b', host: 'compute-2', projectId: PROJECT, userId: 'u2' }).id;
    // One finished live migration of a, one running (hung) live migration of b, one evacuation of a.
    const live = (id: string) => f.call('POST', `/v2.1/servers/${id}/action`, { body: { 'os-migrateLive': { block_migration: 'auto', host: null } }, version: '2.68' });
    expect((await live(a)).status).to.equal(202);
    await f.advance();
    expect(f.nova.model.migrations()[0]!.status).to.equal('completed');
    f.nova.model.failNext('live-migration', 'hang');
    expect((await live(b)).status).to.equal(202);
    await f.advance(200);
    expect(f.nova.model.migrations()[1]!.status).to.equal('running');
    const host = f.nova.model.getServer(a)!.host!;
    f.nova.model.setHostAlive(host, false);
    expect((await f.call('POST', `/v2.1/servers/${a}/action`, { body: { evacuate: {} }, version: '2.68' })).status).to.equal(200);
    await f.advance();
    expect(f.nova.model.migrations()[2]!.status).to.equal('done');
  });
  after(() => f.close());

  const get = async (query: string, version: string): Promise<Record<string, unknown>[]> => {
    const r = await f.call('GET', `/v2.1/os-migrations${query}`, { version });
    expect(r.status, r.text).to.equal(200);
    return r.json.migrations;
  };
  const sampleEntries = (file: string) => sample(file).migrations as Record<string, unknown>[];

  it('matches the 2.59 and 2.80 samples, with links only on the running live migration', async () => {
    for (const [file, version] of [['os-migrations_v2.59_migrations-get.json', '2.59'], ['os-migrations_v2.80_migrations-get.json', '2.80']]) {
      const [withoutLinks, withLinks] = [sampleEntries(file!)[0]!, sampleEntries(file!)[3]!];
      const got = await get('', version!);
      expect(got).to.have.length(3);
      for (const m of got) {
        const running = m.status === 'running';
        expect(keys(m), `${version} ${String(m.status)}`).to.deep.equal(keys(running ? withLinks : withoutLinks));
      }
      const running = got.find((m) => m.status === 'running')!;
      expect((running.links as { href: string }[])[0]!.href).to.equal(`${f.base}/v2.1/servers/${b}/migrations/${String(running.id)}`);
    }
  });

  it('adds migration_type from 2.23 and sorts newest first from 2.59', async () => {
    const old = await get('', '2.22');
    expect(old.map((m) => m.id)).to.deep.equal([1, 2, 3]);
    expect(old[0]).to.not.have.property('migration_type');
    expect(old[0]).to.not.have.property('uuid');
    expect((await get('', '2.23')).map((m) => m.migration_type)).to.deep.equal(['live-migration', 'live-migration', 'evacuation']);
    expect((await get('', '2.59')).map((m) => m.id)).to.deep.equal([3, 2, 1]);
  });

  it('filters', async () => {
    expect((await get(`?instance_uuid=${a}`, '2.80')).map((m) => m.id)).to.deep.equal([3, 1]);
    expect((await get('?migration_type=evacuation', '2.80')).map((m) => m.id)).to.deep.equal([3]);
    expect((await get('?status=running', '2.80')).map((m) => m.id)).to.deep.equal([2]);
    expect((await get('?source_compute=compute-2', '2.80')).map((m) => m.id)).to.deep.equal([2]);
    const dest = f.nova.model.migrations()[0]!.destCompute!;
    expect((await get(`?host=${dest}`, '2.80')).map((m) => m.id)).to.include(1);
    expect((await get('?user_id=u2', '2.80')).map((m) => m.id)).to.deep.equal([2]);
    expect((await get('?hidden=0', '2.80'))).to.have.length(3);
  });

  it('ignores unknown keys before 2.59 and refuses them from 2.59', async () => {
    expect(await get('?frob=1&user_id=nobody', '2.58')).to.have.length(3);
    const r = await f.call('GET', '/v2.1/os-migrations?frob=1', { version: '2.59' });
    expect(r.json).to.deep.equal({ badRequest: { code: 400, message: "Additional properties are not allowed ('frob' was unexpected)" } });
    const early = await f.call('GET', '/v2.1/os-migrations?user_id=u2', { version: '2.79' });
    expect(early.status).to.equal(400);
  });

  it('accepts changes-since and changes-before from their versions, checking the format', async () => {
    expect(await get('?changes-since=2020-01-01T00:00:00Z', '2.59')).to.have.length(3);
    expect(await get('?changes-before=2020-01-01T00:00:00Z', '2.66')).to.have.length(3);
    expect((await f.call('GET', '/v2.1/os-migrations?changes-before=2020-01-01', { version: '2.65' })).status).to.equal(400);
    const r = await f.call('GET', '/v2.1/os-migrations?changes-since=yesterday', { version: '2.59' });
    expect(r.json.badRequest.message).to.equal("Invalid input for query parameters changes-since. Value: yesterday. 'yesterday' is not a 'date-time'");
  });

  it('pages with limit and marker from 2.59', async () => {
    const r = await f.call('GET', '/v2.1/os-migrations?limit=2', { version: '2.59' });
    expect(r.json.migrations.map((m: { id: number }) => m.id)).to.deep.equal([3, 2]);
    const next = new URL(r.json.migrations_links[0].href);
    expect(next.searchParams.get('marker')).to.equal(r.json.migrations[1].uuid);
    expect((await get(`?limit=2&marker=${String(r.json.migrations[1].uuid)}`, '2.59')).map((m) => m.id)).to.deep.equal([1]);
    const bad = await f.call('GET', '/v2.1/os-migrations?marker=nope', { version: '2.59' });
    expect(bad.json.badRequest.message).to.equal('Marker nope could not be found.');
    const twice = await f.call('GET', '/v2.1/os-migrations?limit=1&limit=2', { version: '2.59' });
    expect(twice.json.badRequest.message).to.equal("Invalid input for query parameters limit. Value: ['1', '2']. ['1', '2'] is too long");
  });

  it('is admin-only', async () => {
    const r = await f.call('GET', '/v2.1/os-migrations', { token: f.member });
    expect(r.json).to.deep.equal({ forbidden: { code: 403, message: "Policy doesn't allow os_compute_api:os-migrations:index to be performed." } });
  });

  describe('under a server', () => {
    it('lists only in-progress live migrations', async () => {
      const ofA = await f.call('GET', `/v2.1/servers/${a}/migrations`, { version: '2.23' });
      expect(ofA.json).to.deep.equal({ migrations: [] });
      const ofB = await f.call('GET', `/v2.1/servers/${b}/migrations`, { version: '2.23' });
      expect(ofB.json.migrations.map((m: { id: number }) => m.id)).to.deep.equal([2]);
      expect(ofB.json.migrations[0]).to.not.have.property('uuid');
    });

    it('explains why a migration is not shown', async () => {
      const show = (server: string, mid: string) => f.call('GET', `/v2.1/servers/${server}/migrations/${mid}`, { version: '2.80' });
      const nf = (message: string) => ({ itemNotFound: { code: 404, message } });
      expect((await show(a, '1')).json).to.deep.equal(nf(`Live migration 1 for server ${a} is not in progress.`));
      expect((await show(a, '3')).json).to.deep.equal(nf(`Migration 3 for server ${a} is not live-migration.`));
      expect((await show(a, '2')).json).to.deep.equal(nf(`In-progress live migration 2 is not found for server ${a}.`));
      expect((await show(a, 'x')).json).to.deep.equal(nf(`In-progress live migration x is not found for server ${a}.`));
      expect((await show(b, '2')).json.migration).to.include({ id: 2, status: 'running', project_id: PROJECT, user_id: 'u2' });
    });

    it('is admin-only and absent before 2.23', async () => {
      const r = await f.call('GET', `/v2.1/servers/${b}/migrations`, { version: '2.23', token: f.member });
      expect(r.json).to.deep.equal({ forbidden: { code: 403, message: "Policy doesn't allow os_compute_api:servers:migrations:index to be performed." } });
      const old = await f.call('GET', `/v2.1/servers/${b}/migrations/2`, { version: '2.22' });
      expect(old.json).to.deep.equal({ itemNotFound: { code: 404, message: 'The resource could not be found.' } });
    });
  });
});
