// A FakeKeystone served on 127.0.0.1 per test, with login helpers.
import { expect } from 'chai';
import { TokenStore } from '../../src/fakes/common.ts';
import { FakeKeystone, type CatalogEntry } from '../../src/fakes/keystone.ts';
import { call, ManualClock, sample, serve, type Served } from './service-harness.ts';

export type Json = Record<string, any>;

export const SAMPLE_RESPONSE = sample<{ token: Json }>('keystone/project-scoped-password.json');
export const VALIDATION_TAIL =
  ' The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.';
/** keystone's own 401 body (Flask's jsonify sorts the keys). */
export const UNAUTH = { error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' } };

export const password = (user: Json, scope?: Json): Json => ({
  auth: { identity: { methods: ['password'], password: { user } }, ...(scope ? { scope } : {}) },
});
export const vmhaLogin = (): Json =>
  password({ name: 'vmha', domain: { name: 'Default' }, password: 'vmha-secret' }, { project: { name: 'service', domain: { id: 'default' } } });

export interface KeystoneFixture {
  clock: ManualClock;
  tokens: TokenStore;
  keystone: FakeKeystone;
  srv: Served;
  tokensUrl: string;
  /** The catalog the fake serves: the one of the upstream sample. */
  catalog: CatalogEntry[];
  login(body?: Json): Promise<{ id: string; token: Json }>;
}

/** Registers beforeEach/afterEach hooks; the returned object is filled in before each test. */
export function keystoneFixture(): KeystoneFixture {
  const f = { catalog: SAMPLE_RESPONSE.token.catalog as CatalogEntry[] } as KeystoneFixture;
  beforeEach(async () => {
    f.clock = new ManualClock();
    f.tokens = new TokenStore(f.clock);
    f.keystone = new FakeKeystone({ clock: f.clock, tokens: f.tokens, tokenTtlSeconds: 3600, catalog: () => f.catalog });
    f.srv = await serve('/identity', f.keystone.router());
    f.tokensUrl = `${f.srv.base}/v3/auth/tokens`;
    f.login = async (body = vmhaLogin()) => {
      const r = await call(f.tokensUrl, { body });
      expect(r.status, r.text).to.equal(201);
      return { id: r.headers.get('x-subject-token') as string, token: r.json.token };
    };
  });
  afterEach(() => f.srv.close());
  return f;
}
