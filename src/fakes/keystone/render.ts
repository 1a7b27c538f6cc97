// The token document keystone returns from POST and GET /v3/auth/tokens
// (keystone/common/render_token.py), built from a TokenInfo.
import type { TokenInfo } from '../common.ts';
import type { Directory } from './directory.ts';

export interface CatalogEntry {
  type: string;
  name: string;
  id: string;
  endpoints: { id: string; interface: string; region_id: string; region: string; url: string }[];
}

/** keystone's utils.isotime(subsecond=True) for fernet times: 2026-01-01T10:00:00.000000Z */
export function isotime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** The {"token": {...}} body; the catalog only for project-scoped tokens when asked for. */
export function renderToken(
  info: TokenInfo,
  opts: { dir: Directory; catalog?: CatalogEntry[]; parentAuditId?: string },
): { token: Record<string, unknown> } {
  const domainName = (id: string | undefined): string => (id ? (opts.dir.domainById(id)?.name ?? id) : '');
  const token: Record<string, unknown> = {
    methods: [...info.methods],
    user: {
      domain: { id: info.userDomainId, name: domainName(info.userDomainId) },
      id: info.userId,
      name: info.userName,
      password_expires_at: null,
    },
    audit_ids: opts.parentAuditId ? [info.auditId, opts.parentAuditId] : [info.auditId],
    expires_at: isotime(info.expiresAt),
    issued_at: isotime(info.issuedAt),
  };
  if (info.projectId) {
    token.project = {
      domain: { id: info.projectDomainId, name: domainName(info.projectDomainId) },
      id: info.projectId,
      name: info.projectName,
    };
    token.is_domain = false;
    token.roles = info.roles.map((r) => ({ id: r.id, name: r.name }));
    if (opts.catalog) token.catalog = opts.catalog;
  }
  if (info.applicationCredential) {
    const { id, name, restricted } = info.applicationCredential;
    token.application_credential = { id, name, restricted };
  }
  return { token };
}
