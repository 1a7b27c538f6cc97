// Raw request bodies for the fakes. Each service answers a malformed body with its
// own error format, so the fakes read bytes and parse them themselves instead of
// letting express.json() answer with its HTML error page.
import express from 'express';
import type { Request } from 'express';

/** Reads every request body as a Buffer (req.body), whatever its Content-Type. */
export function rawBody(limitBytes: number) {
  return express.raw({ type: () => true, limit: limitBytes });
}

/** The request body as bytes; empty when there was none. */
export function bodyBytes(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

/** Decodes UTF-8 strictly: undefined when the bytes are not valid UTF-8. */
export function utf8(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Parses JSON text; `{ ok: false }` instead of throwing. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** The media type of the request without parameters, lower-cased; '' when absent. */
export function mimeType(req: Request): string {
  const header = req.header('content-type') ?? '';
  return (header.split(';')[0] ?? '').trim().toLowerCase();
}

/** Absolute URL of the service root this router is mounted at, e.g. http://127.0.0.1:4000/alarming */
export function serviceBase(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}${req.baseUrl}`;
}

/** Query parameters exactly as sent (repeated keys kept, dots not interpreted). */
export function queryParams(req: Request): URLSearchParams {
  const q = req.originalUrl.indexOf('?');
  return new URLSearchParams(q === -1 ? '' : req.originalUrl.slice(q + 1));
}
