// The floor under a durable journal: one SQLite commit (WAL, synchronous=FULL, as
// src/journal/journal.ts opens it) on the file system that holds the state dir.
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { quantile, round } from './report.ts';

/** Milliseconds per single-row commit, p50 and p99, over `n` commits in `dir`. */
export function commitLatency(dir: string, n = 200): { p50: number; p99: number; n: number } {
  const d = mkdtempSync(path.join(dir, 'commit-'));
  const db = new Database(path.join(d, 'probe.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE t (v TEXT)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const row = 'x'.repeat(600); // about one journal event
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      insert.run(row);
      ms.push(performance.now() - t);
    }
    return { p50: round(quantile(ms, 0.5), 2), p99: round(quantile(ms, 0.99), 2), n };
  } finally {
    db.close();
    rmSync(d, { recursive: true, force: true });
  }
}
