// HTTP face of the fake Aodh: WSME body handling (content types, "Missing
// argument", "Request is not in valid JSON format"), the /v2/alarms routes, and
// error bodies {"error_message": {"faultcode", "faultstring", "debuginfo"}}.
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { isAdmin, requestId, requireToken, type TokenInfo, type TokenStore } from '../common.ts';
import { bodyBytes, mimeType, parseJson, queryParams, rawBody, serviceBase, utf8 } from '../http-body.ts';
import { validateAlarm, type Caller } from './alarm-checks.ts';
import { ALARM_TYPE, STATES, type AlarmState } from './alarm-types.ts';
import { apiView, changeView } from './model.ts';
import { parseListParams } from './query.ts';
import { RbacFailure, type AlarmStore } from './store.ts';
import { ClientSideError, parseBody, PyServerError } from './wsme.ts';

const JSON_TYPES = ['application/json', 'text/javascript', 'application/javascript'];

export interface RouteOptions {
  store: AlarmStore;
  tokens: TokenStore;
  identityUrl: () => string;
  externalProjectOwner: () => string | undefined;
}

function callerOf(res: Response): { caller: Caller; roles: string[] } {
  const token = res.locals.token as TokenInfo;
  return { caller: { userId: token.userId, projectId: token.projectId ?? '', admin: isAdmin(token) }, roles: token.roles.map((r) => r.name) };
}

/** wsme.rest.args.args_from_body(): the JSON body argument, or a "Missing argument" for `name`. */
function bodyArg(req: Request, name: string): unknown {
  const bytes = bodyBytes(req);
  const mime = mimeType(req);
  if (bytes.length === 0 || mime === 'application/x-www-form-urlencoded') throw new ClientSideError(`Missing argument: "${name}"`);
  if (!JSON_TYPES.includes(mime)) throw new ClientSideError(`Unknown mimetype: ${mime}`, 415);
  const text = utf8(bytes);
  const parsed = text === undefined ? undefined : parseJson(text);
  if (!parsed?.ok) throw new ClientSideError('Request is not in valid JSON format');
  return parsed.value;
}

/** Endpoints without query arguments reject any (WSME's UnknownArgument). */
function noParams(req: Request): void {
  const keys = [...new Set(queryParams(req).keys())];
  if (keys.length) throw new ClientSideError(`Unknown argument: "${keys.join(', ')}"`);
}

function fault(res: Response, status: number, faultcode: 'Client' | 'Server', faultstring: string): void {
  if (res.headersSent) return;
  res.status(status).json({ error_message: { faultcode, faultstring, debuginfo: null } });
}

/** Pecan's own 404/405 pass through Aodh's ParsableErrorMiddleware as a plain string. */
function pecanError(res: Response, status: 404 | 405): void {
  const text = status === 404 ? '404 Not Found\n\nThe resource could not be found.\n\n   ' : '405 Method Not Allowed\n\nThe method is not allowed for this resource.\n\n   ';
  res.status(status).json({ error_message: text });
}

export function aodhRouter(o: RouteOptions): express.Router {
  const { store } = o;
  const r = express.Router();
  r.use(requestId());
  r.get('/', (req, res) => {
    res.json({
      versions: {
        values: [
          {
            status: 'stable',
            'media-types': [
              { base: 'application/json', type: 'application/vnd.openstack.telemetry-v2+json' },
              { base: 'application/xml', type: 'application/vnd.openstack.telemetry-v2+xml' },
            ],
            id: 'v2',
            updated: '2013-02-13T00:00:00Z',
            links: [
              { href: `${serviceBase(req)}/v2`, rel: 'self' },
              { href: 'https://docs.openstack.org/', type: 'text/html', rel: 'describedby' },
            ],
          },
        ],
      },
    });
  });
  r.use(requireToken(o.tokens, o.identityUrl));
  r.use(rawBody(10 * 1024 * 1024));

  const parseAlarm = (req: Request, caller: Caller): Record<string, unknown> | null => {
    const data = parseBody(ALARM_TYPE, bodyArg(req, 'data'));
    if (data) validateAlarm(data, { caller, externalProjectOwner: o.externalProjectOwner() });
    return data;
  };

  r.route('/v2/alarms')
    .get((req, res) => {
      const { caller } = callerOf(res);
      const params = parseListParams(queryParams(req), ['sort', 'limit', 'marker']);
      res.json(store.list(params, caller).map(apiView));
    })
    .post((req, res) => {
      noParams(req);
      const { caller, roles } = callerOf(res);
      const data = parseAlarm(req, caller);
      if (!data) throw new PyServerError("'NoneType' object has no attribute 'alarm_id'");
      const alarm = store.create(data, caller, roles);
      res.status(201).setHeader('Location', `${serviceBase(req)}/v2/alarms/${alarm.alarm_id}`);
      res.json(apiView(alarm));
    })
    .all((_req, res) => pecanError(res, 405));

  r.route('/v2/alarms/:id')
    .get((req, res) => {
      noParams(req);
      res.json(apiView(store.find(req.params.id as string, callerOf(res).caller)));
    })
    .put((req, res) => {
      noParams(req);
      const { caller, roles } = callerOf(res);
      const data = parseAlarm(req, caller);
      if (!data) {
        store.find(req.params.id as string, caller);
        throw new PyServerError("'NoneType' object has no attribute 'alarm_id'");
      }
      res.json(apiView(store.replace(req.params.id as string, data, caller, roles)));
    })
    .delete((req, res) => {
      noParams(req);
      store.remove(req.params.id as string, callerOf(res).caller);
      res.status(204).end();
    })
    .all((_req, res) => pecanError(res, 405));

  r.route('/v2/alarms/:id/state')
    .get((req, res) => {
      noParams(req);
      res.json(store.find(req.params.id as string, callerOf(res).caller).state);
    })
    .put((req, res) => {
      noParams(req);
      const { caller } = callerOf(res);
      const state = bodyArg(req, 'state');
      store.find(req.params.id as string, caller);
      // WSME does not validate this body (launchpad bug 1227229); the controller does.
      if (typeof state !== 'string' || !(STATES as readonly string[]).includes(state)) throw new ClientSideError('state invalid');
      res.json(store.setState(req.params.id as string, state as AlarmState, { caller }).state);
    })
    .all((_req, res) => pecanError(res, 405));

  r.route('/v2/alarms/:id/history')
    .get((req, res) => {
      const params = parseListParams(queryParams(req), ['sort', 'limit', 'marker']);
      res.json(store.history(req.params.id as string, params, callerOf(res).caller).map(changeView));
    })
    .all((_req, res) => pecanError(res, 405));

  r.use((_req, res) => pecanError(res, 404));
  r.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof ClientSideError) return fault(res, err.status, 'Client', err.message);
    if (err instanceof RbacFailure) return fault(res, 403, 'Server', err.message);
    const status = (err as { status?: number })?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) return fault(res, status, 'Client', (err as Error).message);
    fault(res, 500, 'Server', err instanceof Error ? err.message : String(err));
  });
  return r;
}
