// What is out there: the HA-enabled instances (Nova) and the alarms vmha owns (Aodh),
// plus the pure step from instances and templates to the desired alarms.
import type { VariableValue } from '../../alarms/schema.ts';
import type { AodhClient, Alarm } from '../openstack/aodh.ts';
import { NotFound } from '../openstack/errors.ts';
import type { NovaClient } from '../openstack/nova.ts';
import type { Server } from '../openstack/nova-types.ts';
import { describeError, mapLimit, type ActionError } from './apply.ts';
import type { DesiredAlarm } from './plan.ts';
import { alarmName, parseAlarmName, render, type ActionSettings } from './render.ts';
import type { Template } from './template.ts';

/** How instances are chosen: every HA-enabled one, those of a project, or named ones. */
export type InstanceSelector = { kind: 'all' } | { kind: 'project'; projectId: string } | { kind: 'instances'; ids: string[] };

export interface HaMarker {
  key: string;
  value: string;
}

/** HA-enabled: metadata[key] equals the value, case-insensitively ("True", "true"), as Masakari compares. */
export function isHaEnabled(server: Pick<Server, 'metadata'>, marker: HaMarker): boolean {
  const v = server.metadata[marker.key];
  return typeof v === 'string' && v.trim().toLowerCase() === marker.value.toLowerCase();
}

export interface InstanceProblem {
  instanceId: string;
  error: ActionError;
}

export interface Instances {
  /** The HA-enabled instances to put alarms on. */
  ha: Server[];
  /** Instance ids whose owned alarms this run may compare and remove (undefined: all). */
  scope?: Set<string>;
  /** Named instances that cannot get alarms (missing, not HA-enabled). */
  problems: InstanceProblem[];
}

/** Finds the instances a selector designates, through Nova (all projects; admin). */
export async function findInstances(nova: NovaClient, selector: InstanceSelector, marker: HaMarker, concurrency: number): Promise<Instances> {
  if (selector.kind !== 'instances') {
    const all = await nova.listServers({ allTenants: true });
    const inProject = selector.kind === 'project' ? all.filter((s) => s.projectId === selector.projectId) : all;
    return {
      ha: inProject.filter((s) => isHaEnabled(s, marker)),
      scope: selector.kind === 'project' ? new Set(inProject.map((s) => s.id)) : undefined,
      problems: [],
    };
  }
  const ids = [...new Set(selector.ids)];
  const found = await mapLimit(ids, concurrency, async (id) => {
    try {
      return { id, server: await nova.getServer(id) };
    } catch (err) {
      if (err instanceof NotFound) return { id, error: { status: 404, message: `instance ${id} not found in Nova` } as ActionError };
      return { id, error: describeError(err) };
    }
  });
  const out: Instances = { ha: [], scope: new Set(ids), problems: [] };
  for (const f of found) {
    if (f.error) out.problems.push({ instanceId: f.id, error: f.error });
    else if (!isHaEnabled(f.server!, marker)) {
      out.problems.push({
        instanceId: f.id,
        error: { message: `instance ${f.id} is not HA-enabled (set metadata ${marker.key}=${marker.value} first)` },
      });
    } else out.ha.push(f.server!);
  }
  return out;
}

/**
 * Every alarm vmha owns, in any project. Aodh's q.field=name matches exactly, with no
 * prefix search, so the list is filtered here.
 */
export async function listOwnedAlarms(aodh: AodhClient): Promise<Alarm[]> {
  const all = await aodh.list({ all_projects: true });
  return all.filter((a) => parseAlarmName(a.name) !== undefined);
}

/** A template with its variables resolved (defaults plus vmha.yaml overrides). */
export interface PreparedTemplate {
  template: Template;
  vars: Record<string, VariableValue>;
}

/** The alarms vmha wants: every template on every instance. Pure. */
export function desiredAlarms(instances: readonly Pick<Server, 'id'>[], templates: readonly PreparedTemplate[], actions: ActionSettings): DesiredAlarm[] {
  const out: DesiredAlarm[] = [];
  for (const s of instances) {
    for (const { template, vars } of templates) {
      out.push({ name: alarmName(template.name, s.id), template: template.name, instanceId: s.id, body: render(template, s.id, vars, actions) });
    }
  }
  return out;
}
