// When is a host failed rather than one instance sick? Pure: from the host's compute
// service and how many of its HA instances alarm within a window. A host failure is
// handled once, by the host workflow (disable, fence, force down, evacuate), instead
// of K separate instance recoveries racing each other on a dying host.
import type { ComputeService } from '../openstack/nova-types.ts';
import type { HostFailure } from './matrix.ts';

export interface HostFailureSettings {
  /** K: this many HA instances of one host alarming within the window. */
  minInstances: number;
  /** X %: or this share of the host's HA instances ... */
  minSharePct: number;
  /** ... when at least this many alarm (one sick instance alone is never a host failure). */
  minInstancesForShare: number;
  windowMs: number;
}

export interface HostFacts {
  host: string;
  service: ComputeService | null;
  /** HA instances Nova places on the host. */
  haInstances: number;
  /** Of those, how many have an alarm that started within the window. */
  alarmingRecent: number;
  /** The id of a host workflow that is still in charge of the host, if any. */
  workflowId?: string;
}

/** Whether the host counts as failed, and why; null when it does not. */
export function judgeHost(f: HostFacts, s: HostFailureSettings): HostFailure | null {
  if (f.workflowId) return { kind: 'workflow-active', detail: `host workflow ${f.workflowId} is in charge of ${f.host}` };
  if (f.service && (f.service.forcedDown || f.service.state === 'down')) {
    return { kind: 'service-down', detail: `Nova reports the compute service on ${f.host} ${f.service.forcedDown ? 'forced down' : 'down'}` };
  }
  const w = Math.round(s.windowMs / 1000);
  if (f.alarmingRecent >= s.minInstances) {
    return { kind: 'instances-alarming', detail: `${f.alarmingRecent} HA instances on ${f.host} alarming within ${w} s (threshold ${s.minInstances})` };
  }
  const pct = f.haInstances > 0 ? (100 * f.alarmingRecent) / f.haInstances : 0;
  if (f.alarmingRecent >= s.minInstancesForShare && pct >= s.minSharePct) {
    return {
      kind: 'instances-alarming',
      detail: `${f.alarmingRecent} of ${f.haInstances} HA instances on ${f.host} (${Math.round(pct)} %) alarming within ${w} s (threshold ${s.minSharePct} %)`,
    };
  }
  return null;
}
