// Benchmark #10.2: decision latency, from Aodh sending the notification to the Nova
// action arriving, uncontended (one incident at a time, each settled before the next).
// Both ends are timed by the fake cloud's process (it plays Aodh's notifier and Nova),
// on one monotonic clock. vmha runs as `vmha serve` does, in a child of its own.
//   cold       the first notification after start: Keystone token and catalog, Nova
//              version document (microversion), Aodh alarm lookup, new connections.
//   aodh-cold  later, for an alarm vmha has not read yet: Keystone and Nova warm.
//   warm       an alarm vmha already read (its ok transition came earlier): all warm.
// All three run with safety.host_failure.correlate_s = 0, to time the work itself; a
// fourth row keeps its default (a new incident first waits for the host's other alarms).
// Baseline, in the same run and the same layout: a server making only the calls a
// recovery cannot do without, with vmha's own clients (bench/lib/chain-proc.ts).
//   npx tsx bench/decision-latency.ts [--cold 7] [--warm 40] [--correlated 3] [--keep (logs)]
//   --cold: fresh-process samples of each kind; --warm: rounds of aodh-cold and warm
//   samples; --correlated: samples of the default correlate_s row (each waits it out).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isTerminal, type Incident } from '../src/domain/incident.ts';
import { forkChild, type Child } from './lib/child.ts';
import { credentialsFor, PUBLIC_URL, SECRET, type Seeded } from './lib/cloud-types.ts';
import { median, printTable, quantile, round, spread, writeResult } from './lib/report.ts';

const { values: opt } = parseArgs({
  options: {
    cold: { type: 'string', default: '7' },
    warm: { type: 'string', default: '40' },
    correlated: { type: 'string', default: '3' },
    keep: { type: 'boolean', default: false },
  },
});
const COLD = Number(opt.cold);
const WARM = Number(opt.warm);
const CORRELATED = Number(opt.correlated);
type Kind = 'vmha' | 'baseline';
type Variant = 'cold' | 'aodh-cold' | 'warm' | 'warm, default correlate_s';

const here = path.dirname(new URL(import.meta.url).pathname);
const work = mkdtempSync(path.join(tmpdir(), 'vmha-bench-decision-'));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Fired {
  status: number;
  answeredMs: number;
  actionMs?: number | null;
  body: { incident_id?: string };
}

let started = 0;
/**
 * `correlate`: keep safety.host_failure.correlate_s at its default (a new incident waits
 * that long for the host's other alarms before acting); otherwise 0, to time the work.
 */
function start(kind: Kind, cloud: Child, correlate = false): Promise<Child> {
  const creds = credentialsFor(cloud.ready.authUrl as string);
  if (kind === 'baseline') return forkChild(path.join(here, 'lib/chain-proc.ts'), { creds });
  const tag = `vmha-${++started}`;
  const config = {
    webhook: { listen: '127.0.0.1:0', public_url: PUBLIC_URL, secret: SECRET },
    state: { dir: path.join(work, tag) },
    log: { level: 'info', format: 'json' },
    // Verification polls fast so each incident settles before the next sample, and the
    // limits never hold an action back: this measures the decision, not the queue.
    recovery: { verify_poll_s: 0.1, reconcile_interval_s: 3600 },
    limits: { global: { per_window: 100_000, window_s: 60 }, per_host: { concurrency: 100, per_window: 100_000, window_s: 60 } },
    ...(correlate ? {} : { safety: { host_failure: { correlate_s: 0 } } }),
  };
  return forkChild(path.join(here, 'lib/serve-proc.ts'), { config, creds }, { logFile: path.join(work, `${tag}.log`) });
}

async function main(): Promise<void> {
  const cloud = await forkChild(path.join(here, 'lib/cloud-proc.ts'), {}, { logFile: path.join(work, 'cloud.log') });
  const samples: { kind: Kind; variant: Variant; actionMs: number; answeredMs: number }[] = [];
  const inService: Record<string, { sum: number; count: number }> = {};
  try {
    const seeded = await cloud.call<Seeded[]>('seed', { hosts: 4, servers: 2 * COLD + 6 * WARM + 4 + 1 + CORRELATED, secret: SECRET, publicUrl: PUBLIC_URL });
    let next = 0;
    const fresh = (): Seeded => seeded[next++]!;

    /** One recovery: fires `alarm`'s transition at `target` and waits until it is over. */
    const sample = async (kind: Kind, variant: Variant, target: Child, alarm: Seeded): Promise<void> => {
      const base = target.ready.url as string;
      if (variant === 'warm') {
        const ok = await cloud.call<Fired>('fireAndWait', { base, alarm, current: 'ok', value: 1.5, timeoutMs: 0 });
        if (ok.status !== 202) throw new Error(`ok transition answered ${ok.status}`);
        await sleep(50);
      }
      const r = await cloud.call<Fired>('fireAndWait', { base, alarm, current: 'alarm', value: 999.5, timeoutMs: 15_000 });
      if (r.status !== 202 || r.actionMs == null) throw new Error(`${kind} ${variant}: status ${r.status}, no Nova action (${JSON.stringify(r.body)})`);
      samples.push({ kind, variant, actionMs: round(r.actionMs, 2), answeredMs: round(r.answeredMs, 2) });
      // Uncontended: let the recovery finish (verification) before the next one.
      if (kind === 'vmha') {
        const id = r.body.incident_id!;
        for (let i = 0; i < 300; i++) {
          const inc = await target.call<Incident | null>('incident', { id });
          if (inc && isTerminal(inc.state)) break;
          await sleep(20);
        }
      } else {
        await sleep(300);
      }
    };

    for (let i = 0; i < COLD; i++) {
      for (const kind of (i % 2 ? ['vmha', 'baseline'] : ['baseline', 'vmha']) as Kind[]) {
        const t = await start(kind, cloud);
        try {
          await sleep(500); // let start-up work (journal resume, timers) finish
          await sample(kind, 'cold', t, fresh());
        } finally {
          await t.kill();
        }
      }
      process.stdout.write(`cold ${i + 1}/${COLD}\r`);
    }

    const targets = { vmha: await start('vmha', cloud), baseline: await start('baseline', cloud) };
    try {
      const before = await targets.vmha.call<{ sum: number; count: number }>('alarmToAction');
      // One recovery each first, so that only the alarm lookup can be cold below.
      for (const kind of ['vmha', 'baseline'] as Kind[]) await sample(kind, 'cold', targets[kind], fresh());
      samples.splice(-2, 2);
      const mark = await targets.vmha.call<{ sum: number; count: number }>('alarmToAction');
      for (let i = 0; i < WARM; i++) {
        for (const variant of (i % 2 ? ['aodh-cold', 'warm'] : ['warm', 'aodh-cold']) as Variant[]) {
          for (const kind of (i % 2 ? ['vmha', 'baseline'] : ['baseline', 'vmha']) as Kind[]) await sample(kind, variant, targets[kind], fresh());
        }
        process.stdout.write(`warm ${i + 1}/${WARM}   \r`);
      }
      const after = await targets.vmha.call<{ sum: number; count: number }>('alarmToAction');
      inService.warmPhase = { sum: after.sum - mark.sum, count: after.count - mark.count };
      inService.all = { sum: after.sum - before.sum, count: after.count - before.count };
      const failures = await targets.baseline.call<number>('failures');
      if (failures) throw new Error(`baseline: ${failures} recoveries failed`);
    } finally {
      await targets.vmha.kill();
      await targets.baseline.kill();
    }

    // With the default correlation window: what an operator sees out of the box.
    const dflt = await start('vmha', cloud, true);
    try {
      await sample('vmha', 'cold', dflt, fresh());
      samples.pop();
      for (let i = 0; i < CORRELATED; i++) await sample('vmha', 'warm, default correlate_s', dflt, fresh());
    } finally {
      await dflt.kill();
    }
  } finally {
    await cloud.stop();
  }

  const rows = [];
  for (const variant of ['cold', 'aodh-cold', 'warm', 'warm, default correlate_s'] as Variant[]) {
    const of = (k: Kind): number[] =>
      samples.filter((s) => s.kind === k && s.variant === (k === 'baseline' && variant.startsWith('warm') ? 'warm' : variant)).map((s) => s.actionMs);
    const v = of('vmha');
    const b = of('baseline');
    const vSpread = spread(v);
    rows.push({
      variant,
      n: v.length,
      p50: round(median(v), 1),
      p99: round(quantile(v, 0.99), 1),
      baselineP50: round(median(b), 1),
      baselineP99: round(quantile(b, 0.99), 1),
      ratioP50: round(median(v) / median(b), 2),
      overheadP50Ms: round(median(v) - median(b), 1),
      vmhaMin: round(vSpread.min, 1),
      vmhaMax: round(vSpread.max, 1),
      answeredP50: round(median(samples.filter((s) => s.kind === 'vmha' && s.variant === variant).map((s) => s.answeredMs)), 1),
    });
  }
  printTable(
    'Decision latency: notification sent -> Nova action arrived, ms (uncontended)',
    ['variant', 'n', 'vmha p50', 'vmha p99', 'min..max', 'baseline p50', 'baseline p99', 'vmha/baseline p50', 'vmha overhead p50', '202 after (p50)'],
    rows.map((r) => [r.variant, r.n, r.p50, r.p99, `${r.vmhaMin}..${r.vmhaMax}`, r.baselineP50, r.baselineP99, `${r.ratioP50}x`, `${r.overheadP50Ms >= 0 ? '+' : ''}${r.overheadP50Ms}`, r.answeredP50]),
  );
  const w = inService.warmPhase!;
  console.log(`\nvmha's own vmha_alarm_to_action_seconds over the warm phase: mean ${round((w.sum / w.count) * 1000, 1)} ms over ${w.count} actions (from intake to the call; excludes the notification's and the action's trips)`);
  console.log('p99 of a handful of samples is their maximum: read the cold row as a range.');
  writeResult('decision-latency', { settings: { cold: COLD, warm: WARM, correlated: CORRELATED }, summary: rows, inServiceHistogram: inService, samples });
  if (opt.keep) console.log(`logs kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

await main();
