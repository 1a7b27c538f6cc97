// Serves one fake's router on 127.0.0.1 for a test, plus small HTTP and sample helpers.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { Clock } from '../../src/domain/clock.ts';

/** ../shared/openstack/samples beside the repository, wherever the clone lives. */
export const SAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/openstack/samples');

export function sample<T = unknown>(rel: string): T {
  return JSON.parse(fs.readFileSync(path.join(SAMPLES, rel), 'utf8')) as T;
}

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(public ms = Date.UTC(2026, 0, 1, 10, 0, 0)) {}
  now(): number {
    return this.ms;
  }
  async sleep(ms: number): Promise<void> {
    this.ms += ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface Served {
  /** Base URL of the mounted router, e.g. http://127.0.0.1:4321/alarming */
  base: string;
  close(): Promise<void>;
}

export async function serve(mount: string, router: express.Router): Promise<Served> {
  const app = express();
  app.disable('x-powered-by');
  app.use(mount, router);
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}${mount}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON body; undefined when the body is empty or not JSON. */
  json: any;
}

/** fetch() wrapper: objects are sent as JSON unless `raw` is given; a Content-Type may be forced. */
export async function call(
  url: string,
  opts: { method?: string; token?: string; headers?: Record<string, string>; body?: unknown; raw?: string; contentType?: string | null } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers['X-Auth-Token'] = opts.token;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined && opts.contentType !== null) headers['Content-Type'] = opts.contentType ?? 'application/json';
  // fetch() labels a string body text/plain; bytes go out without a Content-Type.
  const payload = body === undefined ? undefined : opts.contentType === null ? new TextEncoder().encode(body) : body;
  const res = await fetch(url, { method: opts.method ?? (body === undefined ? 'GET' : 'POST'), headers, ...(payload !== undefined ? { body: payload } : {}) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** keystonemiddleware's 401 body. */
export const UNAUTHORIZED = {
  error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' },
};
