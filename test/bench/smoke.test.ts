// Smoke runs of the benchmarks (issue 10): each one, as its npm script runs it, at a tiny
// size, so they cannot rot while `npm test` never runs them at full size. Their JSON goes
// to a temporary directory (VMHA_BENCH_RESULTS_DIR), never over bench/results/.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { tmpDir } from '../helpers/tmp.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** A smoke run that takes longer than this is killed (with its whole process group). */
const RUN_LIMIT_MS = 150_000;

interface BenchRun {
  stdout: string;
  /** The JSON it wrote. */
  json: Record<string, unknown>;
  /** Where it wrote it. */
  file: string;
}

/** The committed figures, to check a smoke run leaves them alone. */
const committed = (name: string): string => readFileSync(path.join(ROOT, 'bench/results', `${name}.json`), 'utf8');

/** Runs bench/<script> as its npm script does (under tsx) and reads the `name`.json it wrote to `resultsDir`. */
function runBench(script: string, args: string[], resultsDir: string, name: string): Promise<BenchRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    // A process group of its own: on timeout its servers, fake cloud and guests die with it.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join('bench', script), ...args], {
      cwd: ROOT,
      env: { ...process.env, VMHA_BENCH_RESULTS_DIR: resultsDir },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, RUN_LIMIT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const took = `${((Date.now() - started) / 1000).toFixed(0)} s`;
      const tail = `\n--- stdout ---\n${stdout.slice(-3000)}\n--- stderr ---\n${stderr.slice(-3000)}`;
      if (code !== 0) return reject(new Error(`bench/${script} ${args.join(' ')} exited ${code ?? signal} after ${took}${tail}`));
      const file = path.join(resultsDir, `${name}.json`);
      try {
        resolve({ stdout, json: JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>, file });
      } catch (err) {
        reject(new Error(`bench/${script} wrote no readable ${file}: ${String(err)}${tail}`));
      }
    });
  });
}

/** Rows of the JSON's `summary`, loosely typed. */
type Row = Record<string, unknown>;

/** A finite number above zero (what a broken benchmark would leave NaN, null or 0). */
function positive(x: unknown, what: string): void {
  expect(typeof x === 'number' && Number.isFinite(x) && x > 0, `${what} = ${String(x)}`).to.equal(true);
}

describe('bench: smoke run of each benchmark at a tiny size', function () {
  this.timeout(RUN_LIMIT_MS + 10_000);
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
