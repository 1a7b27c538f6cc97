// Benchmark #10.3: one probe cycle over N real qemu-ga guests on unix sockets: wall
// time, CPU seconds and peak RSS of the agent, and the cost per guest against a bare
// guest-ping loop over the same sockets, measured in the same run.
// Each guest has its own mount namespace (its data dir bound over one common path, the
// configured filesystem) and all share one test network namespace whose peer is their
// gateway. The agent and the baseline each run in a fresh child process, so CPU and
// peak RSS are theirs alone; the guests' qemu-ga CPU is reported apart (on a real host
// it is spent on the guests' vCPUs). Needs root and qemu-guest-agent.
//   npx tsx bench/probe-cycle.ts [--guests 50,100,200] [--disk 1048576,8192] [--concurrency 16] [--cycles 2]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createNetPair, destroyAllNetPairs } from '../test/agents/harness/netns.ts';
import { killAllQga, startQga, type QgaProcess } from '../test/agents/harness/qga.ts';
import { forkChild } from './lib/child.ts';
import type { AgentInput, Pass } from './lib/probe-agent-proc.ts';
import { median, mib, printTable, round, spread, writeResult } from './lib/report.ts';

const { values: opt } = parseArgs({
  options: {
    guests: { type: 'string', default: '50,100,200' },
    disk: { type: 'string', default: '1048576,8192' },
    concurrency: { type: 'string', default: '16' },
    cycles: { type: 'string', default: '2' },
  },
});
const GUESTS = opt.guests.split(',').map(Number);
const DISKS = opt.disk.split(',').map(Number);
const CONCURRENCY = Number(opt.concurrency);
const CYCLES = Number(opt.cycles);
const here = path.dirname(new URL(import.meta.url).pathname);

interface Run {
  first: Pass;
  steady: Pass[];
  peakRssBytes: number;
}

async function main(): Promise<void> {
  const fsDir = mkdtempSync(path.join(tmpdir(), 'vmha-bench-fs-'));
  const net = createNetPair();
  const procs: QgaProcess[] = [];
  const rows = [];
  const t0 = performance.now();
  try {
    const max = Math.max(...GUESTS);
    let s = performance.now();
    for (let i = 0; i < max; i += 20) {
      procs.push(...(await Promise.all(Array.from({ length: Math.min(20, max - i) }, () => startQga({ net, mounts: [{ name: 'fs', kind: 'own', at: fsDir }] })))));
    }
    console.log(`started ${max} qemu-ga in ${((performance.now() - s) / 1000).toFixed(1)} s`);

    const agent = async (mode: AgentInput['mode'], n: number, diskBytes: number): Promise<Run> => {
      const input: AgentInput = {
        mode,
        sockets: procs.slice(0, n).map((p) => p.socket),
        qgaPids: procs.slice(0, n).map((p) => p.pid),
        fsDir,
        peerExec: net.peerExec,
        concurrency: CONCURRENCY,
        diskBytes,
        cycles: CYCLES,
      };
      const child = await forkChild(path.join(here, 'lib/probe-agent-proc.ts'), input);
      try {
        return await child.call<Run>('run');
      } finally {
        await child.stop();
      }
    };

    for (const diskBytes of DISKS) {
      for (const n of GUESTS) {
        s = performance.now();
        const ping = await agent('ping', n, diskBytes);
        const cycle = await agent('cycle', n, diskBytes);
        const wall = spread(cycle.steady.map((p) => p.wallS));
        const cpu = median(cycle.steady.map((p) => p.cpuS));
        const pingCpu = median(ping.steady.map((p) => p.cpuS));
        const pingWall = median(ping.steady.map((p) => p.wallS));
        const row = {
          guests: n,
          diskBytes,
          concurrency: CONCURRENCY,
          firstCycleWallS: round(cycle.first.wallS, 2),
          wallS: round(wall.median, 2),
          wallRelRange: round(wall.relRange, 2),
          cpuS: round(cpu, 2),
          qgaCpuS: round(median(cycle.steady.map((p) => p.qgaCpuS)), 2),
          peakRssMiB: mib(cycle.peakRssBytes),
          healthy: Math.min(...cycle.steady.map((p) => p.healthy)),
          cpuMsPerGuest: round((cpu * 1000) / n, 2),
          wallMsPerGuest: round((wall.median * 1000) / n, 2),
          pingPassWallS: round(pingWall, 3),
          pingCpuMsPerGuest: round((pingCpu * 1000) / n, 3),
          pingWallMsPerGuest: round((pingWall * 1000) / n, 3),
          pingPeakRssMiB: mib(ping.peakRssBytes),
          pingHealthy: Math.min(...ping.steady.map((p) => p.healthy)),
          cpuRatio: round(cpu / pingCpu, cpu / pingCpu < 10 ? 1 : 0),
          wallRatio: round(wall.median / pingWall, wall.median / pingWall < 10 ? 1 : 0),
          raw: { cycle, ping },
        };
        rows.push(row);
        console.log(
          `${n} guests, disk ${diskBytes} B: cycle ${row.wallS} s wall, ${row.cpuS} s CPU, peak RSS ${row.peakRssMiB} MiB, healthy ${row.healthy}/${n}; ` +
            `guest-ping pass ${row.pingPassWallS} s wall, ${row.pingCpuMsPerGuest} ms CPU/guest (${((performance.now() - s) / 1000).toFixed(0)} s)`,
        );
      }
    }
  } finally {
    await killAllQga();
    destroyAllNetPairs();
    rmSync(fsDir, { recursive: true, force: true });
  }
  console.log(`total ${((performance.now() - t0) / 1000).toFixed(0)} s`);

  printTable(
    `Probe cycle, agent process alone (steady cycle, median of ${CYCLES}; concurrency ${CONCURRENCY})`,
    ['guests', 'disk', 'wall s', 'spread', 'agent CPU s', 'qemu-ga CPU s', 'peak RSS MiB', 'healthy', 'CPU ms/guest', 'ping CPU ms/guest', 'CPU vs ping', 'wall vs ping', 'ping peak RSS MiB'],
    rows.map((r) => [
      r.guests,
      r.diskBytes >= 1 << 20 ? `${r.diskBytes / (1 << 20)} MiB` : `${r.diskBytes / 1024} KiB`,
      r.wallS,
      `±${Math.round(r.wallRelRange * 50)}%`,
      r.cpuS,
      r.qgaCpuS,
      r.peakRssMiB,
      `${r.healthy}/${r.guests}`,
      r.cpuMsPerGuest,
      r.pingCpuMsPerGuest,
      `${r.cpuRatio}x`,
      `${r.wallRatio}x`,
      r.pingPeakRssMiB,
    ]),
  );
  writeResult('probe-cycle', { settings: { guests: GUESTS, disks: DISKS, concurrency: CONCURRENCY, cycles: CYCLES }, summary: rows.map(({ raw: _raw, ...r }) => r), runs: rows.map((r) => ({ guests: r.guests, diskBytes: r.diskBytes, ...r.raw })) });
}

await main();
