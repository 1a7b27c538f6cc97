// `vmha serve` in-process against the fake cloud, with short intervals, plus helpers
// to seed HA servers and their vmha alarms.
import { configSchema, type Config } from '../../src/config/schema.ts';
import { systemClock, type Clock } from '../../src/domain/clock.ts';
import { alarmActionUrl } from '../../src/domain/webhook-url.ts';
import type { FakeCloud } from '../../src/fakes/cloud.ts';
import type { OpenStackClients } from '../../src/openstack/index.ts';
import { startService, type RunningService } from '../../src/service/serve.ts';
import { withFakeCloud, type CloudFixture } from './cloud.ts';
import { renderedAlarm } from './alarm-body.ts';
import { tmpDir } from './tmp.ts';

export const SECRET = 'test-webhook-secret-123';

export interface ServiceFixture extends CloudFixture {
  service: RunningService;
  config: Readonly<Config>;
  stateDir: string;
  /** Creates a server on a host and its vmha alarm from `template` (default ping-delay); returns ids. */
  seedServer(opts: { name: string; host: string; ha: boolean; template?: string }): Promise<{ serverId: string; alarmId: string; alarmName: string; url: string }>;
  /** Stops the service, runs `between` (e.g. to shape the journal as a crash left it), starts it again. */
  restart(between?: () => void | Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

export function testConfig(stateDir: string, overrides: Record<string, unknown> = {}): Readonly<Config> {
  return configSchema.parse({
    webhook: { listen: '127.0.0.1:0', public_url: 'http://127.0.0.1:8780', secret: SECRET },
    state: { dir: stateDir },
    recovery: {
      wait_retry_s: 0.05,
      verify_timeout_s: 10,
      verify_poll_s: 0.02,
      retry: { attempts: 5, base_ms: 5, max_ms: 20 },
      reconcile_interval_s: 3600,
      reconcile_grace_s: 0,
      ...(overrides.recovery as object | undefined),
    },
    limits: overrides.limits ?? { global: { per_window: 1000, window_s: 60 }, per_host: { concurrency: 50, per_window: 1000, window_s: 60 } },
    ...(overrides.notify ? { notify: overrides.notify } : {}),
    // No correlation delay unless a test asks for the safety features explicitly.
    safety: overrides.safety ?? { host_failure: { correlate_s: 0 } },
  });
}

export async function withService(
  opts: {
    overrides?: Record<string, unknown>;
    novaTimings?: Record<string, number>;
    /** The fake cloud's clock (e.g. one that runs behind vmha's); the system clock by default. */
    cloudClock?: Clock;
    /** Lets a test watch or wrap the clients the service uses (e.g. every Nova call). */
    wrapClients?: (clients: OpenStackClients, cloud: FakeCloud) => OpenStackClients;
  } = {},
): Promise<ServiceFixture> {
  const f = await withFakeCloud({ clock: opts.cloudClock, novaTimings: { liveMigrate: 30, reboot: 20, rebuild: 20, evacuate: 30, ...opts.novaTimings } });
  const t = tmpDir('vmha-serve-');
  const config = testConfig(t.dir, opts.overrides);
  const clients = opts.wrapClients ? opts.wrapClients(f.clients, f.cloud) : f.clients;
  let service = await startService({ config, clients, logger: f.logger, clock: systemClock });
  const fixture: ServiceFixture = {
    ...f,
    config,
    stateDir: t.dir,
    get service() {
      return service;
    },
    async seedServer({ name, host, ha, template = 'ping-delay' }) {
      const { projectId } = await f.clients.session.getToken();
      if (!f.cloud.nova.model.hostRecord(host)) f.cloud.nova.model.addHost(host);
      const s = f.cloud.nova.model.addServer({ name, host, metadata: ha ? { HA_Enabled: 'True' } : {}, projectId, userId: 'u' });
      const body = renderedAlarm(template, s.id, config.webhook.public_url, SECRET);
      const alarmName = body.name;
      const actionUrl = alarmActionUrl(config.webhook.public_url, SECRET, alarmName);
      const alarm = await f.clients.aodh.create(body);
      // The running service listens elsewhere than public_url: give tests its real URL.
      return { serverId: s.id, alarmId: alarm.alarm_id, alarmName, url: actionUrl.replace(config.webhook.public_url, service.url) };
    },
    async restart(between) {
      await service.close();
      await between?.();
      service = await startService({ config, clients, logger: f.logger, clock: systemClock });
    },
    async stop() {
      await service.close();
      await f.close();
      t.cleanup();
    },
  };
  return fixture;
}
