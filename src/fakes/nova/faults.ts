// Nova's error responses: a fault name per status (nova/api/openstack/wsgi.py
// Fault._fault_names) wrapping {code, message}. Handlers throw NovaFault and the
// pipeline renders it, so every rejection has exactly one shape.

const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

/** An HTTP error as nova's API layer raises it (webob.exc.HTTP* wrapped in Fault). */
export class NovaFault extends Error {
  constructor(
    readonly code: number,
    readonly explanation: string,
  ) {
    super(explanation);
    this.name = 'NovaFault';
  }
}

/** The JSON body nova sends for an error. */
export function faultBody(code: number, message: string): Record<string, { code: number; message: string }> {
  return { [FAULT_NAMES[code] ?? 'computeFault']: { code, message } };
}

export const badRequest = (message: string): NovaFault => new NovaFault(400, message);
export const notFound = (message: string): NovaFault => new NovaFault(404, message);
export const conflict = (message: string): NovaFault => new NovaFault(409, message);

/** oslo.policy's PolicyNotAuthorized, as nova reports it. */
export const policyForbidden = (rule: string): NovaFault =>
  new NovaFault(403, `Policy doesn't allow ${rule} to be performed.`);

/** webob's HTTPNotFound without an explanation (unknown route, or a route not in this microversion). */
export const resourceNotFound = (): NovaFault => new NovaFault(404, 'The resource could not be found.');

export const instanceNotFound = (id: string): NovaFault => notFound(`Instance ${id} could not be found.`);

/** common.raise_http_conflict_for_instance_invalid_state */
export function invalidState(action: string, serverId: string, attr: 'vm_state' | 'task_state', state: string | null): NovaFault {
  return conflict(`Cannot '${action}' instance ${serverId} while it is in ${attr} ${state ?? 'None'}`);
}

export const instanceLocked = (id: string): NovaFault => conflict(`Instance ${id} is locked`);

/** Admin-only rules the fake enforces (all default to admin upstream). */
export const POLICY = {
  migrateLive: 'os_compute_api:os-migrate-server:migrate_live',
  migrateLiveHost: 'os_compute_api:os-migrate-server:migrate_live:host',
  evacuate: 'os_compute_api:os-evacuate',
  servicesList: 'os_compute_api:os-services:list',
  servicesUpdate: 'os_compute_api:os-services:update',
  migrationsIndex: 'os_compute_api:os-migrations:index',
  serverMigrationsIndex: 'os_compute_api:servers:migrations:index',
  serverMigrationsShow: 'os_compute_api:servers:migrations:show',
  detailAllTenants: 'os_compute_api:servers:detail:get_all_tenants',
  indexAllTenants: 'os_compute_api:servers:index:get_all_tenants',
} as const;
