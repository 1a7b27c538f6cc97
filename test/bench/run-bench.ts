// Runs a benchmark as its npm script does (under tsx), at whatever size the caller
// asks, with its results going to a directory of the caller's (VMHA_BENCH_RESULTS_DIR),
// never over the committed bench/results/. Shared by the smoke tests of the benchmarks.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** A run that takes longer than this is killed (with its whole process group: servers, fake cloud, guests). */
export const BENCH_LIMIT_MS = 150_000;

export interface BenchRun {
  stdout: string;
  /** The JSON it wrote. */
  json: Record<string, unknown>;
  /** Where it wrote it. */
  file: string;
}

/** Runs bench/<script> as its npm script does (under tsx) and reads the `name`.json it wrote to `resultsDir`. */
export function runBench(script: string, args: string[], resultsDir: string, name: string, limitMs = BENCH_LIMIT_MS): Promise<BenchRun> {
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
    }, limitMs);
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

