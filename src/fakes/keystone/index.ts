// A contract-faithful fake of Keystone's v3 token API, mounted at /identity.
// Behaviour follows ../shared/openstack/CONTRACTS.md ("Keystone") and upstream
// keystone where the contract is silent. Seed data: see ./seed.ts.
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { Clock } from '../../domain/clock.ts';
import { isAdmin, requestId, type TokenInfo, type TokenStore } from '../common.ts';
import { bodyBytes, mimeType, parseJson, queryParams, rawBody, serviceBase, utf8 } from '../http-body.ts';
import { authenticate, type AuthOutcome } from './authenticate.ts';
import { Directory, type ApplicationCredential } from './directory.ts';
import { errorBody, forbiddenAction, KeystoneError, notFound, unauthorized, unexpected, validationError } from './errors.ts';
import { renderToken, type CatalogEntry } from './render.ts';

export type { CatalogEntry } from './render.ts';
export { DEFAULT_DOMAIN, SEED_PROJECTS, SEED_ROLES, SEED_USERS } from './seed.ts';

/** keystone's [oslo_middleware] max_request_body_size default. */
const MAX_BODY_BYTES = 114688;

export interface FakeKeystoneOptions {
  clock: Clock;
  tokens: TokenStore;
  tokenTtlSeconds: number;
  catalog: () => CatalogEntry[];
}

export class FakeKeystone {
  /** The identity data (seeded); tests may inspect or change it directly. */
  readonly directory = new Directory();
  /** Successful POST /v3/auth/tokens calls (tokens.issued also counts tokens minted elsewhere). */
  authentications = 0;
  /** audit_ids[1] of re-scoped tokens, by token id. */
  private readonly parentAudit = new Map<string, string>();

  constructor(private readonly opts: FakeKeystoneOptions) {}

  /** Adds a user (default domain unless given); returns its id. */
  addUser(opts: { name: string; password: string; domainId?: string; id?: string; enabled?: boolean; defaultProjectId?: string }): { id: string } {
    return { id: this.directory.addUser(opts).id };
  }

  /** Adds a project (default domain unless given); returns its id. */
  addProject(opts: { name: string; domainId?: string; id?: string; enabled?: boolean }): { id: string } {
    return { id: this.directory.addProject(opts).id };
  }

  /** Grants a role on a project; each argument is an id or a name (default domain). */
  grant(user: string, project: string, role: string): void {
    const u = this.mustUser(user);
    const p = this.directory.resolveProject(project);
    const r = this.directory.resolveRole(role);
    if (!p) throw new Error(`FakeKeystone.grant: no project ${project}`);
    if (!r) throw new Error(`FakeKeystone.grant: no role ${role}`);
    this.directory.grant(u.id, p.id, r.id);
  }

  /**
   * Creates an application credential. User and project are given by id or by name
   * (default domain); roles (ids or names) default to the user's roles on the project.
   */
  addApplicationCredential(opts: {
    userId?: string;
    userName?: string;
    name: string;
    secret: string;
    projectId?: string;
    projectName?: string;
    roles?: string[];
    unrestricted?: boolean;
    expiresAt?: number;
    id?: string;
  }): { id: string } {
    const user = this.mustUser(opts.userId ?? opts.userName ?? '');
    const projectRef = opts.projectId ?? opts.projectName ?? '';
    const project = this.directory.resolveProject(projectRef);
    if (!project) throw new Error(`FakeKeystone.addApplicationCredential: no project ${projectRef}`);
    const roleIds = opts.roles
      ? opts.roles.map((ref) => {
          const r = this.directory.resolveRole(ref);
          if (!r) throw new Error(`FakeKeystone.addApplicationCredential: no role ${ref}`);
          return r.id;
        })
      : this.directory.effectiveRoles(user.id, project.id).map((r) => r.id);
    const cred: Omit<ApplicationCredential, 'id'> & { id?: string } = {
      name: opts.name,
      userId: user.id,
      projectId: project.id,
      secret: opts.secret,
      roleIds,
      unrestricted: opts.unrestricted ?? false,
      ...(opts.expiresAt !== undefined ? { expiresAt: opts.expiresAt } : {}),
      ...(opts.id ? { id: opts.id } : {}),
    };
    return { id: this.directory.addApplicationCredential(cred).id };
  }

  /** Changes a user's password (user id or name in the default domain). */
  setPassword(user: string, password: string): void {
    this.mustUser(user).password = password;
  }

  private mustUser(ref: string) {
    const u = this.directory.resolveUser(ref);
    if (!u) throw new Error(`FakeKeystone: no user ${ref}`);
    return u;
  }

  router(): express.Router {
    const r = express.Router();
    r.use(requestId());
    r.use(rawBody(MAX_BODY_BYTES));
    r.use((req, res, next) => this.jsonBody(req, res, next));
    r.get('/', (req, res) => {
      res.status(300).json({ versions: { values: [this.versionDoc(req)] } });
    });
    r.get(['/v3', '/v3/'], (req, res) => {
      res.json({ version: this.versionDoc(req) });
    });
    r.route('/v3/auth/tokens')
      .post((req, res) => this.issue(req, res))
      .get((req, res) => this.validate(req, res))
      .delete((req, res) => this.revoke(req, res))
      .all((_req, res) => {
        this.fail(res, new KeystoneError(405, 'Method Not Allowed', 'The method is not allowed for the requested URL.'));
      });
    r.use((_req, res) => this.fail(res, new KeystoneError(404, 'Not Found', 'The resource could not be found.')));
    r.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      if (err instanceof KeystoneError) return this.fail(res, err);
      const status = (err as { status?: number })?.status;
      if (status === 413) return this.fail(res, new KeystoneError(413, 'Request Entity Too Large', 'Request is too large.'));
      if (typeof status === 'number' && status >= 400 && status < 500) return this.fail(res, validationError('valid JSON', 'request body'));
      this.fail(res, unexpected());
    });
    return r;
  }

  /** keystone's json_body_before_request: a body must be JSON (or untyped) and decode to an object. */
  private jsonBody(req: Request, res: Response, next: NextFunction): void {
    const bytes = bodyBytes(req);
    if (bytes.length === 0) return next();
    const mime = mimeType(req);
    const isJson = mime === 'application/json' || (mime.startsWith('application/') && mime.endsWith('+json'));
    if (!isJson && (req.header('content-type') ?? '') !== '') return this.fail(res, validationError('application/json', 'Content-Type header'));
    const text = utf8(bytes);
    const parsed = text === undefined ? undefined : parseJson(text);
    if (!parsed?.ok || typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) {
      return this.fail(res, validationError('valid JSON', 'request body'));
    }
    res.locals.json = parsed.value;
    next();
  }

  private issue(req: Request, res: Response): void {
    const body = (res.locals.json ?? {}) as Record<string, unknown>;
    const { clock, tokens } = this.opts;
    const outcome = authenticate(body.auth, { dir: this.directory, tokens, now: () => clock.now() });
    const { id, info } = tokens.issue(this.tokenFields(outcome), this.opts.tokenTtlSeconds);
    // A re-scoped token keeps the original expiry, so re-scoping never extends a session.
    if (outcome.expiresAt !== undefined) info.expiresAt = Math.min(info.expiresAt, outcome.expiresAt);
    if (outcome.parentAuditId) this.parentAudit.set(id, outcome.parentAuditId);
    this.authentications += 1;
    res.status(201).setHeader('X-Subject-Token', id);
    res.setHeader('Vary', 'X-Auth-Token');
    res.json(this.render(id, info, req));
  }

  private tokenFields(o: AuthOutcome): Omit<TokenInfo, 'issuedAt' | 'expiresAt' | 'auditId'> {
    return {
      userId: o.user.id,
      userName: o.user.name,
      userDomainId: o.user.domainId,
      ...(o.project ? { projectId: o.project.id, projectName: o.project.name, projectDomainId: o.project.domainId } : {}),
      roles: o.roles.map((r) => ({ id: r.id, name: r.name })),
      methods: o.methods,
      ...(o.appCred ? { applicationCredential: { id: o.appCred.id, name: o.appCred.name, restricted: !o.appCred.unrestricted } } : {}),
    };
  }

  private render(id: string, info: TokenInfo, req: Request) {
    const withCatalog = info.projectId !== undefined && !queryParams(req).has('nocatalog');
    const parentAuditId = this.parentAudit.get(id);
    return renderToken(info, {
      dir: this.directory,
      ...(withCatalog ? { catalog: this.opts.catalog() } : {}),
      ...(parentAuditId ? { parentAuditId } : {}),
    });
  }

  /** Caller authentication, subject lookup, then policy (admin or the token's own user), as keystone orders them. */
  private subject(req: Request, action: string): { id: string; info: TokenInfo } {
    const caller = this.opts.tokens.lookup(req.header('x-auth-token'));
    if (caller.status !== 'valid') throw unauthorized();
    const subjectId = req.header('x-subject-token');
    if (!subjectId) throw notFound('No token in the request');
    const subject = this.opts.tokens.lookup(subjectId);
    if (subject.status === 'unknown') throw notFound(`Could not find token: ${subjectId}.`);
    const allowExpired = ['1', 'true', 'yes', 'on', 't', 'y'].includes((queryParams(req).get('allow_expired') ?? '').toLowerCase());
    if (subject.status === 'expired' && !allowExpired) throw notFound('Failed to validate token');
    if (!isAdmin(caller.info) && caller.info.userId !== subject.info.userId) throw forbiddenAction(action);
    return { id: subjectId, info: subject.info };
  }

  private validate(req: Request, res: Response): void {
    const { id, info } = this.subject(req, 'identity:validate_token');
    res.setHeader('X-Subject-Token', id);
    res.setHeader('Vary', 'X-Auth-Token');
    res.json(this.render(id, info, req));
  }

  private revoke(req: Request, res: Response): void {
    const { id } = this.subject(req, 'identity:revoke_token');
    this.opts.tokens.revoke(id);
    res.status(204).end();
  }

  private versionDoc(req: Request) {
    return {
      id: 'v3.14',
      status: 'stable',
      updated: '2020-04-07T00:00:00Z',
      links: [{ rel: 'self', href: `${serviceBase(req)}/v3/` }],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
    };
  }

  private fail(res: Response, err: KeystoneError): void {
    if (res.headersSent) return;
    if (err.status === 401) res.setHeader('WWW-Authenticate', `Keystone uri="${serviceBase(res.req)}"`);
    res.status(err.status).json(errorBody(err));
  }
}
