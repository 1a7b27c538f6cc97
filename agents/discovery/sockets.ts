// Guests reached on qemu-ga unix sockets (probe.sockets): hosts without libvirt, tests
// and the benchmark. One persistent transport per guest.
import { SocketTransport } from '../transport/socket.ts';
import type { GuestTarget } from '../probes/guest.ts';
import type { GuestSource } from '../runner.ts';

export interface SocketGuest {
  uuid: string;
  path: string;
  name?: string;
}

export class SocketGuestSource implements GuestSource {
  private readonly transports = new Map<string, SocketTransport>();

  constructor(private guests: readonly SocketGuest[]) {}

  /** Replaces the guest list (transports of guests that stay are kept). */
  set(guests: readonly SocketGuest[]): void {
    this.guests = guests;
    for (const [uuid, t] of this.transports) {
      if (!guests.some((g) => g.uuid === uuid && g.path === t.path)) {
        void t.close();
        this.transports.delete(uuid);
      }
    }
  }

  async list(): Promise<GuestTarget[]> {
    return this.guests.map((g) => {
      let t = this.transports.get(g.uuid);
      if (!t) this.transports.set(g.uuid, (t = new SocketTransport(g.path)));
      return { uuid: g.uuid, name: g.name, agent: t };
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.transports.values()].map((t) => t.close()));
    this.transports.clear();
  }
}
