// Smoke run of bench/detection.ts at its smallest (one window, one sample) against the
// running test cloud, so the benchmark cannot rot. Its figures are not judged here.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { tmpDir } from '../helpers/tmp.ts';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

interface Row {
  window: string;
  samples: number;
  measuredP50S: number;
  toAodhP50S: number;
  vmhaP50S: number;
}

describe('real cloud: bench:detection smoke run', function () {
  this.timeout(300_000);
  const dir = tmpDir('vmha-bench-detection-smoke-');
  after(() => dir.cleanup());

  it('one 10 s x 1 sample: prints its table, writes complete timings', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/detection.ts', '--periods', '1', '--samples', '1'], {
      cwd: ROOT,
      env: { ...process.env, VMHA_BENCH_RESULTS_DIR: dir.dir },
      timeout: 280_000,
    });
    expect(stdout).to.contain('Detection on the real test cloud');
    const result = JSON.parse(readFileSync(path.join(dir.dir, 'detection.json'), 'utf8')) as { rows: Row[]; missing: number };
    expect(result.missing).to.equal(0);
    expect(result.rows).to.have.length(1);
    const [row] = result.rows;
    expect(row!.window).to.equal('10 s x 1');
    expect(row!.samples).to.equal(1);
    for (const k of ['measuredP50S', 'toAodhP50S', 'vmhaP50S'] as const) expect(row![k], k).to.be.a('number').and.satisfy(Number.isFinite);
    expect(row!.measuredP50S).to.be.at.least(row!.vmhaP50S);
  });
});
