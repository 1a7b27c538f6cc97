// A FakeGnocchi served on 127.0.0.1 per test, with an admin and a member token.
import { expect } from 'chai';
import { TokenStore } from '../../src/fakes/common.ts';
import { FakeGnocchi } from '../../src/fakes/gnocchi.ts';
import { SEED_PROJECTS, SEED_ROLES, SEED_USERS } from '../../src/fakes/keystone.ts';
import { call, ManualClock, serve, type Reply, type Served } from './service-harness.ts';

export type Json = Record<string, any>;

export const IDENTITY = 'http://keystone.test/identity';
/** Gnocchi's namespace for uuid5 resource ids. */
export const NAMESPACE = '0a7a15ff-aa13-4ac2-897c-9bdf30ce175b';
/** The generic resource of gabbi's batch-measures tests. */
export const RID = '46c9418d-d63b-4cdd-be89-8f57ffc5952e';
/** Gnocchi's creator for the admin token: "<user_id>:<project_id>". */
export const ADMIN_CREATOR = `${SEED_USERS.vmha.id}:${SEED_PROJECTS.service.id}`;

/** Asserts Gnocchi's error body. */
export function error(r: Reply, status: number, description: unknown): void {
  expect(r.status, r.text).to.equal(status);
  expect(r.json).to.deep.equal({ code: status, description, title: r.json?.title });
  expect(r.json.title).to.be.a('string');
}

/** The detailed 400 description of a measures validation error. */
export const invalid = (reason: string, detail: string[]): Json => ({ cause: 'Invalid input', reason, detail });

export interface GnocchiFixture {
  clock: ManualClock;
  tokens: TokenStore;
  gnocchi: FakeGnocchi;
  srv: Served;
  /** .../metric/v1 */
  v1: string;
  /** vmha, admin on project service. */
  admin: string;
  /** demo, member of project demo. */
  demo: string;
  post(path: string, body: unknown, token?: string, opts?: Json): Promise<Reply>;
  /** POST /v1/batch/resources/metrics/measures<query> */
  batch(body: unknown, query?: string, token?: string): Promise<Reply>;
  /** Creates a generic resource (201 expected) with the given metrics. */
  generic(id: string, metrics?: Json, token?: string): Promise<Json>;
}

export function gnocchiFixture(): GnocchiFixture {
  const f = {} as GnocchiFixture;
  beforeEach(async () => {
    f.clock = new ManualClock();
    f.tokens = new TokenStore(f.clock);
    f.gnocchi = new FakeGnocchi({ clock: f.clock, tokens: f.tokens, identityUrl: () => IDENTITY });
    f.srv = await serve('/metric', f.gnocchi.router());
    f.v1 = `${f.srv.base}/v1`;
    const issue = (user: { id: string; name: string }, project: { id: string; name: string }, roles: { id: string; name: string }[]): string =>
      f.tokens.issue(
        { userId: user.id, userName: user.name, userDomainId: 'default', projectId: project.id, projectName: project.name, projectDomainId: 'default', roles, methods: ['password'] },
        3600,
      ).id;
    f.admin = issue(SEED_USERS.vmha, SEED_PROJECTS.service, [SEED_ROLES.admin, SEED_ROLES.member]);
    f.demo = issue(SEED_USERS.demo, SEED_PROJECTS.demo, [SEED_ROLES.member]);
    f.post = (path, body, token = f.admin, opts = {}) => call(`${f.v1}${path}`, { token, body, ...opts });
    f.batch = (body, query = '', token = f.admin) => f.post(`/batch/resources/metrics/measures${query}`, body, token);
    f.generic = async (id, metrics = {}, token = f.admin) => {
      const r = await f.post('/resource/generic', { id, metrics }, token);
      expect(r.status, r.text).to.equal(201);
      return r.json;
    };
  });
  afterEach(() => f.srv.close());
  return f;
}
