// CPU time and memory of processes: others' read from /proc (Linux), our own from Node.
import { readFileSync } from 'node:fs';

const USER_HZ = 100;

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / USER_HZ;
}

/** Resident set size now and its peak (VmHWM), in bytes. */
export function rss(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** This process's memory (after two full collections when `gc` and --expose-gc), and its peak RSS so far. */
export function selfMemory(a: { gc?: boolean } = {}): Record<string, number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (a.gc && gc) {
    gc();
    gc();
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, maxRss: process.resourceUsage().maxRSS * 1024 };
}
