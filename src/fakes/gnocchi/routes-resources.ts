// Resources (/v1/resource/<generic|instance>[/<id>[/metric/<name>[/measures]]]),
// archive policies and their rules, and /v1/capabilities.
import type express from 'express';
import type { Request, Response } from 'express';
import { serviceBase } from '../http-body.ts';
import { DYNAMIC_AGGREGATION_METHODS, VALID_AGGREGATION_METHODS } from './aggregation-methods.ts';
import { parseArchivePolicy, policyJson, ruleJson } from './archive-policies.ts';
import { forbidden, GnocchiError, Invalid, noSuchArchivePolicy, noSuchMetric, noSuchResource } from './errors.ts';
import { callerOf, deserialize, methodNotAllowed, validated } from './http.ts';
import { RESOURCE_TYPES, type Metric, type Resource, type ResourceType } from './indexer.ts';
import { createResource, parseResource } from './resources.ts';
import { resourceUuid } from './resource-id.ts';
import { getMeasures, postMeasures, type RouteContext } from './routes-metrics.ts';

function resourceType(name: string): ResourceType {
  if (name in RESOURCE_TYPES) return name as ResourceType;
  throw new GnocchiError(404, `Resource type ${name} does not exist`);
}

/** ResourceController: the id is mapped like any resource id; the caller must be allowed to see it. */
function resourceFor(ctx: RouteContext, req: Request, res: Response): { type: ResourceType; resource: Resource } {
  const type = resourceType(req.params.type as string);
  const caller = callerOf(res);
  const raw = req.params.id as string;
  let id: string;
  try {
    id = resourceUuid(raw, caller.creator);
  } catch {
    throw noSuchResource(raw);
  }
  const resource = ctx.ix.resource(type, id);
  if (!resource) throw noSuchResource(id);
  if (!ctx.ix.mayAccessResource(resource, caller)) throw forbidden();
  return { type, resource };
}

function namedMetric(ctx: RouteContext, req: Request, res: Response): Metric {
  const { resource } = resourceFor(ctx, req, res);
  const id = resource.metrics.get(req.params.name as string);
  const metric = id ? ctx.ix.metrics.get(id) : undefined;
  if (!metric) throw noSuchMetric(req.params.name as string);
  return metric;
}

function requireAdmin(res: Response): void {
  if (!callerOf(res).admin) throw forbidden();
}

export function registerResourceRoutes(r: express.Router, ctx: RouteContext): void {
  const { ix } = ctx;

  r.get('/v1/capabilities', (_req, res) => {
    res.json({ aggregation_methods: [...VALID_AGGREGATION_METHODS], dynamic_aggregation_methods: [...DYNAMIC_AGGREGATION_METHODS] });
  });

  r.route('/v1/archive_policy')
    .get((_req, res) => res.json([...ix.policies.values()].map(policyJson)))
    .post((req, res) => {
      requireAdmin(res);
      const body = deserialize(req);
      const policy = validated(() => parseArchivePolicy(body));
      if (ix.policies.has(policy.name)) throw new GnocchiError(409, `Archive policy ${policy.name} already exists`);
      ix.policies.set(policy.name, policy);
      res.status(201).setHeader('Location', `${serviceBase(req)}/v1/archive_policy/${encodeURIComponent(policy.name)}`);
      res.json(policyJson(policy));
    })
    .all(methodNotAllowed);

  r.route('/v1/archive_policy/:name')
    .get((req, res) => {
      const policy = ix.policies.get(req.params.name as string);
      if (!policy) throw new GnocchiError(404, noSuchArchivePolicy(req.params.name as string));
      res.json(policyJson(policy));
    })
    .all(methodNotAllowed);

  r.route('/v1/archive_policy_rule')
    .get((_req, res) => res.json(ix.rules.map(ruleJson)))
    .post((req, res) => {
      requireAdmin(res);
      const body = deserialize(req);
      const rule = validated(() => {
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Invalid('expected a dictionary');
        for (const [k, v] of Object.entries(body)) {
          if (!['name', 'metric_pattern', 'archive_policy_name'].includes(k)) throw new Invalid('extra keys not allowed', [k]);
          if (typeof v !== 'string') throw new Invalid('expected str', [k], 'dictionary value');
        }
        for (const k of ['name', 'metric_pattern', 'archive_policy_name']) if (!Object.hasOwn(body, k)) throw new Invalid('required key not provided', [k]);
        const b = body as Record<string, string>;
        return { name: b.name as string, metricPattern: b.metric_pattern as string, archivePolicyName: b.archive_policy_name as string };
      });
      if (ix.rules.some((x) => x.name === rule.name)) throw new GnocchiError(409, `Archive policy rule ${rule.name} already exists`);
      if (!ix.policies.has(rule.archivePolicyName)) throw new GnocchiError(400, noSuchArchivePolicy(rule.archivePolicyName));
      ix.rules.push(rule);
      res.status(201).setHeader('Location', `${serviceBase(req)}/v1/archive_policy_rule/${encodeURIComponent(rule.name)}`);
      res.json(ruleJson(rule));
    })
    .all(methodNotAllowed);

  r.route('/v1/archive_policy_rule/:name')
    .get((req, res) => {
      const rule = ix.rules.find((x) => x.name === req.params.name);
      if (!rule) throw new GnocchiError(404, `Archive policy rule ${req.params.name as string} does not exist`);
      res.json(ruleJson(rule));
    })
    .all(methodNotAllowed);

  r.get('/v1/resource', (req, res) => {
    res.json(Object.fromEntries(Object.keys(RESOURCE_TYPES).map((t) => [t, `${serviceBase(req)}/v1/resource/${t}`])));
  });

  r.route('/v1/resource/:type')
    .get((req, res) => {
      const type = resourceType(req.params.type as string);
      const caller = callerOf(res);
      const rows = [...ix.resources.values()]
        .filter((x) => (type === 'generic' || x.type === type) && ix.mayAccessResource(x, caller))
        .sort((a, b) => a.revisionStart - b.revisionStart || a.startedAt - b.startedAt);
      res.json(rows.map((x) => ix.resourceJson(x, type)));
    })
    .post((req, res) => {
      const type = resourceType(req.params.type as string);
      const caller = callerOf(res);
      const body = deserialize(req);
      const now = ctx.now();
      const parsed = validated(() => parseResource(type, body, caller.creator, now));
      const resource = createResource(ix, type, parsed, caller.creator, now);
      res.status(201).setHeader('Location', `${serviceBase(req)}/v1/resource/${type}/${resource.id}`);
      res.json(ix.resourceJson(resource, type));
    })
    .all(methodNotAllowed);

  r.route('/v1/resource/:type/:id')
    .get((req, res) => {
      const { type, resource } = resourceFor(ctx, req, res);
      res.json(ix.resourceJson(resource, type));
    })
    .delete((req, res) => {
      const { resource } = resourceFor(ctx, req, res);
      ix.resources.delete(resource.id);
      for (const id of resource.metrics.values()) {
        ix.metrics.delete(id);
        ix.series.delete(id);
      }
      res.status(204).end();
    })
    .all(methodNotAllowed);

  r.get('/v1/resource/:type/:id/metric', (req, res) => {
    const { resource } = resourceFor(ctx, req, res);
    res.json([...resource.metrics.values()].map((id) => ix.metrics.get(id)).filter((m): m is Metric => !!m).map((m) => ix.metricJson(m, false)));
  });
  r.get('/v1/resource/:type/:id/metric/:name', (req, res) => {
    res.json(ix.metricJson(namedMetric(ctx, req, res), true));
  });
  r.route('/v1/resource/:type/:id/metric/:name/measures')
    .get((req, res) => res.json(getMeasures(ctx, namedMetric(ctx, req, res), req)))
    .post((req, res) => postMeasures(ctx, namedMetric(ctx, req, res), req, res))
    .all(methodNotAllowed);
}
