// Child process of the mass-failure benchmark: `vmha serve` composed as the CLI does
// (like serve-proc.ts), plus read-only views of its journal for the report: every
// incident, every host workflow, and the safety events (host.*, guard.*).
import { performance } from 'node:perf_hooks';
import type { Credentials } from '../../src/config/clouds.ts';
import { configSchema } from '../../src/config/schema.ts';
import { systemClock } from '../../src/domain/clock.ts';
import { createLogger } from '../../src/log.ts';
import { createClients } from '../../src/openstack/index.ts';
import { startService } from '../../src/service/serve.ts';
import { childInput, serveParent } from './child.ts';

const input = childInput<{ config: unknown; creds: Credentials }>();
const config = configSchema.parse(input.config);
const logger = createLogger({ level: config.log.level, format: config.log.format });
const clients = createClients(input.creds, { logger, timeoutMs: config.openstack.timeout_seconds * 1000 });
const service = await startService({ config, clients, logger, clock: systemClock });

// How long the event loop was blocked (wall ms beyond a 20 ms tick), since the last reset:
// under time compression, vmha's CPU work is what does not scale.
const TICK_MS = 20;
let stalledMs = 0;
let longestMs = 0;
let last = performance.now();
setInterval(() => {
  const now = performance.now();
  const late = now - last - TICK_MS;
  if (late > 0) stalledMs += late;
  longestMs = Math.max(longestMs, late);
  last = now;
}, TICK_MS).unref();

export interface IncidentView {
  instanceId: string;
  state: string;
  openedAt: number;
  closedAt: number | null;
  /** When each action started (inside the limits), in order. */
  actions: { action: string; at: number }[];
  alarmingMetrics: string[];
}

serveParent(
  { url: service.url },
  {
    counts: () => service.journal.countByState(),
    incidents: (): IncidentView[] =>
      service.journal.list({ limit: 1_000_000 }).map((i) => ({
        instanceId: i.instanceId,
        state: i.state,
        openedAt: i.openedAt,
        closedAt: i.closedAt,
        actions: i.actions.map((a) => ({ action: a.action, at: a.at })),
        alarmingMetrics: i.alarmingMetrics,
      })),
    workflows: () =>
      service.safety.store.list(10_000).map((w) => ({
        host: w.host,
        state: w.state,
        detectedAt: w.detectedAt,
        trigger: w.trigger.kind,
        fenceOk: w.fence?.ok ?? null,
        outcomes: w.instances.map((i) => i.outcome),
      })),
    /** Safety events (incident_id null), oldest first. */
    safetyEvents: () => {
      const out: { at: number; type: string; host: string | null; reason: string | null }[] = [];
      for (let seq = 0; ; ) {
        const page = service.journal.eventsSince(seq, 5000);
        if (!page.length) return out;
        for (const e of page) {
          if (e.incidentId === null && /^(host|guard)\./.test(e.type)) {
            out.push({ at: e.at, type: e.type, host: typeof e.data.host === 'string' ? e.data.host : null, reason: typeof e.data.reason === 'string' ? e.data.reason : null });
          }
        }
        seq = page[page.length - 1]!.seq;
      }
    },
    guard: () => service.safety.monitor.guardState(),
    /** How incidents were opened: by the webhook, the reconciler (alarm state seen, notification not yet in), or a host workflow. */
    openedVia: () => {
      const via: Record<string, number> = {};
      for (let seq = 0; ; ) {
        const page = service.journal.eventsSince(seq, 5000);
        if (!page.length) return via;
        for (const e of page) if (e.type === 'incident.opened') via[String(e.data.via ?? 'host workflow')] = (via[String(e.data.via ?? 'host workflow')] ?? 0) + 1;
        seq = page[page.length - 1]!.seq;
      }
    },
    /** Event-loop stall since the last call with reset: total and longest, wall ms. */
    stall: (a: { reset?: boolean } = {}) => {
      const out = { stalledMs: Math.round(stalledMs), longestMs: Math.round(longestMs) };
      if (a.reset) stalledMs = longestMs = 0;
      return out;
    },
  },
  () => service.close(),
);
