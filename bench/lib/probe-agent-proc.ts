// Child process: the probe agent over real qemu-ga sockets, alone in its process so its
// CPU time and peak RSS are its own.
//   cycle: the agent's ProbeRunner (ping and disk probes), a first cycle that learns
//          gateways, addresses and capabilities, then `cycles` steady cycles.
//   ping:  the baseline: one guest-ping (with its guest-sync-delimited) per guest per
//          pass, through the same SocketTransport, at the same concurrency.
import { performance } from 'node:perf_hooks';
import { probeSchema } from '../../src/config/probe-schema.ts';
import { systemClock } from '../../src/domain/clock.ts';
import { memoryLogger } from '../../src/log.ts';
import { SocketGuestSource } from '../../agents/discovery/sockets.ts';
import { SystemHostPinger } from '../../agents/probes/host-ping.ts';
import { ProbeRunner } from '../../agents/runner.ts';
import { SocketTransport } from '../../agents/transport/socket.ts';
import { childInput, serveParent } from './child.ts';
import { cpuSeconds } from './proc.ts';

export interface AgentInput {
  mode: 'cycle' | 'ping';
  sockets: string[];
  /** qemu-ga pids of those sockets: their CPU is reported apart. */
  qgaPids: number[];
  fsDir: string;
  peerExec: string[];
  concurrency: number;
  diskBytes: number;
  cycles: number;
}

export interface Pass {
  wallS: number;
  cpuS: number;
  qgaCpuS: number;
  healthy: number;
}

const input = childInput<AgentInput>();
const uuid = (i: number): string => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

/** Runs `body` and measures its wall time, this process's CPU and the guests' agents' CPU. */
async function measure(body: () => Promise<number>): Promise<Pass> {
  const qga0 = input.qgaPids.reduce((a, p) => a + cpuSeconds(p), 0);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const healthy = await body();
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { wallS, cpuS: (cpu.user + cpu.system) / 1e6, qgaCpuS: input.qgaPids.reduce((a, p) => a + cpuSeconds(p), 0) - qga0, healthy };
}

async function runCycles(): Promise<{ first: Pass; steady: Pass[] }> {
  const cfg = probeSchema.parse({ concurrency: input.concurrency, jitter_s: 0, ha: { filter: false }, disk: { filesystems: [input.fsDir], size_bytes: input.diskBytes } });
  const source = new SocketGuestSource(input.sockets.map((p, i) => ({ uuid: uuid(i), path: p })));
  const runner = new ProbeRunner({ source, cfg, clock: systemClock, hostPinger: new SystemHostPinger([...input.peerExec, 'ping']), logger: memoryLogger('warn').logger });
  const cycle = async (): Promise<number> => {
    const report = await runner.runCycle();
    return report.results.filter((r) => r.disk === 0 && r.ping?.via === 'guest' && r.ping.delayMs < 999).length;
  };
  try {
    const first = await measure(cycle);
    const steady: Pass[] = [];
    for (let i = 0; i < input.cycles; i++) steady.push(await measure(cycle));
    return { first, steady };
  } finally {
    await source.close();
  }
}

async function runPings(): Promise<{ first: Pass; steady: Pass[] }> {
  const transports = input.sockets.map((p) => new SocketTransport(p));
  const pass = async (): Promise<number> => {
    let next = 0;
    let ok = 0;
    const worker = async (): Promise<void> => {
      while (next < transports.length) {
        const t = transports[next++]!;
        try {
          await t.command('guest-ping', undefined, { timeoutMs: 3000 });
          ok++;
        } catch {
          // counted as unhealthy
        }
      }
    };
    await Promise.all(Array.from({ length: input.concurrency }, worker));
    return ok;
  };
  try {
    const first = await measure(pass);
    const steady: Pass[] = [];
    // A pass takes milliseconds: repeat it more, for a stable per-pass figure.
    for (let i = 0; i < Math.max(10, input.cycles); i++) steady.push(await measure(pass));
    return { first, steady };
  } finally {
    await Promise.all(transports.map((t) => t.close()));
  }
}

serveParent({ pid: process.pid }, {
  run: async () => {
    const r = input.mode === 'cycle' ? await runCycles() : await runPings();
    return { ...r, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
  },
});
