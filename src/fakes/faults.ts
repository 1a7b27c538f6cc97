// Fault injection for the fakes: the failures a real cloud produces (a 503 from a
// restarting API, a slow answer, a dropped connection) on demand, per service.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export type ServiceName = 'identity' | 'compute' | 'alarming' | 'metric';

export interface FaultRule {
  service: ServiceName;
  /** HTTP method to match; any when absent. */
  method?: string;
  /** Matched against the path below the service prefix, e.g. /v2.1/servers/x/action. */
  path?: RegExp;
  /** Answer with this status and the service's own error body. */
  status?: number;
  /** Wait this long before answering (or before applying `status`). */
  delayMs?: number;
  /** Destroy the socket without an answer. */
  drop?: boolean;
  /** How many matching requests this rule applies to; unlimited when absent. */
  times?: number;
}

/** Error bodies in each service's own format for an injected status. */
function errorBody(service: ServiceName, status: number): unknown {
  const message = `Injected fault ${status}`;
  switch (service) {
    case 'compute': {
      const names: Record<number, string> = {
        400: 'badRequest',
        403: 'forbidden',
        404: 'itemNotFound',
        409: 'conflictingRequest',
        415: 'badMediaType',
        503: 'serviceUnavailable',
      };
      return { [names[status] ?? 'computeFault']: { code: status, message } };
    }
    case 'alarming':
      return { error_message: { faultcode: status >= 500 ? 'Server' : 'Client', faultstring: message, debuginfo: null } };
    case 'metric':
      return { code: status, description: message, title: 'Error' };
    case 'identity':
      return { error: { code: status, message, title: 'Error' } };
  }
}

export class FaultInjector {
  private rules: FaultRule[] = [];

  add(rule: FaultRule): void {
    this.rules.push({ ...rule });
  }

  clear(): void {
    this.rules = [];
  }

  middleware(service: ServiceName) {
    return (req: Request, res: Response, next: NextFunction): void => {
      const rule = this.rules.find(
        (r) =>
          r.service === service &&
          (r.method === undefined || r.method.toUpperCase() === req.method) &&
          (r.path === undefined || r.path.test(req.path)) &&
          (r.times === undefined || r.times > 0),
      );
      if (!rule) return next();
      if (rule.times !== undefined) rule.times -= 1;
      const apply = (): void => {
        if (rule.drop) {
          req.socket.destroy();
          return;
        }
        if (rule.status !== undefined) {
          // Real services answer their errors with a request id too.
          const id = `req-${randomUUID()}`;
          res.setHeader('x-openstack-request-id', id);
          if (service === 'compute') res.setHeader('x-compute-request-id', id);
          res.status(rule.status).json(errorBody(service, rule.status));
          return;
        }
        next();
      };
      if (rule.delayMs) setTimeout(apply, rule.delayMs).unref();
      else apply();
    };
  }
}
