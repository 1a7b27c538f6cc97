// The fake Keystone's identity data: domains, projects, users, roles, role grants
// and application credentials, with the lookups the auth flow needs.
import { randomUUID } from 'node:crypto';
import { DEFAULT_DOMAIN, IMPLIED_ROLES, SEED_PROJECTS, SEED_ROLES, SEED_USERS } from './seed.ts';

export interface Domain {
  id: string;
  name: string;
  enabled: boolean;
}

export interface Project {
  id: string;
  name: string;
  domainId: string;
  enabled: boolean;
}

export interface Role {
  id: string;
  name: string;
}

export interface User {
  id: string;
  name: string;
  domainId: string;
  password: string;
  enabled: boolean;
  /** Scope used when a password login asks for none (keystone's default_project_id). */
  defaultProjectId?: string;
}

export interface ApplicationCredential {
  id: string;
  name: string;
  userId: string;
  projectId: string;
  secret: string;
  roleIds: string[];
  unrestricted: boolean;
  /** Epoch ms; never expires when absent. */
  expiresAt?: number;
}

const hexId = (): string => randomUUID().replace(/-/g, '');

export class Directory {
  readonly domains = new Map<string, Domain>();
  readonly projects = new Map<string, Project>();
  readonly roles = new Map<string, Role>();
  readonly users = new Map<string, User>();
  readonly appCreds = new Map<string, ApplicationCredential>();
  /** Direct grants: user id -> project id -> role ids, in grant order. */
  private readonly grants = new Map<string, Map<string, string[]>>();

  constructor() {
    this.domains.set(DEFAULT_DOMAIN.id, { ...DEFAULT_DOMAIN, enabled: true });
    for (const p of Object.values(SEED_PROJECTS)) this.projects.set(p.id, { ...p, domainId: DEFAULT_DOMAIN.id, enabled: true });
    for (const r of Object.values(SEED_ROLES)) this.roles.set(r.id, { ...r });
    for (const u of Object.values(SEED_USERS)) {
      this.users.set(u.id, { id: u.id, name: u.name, domainId: DEFAULT_DOMAIN.id, password: u.password, enabled: true });
      this.grant(u.id, SEED_PROJECTS[u.project].id, SEED_ROLES[u.role].id);
    }
  }

  domainById(id: string): Domain | undefined {
    return this.domains.get(id);
  }

  domainByName(name: string): Domain | undefined {
    return [...this.domains.values()].find((d) => d.name === name);
  }

  projectByName(name: string, domainId: string): Project | undefined {
    return [...this.projects.values()].find((p) => p.name === name && p.domainId === domainId);
  }

  userByName(name: string, domainId: string): User | undefined {
    return [...this.users.values()].find((u) => u.name === name && u.domainId === domainId);
  }

  /** A user by id, or by name in the default domain. */
  resolveUser(ref: string): User | undefined {
    return this.users.get(ref) ?? this.userByName(ref, DEFAULT_DOMAIN.id);
  }

  /** A project by id, or by name in the default domain. */
  resolveProject(ref: string): Project | undefined {
    return this.projects.get(ref) ?? this.projectByName(ref, DEFAULT_DOMAIN.id);
  }

  /** A role by id or name. */
  resolveRole(ref: string): Role | undefined {
    return this.roles.get(ref) ?? [...this.roles.values()].find((r) => r.name === ref);
  }

  addUser(opts: { name: string; password: string; domainId?: string; id?: string; enabled?: boolean; defaultProjectId?: string }): User {
    const user: User = {
      id: opts.id ?? hexId(),
      name: opts.name,
      domainId: opts.domainId ?? DEFAULT_DOMAIN.id,
      password: opts.password,
      enabled: opts.enabled ?? true,
      ...(opts.defaultProjectId ? { defaultProjectId: opts.defaultProjectId } : {}),
    };
    this.users.set(user.id, user);
    return user;
  }

  addProject(opts: { name: string; domainId?: string; id?: string; enabled?: boolean }): Project {
    const project: Project = { id: opts.id ?? hexId(), name: opts.name, domainId: opts.domainId ?? DEFAULT_DOMAIN.id, enabled: opts.enabled ?? true };
    this.projects.set(project.id, project);
    return project;
  }

  grant(userId: string, projectId: string, roleId: string): void {
    const byProject = this.grants.get(userId) ?? new Map<string, string[]>();
    const roles = byProject.get(projectId) ?? [];
    if (!roles.includes(roleId)) roles.push(roleId);
    byProject.set(projectId, roles);
    this.grants.set(userId, byProject);
  }

  /** Granted roles plus the roles they imply, granted ones first (how keystone lists them in a token). */
  effectiveRoles(userId: string, projectId: string): Role[] {
    const ids: string[] = [...(this.grants.get(userId)?.get(projectId) ?? [])];
    for (let i = 0; i < ids.length; i++) {
      for (const implied of IMPLIED_ROLES[ids[i] as string] ?? []) if (!ids.includes(implied)) ids.push(implied);
    }
    return ids.map((id) => this.roles.get(id)).filter((r): r is Role => r !== undefined);
  }

  addApplicationCredential(opts: Omit<ApplicationCredential, 'id'> & { id?: string }): ApplicationCredential {
    const cred: ApplicationCredential = { ...opts, id: opts.id ?? hexId() };
    this.appCreds.set(cred.id, cred);
    return cred;
  }
}
