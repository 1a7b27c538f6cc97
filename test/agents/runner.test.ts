import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { probeSchema, type ProbeConfig } from '../../src/config/probe-schema.ts';
import { systemClock } from '../../src/domain/clock.ts';
import { memoryLogger } from '../../src/log.ts';
import { SocketGuestSource } from '../../agents/discovery/sockets.ts';
import type { GuestTarget } from '../../agents/probes/guest.ts';
import { SystemHostPinger, type HostPinger } from '../../agents/probes/host-ping.ts';
import { measuresOf } from '../../agents/probes/result.ts';
import { jitterOffsets, ProbeRunner, type GuestSource } from '../../agents/runner.ts';
import { DomainGone } from '../../agents/transport/errors.ts';
import { FakeQga } from './harness/fake-qga.ts';
import { healthyGuest, MemoryAgent } from './harness/memory-agent.ts';
import { createNetPair, destroyAllNetPairs } from './harness/netns.ts';
import { killAllQga, startQga } from './harness/qga.ts';

const uuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function config(overrides: Record<string, unknown> = {}): ProbeConfig {
  return probeSchema.parse({ agent_timeout_s: 1, jitter_s: 0, ha: { filter: false }, ping: { timeout_s: 1 }, disk: { timeout_s: 2 }, ...overrides });
}

const fixedPinger: HostPinger = { ping: async () => 0.5 };

describe('agents/runner', function () {
  this.timeout(20000);
  const cleanups: (() => void)[] = [];
  afterEach(async () => {
    cleanups.splice(0).forEach((c) => c());
    await killAllQga();
    destroyAllNetPairs();
  });

  it('probes a mix of real guests in one cycle, logging each problem with the guest and what to do', async () => {
    const net = createNetPair();
    // One configured filesystem for all guests: a plain directory for most of them, a
    // read-only tmpfs over it in the read-only guest's own mount namespace.
    const fsDir = mkdtempSync(path.join(tmpdir(), 'vmha-fs-'));
    cleanups.push(() => rmSync(fsDir, { recursive: true, force: true }));
    const [healthy, readonly, stopped] = await Promise.all([
      startQga({ net }),
      startQga({ net, mounts: [{ name: 'ro', kind: 'readonly', at: fsDir }] }),
      startQga({ net }),
    ]);
    const garbage = await FakeQga.start(() => ({ raw: '{"return": {}, "oops' }));
    const source = new SocketGuestSource([
      { uuid: uuid(1), path: healthy.socket, name: 'healthy' },
      { uuid: uuid(2), path: readonly.socket, name: 'readonly' },
      { uuid: uuid(3), path: stopped.socket, name: 'stopped' },
      { uuid: uuid(4), path: garbage.socket, name: 'garbage' },
    ]);
    const { logger, memory } = memoryLogger();
    const runner = new ProbeRunner({
      source,
      cfg: config({ concurrency: 2, disk: { timeout_s: 2, filesystems: [fsDir] } }),
      clock: systemClock,
      hostPinger: new SystemHostPinger([...net.peerExec, 'ping']),
      logger,
    });
    try {
      stopped.stop();
      const report = await runner.runCycle();
      const byName = new Map(report.results.map((r) => [r.name, r]));
      expect(report.listError).to.equal(undefined);
      expect(report.results).to.have.length(4);
      expect(byName.get('healthy')).to.deep.include({ agentUp: true, disk: 0 });
      expect(byName.get('readonly')).to.deep.include({ agentUp: true, disk: -1 });
      expect(byName.get('stopped')).to.deep.include({ agentUp: false, disk: undefined });
      expect(byName.get('garbage')).to.deep.include({ agentUp: false, disk: undefined });
      expect(byName.get('garbage')!.problems.map((p) => p.kind)).to.deep.equal(['agent_protocol']);
      const lines = memory.entries.filter((e) => e.kind === 'agent_protocol' || e.kind === 'agent_timeout');
      expect(lines.map((e) => [e.uuid, e.kind])).to.have.deep.members([
        [uuid(3), 'agent_timeout'],
        [uuid(4), 'agent_protocol'],
      ]);
      for (const e of lines) expect(e.action).to.be.a('string').and.not.empty;
    } finally {
      await source.close();
      await garbage.close();
    }
  });

  it('keeps going when a domain disappears mid-cycle: nothing published for it, the others probed', async () => {
    let calls = 0;
    const vanishing = new MemoryAgent('vanishing', (execute, args) => {
      if (++calls > 2) throw new DomainGone({ guest: uuid(2), command: execute, detail: 'Domain not found: no domain with matching uuid' });
      return healthyGuest('10.9.9.9')(execute, args);
    });
    const guests: GuestTarget[] = [
      { uuid: uuid(1), agent: new MemoryAgent('a', healthyGuest('10.9.9.1')) },
      { uuid: uuid(2), agent: vanishing },
      { uuid: uuid(3), agent: new MemoryAgent('c', healthyGuest('10.9.9.3')) },
    ];
    const { logger, memory } = memoryLogger();
    const runner = new ProbeRunner({ source: { list: async () => guests }, cfg: config(), clock: systemClock, hostPinger: fixedPinger, logger });
    const report = await runner.runCycle();
    const gone = report.results.find((r) => r.uuid === uuid(2))!;
    expect(gone.agentUp).to.equal(undefined);
    expect(measuresOf(gone)).to.deep.equal([]);
    for (const n of [1, 3]) {
      expect(report.results.find((r) => r.uuid === uuid(n))).to.deep.include({ agentUp: true, disk: 0, ping: { delayMs: 0.5, via: 'host' } });
    }
    expect(memory.entries.some((e) => e.kind === 'domain_gone' && e.uuid === uuid(2))).to.equal(true);
  });

  it('logs an unreachable hypervisor, probes nothing, and works again on the next cycle', async () => {
    let up = false;
    const source: GuestSource = {
      list: async () => {
        if (!up) throw new Error('Failed to connect socket to /var/run/libvirt/libvirt-sock: No such file or directory');
        return [{ uuid: uuid(1), agent: new MemoryAgent('a', healthyGuest('10.9.9.1')) }];
      },
    };
    const { logger, memory } = memoryLogger();
    const runner = new ProbeRunner({ source, cfg: config(), clock: systemClock, hostPinger: fixedPinger, logger });
    const down = await runner.runCycle();
    expect(down.results).to.deep.equal([]);
    expect(down.listError).to.contain('libvirt-sock');
    expect(memory.entries.find((e) => e.level === 'error')?.action).to.contain('libvirt');
    up = true;
    expect((await runner.runCycle()).results).to.have.length(1);
  });

  it('bounds concurrency and starts guests at their jittered offsets', async () => {
    let inFlight = 0;
    let peak = 0;
    const starts = new Map<string, number>();
    const guests: GuestTarget[] = Array.from({ length: 8 }, (_, i) => {
      const base = healthyGuest(`10.9.9.${i + 1}`);
      return {
        uuid: uuid(i),
        agent: new MemoryAgent(`g${i}`, async (execute, args) => {
          if (execute === 'guest-ping') {
            starts.set(uuid(i), Date.now());
            inFlight++;
            peak = Math.max(peak, inFlight);
            await new Promise((r) => setTimeout(r, 40));
            inFlight--;
          }
          return base(execute, args);
        }),
      };
    });
    const randoms = [0.9, 0.1, 0.5, 0.3, 0.7, 0, 0.2, 0.6];
    let k = 0;
    const runner = new ProbeRunner({
      source: { list: async () => guests },
      cfg: config({ concurrency: 3, jitter_s: 0.5 }),
      clock: systemClock,
      hostPinger: fixedPinger,
      logger: memoryLogger().logger,
      random: () => randoms[k++ % randoms.length]!,
    });
    const report = await runner.runCycle();
    expect(report.results).to.have.length(8);
    expect(peak).to.be.at.most(3);
    // uuid(0) drew 0.9 → 450 ms; uuid(5) drew 0 → starts first.
    expect(starts.get(uuid(0))! - report.startedAt).to.be.at.least(440);
    expect(Math.min(...starts.values())).to.equal(starts.get(uuid(5)));
    expect(report.durationMs).to.be.below(1500);
  });

  it('computes jitter offsets in [0, jitter)', () => {
    expect(jitterOffsets(3, 1000, () => 0.999)).to.deep.equal([999, 999, 999]);
    expect(jitterOffsets(2, 0, () => 0.5)).to.deep.equal([0, 0]);
  });
});
