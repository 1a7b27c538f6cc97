// GET /servers/{id}/os-instance-actions[/{request_id}] (instance_actions.py):
// what nova recorded being asked of a server, built from the model's action log.
import type { NovaContext, Reply, Route } from '../context.ts';
import { badRequest, notFound } from '../faults.ts';
import type { Schema } from '../jsonschema.ts';
import type { NovaActionRecord } from '../types.ts';
import { perfectTime } from '../timefmt.ts';
import { validateQuery } from '../validation.ts';
import { getInstance } from './lookup.ts';

/** nova.compute.instance_actions names of the API actions the fake serves. */
const ACTION_NAMES: Record<string, string> = {
  'os-migrateLive': 'live-migration',
  evacuate: 'evacuate',
  reboot: 'reboot',
  rebuild: 'rebuild',
};

const single = (items: Schema): Schema => ({ type: 'array', items, maxItems: 1 });

function querySchema(ctx: NovaContext): Schema {
  const properties: Record<string, Schema> = {
    limit: single({ type: ['integer', 'string'], pattern: '^[0-9]*$', minimum: 0, minLength: 1 }),
    marker: single({ type: 'string' }),
    'changes-since': single({ type: 'string', format: 'date-time' }),
  };
  if (ctx.at('2.66')) properties['changes-before'] = single({ type: 'string', format: 'date-time' });
  return { type: 'object', properties, additionalProperties: false };
}

function view(ctx: NovaContext, a: NovaActionRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    action: ACTION_NAMES[a.action] ?? a.action,
    instance_uuid: a.serverId,
    request_id: a.requestId,
    user_id: a.userId,
    project_id: a.projectId,
    start_time: perfectTime(a.at),
    message: null,
  };
  if (ctx.at('2.58')) out.updated_at = perfectTime(a.at);
  return out;
}

/** Newest first, as actions_get orders them. */
function actionsOf(ctx: NovaContext, serverId: string): NovaActionRecord[] {
  return ctx.model.actions.filter((a) => a.serverId === serverId).reverse();
}

function listActions(ctx: NovaContext, params: Record<string, string>): Reply {
  if (ctx.at('2.58')) validateQuery(querySchema(ctx), ctx.query);
  const server = getInstance(ctx, params.id!);
  let actions = actionsOf(ctx, server.id);
  if (!ctx.at('2.58')) return { status: 200, body: { instanceActions: actions.map((a) => view(ctx, a)) } };
  // changes-since / changes-before are accepted but not applied by this fake.
  const marker = ctx.query.get('marker');
  if (marker !== undefined) {
    const i = actions.findIndex((a) => a.requestId === marker);
    if (i < 0) throw badRequest(`Marker ${marker} could not be found.`);
    actions = actions.slice(i + 1);
  }
  const limit = ctx.query.get('limit');
  if (limit !== undefined) actions = actions.slice(0, Math.min(1000, Number(limit)));
  const body: Record<string, unknown> = { instanceActions: actions.map((a) => view(ctx, a)) };
  if (limit !== undefined && actions.length > 0 && actions.length === Number(limit)) {
    const next = new URLSearchParams({ limit, marker: actions[actions.length - 1]!.requestId });
    body.links = [{ rel: 'next', href: `${ctx.appUrl}/servers/${server.id}/os-instance-actions?${next.toString()}` }];
  }
  return { status: 200, body };
}

function showAction(ctx: NovaContext, params: Record<string, string>): Reply {
  const server = getInstance(ctx, params.id!);
  const action = actionsOf(ctx, server.id).find((a) => a.requestId === params.rid);
  if (!action) throw notFound(`Action for request_id ${params.rid} on instance ${server.id} not found`);
  // The fake keeps no per-step events.
  return { status: 200, body: { instanceAction: { ...view(ctx, action), events: [] } } };
}

export const instanceActionRoutes: Route[] = [
  { method: 'GET', path: /^\/servers\/(?<id>[^/]+)\/os-instance-actions$/, handler: listActions },
  { method: 'GET', path: /^\/servers\/(?<id>[^/]+)\/os-instance-actions\/(?<rid>[^/]+)$/, handler: showAction },
];
