// One probe cycle over every guest the source lists: bounded concurrency, each guest
// starting at a random offset (jitter) so 200 guests do not all hit their agents, disks
// and the host's CPU in the same millisecond.
import type { Clock } from '../src/domain/clock.ts';
import type { ProbeConfig } from '../src/config/probe-schema.ts';
import type { Logger } from '../src/log.ts';
import { makeDiskPayload } from './probes/disk.ts';
import { probeGuest, type GuestMemory, type GuestTarget } from './probes/guest.ts';
import type { HostPinger } from './probes/host-ping.ts';
import type { GuestResult, ProblemKind } from './probes/result.ts';

export interface GuestSource {
  /** The guests to probe now; rejects when the hypervisor cannot be asked (logged, cycle skipped). */
  list(): Promise<GuestTarget[]>;
}

export interface CycleReport {
  startedAt: number;
  durationMs: number;
  results: GuestResult[];
  /** Set when the guest list could not be had: nothing was probed. */
  listError: string | undefined;
}

export interface RunnerDeps {
  source: GuestSource;
  cfg: ProbeConfig;
  clock: Clock;
  hostPinger: HostPinger;
  logger: Logger;
  /** Uniform in [0, 1): injected so tests can pin the jitter. */
  random?: () => number;
}

/** Start offsets in ms for n guests: uniform jitter in [0, jitterMs). Pure. */
export function jitterOffsets(n: number, jitterMs: number, random: () => number): number[] {
  return Array.from({ length: n }, () => Math.floor(random() * jitterMs));
}

/** What an operator should do about each kind of problem (logged with it). */
const ADVICE: Record<ProblemKind, string> = {
  agent_timeout: 'check that qemu-guest-agent runs in the guest and the guest is not frozen',
  agent_unavailable: 'check that qemu-guest-agent is installed and running in the guest and its channel exists',
  agent_protocol: 'the guest agent sent an unexpected reply; check its version and logs in the guest',
  guest_exec_failed: 'enable guest-exec in qemu-ga and install ping in the guest for in-guest measurements',
  no_ping_target: 'set probe.ping.target or give the guest a default route',
  no_address: 'the guest reports no address; check its network configuration',
  host_ping_failed: 'check probe.ping.host_command on this host',
  ping_no_reply: 'the guest network does not answer',
  disk_failed: 'the guest filesystem failed a write/read-back',
  disk_timeout: 'the guest disk hangs',
  io_error_paused: 'the domain is paused on a disk I/O error; check the storage backing it',
  domain_gone: 'the domain disappeared during the cycle (migrated, deleted or shut down)',
  hypervisor_unavailable: 'libvirt stopped answering during the cycle; check libvirtd on this host',
};

export class ProbeRunner {
  private readonly memory = new Map<string, GuestMemory>();
  private readonly random: () => number;

  constructor(private readonly deps: RunnerDeps) {
    this.random = deps.random ?? Math.random;
  }

  /** Runs one cycle; never rejects. */
  async runCycle(): Promise<CycleReport> {
    const { clock, cfg, logger } = this.deps;
    const startedAt = clock.now();
    let guests: GuestTarget[];
    try {
      guests = await this.deps.source.list();
    } catch (err) {
      const listError = err instanceof Error ? err.message : String(err);
      logger.error('cannot list guests: nothing probed this cycle', { error: listError, action: 'check libvirtd and probe.libvirt_uri' });
      return { startedAt, durationMs: clock.now() - startedAt, results: [], listError };
    }
    for (const uuid of this.memory.keys()) if (!guests.some((g) => g.uuid === uuid)) this.memory.delete(uuid);

    const payload = makeDiskPayload(cfg.disk.size_bytes, cfg.disk.chunk_bytes);
    const offsets = jitterOffsets(guests.length, cfg.jitter_s * 1000, this.random);
    const order = guests.map((g, i) => ({ g, offset: offsets[i]! })).sort((a, b) => a.offset - b.offset);
    const results: GuestResult[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < order.length) {
        const { g, offset } = order[next++]!;
        const wait = startedAt + offset - clock.now();
        if (wait > 0) await clock.sleep(wait);
        let memory = this.memory.get(g.uuid);
        if (!memory) this.memory.set(g.uuid, (memory = {}));
        const r = await probeGuest(g, memory, { cfg, clock, hostPinger: this.deps.hostPinger, payload }).catch((err: unknown) => {
          logger.error('probe crashed (a bug): guest skipped this cycle', { uuid: g.uuid, error: err instanceof Error ? err.stack : String(err) });
          return undefined;
        });
        if (r) {
          this.log(r);
          results.push(r);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(cfg.concurrency, order.length) }, worker));
    return { startedAt, durationMs: clock.now() - startedAt, results, listError: undefined };
  }

  /** Probes one guest now, outside the cycle (a domain just paused on an I/O error). */
  async probeNow(g: GuestTarget): Promise<GuestResult | undefined> {
    const { cfg, clock, logger } = this.deps;
    let memory = this.memory.get(g.uuid);
    if (!memory) this.memory.set(g.uuid, (memory = {}));
    const payload = makeDiskPayload(cfg.disk.size_bytes, cfg.disk.chunk_bytes);
    try {
      const r = await probeGuest(g, memory, { cfg, clock, hostPinger: this.deps.hostPinger, payload });
      this.log(r);
      return r;
    } catch (err) {
      logger.error('probe crashed (a bug)', { uuid: g.uuid, error: err instanceof Error ? err.stack : String(err) });
      return undefined;
    }
  }

  private log(r: GuestResult): void {
    for (const p of r.problems) {
      const level = p.kind === 'ping_no_reply' || p.kind === 'domain_gone' ? 'info' : 'warn';
      this.deps.logger.log(level, `probe: ${p.kind}`, { uuid: r.uuid, name: r.name, kind: p.kind, detail: p.detail, action: ADVICE[p.kind] });
    }
  }
}
