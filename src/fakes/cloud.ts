// One loopback HTTP server hosting the fakes of Keystone, Nova, Aodh and Gnocchi
// under devstack-style prefixes, with a catalog pointing at them. The base of the
// tests and of the demo's simulated cloud.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { systemClock, type Clock } from '../domain/clock.ts';
import { TokenStore } from './common.ts';
import { FaultInjector } from './faults.ts';
import { FakeKeystone, type CatalogEntry } from './keystone.ts';
import { FakeNova, type NovaTimings } from './nova/index.ts';
import { FakeAodh } from './aodh.ts';
import { FakeGnocchi } from './gnocchi.ts';

export interface FakeCloudOptions {
  clock?: Clock;
  /** Lifetime of issued tokens (Keystone's default is 3600). */
  tokenTtlSeconds?: number;
  /** Highest compute microversion the fake Nova supports (upstream: 2.104; Debian Zed: 2.93). */
  novaMaxVersion?: string;
  /** Simulated durations of Nova actions. */
  novaTimings?: Partial<NovaTimings>;
  region?: string;
  /** Port to bind on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
}

export interface FakeCloud {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  /** The auth_url a clouds.yaml would carry. */
  authUrl: string;
  region: string;
  tokens: TokenStore;
  faults: FaultInjector;
  keystone: FakeKeystone;
  nova: FakeNova;
  aodh: FakeAodh;
  gnocchi: FakeGnocchi;
  close(): Promise<void>;
}

/** Starts the whole fake cloud on 127.0.0.1 and resolves once it listens. */
export async function startFakeCloud(opts: FakeCloudOptions = {}): Promise<FakeCloud> {
  const clock = opts.clock ?? systemClock;
  const region = opts.region ?? 'RegionOne';
  const tokens = new TokenStore(clock);
  const faults = new FaultInjector();
  let base = '';
  const identityUrl = (): string => `${base}/identity`;

  const catalog = (): CatalogEntry[] => [
    endpointSet('identity', 'keystone', `${base}/identity`, region),
    endpointSet('compute', 'nova', `${base}/compute/v2.1`, region),
    endpointSet('alarming', 'aodh', `${base}/alarming`, region),
    endpointSet('metric', 'gnocchi', `${base}/metric`, region),
  ];

  const keystone = new FakeKeystone({ clock, tokens, tokenTtlSeconds: opts.tokenTtlSeconds ?? 3600, catalog });
  const nova = new FakeNova({ clock, tokens, identityUrl, maxVersion: opts.novaMaxVersion ?? '2.104', timings: opts.novaTimings ?? {} });
  const aodh = new FakeAodh({ clock, tokens, identityUrl });
  const gnocchi = new FakeGnocchi({ clock, tokens, identityUrl });

  const app = express();
  app.disable('x-powered-by');
  app.use('/identity', faults.middleware('identity'), keystone.router());
  app.use('/compute', faults.middleware('compute'), nova.router());
  app.use('/alarming', faults.middleware('alarming'), aodh.router());
  app.use('/metric', faults.middleware('metric'), gnocchi.router());

  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;

  return {
    url: base,
    authUrl: `${base}/identity/v3`,
    region,
    tokens,
    faults,
    keystone,
    nova,
    aodh,
    gnocchi,
    close: async () => {
      nova.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function endpointSet(type: string, name: string, url: string, region: string): CatalogEntry {
  const id = (iface: string): string => `${name}-${iface}`;
  return {
    type,
    name,
    id: `${name}-service`,
    endpoints: ['public', 'internal', 'admin'].map((iface) => ({
      id: id(iface),
      interface: iface,
      region_id: region,
      region,
      url,
    })),
  };
}
