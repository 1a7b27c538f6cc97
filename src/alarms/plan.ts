// What `vmha alarms install` has to do, computed from plain data: the alarms vmha wants
// and the alarms Aodh has. Pure; src/alarms/apply.ts carries the plan out.
import type { Alarm } from '../openstack/aodh.ts';
import { diffOwned, ownedView, type AlarmBody } from './aodh-body.ts';
import { parseAlarmName } from './render.ts';

/** One alarm vmha wants in Aodh. */
export interface DesiredAlarm {
  name: string;
  template: string;
  instanceId: string;
  body: AlarmBody;
}

/** One difference between Aodh's alarm and the rendered one, for people. */
export interface FieldChange {
  path: string;
  from: unknown;
  to: unknown;
}

export interface Plan {
  create: DesiredAlarm[];
  update: { desired: DesiredAlarm; existing: Alarm; changes: FieldChange[] }[];
  unchanged: { desired: DesiredAlarm; existing: Alarm }[];
  /**
   * Owned alarms in scope that are not wanted: of instances that lost HA or no longer
   * exist, or of templates no longer configured, or extra copies of one name (a create
   * whose answer was lost and then retried by a re-run leaves two).
   */
  remove: { existing: Alarm; template: string; instanceId: string; reason: 'stale' | 'duplicate' }[];
}

/** Which owned alarms a run is about: others are neither compared nor removed. */
export interface PlanScope {
  templates: ReadonlySet<string>;
  /** Instance ids in scope; undefined means every instance (--all). */
  instances?: ReadonlySet<string>;
}

/** Compares desired alarms with the alarms Aodh has (any, owned or not), within a scope. */
export function plan(desired: readonly DesiredAlarm[], existing: readonly Alarm[], scope: PlanScope): Plan {
  const byName = new Map<string, Alarm[]>();
  for (const a of existing) {
    if (!parseAlarmName(a.name)) continue;
    const list = byName.get(a.name) ?? [];
    list.push(a);
    byName.set(a.name, list);
  }
  const out: Plan = { create: [], update: [], unchanged: [], remove: [] };
  const wanted = new Set<string>();
  for (const d of [...desired].sort(byNameOf)) {
    wanted.add(d.name);
    const found = byName.get(d.name) ?? [];
    if (found.length === 0) {
      out.create.push(d);
      continue;
    }
    const want = ownedView(d.body as unknown as Record<string, unknown>);
    const compared = found
      .map((existing) => ({ existing, changes: diffOwned(ownedView(existing), want) }))
      // Keep the copy that already matches, else the oldest id, so re-runs pick the same one.
      .sort((a, b) => a.changes.length - b.changes.length || a.existing.alarm_id.localeCompare(b.existing.alarm_id));
    const [keep, ...extra] = compared;
    if (keep!.changes.length === 0) out.unchanged.push({ desired: d, existing: keep!.existing });
    else out.update.push({ desired: d, existing: keep!.existing, changes: keep!.changes.map(rulePath(d.body.type)) });
    for (const x of extra) out.remove.push({ existing: x.existing, template: d.template, instanceId: d.instanceId, reason: 'duplicate' });
  }
  for (const [name, alarms] of [...byName].sort(([a], [b]) => a.localeCompare(b))) {
    if (wanted.has(name)) continue;
    const owner = parseAlarmName(name)!;
    if (!scope.templates.has(owner.template)) continue;
    if (scope.instances && !scope.instances.has(owner.instanceId)) continue;
    for (const existing of alarms) out.remove.push({ existing, ...owner, reason: 'stale' });
  }
  return out;
}

/** True when applying the plan would change nothing (removals count only if they will be applied). */
export function isNoop(p: Plan, withRemovals: boolean): boolean {
  return p.create.length === 0 && p.update.length === 0 && (!withRemovals || p.remove.length === 0);
}

function byNameOf(a: { name: string }, b: { name: string }): number {
  return a.name.localeCompare(b.name);
}

/** Shows the owned view's "rule" under the name Aodh gives it (<type>_rule). */
function rulePath(type: string): (c: FieldChange) => FieldChange {
  return (c) => ({ ...c, path: c.path === 'rule' || c.path.startsWith('rule.') ? `${type}_rule${c.path.slice(4)}` : c.path });
}
