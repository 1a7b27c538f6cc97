// POST /v3/auth/tokens, minus HTTP: keystone's AuthInfo validation, scope
// normalisation, the password / token / application_credential plugins, and the
// role check, in keystone's order (keystone/auth/core.py, auth/plugins/*.py,
// api/_shared/authentication.py). Throws KeystoneError; returns who the token is for.
import type { TokenInfo, TokenStore } from '../common.ts';
import type { ApplicationCredential, Directory, Domain, Project, Role, User } from './directory.ts';
import { appCredAuthError, methodNotSupported, notFound, unauthorized, validationError } from './errors.ts';
import { validateIssueTokenAuth } from './token-schema.ts';

/** The auth methods this fake implements (AuthMethodNotSupported lists them). */
export const SUPPORTED_METHODS = ['password', 'token', 'application_credential'] as const;

export interface AuthOutcome {
  user: User;
  methods: string[];
  project?: Project;
  roles: Role[];
  appCred?: ApplicationCredential;
  /** A re-scoped token keeps the expiry of the token it came from. */
  expiresAt?: number;
  /** audit_ids[1] of a re-scoped token. */
  parentAuditId?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const has = (o: Obj, k: string): boolean => Object.hasOwn(o, k);
/** Python truthiness of a JSON value, as in `if not user_id`. */
const truthy = (v: unknown): boolean =>
  !(v === undefined || v === null || v === false || v === 0 || v === '' || (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0));
/** Python's `dict.get(k)` on something that may not be a dict: a TypeError/AttributeError upstream, a 500. */
function field(o: unknown, k: string): unknown {
  if (!isObj(o)) throw new TypeError(`'${o === null ? 'NoneType' : typeof o}' object has no attribute 'get'`);
  return o[k];
}

export interface AuthDeps {
  dir: Directory;
  tokens: TokenStore;
  now: () => number;
}

export function authenticate(auth: unknown, deps: AuthDeps): AuthOutcome {
  validateIssueTokenAuth(auth);
  if (!truthy(auth)) throw validationError('auth', 'request body');
  const body = auth as Obj;
  const identity = body.identity as Obj;

  // Duplicates are dropped, order kept (AuthInfo.get_method_names).
  const methods = [...new Set(identity.methods as string[])];
  for (const m of methods) if (!has(identity, m)) throw validationError(m, 'identity');
  for (const m of methods) if (!(SUPPORTED_METHODS as readonly string[]).includes(m)) throw methodNotSupported(SUPPORTED_METHODS);

  // Scope first: keystone resolves it before running any auth plugin.
  const { dir } = deps;
  let project: Project | undefined;
  let appCred: ApplicationCredential | undefined;
  let unscoped = false;
  // 'system' and 'domain' scopes resolve, but no user here holds system or domain roles: 401 after the plugins.
  let roleless = false;
  if (methods.includes('application_credential')) {
    if (has(body, 'scope')) throw appCredAuthError('Application credentials cannot request a scope.');
    appCred = lookupAppCred(identity.application_credential, dir);
  } else if (has(body, 'scope')) {
    const scope = body.scope;
    const kinds = ['project', 'domain', 'unscoped', 'system', 'OS-TRUST:trust'];
    // A string scope is tested with Python's `in`, i.e. as a substring.
    const present = kinds.filter((k) => (typeof scope === 'string' ? scope.includes(k) : has(scope as Obj, k)));
    if (present.length !== 1) throw validationError('system, project, domain, OS-TRUST:trust or unscoped', 'scope');
    const kind = present[0];
    if (kind === 'unscoped') unscoped = true;
    else if (kind === 'project') project = lookupProject(field(scope, 'project'), dir);
    else if (kind === 'domain') lookupDomain(field(scope, 'domain'), dir);
    else if (kind === 'OS-TRUST:trust') {
      if (!truthy(field(field(scope, 'OS-TRUST:trust'), 'id'))) throw validationError('trust_id', 'trust');
      // No trusts exist here; TrustNotFound becomes a 401 in authenticate_for_token().
      throw unauthorized();
    }
    if (kind === 'system' || kind === 'domain') roleless = true;
  }

  let user: User | undefined;
  let expiresAt: number | undefined;
  let parentAuditId: string | undefined;
  const allMethods = [...methods];
  for (const m of methods) {
    let who: User;
    if (m === 'password') who = passwordPlugin(identity.password, dir);
    else if (m === 'token') {
      const found = tokenPlugin(identity.token, deps);
      who = found.user;
      expiresAt = found.info.expiresAt;
      parentAuditId = found.info.auditId;
      for (const tm of found.info.methods) if (!allMethods.includes(tm)) allMethods.push(tm);
    } else who = appCredPlugin(identity.application_credential, appCred as ApplicationCredential, deps);
    // AuthContext refuses conflicting user ids across methods.
    if (user && user.id !== who.id) throw unauthorized();
    user = who;
  }
  if (!user || roleless) throw unauthorized();

  if (appCred) {
    const credProject = dir.projects.get(appCred.projectId);
    if (!credProject || !credProject.enabled) throw unauthorized();
    const held = new Set(dir.effectiveRoles(user.id, credProject.id).map((r) => r.id));
    const roles = appCred.roleIds.filter((id) => held.has(id)).map((id) => dir.roles.get(id) as Role);
    if (roles.length === 0) throw unauthorized();
    return { user, methods: allMethods, project: credProject, roles, appCred, ...extra(expiresAt, parentAuditId) };
  }
  if (!project && !unscoped && user.defaultProjectId) {
    // No scope asked: keystone falls back to the default project, silently unscoped without a role there.
    const fallback = dir.projects.get(user.defaultProjectId);
    if (fallback?.enabled && dir.effectiveRoles(user.id, fallback.id).length) project = fallback;
  }
  if (project) {
    const roles = dir.effectiveRoles(user.id, project.id);
    if (roles.length === 0) throw unauthorized();
    return { user, methods: allMethods, project, roles, ...extra(expiresAt, parentAuditId) };
  }
  return { user, methods: allMethods, roles: [], ...extra(expiresAt, parentAuditId) };
}

function extra(expiresAt: number | undefined, parentAuditId: string | undefined): Partial<AuthOutcome> {
  return { ...(expiresAt !== undefined ? { expiresAt } : {}), ...(parentAuditId ? { parentAuditId } : {}) };
}

function lookupDomain(info: unknown, dir: Directory): Domain {
  const id = field(info, 'id');
  const name = field(info, 'name');
  if (!truthy(id) && !truthy(name)) throw validationError('id or name', 'domain');
  const domain = truthy(name) ? dir.domainByName(String(name)) : dir.domainById(String(id));
  if (!domain || !domain.enabled) throw unauthorized();
  return domain;
}

function lookupProject(info: unknown, dir: Directory): Project {
  const id = field(info, 'id');
  const name = field(info, 'name');
  let project: Project | undefined;
  if (truthy(name)) {
    if (!has(info as Obj, 'domain')) throw validationError('domain', 'project');
    const domain = lookupDomain((info as Obj).domain, dir);
    project = dir.projectByName(String(name), domain.id);
  } else {
    project = dir.projects.get(String(id));
    if (project && !dir.domainById(project.domainId)?.enabled) throw unauthorized();
  }
  if (!project || !project.enabled) throw unauthorized();
  return project;
}

function lookupAppCred(info: unknown, dir: Directory): ApplicationCredential {
  const id = field(info, 'id');
  if (truthy(id)) {
    const cred = dir.appCreds.get(String(id));
    // get_application_credential() raises NotFound, which nothing turns into a 401.
    if (!cred) throw notFound(`Could not find Application Credential: ${String(id)}.`);
    return cred;
  }
  const name = field(info, 'name');
  if (!truthy(name)) throw validationError('name or ID', 'application credential');
  const userInfo = field(info, 'user');
  if (!truthy(userInfo)) throw validationError('user', 'application credential');
  let userId = field(userInfo, 'id');
  if (!truthy(userId)) {
    if (!has(userInfo as Obj, 'domain')) throw validationError('domain', 'user');
    const domain = lookupDomain((userInfo as Obj).domain, dir);
    const user = dir.userByName(String(field(userInfo, 'name')), domain.id);
    if (!user) throw notFound(`Could not find user: ${String(field(userInfo, 'name'))}.`);
    userId = user.id;
  }
  const matches = [...dir.appCreds.values()].filter((c) => c.userId === userId && c.name === name);
  if (matches.length !== 1) throw unauthorized();
  return matches[0] as ApplicationCredential;
}

/** BaseUserInfo._validate_and_normalize_auth_data(): finds the user named in a method payload. */
function lookupUser(payload: unknown, dir: Directory): User {
  // METHOD_NAME is only set after this validation runs upstream, hence "in None".
  if (!has(payload as Obj, 'user')) throw validationError('user', null);
  const info = (payload as Obj).user;
  const id = field(info, 'id');
  const name = field(info, 'name');
  if (!truthy(id) && !truthy(name)) throw validationError('id or name', 'user');
  let user: User | undefined;
  if (truthy(name)) {
    if (!has(info as Obj, 'domain')) throw validationError('domain', 'user');
    const domain = lookupDomain((info as Obj).domain, dir);
    user = dir.userByName(String(name), domain.id);
  } else {
    user = dir.users.get(String(id));
    if (user && !dir.domainById(user.domainId)?.enabled) throw unauthorized();
  }
  if (!user || !user.enabled) throw unauthorized();
  return user;
}

function passwordPlugin(payload: unknown, dir: Directory): User {
  if (!isObj(payload)) throw new TypeError("argument of type 'NoneType' is not iterable");
  const user = lookupUser(payload, dir);
  const password = (payload.user as Obj).password;
  if (typeof password !== 'string' || password !== user.password) throw unauthorized();
  return user;
}

function tokenPlugin(payload: unknown, deps: AuthDeps): { user: User; info: TokenInfo } {
  const id = String(field(payload, 'id'));
  const found = deps.tokens.lookup(id);
  if (found.status === 'unknown') throw notFound(`Could not find token: ${id}.`);
  if (found.status === 'expired') throw notFound('Failed to validate token');
  const user = deps.dir.users.get(found.info.userId);
  if (!user || !user.enabled) throw notFound('Failed to validate token');
  return { user, info: found.info };
}

function appCredPlugin(payload: unknown, cred: ApplicationCredential, deps: AuthDeps): User {
  const user = deps.dir.users.get(cred.userId);
  if (!user || !user.enabled || !deps.dir.domainById(user.domainId)?.enabled) throw unauthorized();
  if (field(payload, 'secret') !== cred.secret) throw unauthorized();
  if (cred.expiresAt !== undefined && cred.expiresAt <= deps.now()) throw unauthorized();
  return user;
}
