// What probing one guest found, as plain data, and the pure mapping from that to the
// measures the agent publishes.

/** Metric names published to Gnocchi (Aodh alarms are written against them). */
export const METRIC = {
  pingDelay: 'instance.ping.delay',
  diskHealth: 'instance.disk.health',
  agentUp: 'instance.agent.up',
} as const;

/** Published as instance.ping.delay when no echo reply came back in time. */
export const PING_NO_REPLY = 999;
export const DISK_OK = 0;
export const DISK_FAILED = -1;

/** Everything that can go wrong while probing, as a closed set (also the Prometheus error label). */
export type ProblemKind =
  | 'agent_timeout'
  | 'agent_unavailable'
  | 'agent_protocol'
  | 'guest_exec_failed'
  | 'no_ping_target'
  | 'no_address'
  | 'host_ping_failed'
  | 'ping_no_reply'
  | 'disk_failed'
  | 'disk_timeout'
  | 'io_error_paused'
  | 'domain_gone'
  | 'hypervisor_unavailable';

export interface Problem {
  kind: ProblemKind;
  detail: string;
}

export interface GuestResult {
  uuid: string;
  name: string | undefined;
  /** When the guest's probe started (epoch ms): the measures' timestamp. */
  at: number;
  durationMs: number;
  /** Undefined when the domain vanished mid-cycle: nothing is published for it. */
  agentUp: boolean | undefined;
  ping: { delayMs: number; via: 'guest' | 'host' } | undefined;
  /** 0 healthy, -1 failed; undefined when the agent did not answer (no guess). */
  disk: number | undefined;
  problems: Problem[];
}

export interface MeasureValue {
  metric: (typeof METRIC)[keyof typeof METRIC];
  value: number;
}

/** The measures to publish for one guest's result. */
export function measuresOf(r: GuestResult): MeasureValue[] {
  if (r.agentUp === undefined) return [];
  const out: MeasureValue[] = [];
  if (r.ping) out.push({ metric: METRIC.pingDelay, value: r.ping.delayMs });
  if (r.disk !== undefined) out.push({ metric: METRIC.diskHealth, value: r.disk });
  out.push({ metric: METRIC.agentUp, value: r.agentUp ? 1 : 0 });
  return out;
}
