// Keystone v3 session: one project-scoped token shared by every client, renewed
// before expires_at and once after a 401, with concurrent callers sharing one
// in-flight authentication; endpoints picked from the token's catalog.
import type { Credentials } from '../config/clouds.ts';
import type { Clock } from '../domain/clock.ts';
import type { Logger } from '../log.ts';
import { Invalid, NotFound, Unauthorized } from './errors.ts';
import type { HttpRequest, HttpResponse, HttpTransport } from './http.ts';

export interface CatalogEndpoint {
  id?: string;
  interface: string;
  region_id?: string | null;
  region?: string | null;
  url: string;
}

export interface CatalogService {
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}

export interface Token {
  id: string;
  /** When vmha received it (its clock), to size the renewal margin. */
  obtainedAt: number;
  expiresAt: number;
  projectId: string;
  userId: string;
  roles: string[];
  catalog: CatalogService[];
}

export interface SessionOptions {
  /** Renew this long before expires_at (bounded by a third of the token's life). */
  renewMarginMs?: number;
}

export class KeystoneSession {
  private token: Token | undefined;
  private inflight: Promise<Token> | undefined;
  /** Successful authentications so far (tests and /metrics read it). */
  authentications = 0;

  constructor(
    private readonly creds: Credentials,
    private readonly http: HttpTransport,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly opts: SessionOptions = {},
  ) {}

  /** A valid token, authenticating if there is none or it is about to expire. */
  async getToken(): Promise<Token> {
    const t = this.token;
    if (t && !this.needsRenewal(t)) return t;
    return this.authenticate();
  }

  /** Drops the given token (after a 401) so the next getToken() authenticates once. */
  invalidate(tokenId: string): void {
    if (this.token?.id === tokenId) this.token = undefined;
  }

  /** The endpoint URL of a service type for the configured interface and region. */
  async endpoint(serviceType: string): Promise<string> {
    const token = await this.getToken();
    return pickEndpoint(token.catalog, serviceType, this.creds.interface, this.creds.region);
  }

  /**
   * Sends an authenticated request to a service. `path` is appended to the service's
   * catalog endpoint (an absolute URL is used as it is). A 401 invalidates the token and retries exactly once: keystonemiddleware
   * rejects an expired token before the service acts, so the retry cannot double an action.
   */
  async request<T>(serviceType: string, req: Omit<HttpRequest, 'url'> & { path: string }): Promise<HttpResponse<T>> {
    for (let attempt = 1; ; attempt++) {
      const token = await this.getToken();
      const base = pickEndpoint(token.catalog, serviceType, this.creds.interface, this.creds.region);
      const url = /^https?:\/\//.test(req.path) ? req.path : joinUrl(base, req.path);
      try {
        return await this.http.send<T>({ ...req, url, headers: { ...req.headers, 'X-Auth-Token': token.id } });
      } catch (err) {
        if (err instanceof Unauthorized && attempt === 1) {
          this.logger.info('token rejected; re-authenticating once', { service: req.service, request_id: err.requestId });
          this.invalidate(token.id);
          continue;
        }
        throw err;
      }
    }
  }

  /**
   * Validates someone else's token (GET /v3/auth/tokens with X-Subject-Token), as
   * keystonemiddleware does: how vmha checks the token Aodh attaches to trust+http
   * notifications and the tokens of admin API callers. Unauthorized/NotFound when invalid.
   */
  async validate(subjectToken: string): Promise<{ userId: string; projectId: string | undefined; roles: string[]; expiresAt: number }> {
    const url = joinUrl(identityV3(this.creds.authUrl), '/auth/tokens?nocatalog');
    let res: HttpResponse<{ token?: RawToken }> | undefined;
    for (let attempt = 1; !res; attempt++) {
      const own = await this.getToken();
      try {
        res = await this.http.send<{ token?: RawToken }>({
          service: 'keystone',
          method: 'GET',
          url,
          headers: { 'X-Auth-Token': own.id, 'X-Subject-Token': subjectToken },
        });
      } catch (err) {
        // 401 with our own token expired: renew once. A bad subject token is a 404.
        if (err instanceof Unauthorized && attempt === 1) {
          this.invalidate(own.id);
          continue;
        }
        if (err instanceof NotFound) {
          throw new Unauthorized({ service: 'keystone', method: 'GET', url, status: err.status, requestId: err.requestId, detail: 'token not valid' });
        }
        throw err;
      }
    }
    const raw = res.body?.token;
    if (!raw) throw new Unauthorized({ service: 'keystone', method: 'GET', url: '/v3/auth/tokens', status: res.status, detail: 'token not valid' });
    return {
      userId: raw.user?.id ?? '',
      projectId: raw.project?.id,
      roles: (raw.roles ?? []).map((r) => r.name),
      expiresAt: Date.parse(raw.expires_at),
    };
  }

  private needsRenewal(t: Token): boolean {
    // Renew ahead of expiry by the configured margin, but never earlier than two thirds
    // into the token's life (short-lived tokens would otherwise be renewed constantly).
    const lifetime = Math.max(0, t.expiresAt - t.obtainedAt);
    const margin = Math.min(this.opts.renewMarginMs ?? 120_000, lifetime / 3);
    return t.expiresAt - margin <= this.clock.now();
  }

  private authenticate(): Promise<Token> {
    if (!this.inflight) {
      this.inflight = this.issue().finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  private async issue(): Promise<Token> {
    const url = joinUrl(identityV3(this.creds.authUrl), '/auth/tokens');
    let res: HttpResponse<{ token?: RawToken }>;
    try {
      res = await this.http.send<{ token?: RawToken }>({ service: 'keystone', method: 'POST', url, body: authBody(this.creds) });
    } catch (err) {
      if (err instanceof Unauthorized) {
        // Keystone gives the same 401 for a wrong password, user or project (no oracle);
        // say so, and where the credentials came from, without any secret.
        throw new Unauthorized({
          service: 'keystone',
          method: 'POST',
          url,
          status: 401,
          requestId: err.requestId,
          detail: `authentication refused: check the credentials from ${this.creds.source}`,
        });
      }
      throw err;
    }
    const id = res.headers['x-subject-token'];
    const raw = res.body?.token;
    if (!id || !raw) throw new Invalid({ service: 'keystone', method: 'POST', url, status: res.status, requestId: res.requestId, detail: 'no token in the answer' });
    if (!raw.project?.id) {
      throw new Invalid({ service: 'keystone', method: 'POST', url, status: res.status, requestId: res.requestId, detail: 'token is not project-scoped' });
    }
    const token: Token = {
      id,
      obtainedAt: this.clock.now(),
      expiresAt: Date.parse(raw.expires_at),
      projectId: raw.project.id,
      userId: raw.user?.id ?? '',
      roles: (raw.roles ?? []).map((r) => r.name),
      catalog: raw.catalog ?? [],
    };
    this.token = token;
    this.authentications += 1;
    this.logger.info('authenticated to keystone', {
      request_id: res.requestId,
      project_id: token.projectId,
      expires_at: raw.expires_at,
      source: this.creds.source,
    });
    return token;
  }
}

interface RawToken {
  expires_at: string;
  project?: { id: string };
  user?: { id: string };
  roles?: { id: string; name: string }[];
  catalog?: CatalogService[];
}

/** Builds the POST /v3/auth/tokens body for password or application-credential auth. */
export function authBody(creds: Credentials): unknown {
  const a = creds.auth;
  const domain = (name?: string, id?: string): Record<string, string> | undefined =>
    id ? { id } : name ? { name } : undefined;
  if (a.type === 'password') {
    const user: Record<string, unknown> = a.userId ? { id: a.userId } : { name: a.username, domain: domain(a.userDomainName, a.userDomainId) };
    user.password = a.password;
    const project: Record<string, unknown> = a.projectId
      ? { id: a.projectId }
      : { name: a.projectName, domain: domain(a.projectDomainName, a.projectDomainId) };
    return { auth: { identity: { methods: ['password'], password: { user } }, scope: { project } } };
  }
  // Application credentials are already scoped; sending a scope is a 401 upstream.
  const cred: Record<string, unknown> = a.applicationCredentialId
    ? { id: a.applicationCredentialId }
    : {
        name: a.applicationCredentialName,
        user: a.userId ? { id: a.userId } : { name: a.username, domain: domain(a.userDomainName, a.userDomainId) },
      };
  cred.secret = a.applicationCredentialSecret;
  return { auth: { identity: { methods: ['application_credential'], application_credential: cred } } };
}

/** The catalog endpoint for a service type, interface and (optional) region. */
export function pickEndpoint(catalog: CatalogService[], type: string, iface: string, region?: string): string {
  const service = catalog.find((s) => s.type === type);
  if (!service) {
    throw new NotFound({ service: 'keystone', method: 'GET', url: 'catalog', detail: `no '${type}' service in the catalog` });
  }
  const ep = service.endpoints.find(
    (e) => e.interface === iface && (!region || e.region_id === region || e.region === region),
  );
  if (!ep) {
    throw new NotFound({
      service: 'keystone',
      method: 'GET',
      url: 'catalog',
      detail: `no ${iface} endpoint for '${type}'${region ? ` in region ${region}` : ''}`,
    });
  }
  return ep.url;
}

/** auth_url may be given with or without /v3 (both forms are common in clouds.yaml). */
export function identityV3(authUrl: string): string {
  const trimmed = authUrl.replace(/\/+$/, '');
  return /\/v3$/.test(trimmed) ? trimmed : `${trimmed}/v3`;
}

export function joinUrl(base: string, path: string): string {
  if (!path) return base;
  return base.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`);
}
