// The one place that sends HTTP to OpenStack: logs every call with its
// x-openstack-request-id and duration, and maps every failure to a typed error.
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { Clock } from '../domain/clock.ts';
import type { Logger } from '../log.ts';
import { errorForStatus, extractDetail, Transient, type OpenStackError } from './errors.ts';

export interface HttpOptions {
  logger: Logger;
  clock: Clock;
  timeoutMs: number;
  verify: boolean;
  caCert?: string;
}

export interface HttpRequest {
  service: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Extra fields for the log line (server id, alarm id, ...). */
  context?: Record<string, unknown>;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  body: T;
  requestId: string | undefined;
}

/** Sends one request; resolves for 2xx/3xx and rejects with a typed OpenStackError otherwise. */
export class HttpTransport {
  private readonly axios: AxiosInstance;

  constructor(private readonly opts: HttpOptions) {
    this.axios = axios.create({
      timeout: opts.timeoutMs,
      // We map statuses ourselves; axios must not throw on them.
      validateStatus: () => true,
      maxRedirects: 0,
      httpsAgent: new https.Agent({ keepAlive: true, rejectUnauthorized: opts.verify, ca: opts.caCert }),
      transitional: { clarifyTimeoutError: true },
      // Keep bodies as text: error bodies are not always JSON, and we parse ourselves.
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
    });
  }

  async send<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>> {
    const started = this.opts.clock.now();
    const headers: Record<string, string> = { Accept: 'application/json', ...req.headers };
    if (req.body !== undefined && !headers['Content-Type']) headers['Content-Type'] = 'application/json';
    let res: AxiosResponse<string>;
    try {
      res = await this.axios.request<string>({
        method: req.method,
        url: req.url,
        headers,
        data: req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body),
      });
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'ERROR';
      const detail = code === 'ETIMEDOUT' || code === 'ECONNABORTED' ? `timed out after ${this.opts.timeoutMs} ms` : `connection failed (${code})`;
      this.opts.logger.warn('openstack call failed', {
        service: req.service,
        method: req.method,
        url: req.url,
        error: detail,
        duration_ms: this.opts.clock.now() - started,
        ...req.context,
      });
      throw new Transient({ service: req.service, method: req.method, url: req.url, detail }, err);
    }
    const resHeaders = flattenHeaders(res.headers as Record<string, unknown>);
    const requestId = resHeaders['x-openstack-request-id'] ?? resHeaders['x-compute-request-id'];
    const body = parseBody(res.data, resHeaders['content-type']);
    const durationMs = this.opts.clock.now() - started;
    const line = {
      service: req.service,
      method: req.method,
      url: req.url,
      status: res.status,
      duration_ms: durationMs,
      request_id: requestId,
      ...req.context,
    };
    if (res.status >= 400) {
      this.opts.logger.warn('openstack call rejected', { ...line, detail: extractDetail(body) });
      const ErrorClass = errorForStatus(res.status);
      const error: OpenStackError = new ErrorClass({
        service: req.service,
        method: req.method,
        url: req.url,
        status: res.status,
        requestId,
        detail: extractDetail(body) ?? `HTTP ${res.status}`,
      });
      throw error;
    }
    this.opts.logger.info('openstack call', line);
    return { status: res.status, headers: resHeaders, body: body as T, requestId };
  }
}

function flattenHeaders(raw: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined || v === null) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

function parseBody(data: string | undefined, contentType: string | undefined): unknown {
  if (data === undefined || data === '') return undefined;
  if (contentType?.includes('json') || /^[[{"]/.test(data.trimStart())) {
    try {
      return JSON.parse(data);
    } catch {
      return data;
    }
  }
  return data;
}
