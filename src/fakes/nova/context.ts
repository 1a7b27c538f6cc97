// What every nova handler receives: the caller, the negotiated microversion,
// the decoded body and query, and how to build links, plus the route table type.
import type { Request } from 'express';
import type { TokenInfo } from '../common.ts';
import { isSupported, type Microversion } from './microversion.ts';
import type { NovaModel } from './model.ts';

/** The query string as webob's MultiDict sees it: ordered, repeatable keys. */
export class QueryParams {
  constructor(readonly entries: [string, string][]) {}

  static fromUrl(url: string): QueryParams {
    const i = url.indexOf('?');
    if (i < 0) return new QueryParams([]);
    return new QueryParams([...new URLSearchParams(url.slice(i + 1)).entries()]);
  }

  has(key: string): boolean {
    return this.entries.some(([k]) => k === key);
  }

  /** The last value, as MultiDict[key] returns. */
  get(key: string): string | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i]![0] === key) return this.entries[i]![1];
    return undefined;
  }

  getAll(key: string): string[] {
    return this.entries.filter(([k]) => k === key).map(([, v]) => v);
  }

  keys(): string[] {
    return [...new Set(this.entries.map(([k]) => k))];
  }

  /** req.GET.dict_of_lists(), what nova's query schemas validate. */
  toDict(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [k, v] of this.entries) (out[k] ??= []).push(v);
    return out;
  }
}

export interface NovaContext {
  req: Request;
  model: NovaModel;
  token: TokenInfo;
  /** The token carries the admin role (what every admin policy checks here). */
  admin: boolean;
  version: Microversion;
  versionString: string;
  requestId: string;
  /** Decoded JSON body of a POST/PUT; null when the body is empty. */
  body: unknown;
  query: QueryParams;
  /** e.g. http://127.0.0.1:8774/compute/v2.1 (plus /<project_id> when the URL carried it). */
  appUrl: string;
  /** The same without the version, for bookmark links. */
  bookmarkUrl: string;
  /** True when the request's microversion is at least `min` (and at most `max`). */
  at(min: string, max?: string): boolean;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (ctx: NovaContext, params: Record<string, string>) => Reply | Promise<Reply>;

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Matched against the path below /v2.1 (and the project id); named groups become params. */
  path: RegExp;
  handler?: Handler;
  /**
   * POST .../action: handlers by action name. The name is peeked from the body
   * (exactly one key) before the body is decoded, as wsgi.action_peek does.
   */
  actions?: Record<string, Handler>;
  /** Microversion range in which the route exists; outside it nova answers 404. */
  minVersion?: string;
  maxVersion?: string;
}

export function routeAvailable(route: Route, v: Microversion): boolean {
  return isSupported(v, route.minVersion ?? '2.1', route.maxVersion);
}
