// Admin operations of `vmha serve`: inspect incidents, read and change limits at
// runtime (persisted in the journal). Callers present a Keystone token with one of
// the configured roles; the CLI gets one from the operator's clouds.yaml.
import express, { type NextFunction, type Request, type Response } from 'express';
import type { IncidentState } from '../domain/incident.ts';
import type { Journal } from '../journal/journal.ts';
import { validateLimits, withGlobalConcurrency, type LimitSettings, type Limits } from '../limits/limits.ts';
import type { Logger } from '../log.ts';
import type { WebhookAuth } from './auth.ts';
import type { SafetyAdmin } from './safety-admin.ts';

export const LIMITS_SETTING = 'limits';

export class AdminApi {
  constructor(
    private readonly journal: Journal,
    private readonly limits: Limits,
    private readonly auth: WebhookAuth,
    private readonly logger: Logger,
    /** Host workflows, guard and maintenance routes (safety-admin.ts). */
    private readonly safety?: SafetyAdmin,
  ) {}

  router(): express.Router {
    const r = express.Router();
    r.use((req, res, next) => void this.authenticate(req, res, next));
    r.get('/incidents', (req, res) => {
      const state = typeof req.query.state === 'string' ? (req.query.state as IncidentState) : undefined;
      const limit = Math.min(1000, Math.max(1, Number(req.query.limit ?? 100) || 100));
      res.json({ incidents: this.journal.list({ state, limit }) });
    });
    r.get('/incidents/:id', (req, res) => {
      const incident = this.journal.get(req.params.id);
      if (!incident) {
        res.status(404).json({ error: { code: 'not_found', message: `incident ${req.params.id} not found` } });
        return;
      }
      res.json({ incident, timeline: this.journal.timeline(incident.id) });
    });
    r.get('/limits', (_req, res) => {
      res.json(this.limits.snapshot());
    });
    r.put('/limits', (req, res) => {
      const next = withGlobalConcurrency(req.body, this.limits.snapshot().settings);
      const problems = validateLimits(next);
      if (problems.length) {
        res.status(400).json({ error: { code: 'invalid_limits', message: problems.join('; ') } });
        return;
      }
      const settings: LimitSettings = { global: { ...next.global }, perHost: { ...next.perHost } };
      this.journal.setSetting(LIMITS_SETTING, settings);
      this.limits.update(settings);
      this.logger.info('limits changed', { limits: settings, by: res.locals.userId });
      res.json(this.limits.snapshot());
    });
    if (this.safety) r.use(this.safety.router());
    return r;
  }

  private async authenticate(req: Request, res: Response, next: NextFunction): Promise<void> {
    const token = req.header('x-auth-token');
    if (!token) {
      res.status(401).json({ error: { code: 'unauthorized', message: 'X-Auth-Token with an admin role is required' } });
      return;
    }
    const outcome = await this.auth.byKeystoneToken(token);
    if (!outcome.ok) {
      res.status(outcome.status).json({ error: { code: 'unauthorized', message: outcome.message } });
      return;
    }
    res.locals.userId = outcome.userId;
    next();
  }
}
