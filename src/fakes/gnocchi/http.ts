// Request plumbing shared by the fake Gnocchi's routes: who is calling, body
// decoding (gnocchi/rest/api.py deserialize), query helpers and error replies.
import type { NextFunction, Request, Response } from 'express';
import { isAdmin, type TokenInfo } from '../common.ts';
import { bodyBytes, mimeType, parseJson, utf8 } from '../http-body.ts';
import { errorBody, GnocchiError, Invalid, invalidBody } from './errors.ts';
import { parseIsoTimestamp, toTimestamps } from './time.ts';

export interface GnocchiCaller {
  userId: string;
  projectId: string;
  admin: boolean;
  /** auth_helper.get_current_user(): "<user_id>:<project_id>" with Keystone. */
  creator: string;
}

export function callerOf(res: Response): GnocchiCaller {
  const token = res.locals.token as TokenInfo;
  const projectId = token.projectId ?? '';
  return { userId: token.userId, projectId, admin: isAdmin(token), creator: `${token.userId}:${projectId}` };
}

/** deserialize(): 415 unless the Content-Type is one expected, 400 when the JSON does not decode. */
export function deserialize(req: Request, expected: readonly string[] = ['application/json']): unknown {
  const mime = mimeType(req);
  if (!expected.includes(mime)) {
    throw new GnocchiError(415, `The request media type ${req.header('content-type') ?? ''} is not supported by this server.`);
  }
  const text = utf8(bodyBytes(req));
  if (text === undefined) throw new GnocchiError(400, "Unable to decode body: 'utf-8' codec can't decode bytes");
  if (text.trim() === '') throw new GnocchiError(400, 'Unable to decode body: Expecting value: line 1 column 1 (char 0)');
  const parsed = parseJson(text);
  if (!parsed.ok) throw new GnocchiError(400, `Unable to decode body: ${parsed.error}`);
  return parsed.value;
}

/** Runs a voluptuous-like validator, turning its Invalid into gnocchi's 400. */
export function validated<T>(fn: () => T, detailed = false): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof Invalid) throw invalidBody(err, detailed);
    throw err;
  }
}

/** utils.strtobool() (oslo bool_from_string, strict) for a query parameter. */
export function boolParam(name: string, value: string | null, fallback: boolean): boolean {
  if (value === null) return fallback;
  const v = value.trim().toLowerCase();
  if (['1', 't', 'true', 'on', 'y', 'yes'].includes(v)) return true;
  if (['0', 'f', 'false', 'off', 'n', 'no'].includes(v)) return false;
  throw new GnocchiError(
    400,
    `Unable to parse \`${name}': Unrecognized value '${value}', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'`,
  );
}

/** A start/stop query parameter as epoch ms; 400 "Invalid value for <name>" otherwise. */
export function timeParam(name: string, value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const iso = parseIsoTimestamp(value, now);
  if (iso !== undefined) return iso;
  try {
    return toTimestamps([value], now)[0];
  } catch {
    throw new GnocchiError(400, `Invalid value for ${name}`);
  }
}

export function sendError(res: Response, err: GnocchiError): void {
  if (res.headersSent) return;
  res.status(err.status).json(errorBody(err));
}

/** The router's last word: gnocchi bodies for everything, never Express's HTML page. */
export function errorHandler(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  if (err instanceof GnocchiError) return sendError(res, err);
  if (err instanceof Invalid) return sendError(res, invalidBody(err, false));
  const status = (err as { status?: number })?.status;
  if (status === 413) return sendError(res, new GnocchiError(413, 'Request Entity Too Large'));
  if (typeof status === 'number' && status >= 400 && status < 500) return sendError(res, new GnocchiError(400, (err as Error).message));
  sendError(res, new GnocchiError(500, 'The server has either erred or is incapable of performing the requested operation.'));
}

export const notFoundHandler = (_req: Request, res: Response): void =>
  sendError(res, new GnocchiError(404, 'The resource could not be found.'));

export const methodNotAllowed = (req: Request, res: Response): void =>
  sendError(res, new GnocchiError(405, `The method ${req.method} is not allowed for this resource.`));
