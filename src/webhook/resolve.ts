// Maps an alarm id to the instance and metric it watches, by reading the alarm from
// Aodh once and caching it: the notification itself does not say which instance.
import type { AlarmTarget } from '../domain/alarm.ts';
import { parseAlarmName } from '../alarms/render.ts';
import type { AodhClient, Alarm } from '../openstack/aodh.ts';

interface RuleLeaf {
  metric?: string;
  resource_id?: string;
  type?: string;
}

/** Reads the target out of an alarm definition; undefined when it watches no single instance. */
export function targetOf(alarm: Alarm): AlarmTarget | undefined {
  const leaves: RuleLeaf[] = [];
  const rule = alarm.gnocchi_resources_threshold_rule as RuleLeaf | undefined;
  if (rule) leaves.push(rule);
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    for (const key of ['and', 'or']) if (Array.isArray(n[key])) (n[key] as unknown[]).forEach(walk);
    if (typeof n.resource_id === 'string') leaves.push(n as RuleLeaf);
  };
  if (alarm.composite_rule) walk(alarm.composite_rule);
  const instances = new Set(leaves.map((l) => l.resource_id).filter((x): x is string => typeof x === 'string'));
  if (instances.size !== 1) return undefined;
  const metrics = [...new Set(leaves.map((l) => l.metric).filter((m): m is string => typeof m === 'string'))];
  return {
    alarmId: alarm.alarm_id,
    alarmName: alarm.name,
    instanceId: [...instances][0]!,
    metric: metrics.length === 1 ? metrics[0]! : compositeSignal(alarm.name),
    projectId: alarm.project_id,
  };
}

/**
 * A composite alarm over several metrics is one signal of its own, named after its
 * template (`composite:guest-unresponsive` for vmha:guest-unresponsive:<id>), so one
 * `recovery.actions` entry covers every instance; a foreign alarm keeps its own name.
 */
export function compositeSignal(alarmName: string): string {
  return `composite:${parseAlarmName(alarmName)?.template ?? alarmName}`;
}

export class AlarmResolver {
  private readonly cache = new Map<string, { target: AlarmTarget | undefined; at: number }>();

  constructor(
    private readonly aodh: Pick<AodhClient, 'get'>,
    private readonly now: () => number,
    private readonly ttlMs = 10 * 60_000,
  ) {}

  /** The alarm's target; throws the Aodh client's typed errors (NotFound for an unknown alarm). */
  async resolve(alarmId: string): Promise<{ target: AlarmTarget | undefined; alarm?: Alarm }> {
    const hit = this.cache.get(alarmId);
    if (hit && this.now() - hit.at < this.ttlMs) return { target: hit.target };
    const alarm = await this.aodh.get(alarmId);
    const target = targetOf(alarm);
    this.cache.set(alarmId, { target, at: this.now() });
    return { target, alarm };
  }

  /** Seeds the cache from a listing (the reconciler has the alarms anyway). */
  remember(alarm: Alarm): AlarmTarget | undefined {
    const target = targetOf(alarm);
    this.cache.set(alarm.alarm_id, { target, at: this.now() });
    return target;
  }
}
