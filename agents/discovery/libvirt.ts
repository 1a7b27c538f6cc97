// Guests of this compute host from libvirt: running domains, filtered to HA-enabled
// instances, with events between cycles. A domain paused on an I/O error is handed to
// onUrgent at once so its disk -1 goes out without waiting for the next cycle.
import type { Logger } from '../../src/log.ts';
import type { GuestTarget } from '../probes/guest.ts';
import type { GuestSource } from '../runner.ts';
import type { HaFilter } from './ha-filter.ts';
import type { DomainEvent, Hypervisor } from './hypervisor.ts';

export interface LibvirtSourceOptions {
  hypervisor: Hypervisor;
  ha: HaFilter;
  logger: Logger;
  /** Called with a guest that needs probing now (paused on an I/O error). */
  onUrgent?: (guest: GuestTarget) => void;
}

export class LibvirtGuestSource implements GuestSource {
  /** Domains libvirt reported paused on an I/O error since the last resume. */
  private readonly ioErrorPaused = new Set<string>();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly opts: LibvirtSourceOptions) {}

  /** Starts listening to domain events (when the hypervisor adapter supports them). */
  start(): void {
    if (!this.opts.hypervisor.subscribe || this.unsubscribe) return;
    try {
      this.unsubscribe = this.opts.hypervisor.subscribe((e) => this.onEvent(e));
    } catch (err) {
      this.opts.logger.warn('cannot subscribe to libvirt domain events: changes are seen at the next cycle', {
        error: err instanceof Error ? err.message : String(err),
        action: 'check libvirtd; events are retried when the agent restarts',
      });
    }
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  async list(): Promise<GuestTarget[]> {
    const domains = await this.opts.hypervisor.listDomains();
    const ha = await this.opts.ha.select(domains.map((d) => d.uuid));
    return domains
      .filter((d) => ha.has(d.uuid))
      .map((d) => ({
        uuid: d.uuid,
        name: d.name,
        agent: this.opts.hypervisor.transport(d.uuid),
        pausedOnIoError: d.pausedOnIoError || this.ioErrorPaused.has(d.uuid),
      }));
  }

  private onEvent(e: DomainEvent): void {
    const { logger } = this.opts;
    switch (e.kind) {
      case 'io-error': {
        logger.warn('domain hit a disk I/O error', { uuid: e.uuid, name: e.name, detail: e.detail, action: 'check the storage backing this domain' });
        if (this.ioErrorPaused.has(e.uuid)) return;
        this.ioErrorPaused.add(e.uuid);
        void this.opts.ha.select([e.uuid]).then((ha) => {
          if (ha.has(e.uuid)) this.opts.onUrgent?.({ uuid: e.uuid, name: e.name, agent: this.opts.hypervisor.transport(e.uuid), pausedOnIoError: true });
        });
        return;
      }
      case 'io-error-reported':
        logger.warn('domain disk reported an I/O error to the guest', { uuid: e.uuid, name: e.name, detail: e.detail, action: 'check the storage backing this domain' });
        return;
      case 'resumed':
      case 'started':
      case 'stopped':
        this.ioErrorPaused.delete(e.uuid);
        logger.info(`domain ${e.kind}`, { uuid: e.uuid, name: e.name });
        return;
      case 'agent-connected':
      case 'agent-disconnected':
        logger.info(`guest agent ${e.kind === 'agent-connected' ? 'connected' : 'disconnected'}`, { uuid: e.uuid, name: e.name });
        return;
      default:
        return;
    }
  }
}
