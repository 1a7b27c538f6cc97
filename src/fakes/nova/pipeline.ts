// The request pipeline below /v2.1, in nova's order of checks: token (401),
// microversion (400/406), route, Content-Type (415), body (400 Malformed),
// then the handler (schema 400, lookup 404, policy 403, state 409). Anything
// unexpected becomes a 500 computeFault instead of a crash.
import type { Request, Response } from 'express';
import { isAdmin, requireToken, type TokenInfo, type TokenStore } from '../common.ts';
import { QueryParams, routeAvailable, type NovaContext, type Reply, type Route } from './context.ts';
import { NovaFault, badRequest, faultBody, resourceNotFound } from './faults.ts';
import { formatVersion, isSupported, negotiate, type Microversion } from './microversion.ts';
import type { NovaModel } from './model.ts';

const JSON_TYPES = new Set(['application/json', 'application/vnd.openstack.compute+json']);
// nova's sizelimit middleware (oslo_middleware.sizelimit, max_request_body_size).
const MAX_BODY = 114688;
// keystonemiddleware accepts hex project ids in the legacy URL form (ProjectMapper).
const PROJECT_SEGMENT = /^[0-9a-f-]+$/;

export interface PipelineOptions {
  model: NovaModel;
  tokens: TokenStore;
  identityUrl: () => string;
  maxVersion: Microversion;
  routes: Route[];
}

/** Handles one request whose path starts with /v2.1/. */
export async function handleApiRequest(opts: PipelineOptions, req: Request, res: Response): Promise<void> {
  try {
    await dispatch(opts, req, res);
  } catch (err) {
    if (res.headersSent) return;
    if (err instanceof NovaFault) {
      sendFault(res, err.code, err.explanation);
      return;
    }
    // wsgi.ResourceExceptionHandler: an unexpected exception is a 500 computeFault.
    const name = err instanceof Error ? err.name : typeof err;
    sendFault(
      res,
      500,
      `Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.\n<class '${name}'>`,
    );
  }
}

async function dispatch(opts: PipelineOptions, req: Request, res: Response): Promise<void> {
  let token: TokenInfo | undefined;
  requireToken(opts.tokens, opts.identityUrl)(req, res, () => {
    token = res.locals.token as TokenInfo;
  });
  if (!token) return;

  const negotiated = negotiate(req.headers, opts.maxVersion);
  if (!negotiated.ok) {
    // The version was not set, so this fault carries no version headers.
    sendFault(res, negotiated.status, negotiated.message);
    return;
  }
  const version = negotiated.version;
  const versionString = formatVersion(version);
  res.setHeader('OpenStack-API-Version', `compute ${versionString}`);
  res.setHeader('X-OpenStack-Nova-API-Version', versionString);
  res.append('Vary', 'OpenStack-API-Version');
  res.append('Vary', 'X-OpenStack-Nova-API-Version');

  // Path below /v2.1, with the legacy /{project_id} prefix taken off.
  const rawPath = req.path.slice('/v2.1'.length) || '/';
  let segments = rawPath.split('/').filter((s) => s !== '').map(decodeSegment);
  let urlProject: string | undefined;
  if (segments.length > 1 && PROJECT_SEGMENT.test(segments[0]!)) {
    urlProject = segments[0];
    segments = segments.slice(1);
  }
  const path = '/' + segments.join('/');

  let params: Record<string, string> = {};
  const route = opts.routes.find((r) => {
    if (r.method !== req.method || !routeAvailable(r, version)) return false;
    const m = r.path.exec(path);
    if (m) params = { ...(m.groups ?? {}) };
    return !!m;
  });
  if (!route) throw resourceNotFound();

  const contentType = (req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (req.header('content-type') !== undefined && contentType !== '' && contentType !== 'text/plain' && !JSON_TYPES.has(contentType)) {
    throw new NovaFault(415, 'Unsupported Content-Type');
  }

  let body: unknown = null;
  let handler = route.handler;
  if (req.method === 'POST' || req.method === 'PUT') {
    const raw = await readBody(req);
    if (route.actions) {
      const name = peekAction(raw);
      handler = Object.hasOwn(route.actions, name) ? route.actions[name] : undefined;
      if (!handler) throw badRequest(`There is no such action: ${name}`);
    }
    // An empty body decodes to None upstream, which the schema then rejects.
    if (raw.length > 0) body = parseJson(raw);
  }

  if (urlProject !== undefined && urlProject !== token.projectId) {
    throw badRequest(
      `Malformed request URL: URL's project_id '${urlProject}' doesn't match Context's project_id '${token.projectId}'`,
    );
  }

  const base = `${req.protocol}://${req.get('host') ?? '127.0.0.1'}${req.baseUrl}`;
  const projectPart = urlProject !== undefined ? `/${urlProject}` : '';
  const ctx: NovaContext = {
    req,
    model: opts.model,
    token,
    admin: isAdmin(token),
    version,
    versionString,
    requestId: String(res.locals.requestId ?? ''),
    body,
    query: QueryParams.fromUrl(req.originalUrl),
    appUrl: `${base}/v2.1${projectPart}`,
    bookmarkUrl: `${base}${projectPart}`,
    at: (min, max) => isSupported(version, min, max),
  };
  if (!handler) throw resourceNotFound();
  const reply = await handler(ctx, params);
  sendReply(res, reply);
}

function sendReply(res: Response, reply: Reply): void {
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  res.status(reply.status);
  if (reply.body === undefined || reply.body === null) {
    // nova sends an empty body (Content-Length: 0) for 202/204 answers.
    res.setHeader('Content-Length', '0');
    res.end();
    return;
  }
  res.json(reply.body);
}

export function sendFault(res: Response, code: number, message: string): void {
  res.status(code).type('application/json').send(JSON.stringify(faultBody(code, message)));
}

/** wsgi.action_peek: the body must be a JSON object with exactly one key, the action name. */
function peekAction(raw: string): string {
  let decoded: unknown;
  try {
    decoded = JSON.parse(raw);
  } catch {
    throw badRequest('Malformed request body');
  }
  // len() of a number/bool/None raises TypeError, and a one-element list or
  // string has no keys(): both end as a bare 404 upstream.
  if (typeof decoded === 'string' || Array.isArray(decoded)) {
    if ([...decoded].length !== 1) throw badRequest('Malformed request body');
    throw resourceNotFound();
  }
  if (typeof decoded !== 'object' || decoded === null) throw resourceNotFound();
  const keys = Object.keys(decoded);
  if (keys.length !== 1) throw badRequest('Malformed request body');
  return keys[0]!;
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw badRequest('Malformed request body');
  }
}

async function readBody(req: Request): Promise<string> {
  // A body already parsed by an outer middleware is taken as given.
  if (req.body !== undefined && req.readableEnded) {
    return typeof req.body === 'string' ? req.body : Buffer.isBuffer(req.body) ? req.body.toString('utf8') : JSON.stringify(req.body);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > MAX_BODY) throw new NovaFault(413, 'Request is too large.');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
