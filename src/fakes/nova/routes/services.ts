// GET /os-services and PUT /os-services/... (services.py): the action-style
// update before 2.53 and the uuid-style update from 2.53.
import type { NovaContext, Reply, Route } from '../context.ts';
import { POLICY, badRequest, notFound, policyForbidden } from '../faults.ts';
import { isUuidLike } from '../jsonschema.ts';
import { servicesQuerySchema } from '../query-schemas.ts';
import { boolFromString, serviceActionSchema, serviceUpdateSchema } from '../schemas.ts';
import type { NovaService } from '../types.ts';
import { validateBody, validateQuery } from '../validation.ts';
import { serviceView } from '../views.ts';

function listServices(ctx: NovaContext): Reply {
  validateQuery(servicesQuerySchema(ctx.version), ctx.query);
  if (!ctx.admin) throw policyForbidden(POLICY.servicesList);
  const host = ctx.query.get('host') ?? '';
  const binary = ctx.query.get('binary') ?? '';
  const services = ctx.model
    .serviceRecords()
    .filter((s) => (!host || s.host === host) && (!binary || s.binary === binary))
    .map((s) => serviceView(ctx, s, ctx.at('2.11')));
  return { status: 200, body: { services } };
}

/**
 * Refuses to force a compute up while `done` evacuations from it remain: the
 * host was not fenced and has not restarted since (nova bug 1922053).
 */
function checkForEvacuations(ctx: NovaContext, host: string): void {
  const pending = ctx.model
    .migrationRecords()
    .some((m) => m.migrationType === 'evacuation' && m.sourceCompute === host && m.status === 'done');
  if (pending) {
    throw badRequest(
      `Unable to force up host ${host} as \`done\` evacuation migration records remain associated with the host. ` +
        'Ensure the compute service has been restarted, allowing these records to move to `completed` before retrying this request.',
    );
  }
}

function checkComputeBinary(binary: string): void {
  if (binary !== 'nova-compute') {
    throw badRequest(`Updating a ${binary} service is not supported. Only nova-compute services can be updated.`);
  }
}

type ServiceAction = (ctx: NovaContext, body: Record<string, unknown>) => Reply;

/** ServiceController._update: the binary rule, then the host/binary lookup. */
function updateByHost(ctx: NovaContext, host: string, binary: string, change: Partial<NovaService>): void {
  checkComputeBinary(binary);
  const svc = ctx.model.serviceRecords().find((s) => s.host === host && s.binary === binary);
  if (!svc) throw notFound(`Could not find binary ${binary} on host ${host}.`);
  Object.assign(svc, change);
}

function enableDisable(ctx: NovaContext, body: Record<string, unknown>, disabled: boolean, reason: string | null): Reply {
  const host = body.host as string;
  const binary = body.binary as string;
  const service: Record<string, unknown> = { host, binary, status: disabled ? 'disabled' : 'enabled' };
  if (reason) service.disabled_reason = reason;
  updateByHost(ctx, host, binary, { disabled, disabledReason: reason });
  return { status: 200, body: { service } };
}

const LEGACY_ACTIONS: Record<string, ServiceAction> = {
  enable: (ctx, body) => enableDisable(ctx, body, false, null),
  disable: (ctx, body) => enableDisable(ctx, body, true, null),
  'disable-log-reason': (ctx, body) => {
    if (!Object.hasOwn(body, 'disabled_reason')) throw badRequest('Missing disabled reason field');
    return enableDisable(ctx, body, true, body.disabled_reason as string);
  },
  'force-down': (ctx, body) => {
    if (!Object.hasOwn(body, 'forced_down')) throw badRequest('Missing forced_down field');
    const forcedDown = boolFromString(body.forced_down);
    const host = body.host as string;
    const binary = body.binary as string;
    if (binary === 'nova-compute' && !forcedDown) checkForEvacuations(ctx, host);
    updateByHost(ctx, host, binary, { forcedDown });
    return { status: 200, body: { service: { host, binary, forced_down: forcedDown } } };
  },
};

/** PUT /os-services/{enable|disable|disable-log-reason|force-down}, 2.1-2.52. */
function legacyUpdate(ctx: NovaContext, params: Record<string, string>): Reply {
  validateBody(serviceActionSchema(ctx.version), ctx.body);
  if (!ctx.admin) throw policyForbidden(POLICY.servicesUpdate);
  const name = params.id!;
  const known = name === 'force-down' ? ctx.at('2.11') : Object.hasOwn(LEGACY_ACTIONS, name);
  if (!known) throw notFound('Unknown action');
  return LEGACY_ACTIONS[name]!(ctx, ctx.body as Record<string, unknown>);
}

/** PUT /os-services/{service_uuid}, 2.53+. */
function update(ctx: NovaContext, params: Record<string, string>): Reply {
  validateBody(serviceUpdateSchema, ctx.body);
  const id = params.id!;
  if (!isUuidLike(id)) throw badRequest(`Invalid uuid ${id}`);
  if (!ctx.admin) throw policyForbidden(POLICY.servicesUpdate);
  const svc = ctx.model.serviceRecords().find((s) => s.uuid === id.toLowerCase());
  if (!svc) throw notFound(`Service ${id} could not be found.`);
  checkComputeBinary(svc.binary);

  const body = ctx.body as Record<string, unknown>;
  // Work on a copy: upstream changes nothing unless every check passes.
  const next = { ...svc };
  let changed = false;
  if (Object.hasOwn(body, 'status')) {
    if (body.status === 'enabled') {
      if (body.disabled_reason) throw badRequest("Specifying 'disabled_reason' with status 'enabled' is invalid.");
      next.disabled = false;
      next.disabledReason = null;
    } else {
      next.disabled = true;
      next.disabledReason = (body.disabled_reason as string | undefined) ?? null;
    }
    changed = true;
  }
  if (Object.hasOwn(body, 'forced_down')) {
    next.forcedDown = boolFromString(body.forced_down, true);
    if (!next.forcedDown) checkForEvacuations(ctx, svc.host);
    changed = true;
  }
  if (!changed) throw badRequest("No updates were requested. Fields 'status' or 'forced_down' should be specified.");
  Object.assign(svc, { disabled: next.disabled, disabledReason: next.disabledReason, forcedDown: next.forcedDown });
  return { status: 200, body: { service: serviceView(ctx, svc, true) } };
}

export const serviceRoutes: Route[] = [
  { method: 'GET', path: /^\/os-services$/, handler: listServices },
  { method: 'PUT', path: /^\/os-services\/(?<id>[^/]+)$/, handler: legacyUpdate, maxVersion: '2.52' },
  { method: 'PUT', path: /^\/os-services\/(?<id>[^/]+)$/, handler: update, minVersion: '2.53' },
];
