// Benchmark #10.1: webhook intake. Notifications accepted per second and p50/p99
// latency of `vmha serve` (durable journal: WAL, synchronous=FULL, on this machine's
// disk) against a bare Express handler that parses JSON and answers 202, measured in
// the same run, in the same process layout (load generator here, server under test in
// one child, fake cloud in another), at several concurrency levels.
//
// Variants of vmha, each in a fresh process with an empty journal:
//   new     every notification a new incident (a distinct alarm and instance); the alarm
//           is read from Aodh on arrival (cold resolver cache, as after 10 quiet minutes);
//           engine paused: pure intake (auth, validate, resolve, admit + fsync, log, 202).
//   dup     the same notification over and over: the duplicate path (dedupe + fsync).
//   engine  as `new`, with the engine running under the default limits: every admitted
//           incident is also snapshotted from Nova, decided and queued for its action.
// Connections are re-opened for every notification, as Aodh's notifier does.
//   npx tsx bench/intake.ts [--levels 1,8,32] [--runs 3] [--requests 3000] [--seconds 4]
//     [--warmup 300] [--variants bare,new,dup,engine] [--keepalive] [--keep (logs)]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { forkChild, type Child } from './lib/child.ts';
import { credentialsFor, notificationBody, PUBLIC_URL, SECRET, type Seeded } from './lib/cloud-types.ts';
import { commitLatency } from './lib/disk.ts';
import { callStats } from './lib/logstats.ts';
import { cpuSeconds } from './lib/proc.ts';
import { load, type Measured } from './lib/load.ts';
import { median, pct, printTable, round, spread, writeResult } from './lib/report.ts';

const { values: opt } = parseArgs({
  options: {
    levels: { type: 'string', default: '1,8,32' },
    runs: { type: 'string', default: '3' },
    requests: { type: 'string', default: '3000' },
    seconds: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '300' },
    variants: { type: 'string', default: 'bare,new,dup,engine' },
    keepalive: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const LEVELS = opt.levels.split(',').map(Number);
const RUNS = Number(opt.runs);
const REQUESTS = Number(opt.requests);
const SECONDS = Number(opt.seconds);
const WARMUP = Number(opt.warmup);
const VARIANTS = opt.variants.split(',') as Variant[];
type Variant = 'bare' | 'new' | 'dup' | 'engine';

const here = path.dirname(new URL(import.meta.url).pathname);
const work = mkdtempSync(path.join(tmpdir(), 'vmha-bench-intake-'));

function vmhaConfig(stateDir: string): Record<string, unknown> {
  return {
    webhook: { listen: '127.0.0.1:0', public_url: PUBLIC_URL, secret: SECRET },
    state: { dir: stateDir },
    log: { level: 'info', format: 'json' },
    // Defaults otherwise (limits: 20 actions a minute, 2 at once per host), except that
    // the reconciler must not run during a measurement.
    recovery: { reconcile_interval_s: 3600 },
  };
}

let started = 0;
const logOf = new Map<Child, string>();
/** A fresh server of `variant` (vmha with an empty journal of its own). */
async function startTarget(variant: Variant, cloud: Child): Promise<Child> {
  const tag = `${variant}-${++started}`;
  if (variant === 'bare') return forkChild(path.join(here, 'lib/bare-proc.ts'), {});
  const logFile = path.join(work, `${tag}.log`);
  const child = await forkChild(
    path.join(here, 'lib/serve-proc.ts'),
    { config: vmhaConfig(path.join(work, tag)), creds: credentialsFor(cloud.ready.authUrl as string), paused: variant !== 'engine' },
    { logFile },
  );
  logOf.set(child, logFile);
  return child;
}

/** Median of the runs that answered anything (a run with no answer has no CPU per answer). */
const finiteMedian = (xs: number[]): number => median(xs.filter(Number.isFinite));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Load = [paths: string[], bodies: string[]];

async function main(): Promise<void> {
  const disk = [commitLatency(work)];
  const cloud = await forkChild(path.join(here, 'lib/cloud-proc.ts'), {}, { logFile: path.join(work, 'cloud.log') });
  const runs: { variant: Variant; level: number; run: number; m: Measured }[] = [];
  const targets = new Map<Variant, Child>();
  // Killed: their journals are thrown away, and a running engine would first wait for
  // every action still queued behind the limits.
  const stopTarget = async (v: Variant): Promise<void> => {
    await targets.get(v)?.kill();
    targets.delete(v);
  };
  try {
    let s = performance.now();
    // A warm-up slice, then one slice of distinct alarms per run (each run of `new`
    // and `engine` needs instances with nothing open yet in its journal).
    const seeded = await cloud.call<Seeded[]>('seed', { hosts: 20, servers: WARMUP + RUNS * REQUESTS, secret: SECRET, publicUrl: PUBLIC_URL });
    console.log(`seeded ${seeded.length} HA servers with their alarms in ${((performance.now() - s) / 1000).toFixed(1)} s`);
    const toLoad = (xs: Seeded[]): Load => [xs.map((a) => `/v1/aodh/${a.token}`), xs.map((a) => notificationBody(a, 'alarm', 999.5))];
    const warm = toLoad(seeded.slice(0, WARMUP));
    const slice = (run: number): Load => toLoad(seeded.slice(WARMUP + (run - 1) * REQUESTS, WARMUP + run * REQUESTS));
    // One notification, delivered again and again (its first delivery is in the warm-up).
    const dup = toLoad(seeded.slice(0, 1));

    /** Starts (when needed) and warms up the server of `variant`. */
    const ready = async (variant: Variant): Promise<Child> => {
      let t = targets.get(variant);
      if (t) return t;
      t = await startTarget(variant, cloud);
      targets.set(variant, t);
      const w = variant === 'dup' ? dup : warm;
      await load(t.ready.url as string, 4, w[0], w[1], variant === 'engine' ? Math.round(WARMUP / 3) : WARMUP, 10, opt.keepalive);
      // The warm-up's incidents start the engine's first safety census (see censusCalls):
      // let it finish, so the measurement shows the steady cost per incident.
      if (variant === 'engine') await sleep(5000);
      return t;
    };

    s = performance.now();
    for (const level of LEVELS) {
      for (let run = 1; run <= RUNS; run++) {
        // Rotate the order so slow drift of the machine does not favour one variant.
        const order = VARIANTS.map((_, i) => VARIANTS[(i + run - 1) % VARIANTS.length]!);
        for (const variant of order) {
          const target = await ready(variant);
          const [paths, bodies] = variant === 'dup' ? dup : slice(run);
          const cpu0 = [cpuSeconds(target.pid), cpuSeconds(cloud.pid)];
          const m = await load(target.ready.url as string, level, paths, bodies, REQUESTS, SECONDS, opt.keepalive);
          m.serverCpuMs = m.count ? round(((cpuSeconds(target.pid) - cpu0[0]!) * 1000) / m.count, 2) : NaN;
          m.cloudCpuMs = m.count ? round(((cpuSeconds(cloud.pid) - cpu0[1]!) * 1000) / m.count, 2) : NaN;
          if (variant !== 'bare') m.incidents = await target.call<Record<string, number>>('counts');
          if (variant === 'engine') {
            // Its safety census lists every server of the cloud (paged) at most every
            // census_interval_s; the service's own log says how long that took.
            const c = callStats(logOf.get(target)!);
            m.census = { pages: c.listingPages, ms: c.listingMs };
          }
          runs.push({ variant, level, run, m });
          console.log(`${variant} c${level} run ${run}: ${m.rps} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, CPU ${m.serverCpuMs} ms/notification (+${m.cloudCpuMs} cloud), ${m.count} requests${m.non202 ? `, ${m.non202} not 202` : ''}${m.errors ? `, ${m.errors} errors` : ''}`);
          // The engine keeps working on what it admitted: never let that run into the
          // next measurement. `new` needs an empty journal for the next run's slice
          // only after a full pass over the slices, i.e. at the next level.
          if (variant === 'engine') await stopTarget('engine');
        }
      }
      await stopTarget('new');
    }
    console.log(`measured in ${((performance.now() - s) / 1000).toFixed(0)} s`);
  } finally {
    for (const v of [...targets.keys()]) await stopTarget(v);
    await cloud.stop();
  }
  disk.push(commitLatency(work));

  const summary = [];
  for (const level of LEVELS) {
    const of = (v: Variant): Measured[] => runs.filter((r) => r.variant === v && r.level === level).map((r) => r.m);
    const bare = of('bare');
    for (const variant of VARIANTS) {
      const ms = of(variant);
      const rps = spread(ms.map((m) => m.rps));
      summary.push({
        level,
        variant,
        rps: rps.median,
        rpsRelRange: round(rps.relRange, 2),
        p50: finiteMedian(ms.map((m) => m.p50)),
        p99: finiteMedian(ms.map((m) => m.p99)),
        /** Runs in which nothing was answered within the window (their latencies exceed it). */
        silentRuns: ms.filter((m) => m.count === 0).length,
        rpsVsBare: round(rps.median / median(bare.map((m) => m.rps)), 3),
        p50VsBare: round(finiteMedian(ms.map((m) => m.p50)) / finiteMedian(bare.map((m) => m.p50)), 1),
        serverCpuMs: round(finiteMedian(ms.map((m) => m.serverCpuMs!)), 2),
        cloudCpuMs: round(finiteMedian(ms.map((m) => m.cloudCpuMs!)), 2),
        cpuVsBare: round(finiteMedian(ms.map((m) => m.serverCpuMs!)) / finiteMedian(bare.map((m) => m.serverCpuMs!)), 1),
        failed: ms.reduce((a, m) => a + m.non202 + m.errors, 0),
      });
    }
  }
  printTable(
    `Webhook intake, median of ${RUNS} runs (each at most ${REQUESTS} notifications and ${SECONDS} s; spread: half the min-max range of req/s; silent: runs with no answer within the window)`,
    ['concurrency', 'server', 'req/s', 'spread', 'p50 ms', 'p99 ms', 'req/s vs bare', 'p50 vs bare', 'CPU ms/notif', 'CPU vs bare', '+cloud CPU ms', 'failed', 'silent runs'],
    summary.map((r) => [r.level, r.variant, r.rps, pct(r.rpsRelRange), r.p50, r.p99, `${r.rpsVsBare}x`, `${r.p50VsBare}x`, r.serverCpuMs, `${r.cpuVsBare}x`, r.cloudCpuMs, r.failed, r.silentRuns]),
  );
  const census = runs.filter((r) => r.m.census).map((r) => r.m.census!);
  if (census.length) {
    console.log(`\nengine: its safety census listed all ${WARMUP + RUNS * REQUESTS} servers in ${median(census.map((c) => c.pages))} pages taking ${median(census.map((c) => c.ms))} ms (median per process; once per census_interval_s)`);
  }
  console.log(`\nOne SQLite commit (WAL, synchronous=FULL) on this disk: p50 ${disk.map((d) => d.p50).join(' / ')} ms, p99 ${disk.map((d) => d.p99).join(' / ')} ms (before / after)`);
  writeResult('intake', {
    settings: { levels: LEVELS, runs: RUNS, requests: REQUESTS, seconds: SECONDS, warmup: WARMUP, connectionPerNotification: !opt.keepalive },
    diskCommitMs: disk,
    summary,
    runs,
  });
  if (opt.keep) console.log(`logs and journals kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

await main();
