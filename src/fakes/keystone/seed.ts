// The identity data every FakeKeystone starts with, exported so tests and the demo
// can log in without reading the fake's internals:
//
//   domain  default ("Default")
//   projects admin, service, demo          (all in domain default)
//   roles   admin -> member -> reader      (implied roles, as keystone-manage bootstrap sets up)
//   users   admin / admin-secret   admin  on project admin
//           vmha  / vmha-secret    admin  on project service   (the account vmha runs as)
//           demo  / demo-secret    member on project demo
//
// Ids are stable 32-hex strings derived from the names, so they survive restarts.
import { createHash } from 'node:crypto';

/** A keystone-style id (32 lowercase hex digits) derived from a label. */
export function stableId(label: string): string {
  return createHash('md5').update(`vmha-fake-keystone:${label}`).digest('hex');
}

export const DEFAULT_DOMAIN = { id: 'default', name: 'Default' } as const;

export const SEED_PROJECTS = {
  admin: { id: stableId('project:admin'), name: 'admin' },
  service: { id: stableId('project:service'), name: 'service' },
  demo: { id: stableId('project:demo'), name: 'demo' },
} as const;

export const SEED_ROLES = {
  admin: { id: stableId('role:admin'), name: 'admin' },
  member: { id: stableId('role:member'), name: 'member' },
  reader: { id: stableId('role:reader'), name: 'reader' },
} as const;

export const SEED_USERS = {
  admin: { id: stableId('user:admin'), name: 'admin', password: 'admin-secret', project: 'admin', role: 'admin' },
  vmha: { id: stableId('user:vmha'), name: 'vmha', password: 'vmha-secret', project: 'service', role: 'admin' },
  demo: { id: stableId('user:demo'), name: 'demo', password: 'demo-secret', project: 'demo', role: 'member' },
} as const;

/** Roles that imply others (keystone's bootstrap: admin implies member, member implies reader). */
export const IMPLIED_ROLES: Readonly<Record<string, readonly string[]>> = {
  [SEED_ROLES.admin.id]: [SEED_ROLES.member.id],
  [SEED_ROLES.member.id]: [SEED_ROLES.reader.id],
};
