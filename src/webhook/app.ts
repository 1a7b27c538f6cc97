// The HTTP face of `vmha serve` (Express 5): a thin adapter over Intake and the admin
// operations. Routes:
//   POST /v1/aodh/<token>   Aodh notification, per-alarm URL token (http:// actions)
//   POST /v1/aodh           Aodh notification with X-Auth-Token (trust+http:// actions)
//   GET  /healthz           liveness and journal check
//   GET  /metrics           Prometheus
//   /v1/admin/...           incidents and limits, Keystone token with an admin role
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../log.ts';
import type { ServiceMetrics } from '../metrics.ts';
import { AODH_WEBHOOK_PATH } from '../domain/webhook-url.ts';
import type { AdminApi } from './admin.ts';
import type { Intake } from './intake.ts';

export interface AppDeps {
  intake: Intake;
  admin: AdminApi;
  metrics: ServiceMetrics;
  logger: Logger;
  /** Largest notification body accepted (Aodh's are well under 4 KiB). */
  bodyLimitBytes: number;
  health: () => Record<string, unknown>;
}

export function createApp(d: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  const raw = express.raw({ type: () => true, limit: d.bodyLimitBytes });
  const notify = async (req: Request, res: Response): Promise<void> => {
    const token = typeof req.params.token === 'string' ? req.params.token : undefined;
    const out = await d.intake.receive({
      urlToken: token,
      authToken: req.header('x-auth-token') ?? undefined,
      contentType: req.header('content-type') ?? undefined,
      body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      requestId: req.header('x-openstack-request-id') ?? undefined,
    });
    res.status(out.status).json(out.body);
  };
  app.post(AODH_WEBHOOK_PATH, raw, notify);
  app.post(`${AODH_WEBHOOK_PATH}/:token`, raw, notify);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', ...d.health() });
  });
  app.get('/metrics', async (_req, res) => {
    d.health(); // refreshes the incident gauges from the journal
    res.setHeader('Content-Type', d.metrics.registry.contentType);
    res.send(await d.metrics.registry.metrics());
  });
  app.use('/v1/admin', express.json({ limit: '16kb' }), d.admin.router());

  app.use((req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: `no route for ${req.method} ${redact(req.path)}` } });
  });
  // Body-parser failures (too large, bad JSON on admin routes) and anything unexpected.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = err as { status?: number; type?: string; message?: string };
    if (e.type === 'entity.too.large') {
      d.metrics.alarmsReceived.inc({ outcome: 'rejected_too_large' });
      res.status(413).json({ error: { code: 'too_large', message: `body exceeds ${d.bodyLimitBytes} bytes` } });
      return;
    }
    if (e.status && e.status >= 400 && e.status < 500) {
      res.status(e.status).json({ error: { code: e.type ?? 'bad_request', message: e.message ?? 'bad request' } });
      return;
    }
    d.logger.error('request failed', { method: req.method, path: redact(req.path), error: String((err as Error)?.stack ?? err) });
    res.status(500).json({ error: { code: 'internal', message: 'internal error; see the vmha log' } });
  });
  return app;
}

/** Paths may carry a webhook token: never echo or log it. */
export function redact(path: string): string {
  return path.startsWith(`${AODH_WEBHOOK_PATH}/`) ? `${AODH_WEBHOOK_PATH}/<token>` : path;
}
