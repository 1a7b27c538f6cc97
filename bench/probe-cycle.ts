// Benchmark: one probe cycle over N real qemu-ga guests on unix sockets (default 200).
// Each guest has its own mount namespace (its data dir bound over one common path, the
// configured filesystem) and all share one test network namespace whose peer is their
// gateway. Prints wall time, agent CPU, guest-agent CPU and peak RSS of this process.
//   npx tsx bench/probe-cycle.ts [guests] [concurrency] [disk bytes]
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { probeSchema } from '../src/config/probe-schema.ts';
import { systemClock } from '../src/domain/clock.ts';
import { memoryLogger } from '../src/log.ts';
import { SocketGuestSource } from '../agents/discovery/sockets.ts';
import { SystemHostPinger } from '../agents/probes/host-ping.ts';
import { ProbeRunner } from '../agents/runner.ts';
import { SocketTransport } from '../agents/transport/socket.ts';
import { createNetPair, destroyAllNetPairs } from '../test/agents/harness/netns.ts';
import { killAllQga, startQga, type QgaProcess } from '../test/agents/harness/qga.ts';

const guests = Number(process.argv[2] ?? 200);
const concurrency = Number(process.argv[3] ?? 16);
const diskBytes = Number(process.argv[4] ?? 1024 * 1024);
const TICK = 100; // USER_HZ

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime
}

async function main(): Promise<void> {
  const fsDir = mkdtempSync(path.join(tmpdir(), 'vmha-bench-fs-'));
  const net = createNetPair();
  const procs: QgaProcess[] = [];
  try {
    const t0 = performance.now();
    for (let i = 0; i < guests; i += 20) {
      procs.push(...(await Promise.all(Array.from({ length: Math.min(20, guests - i) }, () => startQga({ net, mounts: [{ name: 'fs', kind: 'own', at: fsDir }] })))));
    }
    console.log(`started ${guests} qemu-ga in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // guest-ping round trip through the socket transport (sync + command).
    const t = new SocketTransport(procs[0]!.socket);
    await t.command('guest-ping', undefined, { timeoutMs: 1000 });
    const n = 1000;
    let s = performance.now();
    for (let i = 0; i < n; i++) await t.command('guest-ping', undefined, { timeoutMs: 1000 });
    console.log(`guest-ping (with guest-sync-delimited): ${((performance.now() - s) / n).toFixed(3)} ms per command`);
    await t.close();

    const cfg = probeSchema.parse({ concurrency, jitter_s: 0, ha: { filter: false }, disk: { filesystems: [fsDir], size_bytes: diskBytes } });
    const source = new SocketGuestSource(procs.map((p, i) => ({ uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, path: p.socket })));
    const runner = new ProbeRunner({ source, cfg, clock: systemClock, hostPinger: new SystemHostPinger([...net.peerExec, 'ping']), logger: memoryLogger().logger });

    for (const label of ['first cycle (learns gateway, addresses, capabilities)', 'steady cycle']) {
      const agentsBefore = procs.reduce((a, p) => a + cpuTicks(p.pid), 0);
      const cpuBefore = process.cpuUsage();
      s = performance.now();
      const report = await runner.runCycle();
      const wall = performance.now() - s;
      const cpu = process.cpuUsage(cpuBefore);
      const agentsCpu = (procs.reduce((a, p) => a + cpuTicks(p.pid), 0) - agentsBefore) / TICK;
      const ok = report.results.filter((r) => r.disk === 0 && r.ping?.via === 'guest' && r.ping.delayMs < 999).length;
      const per = report.results.map((r) => r.durationMs).sort((a, b) => a - b);
      console.log(
        `${label}: ${guests} guests, concurrency ${concurrency}, disk ${diskBytes} B: wall ${(wall / 1000).toFixed(2)} s; ` +
          `agent CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s (user ${(cpu.user / 1e6).toFixed(2)}, sys ${(cpu.system / 1e6).toFixed(2)}); ` +
          `qemu-ga CPU ${agentsCpu.toFixed(2)} s; per-guest p50 ${per[Math.floor(per.length / 2)]} ms p95 ${per[Math.floor(per.length * 0.95)]} ms; ` +
          `healthy ${ok}/${guests}`,
      );
    }
    console.log(`peak RSS of the agent process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
    await source.close();
  } finally {
    await killAllQga();
    destroyAllNetPairs();
    rmSync(fsDir, { recursive: true, force: true });
  }
}

await main();
