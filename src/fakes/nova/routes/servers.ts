// GET /servers, /servers/detail and /servers/{id} (servers.py index/detail/show).
import type { NovaContext, Reply, Route } from '../context.ts';
import { POLICY, badRequest, policyForbidden } from '../faults.ts';
import { JOINED_TABLE_FILTERS, ignoredSortKeys, serverShowQuerySchema, serversQuerySchema } from '../query-schemas.ts';
import { boolFromString } from '../schemas.ts';
import { statesFromStatuses } from '../states.ts';
import type { NovaServer } from '../types.ts';
import { validateQuery } from '../validation.ts';
import { basicServerView, fullShowOptions, serverView } from '../views.ts';
import { getInstance } from './lookup.ts';

const MAX_LIMIT = 1000;

/** Filters a non-admin may use (_get_server_search_options), by microversion. */
function nonAdminFilters(ctx: NovaContext): Set<string> {
  const opts = ['reservation_id', 'name', 'status', 'image', 'flavor', 'ip', 'changes-since', 'all_tenants'];
  if (ctx.at('2.5')) opts.push('ip6');
  if (ctx.at('2.26')) opts.push('tags', 'tags-any', 'not-tags', 'not-tags-any');
  if (ctx.at('2.66')) opts.push('changes-before');
  if (ctx.at('2.73')) opts.push('locked');
  if (ctx.at('2.83')) {
    opts.push('availability_zone', 'config_drive', 'key_name', 'created_at', 'launched_at', 'terminated_at');
    opts.push('power_state', 'task_state', 'vm_state', 'progress', 'user_id');
  }
  if (ctx.at('2.90')) opts.push('hostname');
  return new Set(opts);
}

const SORT_FIELDS: Record<string, (s: NovaServer) => string | number | null> = {
  created_at: (s) => s.createdAt,
  updated_at: (s) => s.updatedAt,
  launched_at: (s) => s.launchedAt,
  display_name: (s) => s.name,
  hostname: (s) => s.hostname,
  host: (s) => s.host,
  node: (s) => s.node,
  uuid: (s) => s.id,
  vm_state: (s) => s.vmState,
  task_state: (s) => s.taskState,
  power_state: (s) => s.powerState,
  project_id: (s) => s.projectId,
  user_id: (s) => s.userId,
  image_ref: (s) => s.imageId,
  availability_zone: (s) => s.availabilityZone,
  locked: (s) => (s.locked ? 1 : 0),
};

function regexMatch(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern).test(value);
  } catch {
    return value.includes(pattern);
  }
}

function listServers(ctx: NovaContext, detail: boolean): Reply {
  validateQuery(serversQuerySchema(ctx.version), ctx.query);
  // remove_invalid_options: a non-admin's unknown filters are dropped silently.
  const allowed = ctx.admin ? undefined : nonAdminFilters(ctx);
  const opts = new Map<string, string>();
  for (const key of ctx.query.keys()) {
    if (['sort_key', 'sort_dir', 'limit', 'marker'].includes(key)) continue;
    if (allowed && !allowed.has(key)) continue;
    opts.set(key, ctx.query.get(key)!);
  }
  for (const key of opts.keys()) {
    if (JOINED_TABLE_FILTERS.includes(key) || key.startsWith('_')) throw badRequest(`Invalid filter field: ${key}.`);
  }

  const filters: ((s: NovaServer) => boolean)[] = [];
  if (opts.has('status')) {
    const { vmStates, taskStates } = statesFromStatuses(ctx.query.getAll('status'));
    if (vmStates.size === 0 && taskStates.size === 0) {
      if (ctx.at('2.38')) throw badRequest('Invalid status value');
      return { status: 200, body: { servers: [] } };
    }
    filters.push((s) => vmStates.has(s.vmState));
    if (!taskStates.has('default')) filters.push((s) => s.taskState !== null && taskStates.has(s.taskState));
    opts.delete('status');
  }

  // common.is_all_tenants: present and empty means yes.
  let allTenants = false;
  if (opts.has('all_tenants')) {
    const raw = opts.get('all_tenants')!;
    if (raw === '') allTenants = true;
    else {
      try {
        allTenants = boolFromString(raw, true);
      } catch (e) {
        throw badRequest(`Invalid input received: ${(e as Error).message}`);
      }
    }
  }
  if (allTenants && !ctx.admin) throw policyForbidden(detail ? POLICY.detailAllTenants : POLICY.indexAllTenants);
  if (allTenants) {
    const project = opts.get('project_id') ?? opts.get('tenant_id');
    if (project !== undefined) filters.push((s) => s.projectId === project);
  } else {
    filters.push((s) => s.projectId === ctx.token.projectId);
  }

  const exact: Record<string, (s: NovaServer) => string | null> = {
    host: (s) => s.host,
    uuid: (s) => s.id,
    image: (s) => s.imageId,
    image_ref: (s) => s.imageId,
    flavor: (s) => s.flavor.id,
    user_id: (s) => s.userId,
    vm_state: (s) => s.vmState,
    task_state: (s) => s.taskState,
  };
  for (const [key, get] of Object.entries(exact)) {
    const want = opts.get(key);
    if (want !== undefined) filters.push((s) => get(s) === want);
  }
  const regex: Record<string, (s: NovaServer) => string | null> = {
    name: (s) => s.name,
    display_name: (s) => s.name,
    node: (s) => s.node,
    availability_zone: (s) => s.availabilityZone,
    hostname: (s) => s.hostname,
    ip: (s) => Object.values(s.addresses).flat().filter((a) => a.version === 4).map((a) => a.addr).join(' '),
  };
  for (const [key, get] of Object.entries(regex)) {
    const want = opts.get(key);
    if (want !== undefined) filters.push((s) => regexMatch(want, get(s) ?? ''));
  }
  if (opts.has('locked')) {
    const locked = boolFromString(opts.get('locked'), false);
    filters.push((s) => s.locked === locked);
  }
  if (opts.has('changes-since')) {
    const since = Date.parse(opts.get('changes-since')!);
    if (!Number.isNaN(since)) filters.push((s) => s.updatedAt >= since);
  }

  let servers = ctx.model.serverRecords().filter((s) => filters.every((f) => f(s)));
  servers = sortServers(ctx, servers);

  const marker = ctx.query.get('marker');
  if (marker !== undefined) {
    const i = servers.findIndex((s) => s.id === marker);
    if (i < 0) throw badRequest(`marker [${marker}] not found`);
    servers = servers.slice(i + 1);
  }
  const limitParam = ctx.query.get('limit');
  const limit = Math.min(MAX_LIMIT, limitParam !== undefined ? Number(limitParam) : MAX_LIMIT);
  servers = servers.slice(0, limit);

  const body: Record<string, unknown> = {
    servers: servers.map((s) => (detail ? serverView(ctx, s, fullShowOptions(ctx, false)) : basicServerView(ctx, s))),
  };
  if (limitParam !== undefined && servers.length > 0 && servers.length === limit) {
    const params = new URLSearchParams();
    for (const [k, v] of [...ctx.query.entries].filter(([k]) => k !== 'marker').sort(([a], [b]) => a.localeCompare(b))) params.append(k, v);
    params.set('marker', servers[servers.length - 1]!.id);
    body.servers_links = [{ rel: 'next', href: `${ctx.appUrl}/servers${detail ? '/detail' : ''}?${params.toString()}` }];
  }
  return { status: 200, body };
}

function sortServers(ctx: NovaContext, servers: NovaServer[]): NovaServer[] {
  const ignored = new Set(ignoredSortKeys(ctx.version));
  const keys = ctx.query.getAll('sort_key').map((k) => k.trim());
  const dirs = ctx.query.getAll('sort_dir').map((d) => d.trim().toLowerCase());
  const pairs: [string, number][] = [];
  keys.forEach((k, i) => {
    if (ignored.has(k) || !SORT_FIELDS[k]) return;
    pairs.push([k, (dirs[i] ?? dirs[0] ?? 'desc') === 'asc' ? 1 : -1]);
  });
  if (pairs.length === 0) pairs.push(['created_at', -1]);
  const cmp = (a: NovaServer, b: NovaServer): number => {
    for (const [k, dir] of pairs) {
      const va = SORT_FIELDS[k]!(a);
      const vb = SORT_FIELDS[k]!(b);
      if (va === vb) continue;
      if (va === null) return -dir;
      if (vb === null) return dir;
      return (va < vb ? -1 : 1) * dir;
    }
    // The database id breaks ties, in the first key's direction.
    return (a.seq - b.seq) * pairs[0]![1];
  };
  return [...servers].sort(cmp);
}

function showServer(ctx: NovaContext, params: Record<string, string>): Reply {
  validateQuery(serverShowQuerySchema(ctx.version), ctx.query);
  const server = getInstance(ctx, params.id!);
  return { status: 200, body: { server: serverView(ctx, server, fullShowOptions(ctx, true)) } };
}

export const serverRoutes: Route[] = [
  { method: 'GET', path: /^\/servers$/, handler: (ctx) => listServers(ctx, false) },
  { method: 'GET', path: /^\/servers\/detail$/, handler: (ctx) => listServers(ctx, true) },
  { method: 'GET', path: /^\/servers\/(?<id>[^/]+)$/, handler: showServer },
];
