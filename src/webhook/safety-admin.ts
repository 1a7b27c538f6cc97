// Admin routes of the safety features, mounted under /v1/admin behind the same Keystone
// admin-role check as the rest (admin.ts):
//   GET  /hosts                  host workflows, newest first
//   GET  /hosts/:host            the workflow in charge of a host, and its history
//   POST /hosts/:host/enable     {dry_run?}: lift force-down, enable, release the workflow
//   GET  /guard                  mass-failure guard state and last evaluation
//   POST /guard/resume           operator resume
//   GET  /maintenance            the maintenance switches
//   PUT  /maintenance            {level: global|az|host|instance, target?, on, reason?}
import express, { type Response } from 'express';
import type { Clock } from '../domain/clock.ts';
import type { HostWorkflows } from '../engine/host-workflow.ts';
import type { Logger } from '../log.ts';
import { applySwitch, MAINTENANCE_LEVELS, type MaintenanceLevel } from '../policy/maintenance.ts';
import type { SafetyMonitor } from '../safety/monitor.ts';
import type { SafetyStore } from '../safety/store.ts';

export interface SafetyAdminDeps {
  store: SafetyStore;
  monitor: SafetyMonitor;
  workflows: HostWorkflows;
  logger: Logger;
  clock: Clock;
}

const bad = (res: Response, code: string, message: string, status = 400): void => {
  res.status(status).json({ error: { code, message } });
};

const who = (res: Response): string => (typeof res.locals.userId === 'string' && res.locals.userId ? res.locals.userId : 'operator');

export class SafetyAdmin {
  constructor(private readonly d: SafetyAdminDeps) {}

  /** Routes to mount after authentication. */
  router(): express.Router {
    const r = express.Router();
    r.get('/hosts', (_req, res) => {
      res.json({ workflows: this.d.store.list() });
    });
    r.get('/hosts/:host', (req, res) => {
      const host = req.params.host;
      res.json({ host, holding: this.d.store.holding(host) ?? null, workflows: this.d.store.list(1000).filter((w) => w.host === host) });
    });
    r.post('/hosts/:host/enable', async (req, res) => {
      const dryRun = (req.body as { dry_run?: unknown } | undefined)?.dry_run === true;
      const out = await this.d.workflows.enable(req.params.host, who(res), dryRun);
      if (!out.ok) return bad(res, 'host_enable_refused', out.message, out.status);
      res.json({ host: req.params.host, dry_run: dryRun, steps: out.steps });
    });
    r.get('/guard', (_req, res) => {
      res.json({ state: this.d.monitor.guardState(), last_evaluation: this.d.monitor.lastGuardEvaluation() ?? null });
    });
    r.post('/guard/resume', (_req, res) => {
      const out = this.d.monitor.resume(who(res));
      res.json({ resumed: out.changed, state: out.state, message: out.changed ? 'automatic actions resume' : 'the guard was not tripped' });
    });
    r.get('/maintenance', (_req, res) => {
      res.json({ maintenance: this.d.store.maintenance() });
    });
    r.put('/maintenance', (req, res) => {
      const body = (req.body ?? {}) as { level?: unknown; target?: unknown; on?: unknown; reason?: unknown };
      if (typeof body.level !== 'string' || !MAINTENANCE_LEVELS.includes(body.level as MaintenanceLevel)) {
        return bad(res, 'invalid_maintenance', `level must be one of ${MAINTENANCE_LEVELS.join(', ')}`);
      }
      const level = body.level as MaintenanceLevel;
      if (typeof body.on !== 'boolean') return bad(res, 'invalid_maintenance', 'on must be true or false');
      const target = typeof body.target === 'string' && body.target.trim() ? body.target.trim() : null;
      if (level === 'global' && target) return bad(res, 'invalid_maintenance', 'global maintenance takes no target');
      const noun = { az: 'an availability zone', host: 'a host name', instance: 'a server id', global: '' }[level];
      if (level !== 'global' && !target) return bad(res, 'invalid_maintenance', `${level} maintenance needs a target (${noun})`);
      if (body.reason !== undefined && typeof body.reason !== 'string') return bad(res, 'invalid_maintenance', 'reason must be a string');
      const by = who(res);
      const meta = { by, at: this.d.clock.now(), reason: typeof body.reason === 'string' && body.reason ? body.reason.slice(0, 500) : null };
      const { switches, changed } = applySwitch(this.d.store.maintenance(), level, target, body.on, meta);
      if (changed) {
        this.d.store.setMaintenance(switches, { type: body.on ? 'maintenance.on' : 'maintenance.off', data: { level, target, by, reason: meta.reason } });
        this.d.logger.warn(`maintenance ${body.on ? 'on' : 'off'}`, { level, target, by, reason: meta.reason });
      }
      res.json({ changed, maintenance: switches });
    });
    return r;
  }
}
