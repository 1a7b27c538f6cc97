// Benchmark #10.5: resident memory of `vmha serve` holding 10,000 tracked instances and
// 1,000 open incidents, against the same process idle with an empty journal.
//   idle      just started, empty journal (the baseline; a second, fresh process is
//             measured at the end of the run as well).
//   tracked   after one notification for each of 10,000 HA instances' alarms (the ok
//             transition Aodh sends once a new alarm has data): every alarm resolved
//             and cached, every delivery journaled.
//   incidents plus 1,000 open incidents: 10 of the 100 hosts are down (nova-compute
//             forced down) and their instances' alarms fire; the engine keeps them
//             `waiting` and re-decides each every wait_retry_s (10 s).
// vmha runs with the default configuration (bar the state dir), composed as `vmha serve`
// does, with --expose-gc so heap figures can be taken after a full collection.
//   npx tsx bench/memory.ts [--instances 10000] [--incidents 1000] [--runs 2] [--watch 25]
//   --watch: seconds the open incidents are held and sampled before the last snapshot
//   (25 s: two rounds of re-decisions; the smoke test holds them for less).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { aodhBody, postLikeAodh } from '../src/fakes/aodh/notifier.ts';
import { forkChild, type Child } from './lib/child.ts';
import { credentialsFor, notificationBody, PUBLIC_URL, SECRET, type Seeded } from './lib/cloud-types.ts';
import { callStats, type CallStats } from './lib/logstats.ts';
import { rss } from './lib/proc.ts';
import { median, mib, printTable, round, writeResult } from './lib/report.ts';

const { values: opt } = parseArgs({
  options: {
    instances: { type: 'string', default: '10000' },
    incidents: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '2' },
    watch: { type: 'string', default: '25' },
  },
});
const INSTANCES = Number(opt.instances);
const INCIDENTS = Number(opt.incidents);
const RUNS = Number(opt.runs);
const WATCH_S = Number(opt.watch);
const HOSTS = 100;
const here = path.dirname(new URL(import.meta.url).pathname);
const work = mkdtempSync(path.join(tmpdir(), 'vmha-bench-memory-'));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Phase = 'idle' | 'tracked' | 'incidents';
interface Snapshot {
  /** VmRSS as the OS sees it, without forcing a collection. */
  rss: number;
  /** After two full collections. */
  rssAfterGc: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

let started = 0;
const logOf = new Map<Child, string>();
async function startVmha(cloud: Child): Promise<Child> {
  const tag = `vmha-${++started}`;
  const logFile = path.join(work, `${tag}.log`);
  const config = { webhook: { listen: '127.0.0.1:0', public_url: PUBLIC_URL, secret: SECRET }, state: { dir: path.join(work, tag) } };
  const child = await forkChild(path.join(here, 'lib/serve-proc.ts'), { config, creds: credentialsFor(cloud.ready.authUrl as string) }, { execArgv: ['--expose-gc'], logFile });
  logOf.set(child, logFile);
  return child;
}

async function snapshot(vmha: Child): Promise<Snapshot> {
  const seen = rss(vmha.pid).rss;
  const m = await vmha.call<Record<string, number>>('memory', { gc: true });
  return { rss: seen, rssAfterGc: m.rss!, heapUsed: m.heapUsed!, heapTotal: m.heapTotal!, external: m.external! };
}

/** Posts each body to its alarm's URL like Aodh (a connection each), `concurrency` at a time. */
async function deliver(base: string, items: { alarm: Seeded; body: string }[], concurrency: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const { alarm, body } = items[next++]!;
      const r = await postLikeAodh(`${base}/v1/aodh/${alarm.token}`, body);
      if (r.status !== 202) throw new Error(`notification for ${alarm.alarmName} answered ${r.status}: ${JSON.stringify(r.body)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function main(): Promise<void> {
  const cloud = await forkChild(path.join(here, 'lib/cloud-proc.ts'), {}, { logFile: path.join(work, 'cloud.log') });
  const runs: {
    run: number;
    phases: Record<Phase, Snapshot>;
    openAfter: Record<string, number>;
    peakRss: number;
    freshIdle: Snapshot;
    novaCallsPerS: number;
    callsWhileHolding: CallStats;
  }[] = [];
  try {
    let s = performance.now();
    const seeded = await cloud.call<Seeded[]>('seed', { hosts: HOSTS, servers: INSTANCES, secret: SECRET, publicUrl: PUBLIC_URL });
    console.log(`seeded ${INSTANCES} HA servers on ${HOSTS} hosts with their alarms in ${((performance.now() - s) / 1000).toFixed(0)} s`);
    // Every instance of the first hosts fails.
    const downHosts = [...new Set(seeded.map((a) => a.host))].slice(0, Math.ceil(INCIDENTS / (INSTANCES / HOSTS)));
    const failing = seeded.filter((a) => downHosts.includes(a.host)).slice(0, INCIDENTS);
    await cloud.call('forceDown', { hosts: downHosts });
    const ok = seeded.map((alarm) => ({
      alarm,
      body: aodhBody({
        alarm_name: alarm.alarmName,
        alarm_id: alarm.alarmId,
        severity: 'critical',
        previous: 'insufficient data',
        current: 'ok',
        reason: 'Transition to ok due to 3 samples inside threshold, most recent: 1.5',
        reason_data: { type: 'threshold', disposition: 'inside', count: 3, most_recent: 1.5 },
      }),
    }));

    for (let run = 1; run <= RUNS; run++) {
      const vmha = await startVmha(cloud);
      try {
        const base = vmha.ready.url as string;
        await sleep(3000);
        const phases = { idle: await snapshot(vmha) } as Record<Phase, Snapshot>;
        s = performance.now();
        await deliver(base, ok, 8);
        console.log(`run ${run}: ${INSTANCES} ok transitions delivered in ${((performance.now() - s) / 1000).toFixed(0)} s`);
        await sleep(2000);
        phases.tracked = await snapshot(vmha);

        s = performance.now();
        await deliver(base, failing.map((alarm) => ({ alarm, body: notificationBody(alarm, 'alarm', 999.5) })), 8);
        // By default two rounds of re-decisions (wait_retry_s is 10 s), sampling RSS as they run.
        const watchFrom = Date.now();
        let peakRss = 0;
        let counts: Record<string, number> = {};
        for (let i = 0; i < WATCH_S; i++) {
          await sleep(1000);
          peakRss = Math.max(peakRss, rss(vmha.pid).rss);
          counts = await vmha.call<Record<string, number>>('counts');
        }
        const watched = (Date.now() - watchFrom) / 1000;
        phases.incidents = await snapshot(vmha);
        // What holding them costs the cloud: every waiting incident is re-decided from a fresh Nova snapshot.
        const stats = callStats(logOf.get(vmha)!, watchFrom);
        const novaCallsPerS = round(Object.entries(stats.calls).filter(([k]) => k.includes('/compute/')).reduce((a, [, n]) => a + n, 0) / watched, 0);
        const open = Object.entries(counts).filter(([state]) => ['open', 'waiting', 'acting', 'verifying'].includes(state)).reduce((a, [, n]) => a + n, 0);
        console.log(`run ${run}: ${INCIDENTS} alarms fired; incidents by state after ${WATCH_S} s: ${JSON.stringify(counts)} (${((performance.now() - s) / 1000).toFixed(0)} s)`);
        if (open < INCIDENTS) throw new Error(`only ${open} incidents open, expected ${INCIDENTS}`);
        await vmha.kill();
        const fresh = await startVmha(cloud);
        await sleep(3000);
        const freshIdle = await snapshot(fresh);
        await fresh.kill();
        runs.push({ run, phases, openAfter: counts, peakRss, freshIdle, novaCallsPerS, callsWhileHolding: stats });
      } finally {
        await vmha.kill();
      }
    }
  } finally {
    await cloud.stop();
  }

  const med = (f: (r: (typeof runs)[number]) => number): number => median(runs.map(f));
  const row = (label: string, f: (r: (typeof runs)[number]) => Snapshot) => ({
    state: label,
    rssMiB: mib(med((r) => f(r).rss)),
    rssAfterGcMiB: mib(med((r) => f(r).rssAfterGc)),
    heapUsedMiB: mib(med((r) => f(r).heapUsed)),
    heapTotalMiB: mib(med((r) => f(r).heapTotal)),
    externalMiB: mib(med((r) => f(r).external)),
  });
  const rows = [
    row('idle, empty journal (baseline)', (r) => r.phases.idle),
    row(`${INSTANCES} instances tracked`, (r) => r.phases.tracked),
    row(`+ ${INCIDENTS} open incidents`, (r) => r.phases.incidents),
    row('fresh idle process, end of run', (r) => r.freshIdle),
  ];
  const base = rows[0]!;
  printTable(
    `Memory of vmha serve, median of ${RUNS} runs (MiB)`,
    ['state', 'RSS', 'RSS vs idle', 'RSS after GC', 'heap used after GC', 'heap reserved', 'external'],
    rows.map((r) => [r.state, r.rssMiB, `${round(r.rssMiB / base.rssMiB, 2)}x`, r.rssAfterGcMiB, r.heapUsedMiB, r.heapTotalMiB, r.externalMiB]),
  );
  const perInstance = (med((r) => r.phases.tracked.heapUsed - r.phases.idle.heapUsed) / INSTANCES);
  const perIncident = (med((r) => r.phases.incidents.heapUsed - r.phases.tracked.heapUsed) / INCIDENTS);
  console.log(`\nwhile holding the incidents: ${med((r) => r.novaCallsPerS)} Nova calls/s, ${med((r) => r.callsWhileHolding.failed)} failed (the fake cloud shares the 2 cores)`);
  console.log(`peak RSS while re-deciding: ${mib(med((r) => r.peakRss))} MiB; heap per tracked instance ${round(perInstance, 0)} B, per open incident ${round(perIncident, 0)} B`);
  writeResult('memory', {
    settings: { instances: INSTANCES, incidents: INCIDENTS, hosts: HOSTS, runs: RUNS, watchS: WATCH_S },
    summary: rows,
    peakRssWhileRedecidingMiB: mib(med((r) => r.peakRss)),
    heapBytesPerTrackedInstance: round(perInstance, 0),
    heapBytesPerOpenIncident: round(perIncident, 0),
    novaCallsPerSecondWhileHolding: med((r) => r.novaCallsPerS),
    runs,
  });
  rmSync(work, { recursive: true, force: true });
}

await main();
