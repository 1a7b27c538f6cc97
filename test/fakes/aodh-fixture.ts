// A FakeAodh served on 127.0.0.1 per test, with tokens for an admin and two members.
import { expect } from 'chai';
import { TokenStore } from '../../src/fakes/common.ts';
import { FakeAodh } from '../../src/fakes/aodh.ts';
import { SEED_PROJECTS, SEED_ROLES, SEED_USERS } from '../../src/fakes/keystone.ts';
import { call, ManualClock, sample, serve, type Reply, type Served } from './service-harness.ts';

export type Json = Record<string, any>;

export const IDENTITY = 'http://keystone.test/identity';

/** A gnocchi_resources_threshold alarm built on the upstream rule sample. */
export const resourcesAlarm = (extra: Json = {}, rule: Json = {}): Json => ({
  name: 'ping',
  type: 'gnocchi_resources_threshold',
  gnocchi_resources_threshold_rule: { ...sample<Json>('aodh/alarm-rule_gnocchi_resources_threshold.json'), ...rule },
  ...extra,
});

/** Asserts Aodh's WSME error body. */
export function fault(r: Reply, status: number, faultstring: string, faultcode = 'Client'): void {
  expect(r.status, r.text).to.equal(status);
  expect(r.json).to.deep.equal({ error_message: { faultcode, faultstring, debuginfo: null } });
}

type Ref = { id: string; name: string };

export interface AodhFixture {
  clock: ManualClock;
  tokens: TokenStore;
  aodh: FakeAodh;
  srv: Served;
  /** .../alarming/v2/alarms */
  alarms: string;
  /** vmha, admin on project service. */
  admin: string;
  /** demo, member of project demo. */
  demo: string;
  /** a member of another project. */
  otherMember: string;
  issue(user: Ref, project: Ref, roles: Ref[]): string;
  post(body: unknown, token?: string, opts?: Json): Promise<Reply>;
  /** POSTs and expects 201; returns the alarm. */
  created(body: unknown, token?: string): Promise<Json>;
}

export function aodhFixture(): AodhFixture {
  const f = {} as AodhFixture;
  beforeEach(async () => {
    f.clock = new ManualClock();
    f.tokens = new TokenStore(f.clock);
    f.aodh = new FakeAodh({ clock: f.clock, tokens: f.tokens, identityUrl: () => IDENTITY });
    f.srv = await serve('/alarming', f.aodh.router());
    f.alarms = `${f.srv.base}/v2/alarms`;
    f.issue = (user, project, roles) =>
      f.tokens.issue(
        { userId: user.id, userName: user.name, userDomainId: 'default', projectId: project.id, projectName: project.name, projectDomainId: 'default', roles, methods: ['password'] },
        3600,
      ).id;
    f.admin = f.issue(SEED_USERS.vmha, SEED_PROJECTS.service, [SEED_ROLES.admin, SEED_ROLES.member]);
    f.demo = f.issue(SEED_USERS.demo, SEED_PROJECTS.demo, [SEED_ROLES.member]);
    f.otherMember = f.issue({ id: 'u-other', name: 'other' }, { id: 'p-other', name: 'other' }, [SEED_ROLES.member]);
    f.post = (body, token = f.admin, opts = {}) => call(f.alarms, { token, body, ...opts });
    f.created = async (body, token = f.admin) => {
      const r = await f.post(body, token);
      expect(r.status, r.text).to.equal(201);
      return r.json;
    };
  });
  afterEach(() => f.srv.close());
  return f;
}
