// POST /servers/{id}/action: os-migrateLive (migrate_server.py), evacuate
// (evacuate.py), reboot and rebuild (servers.py), with the compute API's lock
// and state checks (nova/compute/api.py check_instance_lock/state).
import type { NovaContext, Reply, Route } from '../context.ts';
import { POLICY, badRequest, instanceLocked, invalidState, notFound, policyForbidden } from '../faults.ts';
import { boolFromString, evacuateSchema, migrateLiveSchema, rebootSchema, rebuildSchema } from '../schemas.ts';
import { ALLOW_HARD_REBOOT, ALLOW_REBOOT_TASKS, ALLOW_SOFT_REBOOT, REBOOT_OUTER_TASKS } from '../states.ts';
import type { NovaServer } from '../types.ts';
import { validateBody } from '../validation.ts';
import { fullShowOptions, links, serverView, type ShowOptions } from '../views.ts';
import { startEvacuation, startLiveMigration, startReboot, startRebuild } from '../workflows.ts';
import { generatePassword, getInstance, recordAction } from './lookup.ts';

type Body = Record<string, Record<string, unknown>>;

/** check_instance_state(vm_state=..., task_state=...) */
function checkState(
  action: string,
  server: NovaServer,
  vmStates: readonly string[],
  taskStates: readonly (string | null)[] | 'any' = [null],
): void {
  if (!vmStates.includes(server.vmState)) throw invalidState(action, server.id, 'vm_state', server.vmState);
  if (taskStates !== 'any' && !taskStates.includes(server.taskState)) throw invalidState(action, server.id, 'task_state', server.taskState);
}

/** check_instance_lock: admins pass a lock. */
function checkLock(ctx: NovaContext, server: NovaServer): void {
  if (server.locked && !ctx.admin) throw instanceLocked(server.id);
}

function migrateLive(ctx: NovaContext, params: Record<string, string>): Reply {
  validateBody(migrateLiveSchema(ctx.version), ctx.body);
  const server = getInstance(ctx, params.id!);
  if (!ctx.admin) throw policyForbidden(POLICY.migrateLive);
  const args = (ctx.body as Body)['os-migrateLive']!;
  const host = (args.host as string | null | undefined) ?? null;
  if (host && !ctx.admin) throw policyForbidden(POLICY.migrateLiveHost);
  // Below 2.30 there is no force and a named host bypasses the scheduler.
  let force: boolean | null = null;
  if (ctx.at('2.30')) {
    force = boolFromString(args.force ?? false, true);
    if (force && !host) throw badRequest("Can't force to a non-provided destination");
  }
  checkLock(ctx, server);
  checkState('os-migrateLive', server, ['active', 'paused']);
  if (host && !ctx.model.hostRecord(host)) throw badRequest(`Compute host ${host} could not be found.`);

  const result = startLiveMigration(ctx.model, server, {
    host,
    useScheduler: host === null || force === false,
    synchronous: !ctx.at('2.34'),
  });
  // Below 2.34 failed conductor prechecks are a 400; from 2.34 they only show on the migration.
  if (result.precheckError) throw badRequest(result.precheckError);
  recordAction(ctx, server.id, 'os-migrateLive');
  return { status: 202 };
}

function evacuate(ctx: NovaContext, params: Record<string, string>): Reply {
  validateBody(evacuateSchema(ctx.version), ctx.body);
  const server = getInstance(ctx, params.id!);
  if (!ctx.admin) throw policyForbidden(POLICY.evacuate);
  const args = (ctx.body as Body).evacuate!;
  const host = (args.host as string | undefined) ?? null;
  const onSharedStorage = ctx.at('2.14') ? null : boolFromString(args.onSharedStorage);
  let force: boolean | null = null;
  if (ctx.at('2.29')) {
    force = boolFromString(args.force ?? false, true);
    if (force && !host) throw badRequest("Can't force to a non-provided destination");
  }
  let password: string | null;
  if (ctx.at('2.14')) {
    password = (args.adminPass as string | undefined) ?? generatePassword();
  } else if (Object.hasOwn(args, 'adminPass')) {
    if (onSharedStorage) throw badRequest("admin password can't be changed on existing disk");
    password = args.adminPass as string;
  } else {
    password = onSharedStorage ? null : generatePassword();
  }
  if (host !== null && !ctx.model.computeService(host)) throw notFound(`Compute host ${host} not found.`);
  if (server.host === host) throw badRequest("The target host can't be the same one.");
  // task_state is deliberately not checked (check_instance_state(task_state=None)).
  checkState('evacuate', server, ['active', 'stopped', 'error'], 'any');
  const source = server.host ? ctx.model.computeService(server.host) : undefined;
  if (!source || ctx.model.isServiceUp(source)) throw badRequest(`Compute service of ${server.host} is still in use.`);

  startEvacuation(ctx.model, server, {
    host,
    useScheduler: host === null || force === false,
    targetState: ctx.at('2.95') ? 'stopped' : null,
  });
  recordAction(ctx, server.id, 'evacuate');
  // Before 2.14 the (possibly generated) password comes back; later there is no body.
  return ctx.at('2.14') ? { status: 200 } : { status: 200, body: { adminPass: password } };
}

function reboot(ctx: NovaContext, params: Record<string, string>): Reply {
  validateBody(rebootSchema, ctx.body);
  const type = String((ctx.body as Body).reboot!.type).toUpperCase();
  const server = getInstance(ctx, params.id!);
  checkLock(ctx, server);
  checkState('reboot', server, ALLOW_HARD_REBOOT, REBOOT_OUTER_TASKS);
  if (type === 'SOFT') checkState('reboot', server, ALLOW_SOFT_REBOOT, [null]);
  else checkState('reboot', server, ALLOW_HARD_REBOOT, ALLOW_REBOOT_TASKS);
  startReboot(ctx.model, server, type === 'HARD');
  recordAction(ctx, server.id, 'reboot');
  return { status: 202 };
}

function rebuild(ctx: NovaContext, params: Record<string, string>): Reply {
  validateBody(rebuildSchema(ctx.version), ctx.body);
  const args = (ctx.body as Body).rebuild!;
  const password = (args.adminPass as string | undefined) ?? generatePassword();
  const server = getInstance(ctx, params.id!);
  checkLock(ctx, server);
  checkState('rebuild', server, ['active', 'stopped', 'error']);
  const image = ctx.model.image(String(args.imageRef));
  if (!image) throw badRequest('Cannot find image for rebuild');

  server.imageId = image.id;
  if (typeof args.name === 'string') {
    server.name = args.name;
    server.hostname = args.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || server.hostname;
  }
  if (args.metadata !== undefined) server.metadata = { ...(args.metadata as Record<string, string>) };
  if (ctx.at('2.19') && Object.hasOwn(args, 'description')) server.description = args.description as string | null;
  if (ctx.at('2.54') && Object.hasOwn(args, 'key_name')) server.keyName = args.key_name as string | null;
  if (ctx.at('2.57') && Object.hasOwn(args, 'user_data')) server.userData = args.user_data as string | null;
  if (ctx.at('2.90') && typeof args.hostname === 'string') server.hostname = args.hostname;
  if (typeof args.accessIPv4 === 'string') server.accessIPv4 = args.accessIPv4;
  if (typeof args.accessIPv6 === 'string') server.accessIPv6 = args.accessIPv6;
  startRebuild(ctx.model, server);
  recordAction(ctx, server.id, 'rebuild');

  // Before 2.75 the answer is the reduced view of the upstream sample.
  const all = ctx.at('2.75');
  const full = fullShowOptions(ctx, true);
  const opts: ShowOptions = {
    ...full,
    extendAddress: all,
    showAZ: all,
    showConfigDrive: all,
    showExtendedAttr: all && full.showExtendedAttr,
    showHostStatus: all && full.showHostStatus,
    showKeypair: ctx.at('2.54'),
    showSrvUsg: all,
    showSecGrp: all,
    showExtendedStatus: all,
    showExtendedVolumes: all,
    showUserData: false,
  };
  const view = serverView(ctx, server, opts);
  view.adminPass = password;
  if (ctx.at('2.57')) view.user_data = server.userData;
  const self = links(ctx, 'servers', server.id)[0]!.href as string;
  return { status: 202, body: { server: view }, headers: { Location: self } };
}

export const actionRoutes: Route[] = [
  {
    method: 'POST',
    path: /^\/servers\/(?<id>[^/]+)\/action$/,
    actions: { 'os-migrateLive': migrateLive, evacuate, reboot, rebuild },
  },
];
