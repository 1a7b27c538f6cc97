// Pieces shared by the contract-faithful fakes of Keystone, Nova, Aodh and Gnocchi.
// The behaviour here follows ../shared/openstack/CONTRACTS.md ("Token checks on nova,
// aodh and gnocchi"): keystonemiddleware answers 401 with a fixed body and a
// WWW-Authenticate header for a missing, unknown, expired or unscoped token.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Clock } from '../domain/clock.ts';

/** What a token stands for: the identity that services see after keystonemiddleware. */
export interface TokenInfo {
  userId: string;
  userName: string;
  userDomainId: string;
  /** Undefined for an unscoped token. */
  projectId?: string;
  projectName?: string;
  projectDomainId?: string;
  roles: { id: string; name: string }[];
  methods: string[];
  issuedAt: number;
  expiresAt: number;
  applicationCredential?: { id: string; name: string; restricted: boolean };
  auditId: string;
}

export type TokenLookup =
  | { status: 'valid'; info: TokenInfo }
  | { status: 'expired'; info: TokenInfo }
  | { status: 'unknown' };

/** Tokens issued by the fake Keystone and checked by every other fake. */
export class TokenStore {
  private readonly tokens = new Map<string, TokenInfo>();
  private readonly revoked = new Set<string>();
  /** Number of tokens issued (successful authentications) since start. */
  issued = 0;

  constructor(private readonly clock: Clock) {}

  issue(info: Omit<TokenInfo, 'issuedAt' | 'expiresAt' | 'auditId'>, ttlSeconds: number): { id: string; info: TokenInfo } {
    // Fernet tokens carry second precision; keep the same so expires_at round-trips exactly.
    const issuedAt = Math.floor(this.clock.now() / 1000) * 1000;
    const full: TokenInfo = {
      ...info,
      issuedAt,
      expiresAt: issuedAt + ttlSeconds * 1000,
      auditId: randomUUID().replace(/-/g, '').slice(0, 22),
    };
    const id = 'gAAAAA' + randomUUID().replace(/-/g, '') + randomUUID().replace(/-/g, '');
    this.tokens.set(id, full);
    this.issued += 1;
    return { id, info: full };
  }

  lookup(id: string | undefined): TokenLookup {
    if (!id || this.revoked.has(id)) return { status: 'unknown' };
    const info = this.tokens.get(id);
    if (!info) return { status: 'unknown' };
    if (info.expiresAt <= this.clock.now()) return { status: 'expired', info };
    return { status: 'valid', info };
  }

  revoke(id: string): boolean {
    if (!this.tokens.has(id) || this.revoked.has(id)) return false;
    this.revoked.add(id);
    return true;
  }

  /** Fault injection: every token issued so far is expired from now on. */
  expireAll(): void {
    const now = this.clock.now();
    for (const info of this.tokens.values()) info.expiresAt = Math.min(info.expiresAt, now);
  }
}

/** Locals that requireToken() leaves on the response for the service handlers. */
export interface AuthLocals {
  token: TokenInfo;
  requestId: string;
}

/** Adds x-openstack-request-id (and Nova's x-compute-request-id when asked) to every response. */
export function requestId(opts: { compute?: boolean } = {}) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const id = `req-${randomUUID()}`;
    res.locals.requestId = id;
    res.setHeader('x-openstack-request-id', id);
    if (opts.compute) res.setHeader('x-compute-request-id', id);
    next();
  };
}

/**
 * keystonemiddleware's auth_token: a missing, unknown, expired or unscoped
 * X-Auth-Token gives the same 401 body and WWW-Authenticate header.
 */
export function requireToken(store: TokenStore, identityUrl: () => string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.header('x-auth-token');
    const found = store.lookup(header);
    if (found.status !== 'valid' || !found.info.projectId) {
      res
        .status(401)
        .setHeader('WWW-Authenticate', `Keystone uri="${identityUrl()}"`)
        .json({
          error: {
            code: 401,
            title: 'Unauthorized',
            message: 'The request you have made requires authentication.',
          },
        });
      return;
    }
    res.locals.token = found.info;
    next();
  };
}

/** True when the token carries the admin role (what the fakes' admin policies check). */
export function isAdmin(token: TokenInfo): boolean {
  return token.roles.some((r) => r.name === 'admin');
}
