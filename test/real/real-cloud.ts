// Shared helpers of the real-cloud suite (test/real/*.real.ts): credentials from the
// test cloud's clouds.yaml, vmha's clients against it, and raw REST helpers.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolveCredentials, type Credentials } from '../../src/config/clouds.ts';
import { memoryLogger } from '../../src/log.ts';
import { createClients, type OpenStackClients } from '../../src/openstack/index.ts';
import type { HttpResponse } from '../../src/openstack/http.ts';
import { OpenStackError } from '../../src/openstack/errors.ts';
import { FatalError, until } from '../helpers/wait.ts';

export const CLOUDS_YAML = process.env.OS_CLIENT_CONFIG_FILE || '/var/lib/vmha-testcloud/clouds.yaml';
export const NOVA_MV = '2.93';
export const FLAVOR = 'vmha-tiny';
export const IMAGE_NAME = 'vmha-raw-1m';

export function realCreds(cloud = 'vmha-test'): Credentials {
  return resolveCredentials({ cloud, env: { OS_CLIENT_CONFIG_FILE: CLOUDS_YAML }, cwd: '/nonexistent', home: '/nonexistent' });
}

export function realClients(cloud = 'vmha-test', override: Partial<Credentials> = {}): OpenStackClients {
  const { logger } = memoryLogger();
  return createClients({ ...realCreds(cloud), ...override }, { logger, timeoutMs: 60_000 });
}

export { FatalError };

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** until() with the real cloud's pace: 90 s, a poll a second. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 90_000, everyMs = 1000): Promise<T> {
  return until(what, check, timeoutMs, everyMs) as Promise<T>;
}

export function novaHeaders(mv = NOVA_MV): Record<string, string> {
  return { 'OpenStack-API-Version': `compute ${mv}`, 'X-OpenStack-Nova-API-Version': mv };
}

export async function nova<T = Record<string, unknown>>(
  c: OpenStackClients,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<HttpResponse<T>> {
  return c.session.request<T>('compute', { service: 'nova', method, path, body, headers: novaHeaders() });
}

let imageIdCache: string | undefined;
export async function imageId(c: OpenStackClients): Promise<string> {
  if (!imageIdCache) {
    const res = await c.session.request<{ images: { id: string }[] }>('image', { service: 'glance', method: 'GET', path: `/v2/images?name=${IMAGE_NAME}` });
    const img = res.body.images[0];
    if (!img) throw new Error(`image ${IMAGE_NAME} not found`);
    imageIdCache = img.id;
  }
  return imageIdCache;
}

export interface RawServer {
  id: string;
  status: string;
  'OS-EXT-SRV-ATTR:host'?: string | null;
  'OS-EXT-STS:task_state'?: string | null;
  fault?: { message?: string };
}

/** Boots a server on `host` (admin-only "nova:<host>" zone); returns its id immediately. */
export async function bootServer(c: OpenStackClients, name: string, host?: string): Promise<string> {
  const server: Record<string, unknown> = { name, flavorRef: FLAVOR, imageRef: await imageId(c), networks: 'none' };
  if (host) server.availability_zone = `nova:${host}`;
  const res = await nova<{ server: { id: string } }>(c, 'POST', '/servers', { server });
  return res.body.server.id;
}

export async function getRaw(c: OpenStackClients, id: string): Promise<RawServer> {
  return (await nova<{ server: RawServer }>(c, 'GET', `/servers/${id}`)).body.server;
}

/** Waits until the server is ACTIVE with no task_state (and on `host` if given); fails fast on ERROR. */
export async function waitActive(c: OpenStackClients, id: string, host?: string, timeoutMs = 120_000): Promise<RawServer> {
  return waitFor(`server ${id} ACTIVE${host ? ` on ${host}` : ''}`, async () => {
    const s = await getRaw(c, id);
    if (s.status === 'ERROR') throw new FatalError(`server ${id} went to ERROR: ${s.fault?.message ?? ''}`);
    return s.status === 'ACTIVE' && !s['OS-EXT-STS:task_state'] && (!host || s['OS-EXT-SRV-ATTR:host'] === host) ? s : undefined;
  }, timeoutMs);
}

/** Deletes servers (best effort) and waits until they are gone. */
export async function deleteServers(c: OpenStackClients, ids: string[]): Promise<void> {
  await Promise.all(
    ids.map(async (id) => {
      try {
        await nova(c, 'DELETE', `/servers/${id}`);
      } catch (err) {
        if (err instanceof OpenStackError && err.status === 404) return;
        // an action in flight: retry for a while
        await waitFor(`delete of ${id}`, async () => {
          try {
            await nova(c, 'DELETE', `/servers/${id}`);
            return true;
          } catch (e) {
            if (e instanceof OpenStackError && e.status === 404) return true;
            throw e;
          }
        }, 60_000, 2000).catch(() => undefined);
      }
      await waitFor(`server ${id} gone`, async () => {
        try {
          await getRaw(c, id);
          return false;
        } catch (e) {
          if (e instanceof OpenStackError && e.status === 404) return true;
          throw e;
        }
      }, 60_000, 1000).catch(() => undefined);
    }),
  );
}

/** Raw HTTP (no vmha client) for the fake-vs-real comparisons. */
export async function raw(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: unknown; text: string; headers: Headers }> {
  const res = await fetch(url, { method: init.method ?? 'GET', headers: init.headers, body: init.body });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, text, headers: res.headers };
}

/** The structural shape of a JSON value: object keys (sorted, recursively), types of leaves. */
export function shape(v: unknown, depth = 3): unknown {
  if (v === null) return 'null';
  if (Array.isArray(v)) return depth > 0 && v.length ? [shape(v[0], depth - 1)] : 'array';
  if (typeof v === 'object') {
    if (depth <= 0) return 'object';
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) out[k] = shape((v as Record<string, unknown>)[k], depth - 1);
    return out;
  }
  return typeof v;
}

/** The test cloud's control script (stop/start/kill one service, e.g. compute-1). */
export const CLOUD_SH = new URL('../cloud/cloud.sh', import.meta.url).pathname;

export async function cloudSh(...args: string[]): Promise<void> {
  await promisify(execFile)('bash', [CLOUD_SH, ...args], { timeout: 180_000 });
}

type RawServerFull = RawServer & { tenant_id?: string; user_id?: string; name?: string };

/**
 * Boots a server on `host` with metadata HA_Enabled=True (or without, `ha: false`), waits
 * for ACTIVE and creates its Gnocchi instance resource, as Ceilometer would.
 */
export async function haServer(c: OpenStackClients, prefix: string, host: string, servers: string[], resources: string[], ha = true): Promise<string> {
  const metadata = ha ? { HA_Enabled: 'True' } : {};
  const boot = await nova<{ server: { id: string } }>(c, 'POST', '/servers', {
    server: { name: `${prefix}-${Date.now()}`, flavorRef: FLAVOR, imageRef: await imageId(c), networks: 'none', availability_zone: `nova:${host}`, metadata },
  });
  const id = boot.body.server.id;
  servers.push(id);
  const s = (await waitActive(c, id, host)) as RawServerFull;
  await c.session.request('metric', {
    service: 'gnocchi',
    method: 'POST',
    path: '/v1/resource/instance',
    body: { id, display_name: s.name ?? prefix, flavor_id: FLAVOR, image_ref: await imageId(c), host, project_id: s.tenant_id, user_id: s.user_id },
  });
  resources.push(id);
  return id;
}
