// Runs the mass-failure scenario (bench/mass-failure.ts, and its smoke test): each phase
// in fresh child processes, the fake cloud in one, the sender under test in another.
//   vmha   `vmha serve` with the host workflow on: Aodh posts the alarms, vmha detects,
//          settles, disables, fences (through the BMC), forces down, evacuates, verifies.
//   bare   the same evacuations with vmha's Nova client and Limits only, started at the
//          failure (bench/lib/mass-bare-proc.ts).
//   guard  vmha again with the guard at its default 50 %: what happens out of the box.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema } from '../../src/config/schema.ts';
import { fenceCommand } from '../../src/demo/bmc.ts';
import { limitsFromConfig } from '../../src/service/serve.ts';
import { forkChild, type Child } from './child.ts';
import { credentialsFor } from './cloud-types.ts';
import { callStats } from './logstats.ts';
import type { BareOutcome } from './mass-bare-proc.ts';
import type { Notified, ObservedEvacuation } from './mass-cloud-proc.ts';
import { bounds, idealSchedule } from './mass-floor.ts';
import { phaseFigures, type PhaseFigures } from './mass-report.ts';
import { affected, planScenario, vmhaConfig, type MassSettings, type Plan } from './mass-scenario.ts';
import type { IncidentView } from './mass-serve-proc.ts';
import { cpuSeconds } from './proc.ts';
import { median, quantile, round } from './report.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Observations {
  t0: number;
  evacuations: ObservedEvacuation[];
  fences: Record<string, number>;
  notified: Notified[];
  otherActions: { serverId: string; action: string; at: number }[];
  final: { serverId: string; from: string; host: string | null; vmState: string | null; taskState: string | null }[];
  workflowErrors: string[];
}

export interface PhaseResult {
  figures: PhaseFigures;
  /** Real-scale seconds after the failure at which each instance was verified, and each evacuation reached Nova. */
  recoveredS: number[];
  acceptedS: number[];
  /** Each evacuation at Nova, accepted to ended (real-scale seconds; ended null: never). */
  inNovaS: [number, number | null][];
  /** CPU seconds over the phase, and as a share of its wall time (2 cores = 200 %). */
  cpu: { senderS: number; cloudS: number; wallS: number; busyPct: number };
  /** HA servers on the failed hosts that are not ACTIVE on another host at the end. */
  notRecoveredInNova: number;
  extra: Record<string, unknown>;
}

export interface MassResult {
  plan: { affected: number; perFailedHost: { min: number; max: number }; nonHaOnFailedHosts: number };
  floors: {
    /**
     * Zero-overhead schedule under vmha's limits as configured: one global pool of
     * `concurrency` and `perMinute` per 60 s (HaStack's model), per-host limits no lower.
     */
    configured: { makespanS: number; p50S: number; p95S: number; finishesS: number[] };
    bounds: { workS: number; longestS: number; rateS: number };
  };
  vmha: PhaseResult;
  bare?: PhaseResult;
  guard?: { tripped: boolean; reason: string | null; fences: number; evacuations: number; workflows: string[]; heldS: number };
  limits: ReturnType<typeof limitsFromConfig>;
}

export interface RunOptions {
  settings: MassSettings;
  /** Work directory for logs and the fence script. */
  work: string;
  /** Where vmha's journals go (tmpfs by default: see bench/mass-failure.ts). */
  journalDir: string;
  bare: boolean;
  guardCheck: boolean;
  /** Real-scale minutes the guard phase watches. */
  guardHoldMin: number;
  progress?: (line: string) => void;
}

async function startCloud(s: MassSettings, plan: Plan, work: string, tag: string, alarms: boolean): Promise<Child> {
  const cloud = await forkChild(
    path.join(here, 'mass-cloud-proc.ts'),
    { timeScale: s.timeScale, scheduleMs: Math.round((s.scheduleS * 1000) / s.timeScale), fenceMs: Math.round((s.fenceS * 1000) / s.timeScale) },
    { logFile: path.join(work, `${tag}-cloud.log`) },
  );
  await cloud.call('seed', { hosts: plan.hosts, servers: plan.servers, alarms });
  return cloud;
}

/**
 * The fence command: curl against the loopback BMC, a small binary like ipmitool (a
 * Node script would add a second of start-up, time-scale times over); the demo's
 * Node script where curl is missing.
 */
function fence(work: string, bmcUrl: string): string[] {
  if (spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0) return ['curl', '-sS', '-f', '-X', 'POST', `${bmcUrl}/{host}/power/off`];
  return fenceCommand(work, bmcUrl);
}

async function startVmha(s: MassSettings, cloud: Child, o: RunOptions, tag: string): Promise<{ vmha: Child; logFile: string }> {
  const work = o.work;
  const config = vmhaConfig(s, { stateDir: path.join(o.journalDir, tag), fence: fence(work, cloud.ready.bmcUrl as string) });
  const logFile = path.join(work, `${tag}-vmha.log`);
  // MASS_CPU_PROF=DIR: a V8 CPU profile of vmha (diagnosis only, not a benchmark output).
  const prof = process.env.MASS_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.MASS_CPU_PROF] : [];
  const vmha = await forkChild(path.join(here, 'mass-serve-proc.ts'), { config, creds: credentialsFor(cloud.ready.authUrl as string) }, { logFile, execArgv: prof });
  // vmha has been up for a while when disaster strikes: one census pass done, clients warm.
  await sleep(Math.max(1000, (2 * 30_000) / s.timeScale));
  return { vmha, logFile };
}

const alarmsOf = (s: MassSettings, plan: Plan): { index: number; atMs: number }[] =>
  affected(plan).map((x) => ({ index: x.index, atMs: Math.round((x.alarmAtS! * 1000) / s.timeScale) }));

function cpuShare(pids: { sender: number; cloud: number }, before: { sender: number; cloud: number; at: number }): PhaseResult['cpu'] {
  const senderS = cpuSeconds(pids.sender) - before.sender;
  const cloudS = cpuSeconds(pids.cloud) - before.cloud;
  const wallS = (Date.now() - before.at) / 1000;
  return { senderS: round(senderS, 1), cloudS: round(cloudS, 1), wallS: round(wallS, 1), busyPct: Math.round((100 * (senderS + cloudS)) / wallS) };
}

function notRecovered(obs: Observations, ids: Set<string>): number {
  return obs.final.filter((f) => ids.has(f.serverId) && !(f.vmState === 'active' && !f.taskState && f.host !== f.from)).length;
}

function intervals(obs: Observations, rs: (ms: number) => number): [number, number | null][] {
  return obs.evacuations.map((e) => [round(rs(e.acceptedAt), 2), e.endedAt === null ? null : round(rs(e.endedAt), 2)]);
}

/** The servers Nova had on the failed hosts when they failed. */
function affectedOf(obs: Observations, plan: Plan): string[] {
  return obs.final.filter((f) => plan.failedHosts.includes(f.from)).map((f) => f.serverId);
}

/** One sender's figures (vmha or the bare loop) from what it reports and what Nova's observer saw. */
function senderFigures(
  s: MassSettings,
  t0: number,
  obs: Observations,
  affected: string[],
  sent: { verifiedAt: Map<string, number>; startedAt: Map<string, number>; fenced: boolean },
): PhaseFigures {
  return phaseFigures({
    timeScale: s.timeScale,
    t0,
    affected,
    evacuations: obs.evacuations,
    ...sent,
    otherActions: obs.otherActions.length,
    limits: { concurrency: s.concurrency, perMinute: s.perMinute },
  });
}

async function vmhaPhase(o: RunOptions, plan: Plan): Promise<PhaseResult> {
  const s = o.settings;
  const ids = affected(plan);
  const cloud = await startCloud(s, plan, o.work, 'vmha', true);
  const { vmha, logFile } = await startVmha(s, cloud, o, 'vmha');
  try {
    const before = { sender: cpuSeconds(vmha.pid), cloud: cpuSeconds(cloud.pid), at: Date.now() };
    await vmha.call('stall', { reset: true });
    const t0 = await cloud.call<number>('fail', { hosts: plan.failedHosts, base: vmha.ready.url, alarms: alarmsOf(s, plan) });
    const deadline = t0 + (s.timeoutMin * 60_000) / s.timeScale;
    for (;;) {
      await sleep(500);
      const wfs = await vmha.call<{ host: string; state: string }[]>('workflows');
      const counts = await vmha.call<Record<string, number>>('counts');
      const minutes = ((Date.now() - t0) / 60_000) * s.timeScale;
      o.progress?.(`vmha: ${counts.succeeded ?? 0}/${ids.length} verified, ${wfs.filter((w) => w.state === 'completed').length}/${s.failing} hosts done, ${minutes.toFixed(1)} min`);
      const ended = wfs.filter((w) => ['completed', 'failed', 'aborted'].includes(w.state)).length;
      if (ended >= s.failing && wfs.length >= s.failing) break;
      if (Date.now() > deadline) throw new Error(`vmha phase: not done after ${s.timeoutMin} real-scale minutes (${JSON.stringify(counts)})`);
    }
    const cpu = cpuShare({ sender: vmha.pid, cloud: cloud.pid }, before);
    const stall = await vmha.call<{ stalledMs: number; longestMs: number }>('stall');
    const obs = await cloud.call<Observations>('observations');
    const incidents = await vmha.call<IncidentView[]>('incidents');
    const events = await vmha.call<{ at: number; type: string; host: string | null; reason: string | null }[]>('safetyEvents');
    const wfs = await vmha.call<{ host: string; state: string; trigger: string; fenceOk: boolean | null; outcomes: string[] }[]>('workflows');
    const verifiedAt = new Map<string, number>();
    const startedAt = new Map<string, number>();
    for (const i of incidents) {
      const ev = i.actions.find((a) => a.action === 'evacuate');
      if (ev) startedAt.set(i.instanceId, ev.at);
      if (i.state === 'succeeded' && i.closedAt !== null) verifiedAt.set(i.instanceId, i.closedAt);
    }
    const affectedIds = affectedOf(obs, plan);
    const figures = senderFigures(s, t0, obs, affectedIds, { verifiedAt, startedAt, fenced: true });
    const rs = (ms: number): number => ((ms - t0) / 1000) * s.timeScale;
    const stepAt = (type: string): number[] =>
      plan.failedHosts.map((h) => events.find((e) => e.type === type && e.host === h)).filter((e) => e !== undefined).map((e) => rs(e.at));
    const step = (type: string): { median: number; max: number } => {
      const xs = stepAt(type);
      return { median: round(median(xs), 1), max: round(xs.length ? Math.max(...xs) : NaN, 1) };
    };
    const intake = obs.notified.map((n) => n.answeredAt - n.sentAt);
    const incidentStates: Record<string, number> = {};
    for (const i of incidents) incidentStates[i.state] = (incidentStates[i.state] ?? 0) + 1;
    return {
      figures,
      recoveredS: affectedIds.filter((id) => verifiedAt.has(id)).map((id) => rs(verifiedAt.get(id)!)).sort((a, b) => a - b),
      acceptedS: obs.evacuations.map((e) => rs(e.acceptedAt)).sort((a, b) => a - b),
      inNovaS: intervals(obs, rs),
      cpu,
      notRecoveredInNova: notRecovered(obs, new Set(affectedIds)),
      extra: {
        steps: {
          detected: step('host.failure_detected'),
          workflowStarted: step('host.workflow_started'),
          fenced: step('host.fence_succeeded'),
          forcedDown: step('host.service_forced_down'),
          evacuationStarted: step('host.evacuation_started'),
          completed: step('host.workflow_completed'),
        },
        triggers: Object.fromEntries([...new Set(wfs.map((w) => w.trigger))].map((k) => [k, wfs.filter((w) => w.trigger === k).length])),
        workflows: Object.fromEntries([...new Set(wfs.map((w) => w.state))].map((k) => [k, wfs.filter((w) => w.state === k).length])),
        guardEvents: events.filter((e) => e.type.startsWith('guard.')).map((e) => ({ type: e.type, atS: round(rs(e.at), 1), reason: e.reason })),
        incidentStates,
        notifications: {
          sent: obs.notified.length,
          accepted202: obs.notified.filter((n) => n.status === 202).length,
          intakeP50Ms: round(quantile(intake, 0.5), 1),
          intakeMaxMs: round(intake.length ? Math.max(...intake) : NaN, 1),
        },
        novaCalls: callStats(logFile, t0),
        /** vmha's event loop blocked, wall seconds, and what that is in real-scale minutes. */
        eventLoopStall: { wallS: round(stall.stalledMs / 1000, 1), longestWallS: round(stall.longestMs / 1000, 2), realScaleMin: round((stall.stalledMs / 60_000) * s.timeScale, 1) },
        openedVia: await vmha.call<Record<string, number>>('openedVia'),
        fences: Object.keys(obs.fences).length,
        workflowErrors: obs.workflowErrors,
        affectedMatchesPlan: ids.length === affectedIds.length,
      },
    };
  } finally {
    await vmha.stop();
    await cloud.stop();
  }
}

async function barePhase(o: RunOptions, plan: Plan, limits: MassResult['limits']): Promise<PhaseResult> {
  const s = o.settings;
  const cloud = await startCloud(s, plan, o.work, 'bare', false);
  const bare = await forkChild(
    path.join(here, 'mass-bare-proc.ts'),
    { creds: credentialsFor(cloud.ready.authUrl as string), limits, pollMs: 5000 / s.timeScale },
    { logFile: path.join(o.work, 'bare.log') },
  );
  try {
    await sleep(1000);
    o.progress?.('bare loop: evacuating');
    const before = { sender: cpuSeconds(bare.pid), cloud: cpuSeconds(cloud.pid), at: Date.now() };
    const t0 = await cloud.call<number>('fail', { hosts: plan.failedHosts, base: null, alarms: [] });
    const outcomes = await bare.call<BareOutcome[]>('run', { hosts: plan.failedHosts });
    const cpu = cpuShare({ sender: bare.pid, cloud: cloud.pid }, before);
    const obs = await cloud.call<Observations>('observations');
    const verifiedAt = new Map(outcomes.filter((x) => x.verifiedAt !== null).map((x) => [x.serverId, x.verifiedAt!]));
    const startedAt = new Map(outcomes.map((x) => [x.serverId, x.startedAt]));
    const affectedIds = affectedOf(obs, plan);
    const figures = senderFigures(s, t0, obs, affectedIds, { verifiedAt, startedAt, fenced: false });
    const rs = (ms: number): number => ((ms - t0) / 1000) * s.timeScale;
    return {
      figures,
      recoveredS: [...verifiedAt.values()].map(rs).sort((a, b) => a - b),
      acceptedS: obs.evacuations.map((e) => rs(e.acceptedAt)).sort((a, b) => a - b),
      inNovaS: intervals(obs, rs),
      cpu,
      notRecoveredInNova: notRecovered(obs, new Set(affectedIds)),
      extra: { errors: outcomes.filter((x) => x.error).map((x) => x.error) },
    };
  } finally {
    await bare.stop();
    await cloud.stop();
  }
}

async function guardPhase(o: RunOptions, plan: Plan): Promise<NonNullable<MassResult['guard']>> {
  const s = { ...o.settings, guardPct: 50 };
  const cloud = await startCloud(s, plan, o.work, 'guard', true);
  const { vmha } = await startVmha(s, cloud, o, 'guard');
  try {
    o.progress?.(`guard at 50 %: watching for ${o.guardHoldMin} min`);
    await cloud.call<number>('fail', { hosts: plan.failedHosts, base: vmha.ready.url, alarms: alarmsOf(s, plan) });
    await sleep((o.guardHoldMin * 60_000) / s.timeScale);
    const obs = await cloud.call<Observations>('observations');
    const state = await vmha.call<{ tripped: boolean; reason: string | null }>('guard');
    const wfs = await vmha.call<{ state: string }[]>('workflows');
    return { tripped: state.tripped, reason: state.reason, fences: Object.keys(obs.fences).length, evacuations: obs.evacuations.length, workflows: wfs.map((w) => w.state), heldS: o.guardHoldMin * 60 };
  } finally {
    await vmha.stop();
    await cloud.stop();
  }
}

/** Runs the phases in turn and returns every figure (real-scale seconds). */
export async function runMassFailure(o: RunOptions): Promise<MassResult> {
  const s = o.settings;
  const plan = planScenario(s);
  const hit = affected(plan);
  const failed = new Set(plan.failedHosts);
  const perHost = plan.failedHosts.map((h) => hit.filter((x) => x.host === h).length);
  const limits = limitsFromConfig(configSchema.parse(vmhaConfig(s, { stateDir: o.work, fence: ['true'] })));
  const jobs = hit.map((x) => ({ host: x.host, durationS: x.evacuateS }));
  // The limits' window is scaled in the config; the floor is in real-scale seconds. The
  // per-host rate is no lower than the global one (massLimits), so it is left out.
  const configured = idealSchedule(jobs, { perHost: limits.perHost.concurrency, global: limits.global.concurrency, perWindow: limits.global.perWindow, windowS: 60 }).finishes;
  const result: MassResult = {
    plan: {
      affected: hit.length,
      perFailedHost: { min: Math.min(...perHost), max: Math.max(...perHost) },
      nonHaOnFailedHosts: plan.servers.filter((x) => !x.ha && failed.has(x.host)).length,
    },
    floors: {
      configured: {
        makespanS: round(configured[configured.length - 1] ?? 0, 1),
        p50S: round(quantile(configured, 0.5), 1),
        p95S: round(quantile(configured, 0.95), 1),
        finishesS: configured.map((x) => round(x, 1)),
      },
      bounds: (({ workS, longestS, rateS }) => ({ workS: round(workS, 1), longestS: round(longestS, 1), rateS: round(rateS, 1) }))(
        bounds(jobs, { concurrency: s.concurrency, perWindow: s.perMinute, windowS: 60 }),
      ),
    },
    vmha: await vmhaPhase(o, plan),
    limits,
  };
  if (o.bare) result.bare = await barePhase(o, plan, limits);
  if (o.guardCheck) result.guard = await guardPhase(o, plan);
  return result;
}
