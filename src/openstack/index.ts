// Builds the authenticated clients from resolved credentials: the only way the rest
// of vmha gets hold of OpenStack (handlers receive clients, never the network).
import type { Credentials } from '../config/clouds.ts';
import { systemClock, type Clock } from '../domain/clock.ts';
import type { Logger } from '../log.ts';
import { AodhClient } from './aodh.ts';
import { GnocchiClient } from './gnocchi.ts';
import { HttpTransport } from './http.ts';
import { NovaClient } from './nova.ts';
import { KeystoneSession } from './session.ts';

export interface OpenStackClients {
  session: KeystoneSession;
  nova: NovaClient;
  aodh: AodhClient;
  gnocchi: GnocchiClient;
}

export interface ClientOptions {
  logger: Logger;
  clock?: Clock;
  timeoutMs?: number;
  renewMarginMs?: number;
}

export function createClients(creds: Credentials, opts: ClientOptions): OpenStackClients {
  const clock = opts.clock ?? systemClock;
  const http = new HttpTransport({
    logger: opts.logger,
    clock,
    timeoutMs: opts.timeoutMs ?? 30_000,
    verify: creds.verify,
    caCert: creds.caCert,
  });
  const session = new KeystoneSession(creds, http, clock, opts.logger, { renewMarginMs: opts.renewMarginMs });
  return {
    session,
    nova: new NovaClient(session, opts.logger),
    aodh: new AodhClient(session),
    gnocchi: new GnocchiClient(session),
  };
}
