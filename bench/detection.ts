// Benchmark #10.6: detection on the real test cloud (test/cloud/cloud.sh): from the
// first breaching measure reaching Gnocchi to vmha's Nova call, for several alarm
// windows (granularity x periods), with Aodh's evaluation interval at 10 s.
//
// Per sample: one HA server on compute-1 and vmha's ping-delay alarm on it (rendered
// from alarms/ping-delay.yaml, granularity 10 s, `periods` periods). Healthy measures
// (0.4 ms) every 2 s until Aodh has the alarm in `ok`, a random 0-10 s more, then 999 ms
// every 2 s, as a probe agent would publish them. Timed on this machine's clock:
//   t0        the first breaching measure's POST answered (202: Gnocchi has it)
//   aodh      the alarm's state_timestamp (Aodh's evaluator decided `alarm`)
//   received  vmha opened the incident (the notification was journaled)
//   nova      vmha's live-migrate request left (a wrapper around its Nova client)
// The floor is what the alarm definition itself demands: `periods` buckets of
// `granularity` must hold breaching means, the first one may be the bucket t0 falls
// in, so Aodh cannot know before bucketStart(t0) + (periods - 1) x granularity. On top
// of it come Gnocchi's metricd (metric_processing_delay 1 s here), the wait for Aodh's
// next evaluation (0-10 s), its notifier, and vmha, whose part is split into the
// correlation hold (safety.host_failure.correlate_s, default 5 s: a new incident waits
// for its host's other alarms) and the work (snapshot, decision, journal, the call).
//
// vmha serve runs in this process with its defaults (mass-failure guard on, host
// workflow off as it is without a fence hook), the limits raised. The windows run side
// by side, the samples of one window one after the other, so at most a third of the
// HA instances alarm at once.
//   npm run bench:detection [-- --periods 1,3,6 --samples 3 --correlate 5 --keep-cloud]
// Needs root (it brings the test cloud up if it is not running, and stops it after).
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { METRIC } from '../agents/probes/result.ts';
import { render } from '../src/alarms/render.ts';
import { bundledTemplatesDir, loadTemplate, resolveVariables } from '../src/alarms/template.ts';
import { configSchema } from '../src/config/schema.ts';
import { systemClock } from '../src/domain/clock.ts';
import { memoryLogger } from '../src/log.ts';
import type { OpenStackClients } from '../src/openstack/index.ts';
import { startService, type RunningService } from '../src/service/serve.ts';
import { freePort } from '../test/helpers/port.ts';
import { tmpDir } from '../test/helpers/tmp.ts';
import { CLOUD_SH, deleteServers, haServer, realClients, sleep, waitFor } from '../test/real/real-cloud.ts';
import { median, printTable, quantile, round, writeResult } from './lib/report.ts';

const { values: opt } = parseArgs({
  options: {
    periods: { type: 'string', default: '1,3,6' },
    samples: { type: 'string', default: '3' },
    granularity: { type: 'string', default: '10' },
    correlate: { type: 'string', default: '5' },
    'keep-cloud': { type: 'boolean', default: false },
  },
});
const PERIODS = opt.periods.split(',').map(Number);
const SAMPLES = Number(opt.samples);
const G = Number(opt.granularity);
const CORRELATE_S = Number(opt.correlate);
const EVALUATION_INTERVAL_S = 10;
const SECRET = 'bench-detection-secret';
const POST_EVERY_MS = 2000;
if (PERIODS.some((p) => !Number.isInteger(p) || p < 1) || !(SAMPLES >= 1) || !(G >= 1) || !(CORRELATE_S >= 0)) {
  console.error('bench:detection: --periods takes whole numbers >= 1, --samples >= 1, --granularity >= 1, --correlate >= 0');
  process.exit(2);
}

interface Sample {
  periods: number;
  serverId: string;
  t0?: number;
  aodh?: number;
  received?: number;
  nova?: number;
  floorMs?: number;
  holdMs?: number;
}

/** Brings the test cloud up unless it runs; says whether this run started it. */
function ensureCloud(): boolean {
  if (spawnSync('bash', [CLOUD_SH, 'status'], { stdio: 'ignore' }).status === 0) return false;
  console.log('bench:detection: the test cloud is not running: cloud.sh up (a few minutes the first time)');
  const up = spawnSync('bash', [CLOUD_SH, 'up'], { stdio: 'inherit' });
  if (up.status !== 0) throw new Error(`cloud.sh up failed (exit ${up.status}); the benchmark needs root and apt`);
  return true;
}

/** Aodh's naive UTC timestamps ("2026-11-23T00:31:13.123456"). */
const utc = (ts: string): number => Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(ts) ? ts : `${ts}Z`);

/** When Aodh's evaluator moved the alarm to `alarm`, from the alarm's history. */
async function alarmedAt(c: OpenStackClients, alarmId: string): Promise<number | undefined> {
  const res = await c.session.request<{ type: string; detail: string; timestamp: string }[]>('alarming', { service: 'aodh', method: 'GET', path: `/v2/alarms/${alarmId}/history` });
  const moves = res.body.filter((h) => h.type === 'state transition' && (JSON.parse(h.detail) as { state?: string }).state === 'alarm');
  return moves.length ? Math.min(...moves.map((h) => utc(h.timestamp))) : undefined;
}

async function runSample(c: OpenStackClients, service: RunningService, s: Sample, publicUrl: string, novaCalls: Map<string, number>): Promise<void> {
  const t = loadTemplate(bundledTemplatesDir(), 'ping-delay');
  const body = render(t, s.serverId, resolveVariables(t, { granularity: G, periods: s.periods }), { publicUrl, secret: SECRET, trust: false });
  const alarm = await c.aodh.create(body as unknown as Record<string, unknown>);
  const post = async (value: number): Promise<void> => {
    await c.gnocchi.batchResourceMeasures({ [s.serverId]: { [METRIC.pingDelay]: [{ timestamp: new Date().toISOString(), value }] } });
  };
  try {
    await waitFor('the alarm in ok', async () => {
      await post(0.4);
      return (await c.aodh.getState(alarm.alarm_id)) === 'ok';
    }, 180_000, POST_EVERY_MS);
    const extra = Date.now() + Math.random() * 10_000;
    while (Date.now() < extra) {
      await post(0.4);
      await sleep(Math.min(POST_EVERY_MS, Math.max(0, extra - Date.now())));
    }
    await post(999);
    s.t0 = Date.now();
    const bucketStart = Math.floor(s.t0 / (G * 1000)) * G * 1000;
    s.floorMs = Math.max(0, bucketStart + (s.periods - 1) * G * 1000 - s.t0);
    s.nova = await waitFor('vmha to call Nova', async () => {
      const at = novaCalls.get(s.serverId);
      if (at) return at;
      await post(999);
      return undefined;
    }, (s.periods * G + 120) * 1000, POST_EVERY_MS / 4);
    const incident = service.journal.list({ instanceId: s.serverId })[0]!;
    s.received = incident.openedAt;
    // The engine holds a new incident until openedAt + correlate_s, then decides again.
    s.holdMs = Math.min(CORRELATE_S * 1000, s.nova - s.received);
    s.aodh = await alarmedAt(c, alarm.alarm_id);
  } finally {
    await c.aodh.delete(alarm.alarm_id).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const startedCloud = ensureCloud();
  const dir = tmpDir('vmha-bench-detection-');
  const c = realClients('vmha-test');
  const novaCalls = new Map<string, number>();
  const liveMigrate = c.nova.liveMigrate.bind(c.nova);
  c.nova.liveMigrate = async (serverId) => {
    if (!novaCalls.has(serverId)) novaCalls.set(serverId, Date.now());
    return liveMigrate(serverId);
  };
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const config = configSchema.parse({
    webhook: { listen: `127.0.0.1:${port}`, public_url: publicUrl, secret: SECRET },
    state: { dir: dir.dir },
    limits: { global: { per_window: 1000, window_s: 60 }, per_host: { concurrency: 50, per_window: 1000, window_s: 60 } },
    safety: { host_failure: { correlate_s: CORRELATE_S } },
  });
  const service = await startService({ config, clients: c, logger: memoryLogger('error').logger, clock: systemClock });
  const servers: string[] = [];
  const resources: string[] = [];
  const samples: Sample[] = [];
  const t0 = Date.now();
  try {
    const ids = await Promise.all(PERIODS.flatMap((p) => Array.from({ length: SAMPLES }, (_, i) => haServer(c, `vmha-bench-det-p${p}-${i}`, 'compute-1', servers, resources))));
    PERIODS.forEach((p, pi) => {
      for (let i = 0; i < SAMPLES; i++) samples.push({ periods: p, serverId: ids[pi * SAMPLES + i]! });
    });
    console.log(`bench:detection: ${samples.length} samples (periods ${PERIODS.join(', ')} x ${SAMPLES}), granularity ${G} s, Aodh evaluation every ${EVALUATION_INTERVAL_S} s, correlate_s ${CORRELATE_S}`);
    // Windows side by side, the samples of one window one after the other: at most one
    // alarming instance per window, a third of the HA population, under the guard's 50 %.
    await Promise.all(
      PERIODS.map(async (p) => {
        for (const s of samples.filter((x) => x.periods === p)) await runSample(c, service, s, publicUrl, novaCalls);
      }),
    );
  } finally {
    await service.close().catch(() => undefined);
    await deleteServers(c, servers).catch(() => undefined);
    for (const id of resources) {
      await c.session.request('metric', { service: 'gnocchi', method: 'DELETE', path: `/v1/resource/instance/${id}` }).catch(() => undefined);
    }
    dir.cleanup();
    if (startedCloud && !opt['keep-cloud']) spawnSync('bash', [CLOUD_SH, 'stop'], { stdio: 'inherit' });
  }

  const s = (xs: number[]): number => round(median(xs) / 1000, 1);
  const p95 = (xs: number[]): number => round(quantile(xs, 0.95) / 1000, 1);
  const rows = PERIODS.map((p) => {
    const mine = samples.filter((x) => x.periods === p && x.t0 && x.nova && x.received);
    const total = mine.map((x) => x.nova! - x.t0!);
    const floor = mine.map((x) => x.floorMs!);
    const toAodh = mine.filter((x) => x.aodh).map((x) => x.aodh! - x.t0!);
    const hop = mine.filter((x) => x.aodh).map((x) => x.received! - x.aodh!);
    const inVmha = mine.map((x) => x.nova! - x.received!);
    const hold = mine.map((x) => x.holdMs!);
    const work = mine.map((x) => x.nova! - x.received! - x.holdMs!);
    return {
      window: `${G} s x ${p}`,
      samples: mine.length,
      floorP50S: s(floor),
      measuredP50S: s(total),
      measuredP95S: p95(total),
      excessOverFloorP50S: round((median(total) - median(floor)) / 1000, 1),
      toAodhP50S: s(toAodh),
      notifierHopP50Ms: round(median(hop), 0),
      vmhaP50S: s(inVmha),
      vmhaHoldP50S: s(hold),
      vmhaWorkP50Ms: round(median(work), 0),
      raw: mine.map((x) => ({ floorMs: x.floorMs, totalMs: x.nova! - x.t0!, toAodhMs: x.aodh ? x.aodh - x.t0! : null, hopMs: x.aodh ? x.received! - x.aodh : null, vmhaMs: x.nova! - x.received!, holdMs: x.holdMs })),
    };
  });
  printTable(
    'Detection on the real test cloud: first breaching measure in Gnocchi -> vmha calls Nova (seconds, p50 unless said)',
    ['window', 'n', 'floor', 'measured', 'p95', 'over floor', 'to Aodh', 'notifier ms', 'in vmha', '(hold)', 'work ms'],
    rows.map((r) => [r.window, r.samples, r.floorP50S, r.measuredP50S, r.measuredP95S, r.excessOverFloorP50S, r.toAodhP50S, r.notifierHopP50Ms, r.vmhaP50S, r.vmhaHoldP50S, r.vmhaWorkP50Ms]),
  );
  console.log(`\nfloor: bucketStart(t0) + (periods-1) x granularity - t0; expected on top: metricd (1 s here) + the wait for Aodh's next evaluation (0-${EVALUATION_INTERVAL_S} s, mean ${EVALUATION_INTERVAL_S / 2} s).`);
  console.log(`whole run ${Math.round((Date.now() - t0) / 1000)} s`);
  const missing = samples.length - rows.reduce((n, r) => n + r.samples, 0);
  writeResult('detection', {
    settings: { periods: PERIODS, samples: SAMPLES, granularityS: G, evaluationIntervalS: EVALUATION_INTERVAL_S, correlateS: CORRELATE_S, postEveryMs: POST_EVERY_MS },
    rows,
    missing,
  });
  if (missing > 0) {
    console.error(`bench:detection: ${missing} samples gave no complete timing`);
    process.exitCode = 1;
  }
}

await main();
