// The closed set of failures an OpenStack call can end in. Code branches on the
// class (instanceof / kind), never on message text (STYLE.md, habit 3).

export type OpenStackErrorKind =
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'Conflict'
  | 'Invalid'
  | 'Transient';

export interface OpenStackErrorInfo {
  service: string;
  method: string;
  url: string;
  status?: number;
  requestId?: string;
  /** The service's own message, extracted from its error body. */
  detail?: string;
}

export abstract class OpenStackError extends Error {
  abstract readonly kind: OpenStackErrorKind;
  readonly service: string;
  readonly method: string;
  readonly url: string;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly detail: string | undefined;

  constructor(info: OpenStackErrorInfo, cause?: unknown) {
    const where = `${info.service} ${info.method} ${info.url}`;
    const status = info.status === undefined ? '' : ` ${info.status}`;
    const rid = info.requestId ? ` (request ${info.requestId})` : '';
    super(`${where}${status}: ${info.detail ?? 'failed'}${rid}`, cause === undefined ? undefined : { cause });
    this.service = info.service;
    this.method = info.method;
    this.url = info.url;
    this.status = info.status;
    this.requestId = info.requestId;
    this.detail = info.detail;
  }
}

/** 401: credentials wrong or token rejected after a fresh authentication. */
export class Unauthorized extends OpenStackError {
  readonly kind = 'Unauthorized' as const;
}
/** 403: policy forbids the call; retrying will not help. */
export class Forbidden extends OpenStackError {
  readonly kind = 'Forbidden' as const;
}
/** 404: the resource (or endpoint, or API at this microversion) does not exist. */
export class NotFound extends OpenStackError {
  readonly kind = 'NotFound' as const;
}
/** 409: the resource is busy (a task_state is set) or in a state that forbids the call. */
export class Conflict extends OpenStackError {
  readonly kind = 'Conflict' as const;
}
/** 400/406/413/415/422 and other refusals of the request itself, incl. a too-old cloud. */
export class Invalid extends OpenStackError {
  readonly kind = 'Invalid' as const;
}
/** 5xx, connection refused or reset, timeout: the same call may succeed later. */
export class Transient extends OpenStackError {
  readonly kind = 'Transient' as const;
}

/** Maps an HTTP status to the error class for it. */
export function errorForStatus(status: number): new (info: OpenStackErrorInfo, cause?: unknown) => OpenStackError {
  if (status === 401) return Unauthorized;
  if (status === 403) return Forbidden;
  if (status === 404) return NotFound;
  if (status === 409) return Conflict;
  if (status === 408 || status === 429 || status >= 500) return Transient;
  return Invalid;
}

/** Pulls the human message out of any OpenStack error body format. */
export function extractDetail(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim().slice(0, 500) || undefined;
  if (!body || typeof body !== 'object') return undefined;
  const obj = body as Record<string, unknown>;
  // Keystone: {"error": {"message"}}; Aodh: {"error_message": {"faultstring"}};
  // Gnocchi: {"description": string | {cause, reason, detail}}; Nova: {"<faultName>": {"message"}}.
  const err = obj.error as Record<string, unknown> | undefined;
  if (err && typeof err.message === 'string') return err.message;
  const em = obj.error_message as Record<string, unknown> | undefined;
  if (em && typeof em.faultstring === 'string') return em.faultstring;
  if (typeof obj.description === 'string') return obj.description;
  if (obj.description && typeof obj.description === 'object') {
    const d = obj.description as Record<string, unknown>;
    const parts = [d.cause, d.reason].filter((p) => typeof p === 'string');
    const detail = d.detail === undefined ? '' : ` ${JSON.stringify(d.detail)}`;
    if (parts.length) return parts.join(': ') + detail;
  }
  for (const value of Object.values(obj)) {
    if (value && typeof value === 'object' && typeof (value as Record<string, unknown>).message === 'string') {
      return (value as Record<string, unknown>).message as string;
    }
  }
  if (typeof obj.message === 'string') return obj.message;
  return undefined;
}
