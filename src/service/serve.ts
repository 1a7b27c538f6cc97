// Composes `vmha serve`: journal, limits, engine, reconciler and the HTTP app, from a
// validated Config and authenticated clients. The only place that wires them.
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/schema.ts';
import type { Clock } from '../domain/clock.ts';
import { Engine } from '../engine/engine.ts';
import { Reconciler } from '../engine/reconcile.ts';
import { Journal } from '../journal/journal.ts';
import { Limits, validateLimits, withGlobalConcurrency, type LimitSettings } from '../limits/limits.ts';
import type { Logger } from '../log.ts';
import { ServiceMetrics } from '../metrics.ts';
import { Notifier } from '../notify/notifier.ts';
import type { OpenStackClients } from '../openstack/index.ts';
import type { PolicyConfig } from '../policy/decide.ts';
import { AdminApi, LIMITS_SETTING } from '../webhook/admin.ts';
import { createApp } from '../webhook/app.ts';
import { WebhookAuth } from '../webhook/auth.ts';
import { Intake } from '../webhook/intake.ts';
import { AlarmResolver } from '../webhook/resolve.ts';
import { budgetFromConfig, buildSafety, type SafetyParts } from './safety.ts';

export interface ServiceDeps {
  config: Readonly<Config>;
  clients: OpenStackClients;
  logger: Logger;
  clock: Clock;
}

export interface RunningService {
  /** Base URL the service listens on, e.g. http://127.0.0.1:8780 */
  url: string;
  journal: Journal;
  engine: Engine;
  limits: Limits;
  reconciler: Reconciler;
  metrics: ServiceMetrics;
  /** Host workflows, mass-failure guard, maintenance switches, dry run. */
  safety: SafetyParts;
  /** Absent when notify.enabled is false. */
  notifier?: Notifier;
  close(): Promise<void>;
}

/** Alarms vmha owns are named vmha:<template>:<instance>. */
export const OWNED_PREFIX = 'vmha:';

export function policyFromConfig(config: Readonly<Config>): PolicyConfig {
  const r = config.recovery;
  return {
    haMetadataKey: config.alarms.ha_metadata_key,
    haMetadataValue: config.alarms.ha_metadata_value,
    rebuildMetadataKey: r.rebuild_metadata_key,
    actions: { ...r.actions },
    ladder: [...r.ladder],
    escalationWindowMs: r.escalation_window_s * 1000,
    waitBudgetMs: r.wait_budget_s * 1000,
    waitRetryMs: r.wait_retry_s * 1000,
    matrix: r.matrix,
    budget: budgetFromConfig(config),
  };
}

export function limitsFromConfig(config: Readonly<Config>): LimitSettings {
  const l = config.limits;
  return {
    global: { perWindow: l.global.per_window, windowSeconds: l.global.window_s, concurrency: l.global.concurrency },
    perHost: { concurrency: l.per_host.concurrency, perWindow: l.per_host.per_window, windowSeconds: l.per_host.window_s },
  };
}

export async function startService(d: ServiceDeps): Promise<RunningService> {
  const { config, clients, logger, clock } = d;
  const journal = new Journal(path.join(config.state.dir, 'journal.sqlite'), clock);
  // Limits changed at runtime (admin API) survive restarts; the file gives the first value.
  const fromConfig = limitsFromConfig(config);
  const stored = journal.getSetting<unknown>(LIMITS_SETTING);
  const persisted = stored === undefined ? undefined : withGlobalConcurrency(stored, fromConfig);
  const limitSettings = persisted && validateLimits(persisted).length === 0 ? persisted : fromConfig;
  const limits = new Limits(limitSettings, clock);
  const metrics = new ServiceMetrics();
  // Built before the engine resumes anything, so its cursor is in place for the first event.
  const notifier = config.notify.enabled ? new Notifier({ journal, config: config.notify, clock, logger, registry: metrics.registry }) : undefined;
  const now = (): number => clock.now();
  const auth = new WebhookAuth(config.webhook.secret, clients.session, config.webhook.keystone_roles, now);
  const resolver = new AlarmResolver(clients.aodh, now);
  const r = config.recovery;
  const backoff = { attempts: r.retry.attempts, baseMs: r.retry.base_ms, maxMs: r.retry.max_ms };
  const safety = buildSafety({ config, nova: clients.nova, journal, clock, logger, backoff });
  const engine = new Engine({
    journal,
    nova: clients.nova,
    limits,
    clock,
    logger,
    policy: policyFromConfig(config),
    backoff,
    verifyTimeoutMs: r.verify_timeout_s * 1000,
    verifyPollMs: r.verify_poll_s * 1000,
    novaClockSkewMs: r.nova_clock_skew_s * 1000,
    alarmRecheck: { aodh: clients.aodh, afterMs: r.recheck_alarm_after_s * 1000 },
    metrics,
    safety: safety.gate,
  });
  const onAdmitted = (id: string, at: number): void => engine.kick(id, at);
  const intake = new Intake({ auth, resolver, journal, clock, logger, metrics, onAdmitted });
  const reconciler = new Reconciler({
    aodh: clients.aodh,
    resolver,
    journal,
    clock,
    logger,
    onAdmitted,
    ownedPrefix: OWNED_PREFIX,
    graceMs: r.reconcile_grace_s * 1000,
    skewMs: 5000,
  });
  const app = createApp({
    intake,
    admin: new AdminApi(journal, limits, auth, logger, safety.admin),
    metrics,
    logger,
    bodyLimitBytes: config.webhook.body_limit_bytes,
    health: () => {
      const counts = journal.countByState();
      metrics.setIncidentCounts(counts);
      return { incidents: counts };
    },
  });

  const server = http.createServer(app);
  const [host, portText] = splitHostPort(config.webhook.listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(portText), host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  logger.info('vmha serve listening', { url, journal: path.join(config.state.dir, 'journal.sqlite'), limits: limitSettings });

  engine.start();
  safety.start(engine);
  notifier?.start();
  const reconcileEvery = r.reconcile_interval_s * 1000;
  let reconciling = false;
  const timer = setInterval(() => {
    if (reconciling) return;
    reconciling = true;
    reconciler
      .runOnce()
      .catch((err: unknown) => logger.warn('reconciler pass failed; will try again', { error: String((err as Error)?.message ?? err) }))
      .finally(() => (reconciling = false));
  }, reconcileEvery);

  return {
    url,
    journal,
    engine,
    limits,
    reconciler,
    metrics,
    safety,
    notifier,
    close: async () => {
      clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Both stop together: a workflow may be waiting on an evacuation the engine runs.
      await Promise.all([safety.stop(), engine.stop()]);
      await notifier?.stop();
      await limits.stop();
      journal.close();
    },
  };
}

function splitHostPort(listen: string): [string, string] {
  const i = listen.lastIndexOf(':');
  return [listen.slice(0, i).replace(/^\[|\]$/g, ''), listen.slice(i + 1)];
}
