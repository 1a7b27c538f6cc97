// Metrics and measures: /v1/metric[/<id>[/measures]] and the two batch endpoints.
import type express from 'express';
import type { Request, Response } from 'express';
import { queryParams, serviceBase } from '../http-body.ts';
import { parseMetricsBatch, parseResourcesBatch, planResourcesBatch, measuresList, type Point } from './batch.ts';
import { forbidden, GnocchiError, Invalid, noSuchMetric } from './errors.ts';
import { boolParam, callerOf, deserialize, methodNotAllowed, timeParam, validated, type GnocchiCaller } from './http.ts';
import type { Indexer, Metric } from './indexer.ts';
import { parseUuid, resourceUuid } from './resource-id.ts';
import { computable, type AggregatedPoint } from './series.ts';
import { isoUtc, toTimespan } from './time.ts';

export interface RouteContext {
  ix: Indexer;
  now: () => number;
}

/** aggregate() with upstream's 404s for an unknown metric, method or granularity. */
export function aggregateMetric(
  ix: Indexer,
  metricId: string,
  o: { granularitySeconds: number; method: string; start?: number; stop?: number },
): AggregatedPoint[] {
  const metric = ix.metrics.get(metricId);
  if (!metric) throw noSuchMetric(metricId);
  const policy = ix.policies.get(metric.archivePolicyName);
  const item = policy?.definition.find((d) => d.granularity === o.granularitySeconds);
  if (!policy || !policy.aggregationMethods.includes(o.method) || !item) {
    const g = Number.isInteger(o.granularitySeconds) ? `${o.granularitySeconds}.0` : String(o.granularitySeconds);
    throw new GnocchiError(404, `Aggregation method '${o.method}' at granularity '${g}' for metric ${metricId} does not exist`);
  }
  if (!computable(o.method)) throw new GnocchiError(500, `Aggregation method '${o.method}' is not computed by this fake`);
  return ix.series.get(metricId)?.aggregate(o.granularitySeconds, o.method, { start: o.start, stop: o.stop, points: item.points }) ?? [];
}

/** A metric by id as MetricsController._lookup finds it, with the caller's right to use it checked. */
function metricFor(ix: Indexer, id: string, caller: GnocchiCaller): Metric {
  const uuid = parseUuid(id);
  const metric = uuid ? ix.metrics.get(uuid) : undefined;
  if (!metric) throw noSuchMetric(id);
  if (!ix.mayAccessMetric(metric, caller)) throw forbidden();
  return metric;
}

/**
 * GET measures. Without aggregation or granularity this returns the raw points
 * (CONTRACTS.md), as [timestamp, 0, value]; with either, upstream's aggregated
 * [timestamp, granularity, value] triples, coarsest granularity first.
 */
export function getMeasures(ctx: RouteContext, metric: Metric, req: Request): unknown[] {
  const params = queryParams(req);
  const now = ctx.now();
  const start = timeParam('start', params.get('start'), now);
  const stop = timeParam('stop', params.get('stop'), now);
  const aggregation = params.get('aggregation');
  const granularity = params.get('granularity');
  boolParam('refresh', params.get('refresh'), false);
  if (aggregation === null && granularity === null) {
    const points = ctx.ix.series.get(metric.id)?.raw(start, stop) ?? [];
    return points.map((p) => [isoUtc(p.timestamp), 0, p.value]);
  }
  const method = aggregation ?? 'mean';
  const policy = ctx.ix.policies.get(metric.archivePolicyName);
  if (!policy?.aggregationMethods.includes(method)) {
    throw new GnocchiError(404, { cause: 'Aggregation method does not exist for this metric', detail: { metric: metric.id, aggregation_method: method } });
  }
  let grans: number[];
  try {
    grans = granularity === null ? policy.definition.map((d) => d.granularity) : [toTimespan(granularity)];
  } catch {
    throw new GnocchiError(400, 'Invalid value for granularity');
  }
  return grans
    .sort((a, b) => b - a)
    .flatMap((g) => aggregateMetric(ctx.ix, metric.id, { granularitySeconds: g, method, start, stop }))
    .map((p) => [isoUtc(p.timestamp), p.granularity, p.value]);
}

/** POST measures to one metric: the detailed 400 form, then 202 with no body. */
export function postMeasures(ctx: RouteContext, metric: Metric, req: Request, res: Response): void {
  const body = deserialize(req);
  const points = validated(() => measuresList(body, ctx.now()), true);
  ctx.ix.addMeasures(metric, points);
  res.status(202).end();
}

export function registerMetricRoutes(r: express.Router, ctx: RouteContext): void {
  const { ix } = ctx;
  r.route('/v1/metric')
    .get((_req, res) => {
      const caller = callerOf(res);
      res.json([...ix.metrics.values()].filter((m) => ix.mayAccessMetric(m, caller)).map((m) => ix.metricJson(m, false)));
    })
    .post((req, res) => {
      const caller = callerOf(res);
      const body = deserialize(req);
      const def = validated(() => {
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Invalid('expected a dictionary');
        for (const [k, v] of Object.entries(body)) {
          if (!['archive_policy_name', 'name', 'unit', 'resource_id'].includes(k)) throw new Invalid('extra keys not allowed', [k]);
          if (k !== 'resource_id' && typeof v !== 'string') throw new Invalid('expected str', [k], 'dictionary value');
        }
        return body as Record<string, string>;
      });
      const name = def.name ?? null;
      if (name?.includes('/')) throw new GnocchiError(400, "'/' is not supported in metric name");
      const policy = def.archive_policy_name ?? ix.policyForMetricName(name)?.name;
      if (!policy) throw new GnocchiError(400, `No archive policy name specified and no archive policy rule found matching the metric name ${name}`);
      let resourceId: string | null = null;
      if (def.resource_id !== undefined && def.resource_id !== null) {
        resourceId = validated(() => {
          try {
            return resourceUuid(String(def.resource_id), caller.creator);
          } catch (err) {
            throw new Invalid((err as Error).message, ['resource_id'], 'dictionary value');
          }
        });
        if (name === null) throw new GnocchiError(400, { cause: 'Attribute value error', detail: 'name', reason: 'Name cannot be null if resource_id is not null' });
        const resource = ix.resources.get(resourceId);
        if (resource?.metrics.has(name)) throw new GnocchiError(400, { cause: 'Named metric already exists', detail: name });
      }
      const m = ix.createMetric({ name, unit: def.unit ?? null, resourceId, creator: caller.creator, archivePolicyName: policy });
      res.status(201).setHeader('Location', `${serviceBase(req)}/v1/metric/${m.id}`);
      res.json(ix.metricJson(m, false));
    })
    .all(methodNotAllowed);

  r.route('/v1/metric/:id')
    .get((req, res) => {
      res.json(ix.metricJson(metricFor(ix, req.params.id as string, callerOf(res)), true));
    })
    .all(methodNotAllowed);

  r.route('/v1/metric/:id/measures')
    .get((req, res) => {
      res.json(getMeasures(ctx, metricFor(ix, req.params.id as string, callerOf(res)), req));
    })
    .post((req, res) => postMeasures(ctx, metricFor(ix, req.params.id as string, callerOf(res)), req, res))
    .all(methodNotAllowed);

  r.route('/v1/batch/metrics/measures')
    .post((req, res) => {
      const caller = callerOf(res);
      const body = deserialize(req);
      const writes = validated(() => parseMetricsBatch(ix, body, ctx.now()));
      write(ix, writes, caller);
      res.status(202).end();
    })
    .all(methodNotAllowed);

  r.route('/v1/batch/resources/metrics/measures')
    .post((req, res) => {
      const caller = callerOf(res);
      const body = deserialize(req);
      const entries = validated(() => parseResourcesBatch(body, caller.creator, ctx.now()), true);
      const createMetrics = queryParams(req).get('create_metrics');
      const writes = planResourcesBatch(ix, entries, { createMetrics: () => boolParam('create_metrics', createMetrics, false), creator: caller.creator });
      write(ix, writes, caller);
      res.status(202).end();
    })
    .all(methodNotAllowed);
}

/** enforce("post measures") on every metric first, then write: all or nothing. */
function write(ix: Indexer, writes: { metric: Metric; points: Point[] }[], caller: GnocchiCaller): void {
  for (const w of writes) if (!ix.mayAccessMetric(w.metric, caller)) throw forbidden();
  for (const w of writes) ix.addMeasures(w.metric, w.points);
}
