// The hypervisor as the probe agent sees it: which domains run, how to reach their
// agents, and what happens to them between cycles. One interface, two adapters: our
// libvirt addon, and virsh when the addon is not built.
import type { AddonEvent, LibvirtAddon } from '../native/index.ts';
import { isLibvirtAddonError } from '../native/index.ts';
import { LibvirtTransport } from '../transport/libvirt.ts';
import { runVirsh, VirshTransport } from '../transport/virsh.ts';
import type { AgentTransport } from '../transport/types.ts';

export interface DomainInfo {
  /** libvirt domain UUID = Nova instance UUID. */
  uuid: string;
  name: string;
  pausedOnIoError: boolean;
}

export type DomainEvent =
  | {
      kind: 'started' | 'stopped' | 'resumed' | 'paused' | 'io-error' | 'io-error-reported' | 'agent-connected' | 'agent-disconnected';
      uuid: string;
      name: string;
      detail?: string;
    }
  | { kind: 'other'; uuid: string; name: string };

export interface Hypervisor {
  readonly uri: string;
  /** Active domains; rejects when libvirt cannot be reached. */
  listDomains(): Promise<DomainInfo[]>;
  transport(uuid: string): AgentTransport;
  /** Domain events between cycles; returns the unsubscribe function. Undefined when unsupported. */
  subscribe?(onEvent: (e: DomainEvent) => void): () => void;
}

const STATE_PAUSED = 3;
const PAUSED_IOERROR = 5;
const EVENT = { UNDEFINED: 1, STARTED: 2, SUSPENDED: 3, RESUMED: 4, STOPPED: 5, CRASHED: 8 } as const;
const SUSPENDED_IOERROR = 2;
const AGENT_CONNECTED = 1;
const IO_ERROR_PAUSE = 1;

/** Maps a raw addon event to a domain event. Pure. */
export function domainEvent(e: AddonEvent): DomainEvent {
  const base = { uuid: e.uuid, name: e.name };
  switch (e.type) {
    case 'io-error':
      // With error_policy='report' the guest sees EIO and keeps running: the disk probe
      // will fail on its own; only a pause means the agent can no longer tell us.
      return { ...base, kind: e.action === IO_ERROR_PAUSE ? 'io-error' : 'io-error-reported', detail: `${e.srcPath}: ${e.reason}` };
    case 'agent':
      return { ...base, kind: e.state === AGENT_CONNECTED ? 'agent-connected' : 'agent-disconnected' };
    case 'lifecycle':
      switch (e.event) {
        case EVENT.STARTED:
          return { ...base, kind: 'started' };
        case EVENT.RESUMED:
          return { ...base, kind: 'resumed' };
        case EVENT.SUSPENDED:
          return e.detail === SUSPENDED_IOERROR ? { ...base, kind: 'io-error', detail: 'suspended on an I/O error' } : { ...base, kind: 'paused' };
        case EVENT.STOPPED:
        case EVENT.UNDEFINED:
        case EVENT.CRASHED:
          return { ...base, kind: 'stopped' };
        default:
          return { ...base, kind: 'other' };
      }
  }
}

export class AddonHypervisor implements Hypervisor {
  private readonly transports = new Map<string, LibvirtTransport>();

  constructor(
    private readonly addon: LibvirtAddon,
    readonly uri: string,
  ) {}

  async listDomains(): Promise<DomainInfo[]> {
    try {
      const doms = await this.addon.listDomains(this.uri);
      return doms.map((d) => ({ uuid: d.uuid, name: d.name, pausedOnIoError: d.state === STATE_PAUSED && d.reason === PAUSED_IOERROR }));
    } catch (err) {
      if (isLibvirtAddonError(err)) throw new Error(`libvirt ${this.uri}: ${err.message}`, { cause: err });
      throw err;
    }
  }

  transport(uuid: string): AgentTransport {
    let t = this.transports.get(uuid);
    if (!t) this.transports.set(uuid, (t = new LibvirtTransport(this.addon, this.uri, uuid)));
    return t;
  }

  subscribe(onEvent: (e: DomainEvent) => void): () => void {
    const id = this.addon.subscribe(this.uri, (raw) => onEvent(domainEvent(raw)));
    return () => void this.addon.unsubscribe(id);
  }
}

/** virsh-based: no events (the next cycle sees changes), one process per call. */
export class VirshHypervisor implements Hypervisor {
  private readonly transports = new Map<string, VirshTransport>();

  constructor(readonly uri: string) {}

  async listDomains(): Promise<DomainInfo[]> {
    const [all, paused] = await Promise.all([
      runVirsh(this.uri, ['list', '--uuid', '--name'], 15_000),
      runVirsh(this.uri, ['list', '--state-paused', '--uuid'], 15_000),
    ]).catch((err: Error) => {
      throw new Error(`libvirt ${this.uri} (virsh): ${err.message}`, { cause: err });
    });
    const pausedSet = new Set(paused.split('\n').map((l) => l.trim()).filter(Boolean));
    const out: DomainInfo[] = [];
    for (const line of all.split('\n')) {
      const [uuid, name] = line.trim().split(/\s+/);
      if (!uuid || !name) continue;
      let pausedOnIoError = false;
      if (pausedSet.has(uuid)) {
        const state = await runVirsh(this.uri, ['domstate', '--reason', uuid], 15_000).catch(() => '');
        pausedOnIoError = /I\/O error/i.test(state);
      }
      out.push({ uuid, name, pausedOnIoError });
    }
    return out;
  }

  transport(uuid: string): AgentTransport {
    let t = this.transports.get(uuid);
    if (!t) this.transports.set(uuid, (t = new VirshTransport(this.uri, uuid)));
    return t;
  }
}
