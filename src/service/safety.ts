// Composes the safety side of `vmha serve` from the validated config: the store beside
// the journal, the census and monitor (guard), the host workflows with their fence hook,
// the gate the engine consults, the admin routes, and the periodic census pass.
import type { Config } from '../config/schema.ts';
import type { Clock } from '../domain/clock.ts';
import type { Engine } from '../engine/engine.ts';
import { HostWorkflows } from '../engine/host-workflow.ts';
import type { BackoffConfig } from '../engine/retry.ts';
import { SafetyGate } from '../engine/safety-gate.ts';
import type { Journal } from '../journal/journal.ts';
import type { Logger } from '../log.ts';
import type { NovaClient } from '../openstack/nova.ts';
import type { Server } from '../openstack/nova-types.ts';
import type { InstanceBudget } from '../policy/budget.ts';
import { isHaEnabled } from '../policy/decide.ts';
import { CensusReader } from '../safety/census.ts';
import { CommandFence, type FenceHook } from '../safety/fence.ts';
import { SafetyMonitor } from '../safety/monitor.ts';
import { SafetyStore } from '../safety/store.ts';
import { SafetyAdmin } from '../webhook/safety-admin.ts';

export type SafetyNova = Pick<NovaClient, 'computeService' | 'disableService' | 'enableService' | 'forceDown' | 'listServers' | 'listServices'>;

export interface SafetyParts {
  store: SafetyStore;
  monitor: SafetyMonitor;
  workflows: HostWorkflows;
  gate: SafetyGate;
  admin: SafetyAdmin;
  /** Connects the engine (the workflows evacuate through it), resumes workflows, starts the census pass. */
  start(engine: Engine): void;
  stop(): Promise<void>;
}

export function budgetFromConfig(config: Readonly<Config>): InstanceBudget {
  const i = config.safety.instance;
  return { cooldownMs: i.cooldown_s * 1000, maxActions: i.max_actions, windowMs: i.window_s * 1000 };
}

/** A copy of the configuration with safety.dry_run on (`vmha serve --dry-run`). */
export function withDryRun(config: Readonly<Config>): Readonly<Config> {
  return { ...config, safety: { ...config.safety, dry_run: true } };
}

export function buildSafety(d: {
  config: Readonly<Config>;
  nova: SafetyNova;
  journal: Journal;
  clock: Clock;
  logger: Logger;
  backoff: BackoffConfig;
  /** Tests plug in their own fence; default: the configured command. */
  fence?: FenceHook | null;
}): SafetyParts {
  const { config, clock, logger } = d;
  const s = config.safety;
  const ha = { haMetadataKey: config.alarms.ha_metadata_key, haMetadataValue: config.alarms.ha_metadata_value };
  const isHa = (server: Server): boolean => isHaEnabled(server, ha);
  const store = new SafetyStore(d.journal, clock);
  const censusMs = s.guard.census_interval_s * 1000;
  const census = new CensusReader(d.nova, clock, isHa, censusMs);
  const hf = s.host_failure;
  const fence = d.fence !== undefined ? d.fence : hf.fence ? new CommandFence(hf.fence) : null;
  const hostFailure =
    hf.enabled && fence
      ? { minInstances: hf.min_instances, minSharePct: hf.min_share_pct, minInstancesForShare: hf.min_instances_for_share, windowMs: hf.window_s * 1000 }
      : null;
  const monitor = new SafetyMonitor({
    store,
    census,
    clock,
    logger,
    guard: {
      enabled: s.guard.enabled,
      tripPct: s.guard.trip_pct,
      resumePct: s.guard.resume_pct,
      minHosts: s.guard.min_hosts,
      minInstances: s.guard.min_instances,
      windowMs: s.guard.window_s * 1000,
    },
    hostFailure,
  });
  const workflows = new HostWorkflows({
    store,
    monitor,
    nova: d.nova,
    fence: hostFailure ? fence : null,
    clock,
    logger,
    isHa,
    settleMs: hf.settle_s * 1000,
    dryRun: s.dry_run,
    backoff: d.backoff,
    holdRetryMs: config.recovery.wait_retry_s * 1000,
  });
  const gate = new SafetyGate({ store, monitor, workflows, nova: d.nova, clock, dryRun: s.dry_run, budget: budgetFromConfig(config), correlateMs: hf.correlate_s * 1000, guardEnabled: s.guard.enabled, replanAfterMs: hf.window_s * 1000 });
  const admin = new SafetyAdmin({ store, monitor, workflows, logger, clock });
  let timer: ReturnType<typeof setInterval> | undefined;
  let passing = false;
  if (s.dry_run) logger.warn('dry run: vmha decides and journals what it would do; it changes nothing in Nova and runs no fence');
  if (hf.enabled && !fence) logger.error('safety.host_failure.enabled without a fence hook: the host workflow stays off');
  return {
    store,
    monitor,
    workflows,
    gate,
    admin,
    start(engine: Engine): void {
      workflows.connect(engine);
      workflows.resume();
      // The census pass: the guard sees storms without waiting for an incident, and a host
      // Nova reports down is taken care of even if its instances' alarms cannot fire (their
      // probes ran on that host).
      timer = setInterval(() => {
        if (passing) return;
        passing = true;
        monitor
          .evaluate(0)
          .then(() => workflows.scan())
          .catch((err: unknown) => logger.warn('safety census pass failed; will try again', { error: String((err as Error)?.message ?? err) }))
          .finally(() => (passing = false));
      }, censusMs);
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      await workflows.stop();
    },
  };
}
