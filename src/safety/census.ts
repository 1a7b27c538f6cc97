// The population the safety checks measure against: every nova-compute service and
// every HA-enabled server with its host and zone, read from Nova (reads only) at most
// once per interval; concurrent callers share one refresh.
import type { Clock } from '../domain/clock.ts';
import type { NovaClient } from '../openstack/nova.ts';
import type { ComputeService, Server } from '../openstack/nova-types.ts';

export type CensusNova = Pick<NovaClient, 'listServices' | 'listServers'>;

export interface CensusServer {
  id: string;
  host: string | undefined;
  az: string | undefined;
}

export interface Census {
  at: number;
  /** nova-compute services, one per compute host. */
  services: ComputeService[];
  /** HA-enabled servers. */
  haServers: CensusServer[];
}

export class CensusReader {
  private last: Census | undefined;
  private inflight: Promise<Census> | undefined;

  constructor(
    private readonly nova: CensusNova,
    private readonly clock: Clock,
    private readonly isHa: (s: Server) => boolean,
    private readonly maxAgeMs: number,
  ) {}

  /** The latest census if younger than `maxAgeMs` (default: the interval), else a fresh one. */
  async current(maxAgeMs = this.maxAgeMs): Promise<Census> {
    if (this.last && this.clock.now() - this.last.at <= maxAgeMs) return this.last;
    return this.refresh();
  }

  /** Reads Nova now (callers that arrive meanwhile share the read); throws the client's typed errors. */
  refresh(): Promise<Census> {
    if (!this.inflight) {
      this.inflight = (async (): Promise<Census> => {
        const [services, servers] = await Promise.all([this.nova.listServices({ binary: 'nova-compute' }), this.nova.listServers({ allTenants: true })]);
        const census: Census = {
          at: this.clock.now(),
          services: services.filter((s) => s.binary === 'nova-compute'),
          haServers: servers.filter(this.isHa).map((s) => ({ id: s.id, host: s.host, az: s.availabilityZone })),
        };
        this.last = census;
        return census;
      })().finally(() => (this.inflight = undefined));
    }
    return this.inflight;
  }

  /** The last census read, however old (undefined before the first). */
  peek(): Census | undefined {
    return this.last;
  }
}
