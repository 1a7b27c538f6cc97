// A fake Nova alone on 127.0.0.1 with tokens for an admin and two projects,
// plus helpers to call it and to read the shared upstream samples.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { systemClock } from '../../src/domain/clock.ts';
import { TokenStore, type TokenInfo } from '../../src/fakes/common.ts';
import { FakeNova, type NovaTimings } from '../../src/fakes/nova/index.ts';
import { ManualClock } from './manual-clock.ts';

export const ADMIN_PROJECT = 'a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0';
export const PROJECT = 'b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1';
export const OTHER_PROJECT = 'c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2';

/** Short simulated durations so a test sees actions end within milliseconds. */
/** Durations in the fixture's manual-clock milliseconds. */
export const TIMINGS: NovaTimings = { liveMigrate: 400, reboot: 100, rebuild: 100, evacuate: 300, boot: 100, schedule: 40 };

const SAMPLES = fileURLToPath(new URL('../../../shared/openstack/samples/nova/', import.meta.url));

/** A JSON sample from shared/openstack/samples/nova. */
export function sample(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${SAMPLES}${name}`, 'utf8')) as Record<string, unknown>;
}

export interface CallOptions {
  token?: string | null;
  version?: string;
  headers?: Record<string, string>;
  body?: unknown;
  rawBody?: string;
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface NovaFixture {
  nova: FakeNova;
  /** Drives the fake's background work; nothing moves unless a test advances it. */
  clock: ManualClock;
  /** Advances the clock (by default far enough for any action to finish). */
  advance(ms?: number): Promise<void>;
  tokens: TokenStore;
  base: string;
  admin: string;
  member: string;
  other: string;
  issue(projectId: string | undefined, roles: string[], ttlSeconds?: number): string;
  call(method: string, path: string, opts?: CallOptions): Promise<CallResult>;
  close(): Promise<void>;
}

/** Starts a fake Nova whose work runs on a manual clock (tokens use the real clock). */
export async function startNova(opts: { maxVersion?: string; timings?: Partial<NovaTimings> } = {}): Promise<NovaFixture> {
  const tokens = new TokenStore(systemClock);
  const clock = new ManualClock();
  const nova = new FakeNova({
    clock,
    tokens,
    identityUrl: () => 'http://127.0.0.1:5000/identity',
    maxVersion: opts.maxVersion ?? '2.104',
    timings: { ...TIMINGS, ...opts.timings },
  });
  const app = express();
  app.use('/compute', nova.router());
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/compute`;

  const issue = (projectId: string | undefined, roles: string[], ttlSeconds = 3600): string => {
    const info: Omit<TokenInfo, 'issuedAt' | 'expiresAt' | 'auditId'> = {
      userId: `user-${projectId ?? 'unscoped'}`,
      userName: 'tester',
      userDomainId: 'default',
      roles: roles.map((name, i) => ({ id: `r${i + 1}`, name })),
      methods: ['password'],
    };
    if (projectId) Object.assign(info, { projectId, projectName: `p-${projectId.slice(0, 4)}`, projectDomainId: 'default' });
    return tokens.issue(info, ttlSeconds).id;
  };

  const fixture: NovaFixture = {
    nova,
    clock,
    advance: (ms = 10_000) => clock.advance(ms),
    tokens,
    base,
    admin: issue(ADMIN_PROJECT, ['admin', 'member', 'reader']),
    member: issue(PROJECT, ['member', 'reader']),
    other: issue(OTHER_PROJECT, ['member', 'reader']),
    issue,
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      const token = o.token === undefined ? fixture.admin : o.token;
      if (token !== null) headers['X-Auth-Token'] = token;
      if (o.version) headers['OpenStack-API-Version'] = `compute ${o.version}`;
      let body: string | undefined;
      if (o.rawBody !== undefined) body = o.rawBody;
      else if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers['Content-Type'] ??= 'application/json';
      }
      const res = await fetch(`${base}${path}`, { method, headers, body });
      const text = await res.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.status, headers: res.headers, text, json };
    },
    async close() {
      nova.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fixture;
}

export function keys(o: unknown): string[] {
  return Object.keys(o as Record<string, unknown>).sort();
}
