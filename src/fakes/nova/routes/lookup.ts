// Shared lookups of the route handlers.
import { randomInt } from 'node:crypto';
import type { NovaContext } from '../context.ts';
import { instanceNotFound } from '../faults.ts';
import { isUuidLike } from '../jsonschema.ts';
import type { NovaServer } from '../types.ts';

/**
 * common.get_instance: a non-admin only sees servers of its project (the
 * database query is project-scoped), so another project's server is a 404.
 */
export function getInstance(ctx: NovaContext, id: string): NovaServer {
  const server = isUuidLike(id) ? ctx.model.serverRecord(id) : undefined;
  if (!server || (!ctx.admin && server.projectId !== ctx.token.projectId)) throw instanceNotFound(id);
  return server;
}

const PASSWORD_SYMBOLS = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** utils.generate_password: 12 characters. */
export function generatePassword(): string {
  let out = '';
  for (let i = 0; i < 12; i++) out += PASSWORD_SYMBOLS[randomInt(PASSWORD_SYMBOLS.length)];
  return out;
}

/** Records an accepted action on the model. */
export function recordAction(ctx: NovaContext, serverId: string, action: string): void {
  ctx.model.recordAction({
    serverId,
    action,
    body: structuredClone(ctx.body),
    microversion: ctx.versionString,
    at: ctx.model.clock.now(),
    requestId: ctx.requestId,
    userId: ctx.token.userId,
    projectId: ctx.token.projectId ?? '',
  });
}
