// The hypervisor as the probe agent sees it: which domains run, how to reach their
// agents, and what happens to them between cycles. One interface, two adapters: libvirt
// in process (@unraid/libvirt lists the domains, our addon does the rest), and virsh
// when either of the two cannot be loaded.
import type { AddonEvent, LibvirtAddon } from '../native/index.ts';
import { LibvirtTransport } from '../transport/libvirt.ts';
import { runVirsh, VirshTransport } from '../transport/virsh.ts';
import type { AgentTransport } from '../transport/types.ts';
import type { LibvirtBinding, LibvirtConnection, LibvirtDomainHandle } from './unraid-libvirt.ts';

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

const LIST_ACTIVE = 1;
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

/** In process: @unraid/libvirt lists the domains; our addon runs agent commands, tells why a domain is paused, and delivers events. */
export class LibvirtHypervisor implements Hypervisor {
  private readonly transports = new Map<string, LibvirtTransport>();
  private conn: Promise<LibvirtConnection> | undefined;

  constructor(
    private readonly binding: LibvirtBinding,
    private readonly addon: LibvirtAddon,
    readonly uri: string,
  ) {}

  async listDomains(): Promise<DomainInfo[]> {
    let domains: LibvirtDomainHandle[];
    try {
      domains = await this.listActive();
    } catch (err) {
      throw new Error(`libvirt ${this.uri}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const infos = await Promise.all(domains.map((d) => this.describe(d)));
    return infos.filter((d): d is DomainInfo => d !== undefined);
  }

  private async listActive(): Promise<LibvirtDomainHandle[]> {
    // A connection kept from an earlier cycle may have died with libvirtd: then one fresh try.
    for (let tries = this.conn ? 2 : 1; ; tries--) {
      try {
        return await (await this.connection()).connectListAllDomains(LIST_ACTIVE);
      } catch (err) {
        this.dropConnection();
        if (tries <= 1) throw err;
      }
    }
  }

  /** One listed domain; undefined when it vanished in between. */
  private async describe(d: LibvirtDomainHandle): Promise<DomainInfo | undefined> {
    let uuid: string, name: string, state: number;
    try {
      [uuid, name, { state }] = await Promise.all([d.getUUIDString(), d.getName(), d.getInfo()]);
    } catch {
      return undefined;
    }
    if (state !== STATE_PAUSED) return { uuid, name, pausedOnIoError: false };
    // Only the state reason (our addon) tells an I/O-error pause from an operator's.
    const why = await this.addon.domainState(this.uri, uuid).catch(() => undefined);
    return { uuid, name, pausedOnIoError: why?.state === STATE_PAUSED && why.reason === PAUSED_IOERROR };
  }

  /** One connection, opened on first use and again after a failure (libvirtd restarted). */
  private connection(): Promise<LibvirtConnection> {
    return (this.conn ??= (async () => {
      const c = new this.binding.Hypervisor({ uri: this.uri });
      await c.connectOpen();
      return c;
    })());
  }

  private dropConnection(): void {
    const old = this.conn;
    this.conn = undefined;
    void old?.then((c) => c.connectClose()).catch(() => undefined);
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
