// The mass-failure benchmark (bench/mass-failure.ts) at tiny size, so it cannot rot, run
// as its npm script runs it (like test/bench/smoke.test.ts does the others): 3 hosts, 12
// instances, 1 failing, time compressed 60x, both phases (vmha serve and the bare loop,
// each with its own fake cloud). The Nova-side observer must count no violation. Its JSON
// and chart go to a temporary directory (VMHA_BENCH_RESULTS_DIR), never over the
// committed ones.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { idealSchedule } from '../../bench/lib/mass-floor.ts';
import { peakConcurrent, peakInWindow, windowViolations } from '../../bench/lib/mass-report.ts';
import type { MassResult } from '../../bench/lib/mass-run.ts';
import { affected, checkSettings, HASTACK, planScenario, vmhaConfig } from '../../bench/lib/mass-scenario.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { ROOT, runBench } from './run-bench.ts';

const TINY_ARGS = ['--hosts', '3', '--instances', '12', '--ha', '8', '--failing', '1', '--time-scale', '60', '--concurrency', '2', '--median-s', '40', '--no-guard-check', '--timeout-min', '30'];
/** A run that takes longer than this is killed (with its process group: fake cloud, vmha, bare loop). */
const RUN_LIMIT_MS = 60_000;

describe('bench: mass failure', () => {
  describe('pure parts', () => {
    it('the same seed gives the same plan; the HaStack plan has 1000 HA instances, about half on the failed hosts', () => {
      expect(checkSettings(HASTACK)).to.deep.equal([]);
      const a = planScenario(HASTACK);
      expect(planScenario(HASTACK)).to.deep.equal(a);
      expect(a.servers.filter((x) => x.ha)).to.have.length(1000);
      const n = affected(a).length;
      expect(n).to.be.within(450, 600);
      expect(affected(a).every((x) => x.alarmAtS! >= 30 && x.alarmAtS! <= 90)).to.equal(true);
    });

    it("vmha runs with HaStack's model: one global pool and a global rate, per-host limits out of the way", () => {
      const limits = vmhaConfig(HASTACK, { stateDir: '/tmp/x', fence: ['true'] }).limits as Record<string, Record<string, number>>;
      expect(limits.global).to.deep.equal({ concurrency: 20, per_window: 100, window_s: 3 });
      expect(limits.per_host!.concurrency).to.be.at.least(20);
      expect(limits.per_host!.per_window).to.be.at.least(100);
    });

    it('the observer counts a window or a concurrency above the limit', () => {
      expect(peakInWindow([0, 10, 59.9, 60, 61], 60)).to.equal(4);
      expect(windowViolations([0, 10, 59.9, 60], 60, 2)).to.equal(2);
      expect(windowViolations([0, 60, 120], 60, 1)).to.equal(0);
      expect(peakConcurrent([{ from: 0, to: 10 }, { from: 10, to: 20 }, { from: 5, to: 15 }], 1)).to.deep.equal({ peak: 2, over: 2 });
    });

    it('the zero-overhead floor obeys the concurrency and the sliding window', () => {
      const jobs = Array.from({ length: 6 }, (_, i) => ({ host: `h${i % 2}`, durationS: 10 }));
      const serial = idealSchedule(jobs, { perHost: 1, global: Infinity, perWindow: 100, windowS: 60 });
      expect(serial.finishes.at(-1)).to.equal(30);
      const rated = idealSchedule(jobs, { perHost: Infinity, global: Infinity, perWindow: 2, windowS: 60 });
      expect(rated.starts).to.deep.equal([0, 0, 60, 60, 120, 120]);
      const pooled = idealSchedule([...jobs, { host: 'h0', durationS: 10 }], { perHost: Infinity, global: 3, perWindow: 100, windowS: 60 });
      expect(pooled.finishes).to.deep.equal([10, 10, 10, 20, 20, 20, 30]);
    });
  });

  it('tiny run as `npm run bench:mass-failure` runs it: every affected HA instance evacuated once, from a fenced host, within the limits', async function () {
    this.timeout(RUN_LIMIT_MS + 10_000);
    const tmp = tmpDir('vmha-mass-smoke-');
    const committed = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');
    const before = [committed('bench/results/mass-failure.json'), committed('docs/mass-failure.svg')];
    try {
      const { stdout } = await runBench('mass-failure.ts', TINY_ARGS, tmp.dir, 'mass-failure', RUN_LIMIT_MS);
      expect([committed('bench/results/mass-failure.json'), committed('docs/mass-failure.svg')], 'committed figures and chart left alone').to.deep.equal(before);
      for (const title of ['Mass failure: 1 of 3 hosts', 'Checks by the Nova-side observer', 'vmha host workflows', 'Simulated:']) expect(stdout).to.include(title);
      const json = JSON.parse(readFileSync(path.join(tmp.dir, 'mass-failure.json'), 'utf8')) as Record<string, unknown> & MassResult;
      expect(json).to.include.all.keys('benchmark', 'environment', 'settings', 'summary', 'loadavgAtEnd', 'vmha', 'bare', 'floors');
      expect(json.plan.affected).to.be.greaterThan(0);
      expect(json.limits.global).to.deep.include({ concurrency: 2, perWindow: 100 });
      expect(json.limits.perHost.concurrency).to.be.at.least(2);
      for (const phase of [json.vmha, json.bare!]) {
        expect(phase.figures.recovered).to.equal(json.plan.affected);
        expect(phase.figures.evacuations).to.equal(json.plan.affected);
        expect(phase.notRecoveredInNova).to.equal(0);
        expect(phase.figures.peakInFlightNova).to.be.at.most(2);
        const { notFencedFirst, ...rest } = phase.figures.violations;
        expect(Object.values(rest).every((x) => x === 0), JSON.stringify(phase.figures.violations)).to.equal(true);
        expect(notFencedFirst ?? 0).to.equal(0);
      }
      expect(json.vmha.figures.violations.notFencedFirst).to.equal(0);
      expect(json.vmha.extra.workflows).to.deep.equal({ completed: 1 });
      expect(json.vmha.figures.totalS).to.be.at.least(json.floors.configured.makespanS);
      const svg = readFileSync(path.join(tmp.dir, 'mass-failure.svg'), 'utf8');
      expect(svg).to.match(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/).and.to.match(/<\/svg>\n$/);
      expect(svg).not.to.include('NaN');
    } finally {
      tmp.cleanup();
    }
  });
});
