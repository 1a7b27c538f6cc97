// Plays one scenario against a running demo harness: setup, fault, wait until every
// target has settled (or the timeout), then observe what the cloud recorded and assess it.
import { statusFromState } from '../fakes/nova/states.ts';
import { assessTarget, targetSettled, type Check, type Observation, type TargetObservation, type TargetOutcome } from './assess.ts';
import type { DemoEvent } from './events.ts';
import type { DemoHarness } from './harness.ts';
import type { Scenario, ScenarioContext } from './scenarios.ts';

export interface ScenarioResult {
  name: string;
  title: string;
  expected: string;
  ok: boolean;
  timedOut: boolean;
  startedAt: number;
  injectedAt: number;
  finishedAt: number;
  targets: TargetOutcome[];
  /** Every check, the targets' and the scenario's own. */
  checks: Check[];
  /** From the fault to the last target's alarm, vmha's verification, the alarm's ok. */
  detectedAfterMs?: number;
  recoveredAfterMs?: number;
  healthyAfterMs?: number;
  actions: string[];
  /** What happened to the targets (and the demo's own lines), in order. */
  events: DemoEvent[];
}

/** Reads what Aodh, vmha's journal and Nova recorded about the targets since `since`. */
export function observe(h: DemoHarness, ctx: ScenarioContext, hostsBefore: Map<string, string | null>, since: number, fromSeq = 0): Observation {
  const { aodh, nova } = h.sim.cloud;
  const targets: TargetObservation[] = ctx.targets.map((g) => {
    const alarms = h.alarms
      .filter((a) => a.serverId === g.id)
      .map((a) => ({
        alarmId: a.alarmId,
        name: a.name,
        template: a.template,
        transitions: aodh
          .history(a.alarmId)
          .filter((c) => c.type === 'state transition' && c.timestamp >= since)
          .map((c) => {
            const d = JSON.parse(c.detail) as { state: string; transition_reason?: string };
            return { at: c.timestamp, state: d.state, reason: d.transition_reason ?? '' };
          })
          .reverse(),
      }));
    const incidents = h.service.journal
      .list({ instanceId: g.id })
      .filter((i) => i.openedAt >= since)
      .reverse()
      .map((i) => ({ id: i.id, state: i.state, openedAt: i.openedAt, events: h.service.journal.timeline(i.id).map((e) => ({ at: e.at, type: e.type, data: e.data })) }));
    const novaActions = nova.model.actions
      .filter((a) => a.serverId === g.id && a.at >= since)
      .map((a) => ({ action: a.action, body: a.body, at: a.at, requestId: a.requestId }));
    const s = nova.model.getServer(g.id);
    return {
      name: g.name,
      serverId: g.id,
      hostBefore: hostsBefore.get(g.id) ?? null,
      alarms,
      incidents,
      novaActions,
      server: s ? { host: s.host, status: statusFromState(s.vmState, s.taskState), taskState: s.taskState } : null,
    };
  });
  const safetyEvents = h.service.journal
    .eventsSince(fromSeq, 100_000)
    .filter((e) => e.incidentId === null && (e.type.startsWith('host.') || e.type.startsWith('guard.')))
    .map((e) => ({ at: e.at, type: e.type, data: e.data }));
  return { injectedAt: since, targets, safetyEvents };
}

/** Runs the scenario to its end; never throws for a scenario that merely failed. */
export async function runScenario(h: DemoHarness, s: Scenario, opts: { timeoutMs?: number; pollMs?: number } = {}): Promise<ScenarioResult> {
  const timeoutMs = opts.timeoutMs ?? h.settings.scenarioTimeoutS * 1000;
  const clock = h.sim.clock;
  const ctx: ScenarioContext = { sim: h.sim, targets: s.targets.map((n) => h.sim.guest(n)) };
  const ids = new Set(ctx.targets.map((g) => g.id));
  const from = h.events.events.length;
  const startedAt = clock.now();
  const say = (source: 'demo' | 'fault', text: string): void => h.events.add({ at: clock.now(), source, text });

  if (s.setup) say('demo', s.setup(ctx));
  const hostsBefore = new Map(ctx.targets.map((g) => [g.id, h.sim.cloud.nova.model.serverRecord(g.id)?.host ?? null]));
  const fromSeq = h.service.journal.eventsSince(0, 1_000_000).at(-1)?.seq ?? 0;
  const injectedAt = clock.now();
  say('fault', await s.inject(ctx));

  const look = (): Observation => observe(h, ctx, hostsBefore, injectedAt, fromSeq);
  let obs = look();
  let timedOut = false;
  let thenAt: number | undefined;
  let thenDone = false;
  for (;;) {
    if (s.afterwards && !thenDone) {
      // The second act: once the condition held for holdS, the script goes on (e.g. the storm passes).
      if (thenAt === undefined && s.afterwards.when(obs)) thenAt = clock.now() + s.afterwards.holdS * 1000;
      if (thenAt !== undefined && clock.now() >= thenAt) {
        say('fault', await s.afterwards.run(ctx));
        thenDone = true;
      }
    } else if (obs.targets.every((t) => targetSettled(s.expect, t)) && (s.settled?.(obs) ?? true)) break;
    if (clock.now() - injectedAt > timeoutMs) {
      timedOut = true;
      break;
    }
    await clock.sleep(opts.pollMs ?? 100);
    obs = look();
  }
  // Let the watchers catch up so the scenario's events are complete; judge the latest record.
  await clock.sleep(120);
  obs = look();

  const targets = obs.targets.map((t) => assessTarget(s.expect, t));
  const checks = [...targets.flatMap((t) => t.checks), ...(s.extraChecks?.(obs, ctx) ?? [])];
  if (timedOut) checks.push({ what: `ended within ${Math.round(timeoutMs / 1000)} s`, ok: false, detail: 'timed out waiting for the expected end' });
  const latest = (pick: (t: TargetOutcome) => number | undefined): number | undefined => {
    const times = targets.map(pick);
    return times.every((t) => t !== undefined) && times.length ? Math.max(...(times as number[])) - injectedAt : undefined;
  };
  const detectedAfterMs = latest((t) => t.detectedAt);
  const recoveredAfterMs = latest((t) => t.recoveredAt);
  const healthyAfterMs = latest((t) => t.healthyAt);
  return {
    name: s.name,
    title: s.title,
    expected: s.expected,
    ok: checks.every((c) => c.ok),
    timedOut,
    startedAt,
    injectedAt,
    finishedAt: clock.now(),
    targets,
    checks,
    ...(detectedAfterMs !== undefined ? { detectedAfterMs } : {}),
    ...(recoveredAfterMs !== undefined ? { recoveredAfterMs } : {}),
    ...(healthyAfterMs !== undefined ? { healthyAfterMs } : {}),
    actions: targets.flatMap((t) => t.actions),
    events: h.events
      .since(from)
      .filter((e) => e.serverId === undefined || ids.has(e.serverId))
      .sort((a, b) => a.at - b.at),
  };
}
