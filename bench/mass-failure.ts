// Benchmark #10.4: mass failure, the scenario of a published HaStack test: 38 hosts,
// 1741 instances of which 1000 HA, 20 hosts failing at once, at most 20 recoveries at
// once and 100 per minute. HaStack took 41 and 20 minutes to recover everything.
//
// What is real: vmha serve as the CLI composes it (webhook, journal, decision, safety
// gate and guard, host workflow with a real fence command, limits, OpenStack clients),
// over HTTP on 127.0.0.1 against the fake cloud (src/fakes). What is simulated: the
// cloud itself; Nova's evacuation time (drawn per server from a seeded distribution);
// the failure (nova-compute stops heartbeating, Nova reports the hosts down at once;
// each affected HA instance's alarm is posted as Aodh posts it, 30-90 s after); the BMC
// (a loopback server that takes 5 s to power a host off); and time: every pacing
// duration (vmha's intervals and windows, the limits' 60 s window, Nova's durations,
// the alarm delays, the fence) is divided by --time-scale. CPU and I/O are not scaled,
// so vmha's own work counts time-scale times heavier in the real-scale figures.
//
// Baseline in the same run: the same evacuations with vmha's Nova client and Limits and
// nothing else, from the moment of the failure (bench/lib/mass-bare-proc.ts). Floor: a
// zero-overhead schedule of the same Nova durations under the same limits. The limits
// are HaStack's model: one global pool (limits.global.concurrency, --concurrency) and a
// global rate (limits.global.per_window per 60 s, --per-minute); per-host limits are set
// as high, out of the way.
// The Nova-side observer counts limit violations on its own (must be 0).
//
//   npx tsx bench/mass-failure.ts [--time-scale 20] [--seed 1] [--dist lognormal|uniform]
//     [--median-s 80 --sigma 0.3 | --min-s 60 --max-s 120] [--hosts 38 --instances 1741
//     --ha 1000 --failing 20] [--concurrency 20 --per-minute 100] [--guard-pct 60]
//     [--alarm-s 30:90] [--fence-s 5] [--no-bare] [--no-guard-check] [--keep]
//     [--svg FILE] [--journal-on-disk]
// The JSON goes to bench/results/mass-failure.json and the chart to docs/mass-failure.svg;
// with $VMHA_BENCH_RESULTS_DIR set (the smoke test), both go there instead.
//   npx tsx bench/mass-failure.ts --chart-from bench/results/mass-failure.json   # re-draw the chart only
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderChart } from './lib/mass-chart.ts';
import { runMassFailure, type MassResult, type PhaseResult } from './lib/mass-run.ts';
import { checkSettings, describeDistribution, HASTACK, HASTACK_MINUTES, massLimits, type MassSettings } from './lib/mass-scenario.ts';
import { printTable, RESULTS_DIR, round, writeResult } from './lib/report.ts';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const num = { type: 'string' } as const;
const { values: opt } = parseArgs({
  options: {
    hosts: num, instances: num, ha: num, failing: num, 'time-scale': num, seed: num, dist: num,
    'median-s': num, sigma: num, 'min-s': num, 'max-s': num, 'schedule-s': num, 'fence-s': num,
    'alarm-s': num, concurrency: num, 'per-minute': num, 'guard-pct': num, 'timeout-min': num,
    'guard-hold-min': { type: 'string', default: '10' },
    'no-bare': { type: 'boolean', default: false },
    'no-guard-check': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'journal-on-disk': { type: 'boolean', default: false },
    /** Re-draws the chart from a results file of an earlier run (its settings), without running anything. */
    'chart-from': { type: 'string' },
    svg: { type: 'string', default: path.join(process.env.VMHA_BENCH_RESULTS_DIR ? RESULTS_DIR : path.join(root, 'docs'), 'mass-failure.svg') },
  },
});
const n = (v: string | undefined, d: number): number => (v === undefined ? d : Number(v));
const [alarmFrom, alarmTo] = (opt['alarm-s'] ?? `${HASTACK.alarmFromS}:${HASTACK.alarmToS}`).split(':').map(Number);
const s: MassSettings = {
  hosts: n(opt.hosts, HASTACK.hosts),
  instances: n(opt.instances, HASTACK.instances),
  ha: n(opt.ha, HASTACK.ha),
  failing: n(opt.failing, HASTACK.failing),
  timeScale: n(opt['time-scale'], HASTACK.timeScale),
  seed: n(opt.seed, HASTACK.seed),
  dist: opt.dist === 'uniform' ? 'uniform' : 'lognormal',
  medianS: n(opt['median-s'], HASTACK.medianS),
  sigma: n(opt.sigma, HASTACK.sigma),
  minS: n(opt['min-s'], HASTACK.minS),
  maxS: n(opt['max-s'], HASTACK.maxS),
  scheduleS: n(opt['schedule-s'], HASTACK.scheduleS),
  fenceS: n(opt['fence-s'], HASTACK.fenceS),
  alarmFromS: alarmFrom ?? HASTACK.alarmFromS,
  alarmToS: alarmTo ?? alarmFrom ?? HASTACK.alarmToS,
  concurrency: n(opt.concurrency, HASTACK.concurrency),
  perMinute: n(opt['per-minute'], HASTACK.perMinute),
  guardPct: n(opt['guard-pct'], HASTACK.guardPct),
  timeoutMin: n(opt['timeout-min'], HASTACK.timeoutMin),
};
const problems = checkSettings(s);
if (problems.length || (opt.dist && !['lognormal', 'uniform'].includes(opt.dist))) {
  console.error([...problems, ...(opt.dist && !['lognormal', 'uniform'].includes(opt.dist) ? ['--dist must be lognormal or uniform'] : [])].join('\n'));
  process.exit(2);
}

const work = mkdtempSync(path.join(tmpdir(), 'vmha-bench-mass-'));
// vmha's journal on tmpfs: its fsyncs (0.4-4.6 ms each on this VM's disk, thousands in the
// first minutes) do not shrink with the time scale and would weigh time-scale times more.
// The intake benchmark measures the journal on disk; --journal-on-disk keeps it there.
const shm = '/dev/shm';
const journalDir = !opt['journal-on-disk'] && existsSync(shm) ? mkdtempSync(path.join(shm, 'vmha-bench-mass-')) : work;
const min = (sec: number): number => round(sec / 60, 1);
const guardShare = Math.round((100 * s.failing) / s.hosts);

function simulated(): string[] {
  return [
    `Simulated: the cloud (src/fakes: Keystone, Nova, Aodh, Gnocchi), the hosts' BMCs, and time.`,
    `  Time is compressed ${s.timeScale}x: every pacing duration is divided by ${s.timeScale} (vmha's poll, retry, settle, correlation, census and window settings;`,
    `  the limits' 60 s window; Nova's durations; alarm delays; the fence). Figures are converted back to real-scale. CPU, I/O and HTTP are not scaled,`,
    `  so vmha's own work weighs ${s.timeScale}x heavier here than on a real cloud. Not scaled either: timeouts (HTTP 30 s, fence 60 s, verify 600 s),`,
    `  and the reconciler (every 60 s, 30 s grace: off the recovery path). vmha's journal is on ${journalDir === work ? 'disk' : 'tmpfs'}${journalDir === work ? '' : ' (fsyncs do not scale)'}.`,
    `  Nova's evacuation time (accepted to ACTIVE elsewhere): ${describeDistribution(s)}, seed ${s.seed}; of it ${s.scheduleS} s scheduling.`,
    `  Failure: ${s.failing} hosts' nova-compute stops at t=0 and Nova reports them down at once (a real Nova waits service_down_time, 60 s);`,
    `  each affected HA instance's alarm is posted to vmha as Aodh posts it, uniformly ${s.alarmFromS}-${s.alarmToS} s after; the BMC takes ${s.fenceS} s to power a host off.`,
    `Limits: ${s.concurrency} evacuations at once over all hosts (limits.global.concurrency, held from issue to verification) and ${s.perMinute} per sliding 60 s`,
    `  (limits.global.per_window), HaStack's model; per-host limits set out of the way (limits.per_host: ${massLimits(s).perHost.concurrency} at once, ${massLimits(s).perHost.perWindow} per 60 s).`,
    guardShare >= 50
      ? `Guard: trip_pct ${s.guardPct} % for this run. ${s.failing} of ${s.hosts} hosts is ${guardShare} %: at the default 50 % the guard trips and holds\n` +
        `  every action (as HaStack's 50 % self-defense would); an operator who accepts this as a real failure raises trip_pct or runs \`vmha guard resume\`.`
      : `Guard: trip_pct ${s.guardPct} % for this run (${s.failing} of ${s.hosts} hosts is ${guardShare} %: the default 50 % would not trip either).`,
  ];
}

/** A cell of the bare loop's column ('-' when it did not run). */
function col(p: PhaseResult | undefined, f: (p: PhaseResult) => string | number): string | number {
  return p ? f(p) : '-';
}

function report(r: MassResult): void {
  const v = r.vmha;
  const b = r.bare;
  const fl = r.floors;
  console.log('\n' + simulated().join('\n'));
  printTable(
    `Mass failure: ${s.failing} of ${s.hosts} hosts, ${r.plan.affected} HA instances to evacuate (${r.plan.perFailedHost.min}-${r.plan.perFailedHost.max} per host; ${r.plan.nonHaOnFailedHosts} non-HA left alone), real-scale`,
    ['', 'vmha', 'bare loop', `floor (limits only)`, 'HaStack'],
    [
      ['all recovered (min)', min(v.figures.totalS), col(b, (p) => min(p.figures.totalS)), min(fl.configured.makespanS), HASTACK_MINUTES.join(' / ')],
      ['per instance p50 (min)', min(v.figures.p50S), col(b, (p) => min(p.figures.p50S)), min(fl.configured.p50S), '1-2 (per instance)'],
      ['per instance p95 (min)', min(v.figures.p95S), col(b, (p) => min(p.figures.p95S)), min(fl.configured.p95S), '-'],
      ['recovered', `${v.figures.recovered}/${v.figures.instances}`, col(b, (p) => `${p.figures.recovered}/${p.figures.instances}`), '', ''],
      ['first evacuation at (s)', v.figures.firstEvacuationS, col(b, (p) => p.figures.firstEvacuationS), 0, ''],
      ['evacuations sent', v.figures.evacuations, col(b, (p) => p.figures.evacuations), r.plan.affected, ''],
      [`peak per rolling 60 s (limit ${s.perMinute})`, v.figures.peakPerMinute, col(b, (p) => p.figures.peakPerMinute), '', ''],
      ['mean per minute, first to last', v.figures.meanPerMinute, col(b, (p) => p.figures.meanPerMinute), '', ''],
      [`peak in flight at Nova (limit ${s.concurrency})`, v.figures.peakInFlightNova, col(b, (p) => p.figures.peakInFlightNova), '', ''],
      ['peak in flight, sender (start to verified)', v.figures.peakInFlightSender, col(b, (p) => p.figures.peakInFlightSender), '', ''],
      ['Nova done -> verified, p50/p95 (s)', `${v.figures.verifyLagP50S}/${v.figures.verifyLagP95S}`, col(b, (p) => `${p.figures.verifyLagP50S}/${p.figures.verifyLagP95S}`), '', ''],
      ['CPU s: sender / cloud (busy % of wall)', `${v.cpu.senderS} / ${v.cpu.cloudS} (${v.cpu.busyPct}%)`, col(b, (p) => `${p.cpu.senderS} / ${p.cpu.cloudS} (${p.cpu.busyPct}%)`), '', ''],
    ],
  );
  const checks = Object.keys(v.figures.violations) as (keyof PhaseResult['figures']['violations'])[];
  printTable('Checks by the Nova-side observer (each must be 0)', ['', 'vmha', 'bare loop'], [
    ...checks.map((k) => [k, String(v.figures.violations[k] ?? 'n/a'), col(b, (p) => String(p.figures.violations[k] ?? 'n/a (no fence)'))]),
    ['not ACTIVE on another host at the end', v.notRecoveredInNova, col(b, (p) => p.notRecoveredInNova)],
  ]);
  const st = v.extra.steps as Record<string, { median: number; max: number }>;
  printTable('vmha host workflows, real-scale seconds after the failure', ['step', 'median over hosts', 'last host'], Object.entries(st).map(([k, x]) => [k, x.median, x.max]));
  console.log(`\nfloor: ${min(fl.configured.makespanS)} min under the limits (one global pool of ${s.concurrency}, ${s.perMinute} per 60 s);`);
  console.log(`  bounds: work/${s.concurrency} ${min(fl.bounds.workS)} min, longest evacuation ${min(fl.bounds.longestS)} min, rate ${min(fl.bounds.rateS)} min`);
  if (b) console.log(`vmha / bare loop: ${round(v.figures.totalS / b.figures.totalS, 3)}x all recovered (+${min(v.figures.totalS - b.figures.totalS)} min), ${round(v.figures.p50S / b.figures.p50S, 3)}x p50`);
  console.log(`vmha / floor: ${round(v.figures.totalS / fl.configured.makespanS, 3)}x; vmha vs HaStack: ${min(v.figures.totalS)} min against ${HASTACK_MINUTES.join(' and ')} min`);
  console.log(`notifications: ${JSON.stringify(v.extra.notifications)}; incidents opened by: ${JSON.stringify(v.extra.openedVia)}`);
  console.log(`host failures detected by: ${JSON.stringify(v.extra.triggers)}; workflows: ${JSON.stringify(v.extra.workflows)}`);
  const stall = v.extra.eventLoopStall as { wallS: number; longestWallS: number; realScaleMin: number };
  console.log(`vmha's event loop was blocked ${stall.wallS} s of wall time in all (longest ${stall.longestWallS} s): ${stall.realScaleMin} real-scale minutes at ${s.timeScale}x`);
  if (r.guard) {
    const g = r.guard;
    console.log(`guard at the default 50 %: ${g.tripped ? 'TRIPPED' : 'not tripped'} (${g.reason ?? ''}); over ${min(g.heldS)} min: ${g.fences} fences, ${g.evacuations} evacuations; workflows ${JSON.stringify(g.workflows.reduce<Record<string, number>>((a, x) => ((a[x] = (a[x] ?? 0) + 1), a), {}))}`);
  }
}

/** One row per sender and floor, real-scale minutes: the table's figures for the JSON. */
function summary(r: MassResult): Record<string, unknown>[] {
  const phase = (name: string, p: PhaseResult) => ({
    phase: name,
    allRecoveredMin: min(p.figures.totalS),
    p50Min: min(p.figures.p50S),
    p95Min: min(p.figures.p95S),
    recovered: p.figures.recovered,
    instances: p.figures.instances,
    firstEvacuationS: p.figures.firstEvacuationS,
    peakPerMinute: p.figures.peakPerMinute,
    peakInFlightNova: p.figures.peakInFlightNova,
    violations: p.figures.violations,
  });
  const fl = r.floors;
  return [
    phase('vmha', r.vmha),
    ...(r.bare ? [{ ...phase('bare loop', r.bare), vmhaRatio: round(r.vmha.figures.totalS / r.bare.figures.totalS, 3) }] : []),
    { phase: `floor, limits only (${s.concurrency} at once, ${s.perMinute}/min)`, allRecoveredMin: min(fl.configured.makespanS), p50Min: min(fl.configured.p50S), p95Min: min(fl.configured.p95S), vmhaRatio: round(r.vmha.figures.totalS / fl.configured.makespanS, 3) },
    ...HASTACK_MINUTES.map((m) => ({ phase: 'HaStack (published)', allRecoveredMin: m })),
  ];
}

/** The timeline chart (docs/mass-failure.svg by default). */
function writeChart(r: MassResult): void {
  const svg = renderChart({
    title: `Mass failure: ${s.failing} of ${s.hosts} hosts, ${r.plan.affected} HA instances evacuated`,
    subtitle: `global limits ${s.concurrency} at once, ${s.perMinute}/min; Nova evacuation ${describeDistribution(s).replace(/ \(.*\)$/, '')}; simulated cloud, time x${s.timeScale}`,
    total: r.plan.affected,
    series: [
      { label: `vmha (all in ${min(r.vmha.figures.totalS)} min)`, color: '#08519c', timesS: r.vmha.recoveredS },
      ...(r.bare ? [{ label: `bare loop (${min(r.bare.figures.totalS)} min)`, color: '#777', timesS: r.bare.recoveredS }] : []),
      { label: `floor, limits only (${min(r.floors.configured.makespanS)} min)`, color: '#31a354', dashed: true, timesS: r.floors.configured.finishesS },
    ],
    markers: HASTACK_MINUTES.map((m) => ({ label: `HaStack ${m} min`, atMin: m })),
    inNovaS: r.vmha.inNovaS,
    perMinuteLimit: s.perMinute,
    concurrencyLimit: s.concurrency,
  });
  mkdirSync(path.dirname(opt.svg), { recursive: true });
  writeFileSync(opt.svg, svg);
  console.log(`wrote ${path.relative(process.cwd(), opt.svg)}`);
}

async function main(): Promise<void> {
  const started = Date.now();
  const r = await runMassFailure({
    settings: s,
    work,
    journalDir,
    bare: !opt['no-bare'],
    guardCheck: !opt['no-guard-check'],
    guardHoldMin: Number(opt['guard-hold-min']),
    progress: (line) => process.stdout.write(`${line}          \r`),
  });
  report(r);
  const wallS = round((Date.now() - started) / 1000, 0);
  console.log(`wall time ${wallS} s`);
  writeChart(r);
  const data = {
    settings: { ...s, limits: massLimits(s), distribution: describeDistribution(s), bare: !opt['no-bare'], guardCheck: !opt['no-guard-check'] },
    simulated: simulated(),
    summary: summary(r),
    wallS,
    ...r,
  };
  writeResult('mass-failure', data);
  if (opt.keep) console.log(`logs and journals kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
  if (journalDir !== work) rmSync(journalDir, { recursive: true, force: true });
}

if (opt['chart-from']) {
  const saved = JSON.parse(readFileSync(opt['chart-from'], 'utf8')) as MassResult & { settings: MassSettings };
  Object.assign(s, saved.settings);
  writeChart(saved);
  rmSync(work, { recursive: true, force: true });
  if (journalDir !== work) rmSync(journalDir, { recursive: true, force: true });
} else {
  await main();
}
