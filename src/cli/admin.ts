// CLI commands that talk to a running `vmha serve` through its admin API, with a
// Keystone token from the operator's own credentials: `vmha incidents`, `vmha limits`.
import axios from 'axios';
import YAML from 'yaml';
import type { LimitSettings } from '../limits/limits.ts';
import { guard, type CliContext } from './context.ts';
import { EXIT } from './io.ts';

export class AdminError extends Error {}

/** Base URL of the local service: --url, else webhook.listen (a wildcard address means loopback). */
export function serviceUrl(ctx: CliContext, flag: string | undefined): string {
  if (flag) return flag.replace(/\/+$/, '');
  const listen = ctx.config().webhook.listen.replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[::\]:/, '[::1]:');
  return `http://${listen}`;
}

export async function adminCall<T>(ctx: CliContext, url: string, method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown): Promise<T> {
  const token = await ctx.clients().session.getToken();
  let res;
  try {
    res = await axios.request({ method, url: `${url}/v1/admin${path}`, data: body, headers: { 'X-Auth-Token': token.id }, validateStatus: () => true, timeout: 15_000 });
  } catch (err) {
    throw new AdminError(`cannot reach vmha serve at ${url}: ${(err as { code?: string }).code ?? (err as Error).message}`);
  }
  if (res.status >= 400) {
    const msg = (res.data as { error?: { message?: string } })?.error?.message ?? `HTTP ${res.status}`;
    throw new AdminError(`vmha serve answered ${res.status}: ${msg}`);
  }
  return res.data as T;
}

export function out(ctx: CliContext, data: unknown, human: () => string): void {
  ctx.io.stdout(ctx.globals.json ? JSON.stringify(data, null, 2) + '\n' : human());
}

export async function guardAdmin(ctx: CliContext, body: () => Promise<number>): Promise<number> {
  return guard(ctx.io, async () => {
    try {
      return await body();
    } catch (err) {
      if (err instanceof AdminError) {
        ctx.io.stderr(`vmha: ${err.message}\n`);
        return EXIT.FAILED;
      }
      throw err;
    }
  });
}

interface IncidentRow {
  id: string;
  instanceId: string;
  state: string;
  openedAt: number;
  reason: string;
  actions: { action: string; outcome?: string }[];
}

export function incidentsList(ctx: CliContext, opts: { url?: string; state?: string; limit?: string }): Promise<number> {
  return guardAdmin(ctx, async () => {
    const q = new URLSearchParams();
    if (opts.state) q.set('state', opts.state);
    if (opts.limit) q.set('limit', opts.limit);
    const data = await adminCall<{ incidents: IncidentRow[] }>(ctx, serviceUrl(ctx, opts.url), 'GET', `/incidents${q.size ? `?${q}` : ''}`);
    out(ctx, data, () => {
      const rows = data.incidents.map((i) => [
        i.id,
        i.instanceId,
        i.state,
        new Date(i.openedAt).toISOString(),
        i.actions.map((a) => `${a.action}${a.outcome ? `:${a.outcome}` : ''}`).join(',') || '-',
        i.reason,
      ]);
      return table(['INCIDENT', 'SERVER', 'STATE', 'OPENED', 'ACTIONS', 'REASON'], rows);
    });
    return EXIT.OK;
  });
}

export function incidentsShow(ctx: CliContext, id: string, opts: { url?: string }): Promise<number> {
  return guardAdmin(ctx, async () => {
    const data = await adminCall<{ incident: IncidentRow; timeline: { at: number; type: string; data: Record<string, unknown> }[] }>(
      ctx,
      serviceUrl(ctx, opts.url),
      'GET',
      `/incidents/${encodeURIComponent(id)}`,
    );
    out(ctx, data, () => {
      const head = `incident ${data.incident.id}\nserver   ${data.incident.instanceId}\nstate    ${data.incident.state}\nreason   ${data.incident.reason}\n\n`;
      const rows = data.timeline.map((e) => [new Date(e.at).toISOString(), e.type, summarize(e.data)]);
      return head + table(['TIME', 'EVENT', 'DETAILS'], rows);
    });
    return EXIT.OK;
  });
}

export function limitsShow(ctx: CliContext, opts: { url?: string }): Promise<number> {
  return guardAdmin(ctx, async () => {
    const data = await adminCall<unknown>(ctx, serviceUrl(ctx, opts.url), 'GET', '/limits');
    out(ctx, data, () => YAML.stringify(data));
    return EXIT.OK;
  });
}

export function limitsSet(
  ctx: CliContext,
  opts: { url?: string; globalPerWindow?: string; globalWindow?: string; globalConcurrency?: string; hostConcurrency?: string; hostPerWindow?: string; hostWindow?: string },
): Promise<number> {
  return guardAdmin(ctx, async () => {
    const url = serviceUrl(ctx, opts.url);
    const current = (await adminCall<{ settings: LimitSettings }>(ctx, url, 'GET', '/limits')).settings;
    const num = (v: string | undefined, name: string, fallback: number): number => {
      if (v === undefined) return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new AdminError(`--${name} must be a positive integer, got '${v}'`);
      return n;
    };
    const next: LimitSettings = {
      global: {
        perWindow: num(opts.globalPerWindow, 'global-per-window', current.global.perWindow),
        windowSeconds: num(opts.globalWindow, 'global-window', current.global.windowSeconds),
        concurrency: num(opts.globalConcurrency, 'global-concurrency', current.global.concurrency),
      },
      perHost: {
        concurrency: num(opts.hostConcurrency, 'host-concurrency', current.perHost.concurrency),
        perWindow: num(opts.hostPerWindow, 'host-per-window', current.perHost.perWindow),
        windowSeconds: num(opts.hostWindow, 'host-window', current.perHost.windowSeconds),
      },
    };
    const data = await adminCall<unknown>(ctx, url, 'PUT', '/limits', next);
    out(ctx, data, () => YAML.stringify(data));
    return EXIT.OK;
  });
}

function summarize(data: Record<string, unknown>): string {
  return Object.entries(data)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

/** A plain left-aligned text table. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}
