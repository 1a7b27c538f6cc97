// A contract-faithful fake of Gnocchi's v1 API (/metric), following
// ../shared/openstack/CONTRACTS.md ("Gnocchi") and upstream gnocchi where it is
// silent. Measures are aggregated on read; nothing is processed asynchronously.
import express from 'express';
import type { Clock } from '../../domain/clock.ts';
import { requestId, requireToken, type TokenStore } from '../common.ts';
import { rawBody, serviceBase } from '../http-body.ts';
import { Invalid } from './errors.ts';
import { errorHandler, notFoundHandler } from './http.ts';
import { Indexer, type ResourceType } from './indexer.ts';
import { createResource, parseResource } from './resources.ts';
import { resourceUuid } from './resource-id.ts';
import { aggregateMetric, registerMetricRoutes } from './routes-metrics.ts';
import { registerResourceRoutes } from './routes-resources.ts';
import type { AggregatedPoint } from './series.ts';

export type { AggregatedPoint, AggregationMethod } from './series.ts';
export type { ResourceType } from './indexer.ts';
export { uuid5, resourceUuid } from './resource-id.ts';
export { GnocchiError } from './errors.ts';

export interface FakeGnocchiOptions {
  clock: Clock;
  tokens: TokenStore;
  identityUrl: () => string;
}

export class FakeGnocchi {
  /** Policies, resources, metrics and measures; tests may inspect it. */
  readonly indexer = new Indexer();

  constructor(private readonly opts: FakeGnocchiOptions) {}

  /**
   * Creates a resource as POST /v1/resource/<type> would (same validation; throws
   * Error with Gnocchi's message). The creator defaults to "<user_id>:<project_id>"
   * of the body. Returns the resource as the API renders it.
   */
  addResource(type: ResourceType, body: Record<string, unknown>, creator?: string): Record<string, unknown> {
    const who = creator ?? `${String(body.user_id ?? '')}:${String(body.project_id ?? '')}`;
    const now = this.opts.clock.now();
    try {
      const resource = createResource(this.indexer, type, parseResource(type, body, who, now), who, now);
      return this.indexer.resourceJson(resource, type);
    } catch (err) {
      if (err instanceof Invalid) throw new Error(`Invalid input: ${err.toString()}`);
      throw err;
    }
  }

  /** Id of a resource's named metric; the resource id may be its original (non-UUID) id. */
  metricId(resourceId: string, metricName: string, creator?: string): string | undefined {
    const resource = this.findResource(resourceId, creator);
    return resource?.metrics.get(metricName);
  }

  /** Raw measures of a resource's metric, oldest first (timestamps in epoch ms); [] when there is none. */
  measures(resourceId: string, metricName: string, creator?: string): { timestamp: number; value: number }[] {
    const id = this.metricId(resourceId, metricName, creator);
    return id ? (this.indexer.series.get(id)?.raw() ?? []) : [];
  }

  /**
   * What Gnocchi would answer for aggregated measures of a metric: buckets of
   * `granularitySeconds` (which must be in the metric's archive policy, as must the
   * method) whose start lies in [start, stop). Throws GnocchiError (404) like upstream.
   */
  aggregate(metricId: string, o: { granularitySeconds: number; method: 'mean' | 'max' | 'min' | 'last' | string; start?: number; stop?: number }): AggregatedPoint[] {
    return aggregateMetric(this.indexer, metricId, o);
  }

  router(): express.Router {
    const r = express.Router();
    const ctx = { ix: this.indexer, now: () => this.opts.clock.now() };
    r.use(requestId());
    r.get('/', (req, res) => {
      res.json({ build: '4.6.0', versions: [{ id: 'v1.0', links: [{ href: `${serviceBase(req)}/v1/`, rel: 'self' }], status: 'CURRENT', updated: '2015-03-19' }] });
    });
    r.use(requireToken(this.opts.tokens, this.opts.identityUrl));
    r.use(rawBody(50 * 1024 * 1024));
    registerMetricRoutes(r, ctx);
    registerResourceRoutes(r, ctx);
    r.use(notFoundHandler);
    r.use(errorHandler);
    return r;
  }

  private findResource(ref: string, creator?: string) {
    const direct = this.indexer.resources.get(ref);
    if (direct) return direct;
    for (const r of this.indexer.resources.values()) if (r.originalResourceId === ref) return r;
    if (creator !== undefined) {
      try {
        return this.indexer.resources.get(resourceUuid(ref, creator));
      } catch {
        return undefined;
      }
    }
    return undefined;
  }
}
