// Gnocchi's indexer, in memory: archive policies and rules, resources, metrics,
// and each metric's measures. Errors carry upstream's texts (gnocchi/indexer/__init__.py).
import { randomUUID } from 'node:crypto';
import { DEFAULT_RULE, defaultPolicies, fnmatch, policyJson, type ArchivePolicy, type ArchivePolicyRule } from './archive-policies.ts';
import { GnocchiError, noSuchArchivePolicy, noSuchResource } from './errors.ts';
import { MeasureSeries } from './series.ts';
import { isoUtc } from './time.ts';

export type ResourceType = 'generic' | 'instance';

export interface Metric {
  id: string;
  name: string | null;
  unit: string | null;
  resourceId: string | null;
  creator: string;
  archivePolicyName: string;
}

export interface Resource {
  id: string;
  originalResourceId: string;
  type: ResourceType;
  creator: string;
  startedAt: number;
  revisionStart: number;
  endedAt: number | null;
  userId: string | null;
  projectId: string | null;
  /** Type-specific attributes (display_name, host, ... for instance). */
  attributes: Record<string, unknown>;
  /** Metric name -> metric id. */
  metrics: Map<string, string>;
}

/** Attributes of the resource types this fake knows (instance as Ceilometer defines it). */
export const RESOURCE_TYPES: Record<ResourceType, { name: string; required: boolean }[]> = {
  generic: [],
  instance: [
    { name: 'display_name', required: true },
    { name: 'flavor_id', required: true },
    { name: 'image_ref', required: true },
    { name: 'host', required: true },
    { name: 'server_group', required: false },
    { name: 'flavor_name', required: false },
  ],
};

const splitCreator = (creator: string): [string, string] => {
  const i = creator.indexOf(':');
  return i < 0 ? [creator, ''] : [creator.slice(0, i), creator.slice(i + 1)];
};

export class Indexer {
  readonly policies = new Map<string, ArchivePolicy>(defaultPolicies().map((p) => [p.name, p]));
  readonly rules: ArchivePolicyRule[] = [{ ...DEFAULT_RULE }];
  readonly resources = new Map<string, Resource>();
  readonly metrics = new Map<string, Metric>();
  readonly series = new Map<string, MeasureSeries>();

  /** get_archive_policy_for_metric(): the most specific matching rule wins. */
  policyForMetricName(name: string | null): ArchivePolicy | undefined {
    const rules = [...this.rules].sort((a, b) => b.metricPattern.length - a.metricPattern.length);
    const rule = rules.find((r) => fnmatch(name ?? '', r.metricPattern));
    return rule ? this.policies.get(rule.archivePolicyName) : undefined;
  }

  /** A resource by type and id; "generic" finds resources of every type. */
  resource(type: ResourceType, id: string): Resource | undefined {
    const r = this.resources.get(id);
    return r && (type === 'generic' || r.type === type) ? r : undefined;
  }

  createMetric(o: { name: string | null; unit: string | null; resourceId: string | null; creator: string; archivePolicyName: string }): Metric {
    if (!this.policies.has(o.archivePolicyName)) throw new GnocchiError(400, noSuchArchivePolicy(o.archivePolicyName));
    let resource: Resource | undefined;
    if (o.resourceId !== null) {
      resource = this.resources.get(o.resourceId);
      if (!resource) throw noSuchResource(o.resourceId);
      if (o.name !== null && resource.metrics.has(o.name)) throw new GnocchiError(409, `Named metric ${o.name} already exists`);
    }
    const metric: Metric = { id: randomUUID(), ...o };
    this.metrics.set(metric.id, metric);
    if (resource && o.name !== null) resource.metrics.set(o.name, metric.id);
    return metric;
  }

  addMeasures(metric: Metric, points: { timestamp: number; value: number }[]): void {
    const policy = this.policies.get(metric.archivePolicyName);
    if (!policy) return;
    let series = this.series.get(metric.id);
    if (!series) {
      series = new MeasureSeries();
      this.series.set(metric.id, series);
    }
    series.add(points, policy);
  }

  /** Admins, the creating project and the resource's own project may use a resource (gnocchi's policy.yaml). */
  mayAccessResource(r: Resource, who: { admin: boolean; projectId: string; userId: string }): boolean {
    const [cu, cp] = splitCreator(r.creator);
    return who.admin || cp === who.projectId || cu === who.userId || r.projectId === who.projectId;
  }

  mayAccessMetric(m: Metric, who: { admin: boolean; projectId: string; userId: string }): boolean {
    const [cu, cp] = splitCreator(m.creator);
    if (who.admin || cp === who.projectId || cu === who.userId) return true;
    const r = m.resourceId ? this.resources.get(m.resourceId) : undefined;
    return r !== undefined && r.projectId === who.projectId;
  }

  resourceJson(r: Resource, view: ResourceType = r.type): Record<string, unknown> {
    const [createdByUser, createdByProject] = splitCreator(r.creator);
    const out: Record<string, unknown> = {
      created_by_project_id: createdByProject,
      created_by_user_id: createdByUser,
      creator: r.creator,
      ended_at: r.endedAt === null ? null : isoUtc(r.endedAt),
      id: r.id,
      metrics: Object.fromEntries(r.metrics),
      original_resource_id: r.originalResourceId,
      project_id: r.projectId,
      revision_end: null,
      revision_start: isoUtc(r.revisionStart),
      started_at: isoUtc(r.startedAt),
      type: r.type,
      user_id: r.userId,
    };
    if (view === 'instance') for (const a of RESOURCE_TYPES.instance) out[a.name] = r.attributes[a.name] ?? null;
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** With details (GET /v1/metric/<id>): the archive policy and resource are expanded. */
  metricJson(m: Metric, details: boolean): Record<string, unknown> {
    const [createdByUser, createdByProject] = splitCreator(m.creator);
    const out: Record<string, unknown> = {
      created_by_project_id: createdByProject,
      created_by_user_id: createdByUser,
      creator: m.creator,
      id: m.id,
      name: m.name,
      unit: m.unit,
    };
    if (details) {
      const policy = this.policies.get(m.archivePolicyName);
      out.archive_policy = policy ? policyJson(policy) : null;
      const r = m.resourceId ? this.resources.get(m.resourceId) : undefined;
      out.resource = r ? this.resourceJson(r, 'generic') : null;
    } else {
      out.archive_policy_name = m.archivePolicyName;
      out.resource_id = m.resourceId;
    }
    return out;
  }
}
