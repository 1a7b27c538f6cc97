// Measures in request bodies (gnocchi/rest/api.py MeasuresListSchema,
// ResourcesMetricsMeasuresBatchController, MetricsMeasuresBatchController).
import { GnocchiError, Invalid, noSuchArchivePolicy } from './errors.ts';
import type { Indexer, Metric } from './indexer.ts';
import { parseUuid, resourceUuid } from './resource-id.ts';
import { TimestampError, toTimestamps } from './time.ts';
import { pyFloat } from '../pyformat.ts';

export interface Point {
  timestamp: number;
  value: number;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** MeasuresListSchema(): a KeyError (measure without "timestamp") is not caught upstream, so it is a 500 here too. */
export function measuresList(measures: unknown, now: number): Point[] {
  // Python iterates strings by character and dicts by key; both end as TypeError on m['timestamp'].
  const items: unknown[] = Array.isArray(measures) ? measures : typeof measures === 'string' ? [...measures] : isObj(measures) ? Object.keys(measures) : [measures];
  if (measures === null || typeof measures === 'number' || typeof measures === 'boolean') throw new Invalid('unexpected measures format');
  const stamps = items.map((m) => {
    if (!isObj(m)) throw new Invalid('unexpected measures format');
    if (!Object.hasOwn(m, 'timestamp')) throw new Error("KeyError: 'timestamp'");
    return m.timestamp;
  });
  let times: number[];
  try {
    times = toTimestamps(stamps, now);
  } catch (err) {
    if (err instanceof TimestampError && err.kind === 'value') throw new Invalid(`unexpected timestamp '${err.message}'`);
    throw new Invalid('unexpected measures format');
  }
  return items.map((m, i) => {
    try {
      return { timestamp: times[i] as number, value: pyFloat((m as Record<string, unknown>).value) };
    } catch {
      throw new Invalid('unexpected measures value');
    }
  });
}

const prefixed = (e: Invalid, path: (string | number)[]): Invalid => new Invalid(e.message, [...path, ...e.path], e.errorType);

interface MetricMeasures {
  measures: Point[];
  archivePolicyName?: string;
  unit?: string;
}

/** BackwardCompatibleMeasuresList: a list, or {"measures": [...], "archive_policy_name"?, "unit"?}. */
function compatibleMeasures(v: unknown, now: number): MetricMeasures {
  let listError: Invalid;
  try {
    return { measures: measuresList(v, now) };
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    listError = err;
  }
  // voluptuous.Any keeps the error with the longest path (the first one on a tie).
  if (!isObj(v)) throw listError;
  const out: MetricMeasures = { measures: [] };
  for (const [k, x] of Object.entries(v)) {
    if (k === 'measures') {
      try {
        out.measures = measuresList(x, now);
      } catch (err) {
        if (err instanceof Invalid) throw prefixed(err, ['measures']);
        throw err;
      }
    } else if (k === 'archive_policy_name' || k === 'unit') {
      if (typeof x !== 'string') throw new Invalid('expected str', [k], 'dictionary value');
      if (k === 'unit') out.unit = x;
      else out.archivePolicyName = x;
    } else throw new Invalid('extra keys not allowed', [k]);
  }
  if (!Object.hasOwn(v, 'measures')) throw new Invalid('required key not provided', ['measures']);
  return out;
}

export interface BatchEntry {
  originalId: string;
  resourceId: string;
  metrics: Map<string, MetricMeasures>;
}

/** The resources batch body schema; errors come back as voluptuous would report them (detailed form). */
export function parseResourcesBatch(body: unknown, creator: string, now: number): BatchEntry[] {
  if (!isObj(body)) throw new Invalid('expected a dictionary');
  const out: BatchEntry[] = [];
  for (const [original, metrics] of Object.entries(body)) {
    let resourceId: string;
    try {
      resourceId = resourceUuid(original, creator);
    } catch {
      // A key the ResourceID() key validator refuses matches no schema key.
      throw new Invalid('extra keys not allowed', [original]);
    }
    if (!isObj(metrics)) throw new Invalid('expected a dictionary', [original], 'dictionary value');
    const entry: BatchEntry = { originalId: original, resourceId, metrics: new Map() };
    for (const [name, m] of Object.entries(metrics)) {
      try {
        entry.metrics.set(name, compatibleMeasures(m, now));
      } catch (err) {
        if (err instanceof Invalid) throw prefixed(err, [original, name]);
        throw err;
      }
    }
    out.push(entry);
  }
  return out;
}

/** Measures to write once every check passed, or the 400 that stops the batch. */
export function planResourcesBatch(
  ix: Indexer,
  entries: BatchEntry[],
  o: { createMetrics: () => boolean; creator: string },
): { metric: Metric; points: Point[] }[] {
  const known: { metric: Metric; points: Point[] }[] = [];
  const unknownMetrics: string[] = [];
  const unknownResources: { resource_id: string; original_resource_id: string }[] = [];
  // Nothing named at all: accepted before create_metrics is even parsed.
  if (entries.every((e) => e.metrics.size === 0)) return [];
  const createMetrics = o.createMetrics();
  for (const entry of entries) {
    const resource = ix.resources.get(entry.resourceId);
    const byName = (name: string): Metric | undefined => {
      const id = resource?.metrics.get(name);
      return id ? ix.metrics.get(id) : undefined;
    };
    for (const [name, m] of entry.metrics) {
      const metric = byName(name);
      if (metric) {
        known.push({ metric, points: m.measures });
        continue;
      }
      if (!createMetrics) {
        unknownMetrics.push(`${entry.resourceId}/${name}`);
        continue;
      }
      if (name.includes('/')) throw new GnocchiError(400, "'/' is not supported in metric name");
      const policy = m.archivePolicyName ?? ix.policyForMetricName(name)?.name;
      if (policy === undefined) {
        throw new GnocchiError(400, `No archive policy name specified and no archive policy rule found matching the metric name ${name}`);
      }
      if (!resource) {
        // Upstream stops at the first metric of an unknown resource.
        unknownResources.push({ resource_id: entry.resourceId, original_resource_id: entry.originalId });
        break;
      }
      if (!ix.policies.has(policy)) throw new GnocchiError(400, noSuchArchivePolicy(policy));
      const created = ix.createMetric({ name, unit: m.unit ?? null, resourceId: resource.id, creator: o.creator, archivePolicyName: policy });
      known.push({ metric: created, points: m.measures });
    }
  }
  if (unknownResources.length) throw new GnocchiError(400, { cause: 'Unknown resources', detail: unknownResources });
  if (unknownMetrics.length) throw new GnocchiError(400, `Unknown metrics: ${unknownMetrics.sort().join(', ')}`);
  return known;
}

/** POST /v1/batch/metrics/measures: {metric uuid: [measures]}, the plain "Invalid input: ..." form. */
export function parseMetricsBatch(ix: Indexer, body: unknown, now: number): { metric: Metric; points: Point[] }[] {
  if (!isObj(body)) throw new Invalid('expected a dictionary');
  const parsed = new Map<string, Point[]>();
  for (const [key, measures] of Object.entries(body)) {
    const id = parseUuid(key);
    if (!id) throw new Invalid('extra keys not allowed', [key]);
    try {
      parsed.set(id, measuresList(measures, now));
    } catch (err) {
      // An error on the mapping's own key gets voluptuous' " for dictionary value".
      if (err instanceof Invalid) throw new Invalid(err.message, [key, ...err.path], err.path.length ? err.errorType : 'dictionary value');
      throw err;
    }
  }
  const missing = [...parsed.keys()].filter((id) => !ix.metrics.has(id)).sort();
  if (missing.length) throw new GnocchiError(400, `Unknown metrics: ${missing.join(', ')}`);
  return [...parsed].map(([id, points]) => ({ metric: ix.metrics.get(id) as Metric, points }));
}
