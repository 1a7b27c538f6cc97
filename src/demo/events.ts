// What the demo saw happen, from every part of the simulated cloud and from vmha, as
// one time-ordered stream of plain records: narrated live, kept per scenario.

export type EventSource = 'demo' | 'fault' | 'probe' | 'aodh' | 'vmha' | 'nova';

export interface DemoEvent {
  at: number;
  source: EventSource;
  /** The Nova server the event is about, when it is about one. */
  serverId?: string;
  text: string;
  /** Machine-readable details (ids, request ids, states) for --json and tests. */
  data?: Record<string, unknown>;
}

/** An append-only list of events with listeners. */
export class EventLog {
  readonly events: DemoEvent[] = [];
  private readonly listeners = new Set<(e: DemoEvent) => void>();

  add(e: DemoEvent): void {
    this.events.push(e);
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A listener's failure (a closed stdout) must not stop the demo.
      }
    }
  }

  /** Calls `listener` with every later event; returns the unsubscribe function. */
  listen(listener: (e: DemoEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events since position `from` (a previous `events.length`). */
  since(from: number): DemoEvent[] {
    return this.events.slice(from);
  }
}
