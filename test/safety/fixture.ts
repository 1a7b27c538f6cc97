// Shared pieces of the safety tests: fence scripts in a temp dir, a watch on every Nova
// write the service makes (with the fake's view of the source host at that moment),
// admin API calls, and alarms posted exactly as Aodh posts them.
import fs from 'node:fs';
import path from 'node:path';
import type { FakeCloud } from '../../src/fakes/cloud.ts';
import type { OpenStackClients } from '../../src/openstack/index.ts';
import { aodhBody, postLikeAodh, thresholdTransition, type PostResult } from '../helpers/aodh-notifier.ts';
import type { ServiceFixture } from '../helpers/service.ts';
import { tmpDir } from '../helpers/tmp.ts';

export interface FenceScripts {
  dir: string;
  ok: string;
  fail: string;
  hang: string;
  log: string;
  /** Lines the scripts logged: "<host> <workflow>" per call. */
  calls(): string[];
  cleanup(): void;
}

/** A fence that succeeds and records its call, one that fails, one that hangs. */
export function fenceScripts(): FenceScripts {
  const t = tmpDir('vmha-fence-');
  const log = path.join(t.dir, 'calls.log');
  const script = (name: string, body: string): string => {
    const file = t.write(name, `#!/bin/sh\n${body}\n`);
    fs.chmodSync(file, 0o755);
    return file;
  };
  return {
    dir: t.dir,
    log,
    ok: script('fence-ok.sh', 'echo "$2 $3" >> "$1"\necho "Chassis Power Control: Down/Off"'),
    fail: script('fence-fail.sh', 'echo "$2 $3" >> "$1"\necho "Error: Unable to establish IPMI v2 / RMCP+ session" >&2\nexit 1'),
    hang: script('fence-hang.sh', 'echo "$2 $3" >> "$1"\nsleep 30'),
    calls: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : []),
    cleanup: t.cleanup,
  };
}

/** Safety settings for fast tests, with the host workflow on and `fence` as its command. */
/**
 * Mocha hooks for a describe whose tests each start their own service: fresh fence
 * scripts and an empty Nova call record before each test (handed to `set`), and the
 * service stopped and the scripts removed after it (read through `get`).
 */
export function freshPerTest(set: (fence: FenceScripts, calls: NovaCall[]) => void, get: () => { f: ServiceFixture | undefined; fence: FenceScripts }): void {
  beforeEach(() => set(fenceScripts(), []));
  afterEach(async () => {
    const { f, fence } = get();
    await f?.stop();
    fence.cleanup();
  });
}

export function safetyOverrides(fence: string | null, log: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { host_failure, guard, instance, ...rest } = extra as { host_failure?: object; guard?: object; instance?: object };
  return {
    instance: { cooldown_s: 0, ...instance },
    host_failure: {
      enabled: fence !== null,
      settle_s: 0.05,
      correlate_s: 0.3,
      ...(fence ? { fence: { command: [fence, log, '{host}', '{workflow}'], timeout_s: 5 } } : {}),
      ...host_failure,
    },
    guard: { census_interval_s: 0.2, ...guard },
    ...rest,
  };
}

export interface NovaCall {
  method: string;
  args: unknown[];
  /** For evacuate: the source host and whether the fake reported its compute service up right then. */
  sourceHost?: string | null;
  sourceUp?: boolean;
}

const WRITES = new Set(['evacuate', 'liveMigrate', 'reboot', 'rebuild', 'disableService', 'enableService', 'forceDown']);

/** Wraps the service's Nova client: records every write, and the source's state at each evacuate. */
export function watchNova(calls: NovaCall[]): (clients: OpenStackClients, cloud: FakeCloud) => OpenStackClients {
  return (clients, cloud) => {
    const nova = new Proxy(clients.nova, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        const fn = (value as (...a: unknown[]) => unknown).bind(target);
        if (!WRITES.has(String(prop))) return fn;
        return (...args: unknown[]) => {
          const call: NovaCall = { method: String(prop), args };
          if (prop === 'evacuate') {
            const server = cloud.nova.model.getServer(String(args[0]));
            const svc = server?.host ? cloud.nova.model.computeService(server.host) : undefined;
            call.sourceHost = server?.host ?? null;
            call.sourceUp = svc ? cloud.nova.model.isServiceUp(svc) : false;
          }
          calls.push(call);
          return fn(...args);
        };
      },
    });
    return { ...clients, nova };
  };
}

/** Posts an alarm (or ok) transition for a seeded server, as Aodh would. */
export function alarm(s: { url: string; alarmName: string; alarmId: string }, current: 'alarm' | 'ok' = 'alarm', value = 999): Promise<PostResult> {
  return postLikeAodh(s.url, aodhBody(thresholdTransition(s.alarmName, s.alarmId, current, value)));
}

/** Calls the admin API of the running service with the vmha user's (admin) token. */
export async function admin<T = Record<string, unknown>>(f: ServiceFixture, method: string, p: string, body?: unknown): Promise<{ status: number; body: T }> {
  const token = await f.clients.session.getToken();
  const res = await fetch(`${f.service.url}/v1/admin${p}`, {
    method,
    headers: { 'X-Auth-Token': token.id, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Journal events after `seq` of the given type prefix (safety events have incident_id null). */
export function events(f: ServiceFixture, prefix: string): { type: string; data: Record<string, unknown>; seq: number }[] {
  return f.service.journal.eventsSince(0, 100_000).filter((e) => e.type.startsWith(prefix));
}
