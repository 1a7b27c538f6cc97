// POST /v1/resource/<type> (gnocchi/rest/api.py ResourcesController.post with
// ResourceSchema, MetricsSchema and the resource type's attribute schema): voluptuous
// validation in body order, then creation with its metrics.
import { GnocchiError, Invalid, noSuchArchivePolicy } from './errors.ts';
import { RESOURCE_TYPES, type Indexer, type Resource, type ResourceType } from './indexer.ts';
import { parseUuid, resourceUuid } from './resource-id.ts';
import { toTimestamps } from './time.ts';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

type MetricDef = { kind: 'new'; archivePolicyName?: string; unit?: string } | { kind: 'existing'; id: string };

interface ParsedResource {
  id: string;
  originalId: string;
  startedAt?: number;
  endedAt?: number | null;
  userId?: string | null;
  projectId?: string | null;
  metrics: Map<string, MetricDef>;
  attributes: Record<string, unknown>;
}

function dateValue(v: unknown, key: string, now: number): number {
  try {
    const [t] = toTimestamps([v], now);
    return t as number;
  } catch {
    throw new Invalid('not a valid value', [key], 'dictionary value');
  }
}

function metricsSchema(v: unknown): Map<string, MetricDef> {
  if (!isObj(v)) throw new Invalid('expected a dictionary', ['metrics'], 'dictionary value');
  const out = new Map<string, MetricDef>();
  for (const [name, def] of Object.entries(v)) {
    const at = ['metrics', name];
    if (typeof def === 'string' && parseUuid(def)) {
      out.set(name, { kind: 'existing', id: parseUuid(def) as string });
      continue;
    }
    if (!isObj(def)) throw new Invalid('not a valid value', at, 'dictionary value');
    for (const [k, x] of Object.entries(def)) {
      if (!['archive_policy_name', 'unit', 'name', 'resource_id'].includes(k)) throw new Invalid('extra keys not allowed', [...at, k]);
      if (k !== 'resource_id' && typeof x !== 'string') throw new Invalid('expected str', [...at, k], 'dictionary value');
      if (k === 'unit' && [...(x as string)].length > 31) throw new Invalid('length of value must be at most 31', [...at, k], 'dictionary value');
    }
    if (name.includes('/')) throw new GnocchiError(400, "'/' is not supported in metric name");
    out.set(name, {
      kind: 'new',
      ...(typeof def.archive_policy_name === 'string' ? { archivePolicyName: def.archive_policy_name } : {}),
      ...(typeof def.unit === 'string' ? { unit: def.unit } : {}),
    });
  }
  return out;
}

/** Validates a resource body the way voluptuous reports it: first bad key in body order, then missing keys. */
export function parseResource(type: ResourceType, body: unknown, creator: string, now: number): ParsedResource {
  if (!isObj(body)) throw new Invalid('expected a dictionary');
  const attrs = RESOURCE_TYPES[type];
  const parsed: Partial<ParsedResource> & { attributes: Record<string, unknown>; metrics: Map<string, MetricDef> } = { attributes: {}, metrics: new Map() };
  for (const [key, v] of Object.entries(body)) {
    const attr = attrs.find((a) => a.name === key);
    if (key === 'id') {
      // ResourceID() on a non-string is a TypeError upstream: a 500.
      if (typeof v !== 'string') throw new TypeError(`argument of type '${typeof v}' is not iterable`);
      try {
        parsed.id = resourceUuid(v, creator);
        parsed.originalId = v;
      } catch (err) {
        throw new Invalid((err as Error).message, ['id'], 'dictionary value');
      }
    } else if (key === 'started_at' || key === 'ended_at') {
      const t = dateValue(v, key, now);
      if (key === 'started_at') parsed.startedAt = t;
      else parsed.endedAt = t;
    } else if (key === 'user_id' || key === 'project_id') {
      if (v !== null && typeof v !== 'string') throw new Invalid('not a valid value', [key], 'dictionary value');
      if (key === 'user_id') parsed.userId = v as string | null;
      else parsed.projectId = v as string | null;
    } else if (key === 'metrics') {
      parsed.metrics = metricsSchema(v);
    } else if (attr) {
      if (v === null && !attr.required) {
        parsed.attributes[key] = null;
        continue;
      }
      if (typeof v !== 'string') throw new Invalid(attr.required ? 'expected str' : 'not a valid value', [key], 'dictionary value');
      if ([...v].length > 255) throw new Invalid('length of value must be at most 255', [key], 'dictionary value');
      parsed.attributes[key] = v;
    } else {
      throw new Invalid('extra keys not allowed', [key]);
    }
  }
  for (const key of ['id', ...attrs.filter((a) => a.required).map((a) => a.name)]) {
    if (!Object.hasOwn(body, key)) throw new Invalid('required key not provided', [key]);
  }
  return parsed as ParsedResource;
}

/** indexer.create_resource(): 409 on a duplicate id, 400 for a missing archive policy or metric. */
export function createResource(ix: Indexer, type: ResourceType, p: ParsedResource, creator: string, now: number): Resource {
  if (ix.resources.has(p.id)) throw new GnocchiError(409, `Resource ${p.id} already exists`);
  // Check every metric before creating anything, as the indexer's transaction would.
  const plan: { name: string; def: MetricDef; policy?: string }[] = [];
  for (const [name, def] of p.metrics) {
    if (def.kind === 'existing') {
      const m = ix.metrics.get(def.id);
      if (!m || m.resourceId !== null) throw new GnocchiError(400, `Metric ${def.id} does not exist`);
      plan.push({ name, def });
      continue;
    }
    const policy = def.archivePolicyName ?? ix.policyForMetricName(name)?.name;
    if (policy === undefined) {
      throw new GnocchiError(400, `No archive policy name specified and no archive policy rule found matching the metric name ${name}`);
    }
    if (!ix.policies.has(policy)) throw new GnocchiError(400, noSuchArchivePolicy(policy));
    plan.push({ name, def, policy });
  }
  const resource: Resource = {
    id: p.id,
    originalResourceId: p.originalId,
    type,
    creator,
    startedAt: p.startedAt ?? now,
    revisionStart: now,
    endedAt: p.endedAt ?? null,
    userId: p.userId ?? null,
    projectId: p.projectId ?? null,
    attributes: p.attributes,
    metrics: new Map(),
  };
  ix.resources.set(resource.id, resource);
  for (const { name, def, policy } of plan) {
    if (def.kind === 'existing') {
      const m = ix.metrics.get(def.id);
      if (m) {
        m.resourceId = resource.id;
        m.name = name;
        resource.metrics.set(name, m.id);
      }
    } else {
      ix.createMetric({ name, unit: def.unit ?? null, resourceId: resource.id, creator, archivePolicyName: policy as string });
    }
  }
  return resource;
}
