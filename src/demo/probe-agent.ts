// `vmha probe` on one simulated compute host: the real ProbeRunner, ProbeLoop and
// Publisher (to Gnocchi's batch API), over the guests the host runs now, reached through
// their in-process qemu-ga; the host-side ping answers from the guests' simulated state.
import { ProbeLoop } from '../../agents/daemon.ts';
import { AgentMetrics } from '../../agents/metrics.ts';
import type { GuestTarget } from '../../agents/probes/guest.ts';
import type { HostPinger } from '../../agents/probes/host-ping.ts';
import { GnocchiSink, Publisher } from '../../agents/publish/publisher.ts';
import { ProbeRunner, type CycleReport, type GuestSource } from '../../agents/runner.ts';
import type { ProbeConfig } from '../config/probe-schema.ts';
import type { Clock } from '../domain/clock.ts';
import type { Logger } from '../log.ts';
import type { OpenStackClients } from '../openstack/index.ts';
import type { SimGuest } from './guest.ts';

export interface HostProbeAgentOptions {
  host: string;
  /** The guests this host's hypervisor runs now. */
  guests: () => SimGuest[];
  /** Every guest (the host-side ping finds its target by address). */
  allGuests: () => SimGuest[];
  cfg: ProbeConfig;
  intervalMs: number;
  clients: OpenStackClients;
  logger: Logger;
  clock: Clock;
  onReport: (r: CycleReport) => void;
}

/** Pings a simulated guest from its host: an answer only from a running guest with a working network. */
class SimHostPinger implements HostPinger {
  constructor(private readonly guests: () => SimGuest[]) {}
  async ping(address: string): Promise<number | undefined> {
    const guest = this.guests().find((g) => g.address === address);
    return guest?.answersPing() ? Math.round((0.4 + Math.random() * 0.3) * 1000) / 1000 : undefined;
  }
}

/** The guests of one host, as its libvirt would list them. */
class SimGuestSource implements GuestSource {
  constructor(private readonly guests: () => SimGuest[]) {}
  async list(): Promise<GuestTarget[]> {
    return this.guests().map((g) => ({ uuid: g.id, name: g.name, agent: g.agent }));
  }
}

export class HostProbeAgent {
  private readonly loop: ProbeLoop;
  private stopped = false;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly o: HostProbeAgentOptions) {
    const { cfg, clock } = o;
    const logger = o.logger.child({ probe_host: o.host });
    const runner = new ProbeRunner({ source: new SimGuestSource(o.guests), cfg, clock, hostPinger: new SimHostPinger(o.allGuests), logger });
    const publisher = new Publisher({
      sink: new GnocchiSink(o.clients.gnocchi),
      clock,
      logger,
      archivePolicy: cfg.publish.archive_policy,
      bufferMax: cfg.publish.buffer_max,
      retries: cfg.publish.retries,
    });
    this.loop = new ProbeLoop({ runner, publisher, metrics: new AgentMetrics(publisher), clock, logger, intervalMs: o.intervalMs });
  }

  /** Runs a cycle every interval (the next one at once when a cycle overran). */
  start(): void {
    const { clock, intervalMs } = this.o;
    this.running = (async () => {
      let next = clock.now();
      while (!this.stopped) {
        this.o.onReport(await this.loop.cycle());
        next = Math.max(next + intervalMs, clock.now());
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          void clock.sleep(next - clock.now()).then(resolve);
        });
      }
      await this.loop.drain();
    })();
  }

  /** Stops after the cycle in progress and waits for its measures to be published. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }
}
