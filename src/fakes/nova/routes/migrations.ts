// GET /os-migrations (migrations.py) and GET /servers/{id}/migrations[/{mid}]
// (server_migrations.py, from 2.23).
import type { NovaContext, Reply, Route } from '../context.ts';
import { POLICY, badRequest, notFound, policyForbidden } from '../faults.ts';
import { migrationsQuerySchema } from '../query-schemas.ts';
import { boolFromString } from '../schemas.ts';
import type { NovaMigration } from '../types.ts';
import { validateQuery } from '../validation.ts';
import { LIVE_MIGRATION_IN_PROGRESS, migrationView, serverMigrationView } from '../views.ts';
import { getInstance } from './lookup.ts';

const MAX_LIMIT = 1000;

function listMigrations(ctx: NovaContext): Reply {
  validateQuery(migrationsQuerySchema(ctx.version), ctx.query);
  if (!ctx.admin) throw policyForbidden(POLICY.migrationsIndex);
  const q = ctx.query;
  const filters: ((m: NovaMigration) => boolean)[] = [(m) => !m.hidden];
  const exact: [string, (m: NovaMigration) => string | null][] = [
    ['status', (m) => m.status],
    ['source_compute', (m) => m.sourceCompute],
    ['instance_uuid', (m) => m.instanceUuid],
    ['migration_type', (m) => m.migrationType],
  ];
  if (ctx.at('2.80')) exact.push(['user_id', (m) => m.userId], ['project_id', (m) => m.projectId]);
  for (const [key, get] of exact) {
    const want = q.get(key);
    if (want !== undefined) filters.push((m) => get(m) === want);
  }
  const host = q.get('host');
  if (host !== undefined) filters.push((m) => m.sourceCompute === host || m.destCompute === host);
  if (q.has('hidden')) {
    const hidden = boolFromString(q.get('hidden'), false);
    filters.push((m) => m.hidden === hidden);
  }
  // changes-since / changes-before are accepted but not applied by this fake.

  let list = ctx.model.migrationRecords().filter((m) => filters.every((f) => f(m)));
  const paged = ctx.at('2.59');
  if (!paged) return { status: 200, body: { migrations: [...list].sort((a, b) => a.id - b.id).map((m) => migrationView(ctx, m)) } };

  list = [...list].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
  const marker = q.get('marker');
  if (marker !== undefined) {
    const i = list.findIndex((m) => m.uuid === marker);
    if (i < 0) throw badRequest(`Marker ${marker} could not be found.`);
    list = list.slice(i + 1);
  }
  const limitParam = q.get('limit');
  const limit = Math.min(MAX_LIMIT, limitParam !== undefined ? Number(limitParam) : MAX_LIMIT);
  list = list.slice(0, limit);
  const body: Record<string, unknown> = { migrations: list.map((m) => migrationView(ctx, m)) };
  if (limitParam !== undefined && list.length > 0 && list.length === limit) {
    const params = new URLSearchParams({ limit: String(limit), marker: list[list.length - 1]!.uuid });
    body.migrations_links = [{ rel: 'next', href: `${ctx.appUrl}/os-migrations?${params.toString()}` }];
  }
  return { status: 200, body };
}

function inProgressLive(ctx: NovaContext, serverId: string): NovaMigration[] {
  return ctx.model
    .migrationRecords()
    .filter((m) => m.instanceUuid === serverId && m.migrationType === 'live-migration' && LIVE_MIGRATION_IN_PROGRESS.has(m.status));
}

function listServerMigrations(ctx: NovaContext, params: Record<string, string>): Reply {
  const server = getInstance(ctx, params.id!);
  if (!ctx.admin) throw policyForbidden(POLICY.serverMigrationsIndex);
  return { status: 200, body: { migrations: inProgressLive(ctx, server.id).map((m) => serverMigrationView(ctx, m)) } };
}

function showServerMigration(ctx: NovaContext, params: Record<string, string>): Reply {
  const server = getInstance(ctx, params.id!);
  if (!ctx.admin) throw policyForbidden(POLICY.serverMigrationsShow);
  const mid = params.mid!;
  const m = /^\d+$/.test(mid)
    ? ctx.model.migrationRecords().find((x) => x.id === Number(mid) && x.instanceUuid === server.id)
    : undefined;
  if (!m) throw notFound(`In-progress live migration ${mid} is not found for server ${params.id}.`);
  if (m.migrationType !== 'live-migration') throw notFound(`Migration ${mid} for server ${params.id} is not live-migration.`);
  if (!LIVE_MIGRATION_IN_PROGRESS.has(m.status)) throw notFound(`Live migration ${mid} for server ${params.id} is not in progress.`);
  return { status: 200, body: { migration: serverMigrationView(ctx, m) } };
}

export const migrationRoutes: Route[] = [
  { method: 'GET', path: /^\/os-migrations$/, handler: listMigrations },
  { method: 'GET', path: /^\/servers\/(?<id>[^/]+)\/migrations$/, handler: listServerMigrations, minVersion: '2.23' },
  { method: 'GET', path: /^\/servers\/(?<id>[^/]+)\/migrations\/(?<mid>[^/]+)$/, handler: showServerMigration, minVersion: '2.23' },
];
