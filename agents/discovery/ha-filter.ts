// Which instances are HA-enabled: Nova server metadata (HA_Enabled=True by default),
// fetched for this compute host in one listing, cached, refreshed. While Nova is
// unreachable the last answer stands; with no answer yet nothing is probed (a probe of
// an instance nobody asked to protect could trigger a recovery nobody wanted).
import type { Clock } from '../../src/domain/clock.ts';
import type { Logger } from '../../src/log.ts';
import type { Server } from '../../src/openstack/nova-types.ts';

export interface HaFilter {
  /** The HA-enabled subset of these instance UUIDs. */
  select(uuids: readonly string[]): Promise<Set<string>>;
}

export const allInstances: HaFilter = { select: async (uuids) => new Set(uuids) };

export interface NovaHaFilterOptions {
  listServers: () => Promise<Server[]>;
  key: string;
  value: string;
  refreshMs: number;
  /** Shortest gap between two listings caused by an instance not seen before. */
  minRefreshMs?: number;
  clock: Clock;
  logger: Logger;
}

export class NovaHaFilter implements HaFilter {
  private enabled: Set<string> | undefined;
  private known = new Set<string>();
  private fetchedAt = -Infinity;

  constructor(private readonly opts: NovaHaFilterOptions) {}

  async select(uuids: readonly string[]): Promise<Set<string>> {
    const now = this.opts.clock.now();
    const stale = now - this.fetchedAt >= this.opts.refreshMs;
    const unseen = uuids.some((u) => !this.known.has(u)) && now - this.fetchedAt >= (this.opts.minRefreshMs ?? 30_000);
    if (stale || unseen) await this.refresh(now);
    const enabled = this.enabled;
    return new Set(enabled ? uuids.filter((u) => enabled.has(u)) : []);
  }

  private async refresh(now: number): Promise<void> {
    try {
      const servers = await this.opts.listServers();
      this.enabled = new Set(servers.filter((s) => s.metadata[this.opts.key] === this.opts.value).map((s) => s.id));
      this.known = new Set(servers.map((s) => s.id));
      this.fetchedAt = now;
    } catch (err) {
      this.fetchedAt = now; // retry after minRefreshMs, not on every cycle
      this.opts.logger.warn(this.enabled ? 'cannot refresh HA-enabled instances from Nova: using the last list' : 'cannot learn HA-enabled instances from Nova: probing none yet', {
        error: err instanceof Error ? err.message : String(err),
        action: 'check Nova and the credentials of this host',
      });
    }
  }
}
