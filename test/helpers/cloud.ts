// A fake cloud plus clients authenticated against it, for client and service tests.
import type { Credentials, PasswordAuth } from '../../src/config/clouds.ts';
import type { Clock } from '../../src/domain/clock.ts';
import { startFakeCloud, type FakeCloud, type FakeCloudOptions } from '../../src/fakes/cloud.ts';
import { memoryLogger, type Logger, type MemoryTransport } from '../../src/log.ts';
import { createClients, type OpenStackClients } from '../../src/openstack/index.ts';

export interface CloudFixture {
  cloud: FakeCloud;
  creds: Credentials;
  clients: OpenStackClients;
  memory: MemoryTransport;
  logger: Logger;
  /** New clients (own session) for other credentials against the same cloud. */
  clientsFor(creds: Partial<Credentials>, opts?: { timeoutMs?: number }): OpenStackClients;
  close(): Promise<void>;
}

/** The vmha service user seeded in the fake Keystone (admin on project "service"). */
export function vmhaAuth(overrides: Partial<PasswordAuth> = {}): PasswordAuth {
  return {
    type: 'password',
    username: 'vmha',
    password: 'vmha-secret',
    userDomainName: 'Default',
    projectName: 'service',
    projectDomainName: 'Default',
    ...overrides,
  };
}

/** A clouds.yaml entry, as the file spells it, for a fake-Keystone user (vmha's service user unless told). */
export function cloudsEntry(authUrl: string, auth: PasswordAuth = vmhaAuth(), extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    auth: {
      auth_url: authUrl,
      username: auth.username,
      password: auth.password,
      project_name: auth.projectName,
      user_domain_name: auth.userDomainName,
      project_domain_name: auth.projectDomainName,
    },
    ...extra,
  };
}

export async function withFakeCloud(
  opts: FakeCloudOptions & { clientClock?: Clock; timeoutMs?: number } = {},
): Promise<CloudFixture> {
  const cloud = await startFakeCloud(opts);
  const { logger, memory } = memoryLogger();
  const creds: Credentials = {
    source: 'test fixture',
    authUrl: cloud.authUrl,
    auth: vmhaAuth(),
    interface: 'public',
    region: cloud.region,
    verify: true,
  };
  const make = (c: Credentials, timeoutMs?: number): OpenStackClients =>
    createClients(c, { logger, clock: opts.clientClock, timeoutMs: timeoutMs ?? opts.timeoutMs ?? 5000 });
  return {
    cloud,
    creds,
    clients: make(creds),
    memory,
    logger,
    clientsFor: (c, o) => make({ ...creds, ...c }, o?.timeoutMs),
    close: () => cloud.close(),
  };
}
