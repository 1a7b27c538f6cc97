// Smoke runs of the benchmarks (issue 10): each one, as its npm script runs it, at a tiny
// size, so they cannot rot while `npm test` never runs them at full size. Their JSON goes
// to a temporary directory (VMHA_BENCH_RESULTS_DIR), never over bench/results/.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { tmpDir } from '../helpers/tmp.ts';
import { BENCH_LIMIT_MS, ROOT, runBench } from './run-bench.ts';

/** The committed figures, to check a smoke run leaves them alone. */
const committed = (name: string): string => readFileSync(path.join(ROOT, 'bench/results', `${name}.json`), 'utf8');

/** Rows of the JSON's `summary`, loosely typed. */
type Row = Record<string, unknown>;

/** A finite number above zero (what a broken benchmark would leave NaN, null or 0). */
function positive(x: unknown, what: string): void {
  expect(typeof x === 'number' && Number.isFinite(x) && x > 0, `${what} = ${String(x)}`).to.equal(true);
}

describe('bench: smoke run of each benchmark at a tiny size', function () {
  this.timeout(BENCH_LIMIT_MS + 10_000);
  let tmp: ReturnType<typeof tmpDir>;
  before(() => (tmp = tmpDir('vmha-bench-smoke-')));
  after(() => tmp.cleanup());

  /** Runs a benchmark, checks the common shape of its output, and returns its summary rows. */
  async function smoke(script: string, args: string[], name: string, titles: string[], keys: string[]): Promise<{ json: Record<string, unknown>; rows: Row[] }> {
    const before = committed(name);
    const r = await runBench(script, args, path.join(tmp.dir, name), name);
    expect(committed(name), `bench/results/${name}.json must be left alone`).to.equal(before);
    for (const t of titles) expect(r.stdout, `its table "${t}"`).to.include(t);
    expect(r.stdout).to.include(`wrote ${path.relative(ROOT, r.file)}`);
    expect(r.json).to.include.all.keys('benchmark', 'environment', 'settings', 'summary', 'loadavgAtEnd', ...keys);
    expect(r.json.benchmark).to.equal(name);
    return { json: r.json, rows: r.json.summary as Row[] };
  }

  it('intake: every variant answers at one concurrency level, with ratios against bare', async () => {
    const { rows } = await smoke(
      'intake.ts',
      ['--levels', '2', '--runs', '1', '--requests', '50', '--seconds', '5', '--warmup', '20'],
      'intake',
      ['Webhook intake, median of 1 runs', 'req/s vs bare'],
      ['diskCommitMs', 'runs'],
    );
    expect(rows.map((x) => x.variant)).to.deep.equal(['bare', 'new', 'dup', 'engine']);
    for (const x of rows) {
      positive(x.rps, `${x.variant} rps`);
      positive(x.p50, `${x.variant} p50`);
      positive(x.p99, `${x.variant} p99`);
      positive(x.rpsVsBare, `${x.variant} rpsVsBare`);
      positive(x.p50VsBare, `${x.variant} p50VsBare`);
      positive(x.serverCpuMs, `${x.variant} serverCpuMs`);
      expect(x.failed, `${x.variant} failed notifications`).to.equal(0);
      expect(x.silentRuns, `${x.variant} silent runs`).to.equal(0);
    }
  });

  it('decision latency: cold, aodh-cold, warm and default-correlate rows, each against the baseline', async () => {
    const { json, rows } = await smoke(
      'decision-latency.ts',
      ['--cold', '1', '--warm', '3', '--correlated', '1'],
      'decision-latency',
      ['Decision latency: notification sent -> Nova action arrived'],
      ['inServiceHistogram', 'samples'],
    );
    expect(rows.map((x) => x.variant)).to.deep.equal(['cold', 'aodh-cold', 'warm', 'warm, default correlate_s']);
    for (const x of rows) {
      expect(x.n, `${x.variant} samples`).to.be.greaterThan(0);
      positive(x.p50, `${x.variant} p50`);
      positive(x.p99, `${x.variant} p99`);
      positive(x.baselineP50, `${x.variant} baselineP50`);
      positive(x.ratioP50, `${x.variant} ratioP50`);
      positive(x.answeredP50, `${x.variant} answeredP50`);
    }
    const warm = (json.inServiceHistogram as Record<string, { count: number; sum: number }>).warmPhase!;
    expect(warm.count).to.equal(6);
    positive(warm.sum, 'in-service alarm-to-action seconds');
  });

  it('probe cycle: a cycle over 2 and 3 real qemu-ga guests, against the guest-ping loop (needs root)', async () => {
    if (process.getuid?.() !== 0) {
      throw new Error('bench/probe-cycle.ts needs root (network and mount namespaces for its qemu-ga guests): run the tests as root, as npm test expects');
    }
    try {
      execFileSync('qemu-ga', ['--version'], { stdio: 'ignore' });
    } catch {
      throw new Error('qemu-ga not found: install qemu-guest-agent (scripts/debian-packages.txt; npm test installs it)');
    }
    const { rows } = await smoke('probe-cycle.ts', ['--guests', '2,3', '--disk', '8192', '--cycles', '1'], 'probe-cycle', ['Probe cycle, agent process alone', 'CPU vs ping'], ['runs']);
    expect(rows.map((x) => x.guests)).to.deep.equal([2, 3]);
    for (const x of rows) {
      expect(x.healthy, `${x.guests} guests: healthy after a cycle`).to.equal(x.guests);
      expect(x.pingHealthy, `${x.guests} guests: answered guest-ping`).to.equal(x.guests);
      positive(x.wallS, `${x.guests} guests: wallS`);
      positive(x.cpuMsPerGuest, `${x.guests} guests: cpuMsPerGuest`);
      positive(x.pingCpuMsPerGuest, `${x.guests} guests: pingCpuMsPerGuest`);
      positive(x.cpuRatio, `${x.guests} guests: cpuRatio`);
      positive(x.wallRatio, `${x.guests} guests: wallRatio`);
      positive(x.peakRssMiB, `${x.guests} guests: peakRssMiB`);
    }
  });

  it('memory: vmha serve idle, tracking 100 instances, holding 10 open incidents', async () => {
    const { json, rows } = await smoke(
      'memory.ts',
      ['--instances', '100', '--incidents', '10', '--runs', '1', '--watch', '3'],
      'memory',
      ['Memory of vmha serve, median of 1 runs'],
      ['peakRssWhileRedecidingMiB', 'heapBytesPerTrackedInstance', 'heapBytesPerOpenIncident', 'novaCallsPerSecondWhileHolding', 'runs'],
    );
    expect(rows).to.have.length(4);
    for (const x of rows) {
      positive(x.rssMiB, `${x.state}: rssMiB`);
      positive(x.heapUsedMiB, `${x.state}: heapUsedMiB`);
    }
    positive(json.peakRssWhileRedecidingMiB, 'peakRssWhileRedecidingMiB');
    expect(Number.isFinite(json.heapBytesPerTrackedInstance), 'heapBytesPerTrackedInstance').to.equal(true);
    expect(Number.isFinite(json.heapBytesPerOpenIncident), 'heapBytesPerOpenIncident').to.equal(true);
  });
});
