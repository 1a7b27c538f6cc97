// Durable safety state beside the incident journal, in the same SQLite file: host
// workflows (own table), the guard and the maintenance switches (journal settings).
// Every change is journaled as an event with incident_id null in the same transaction,
// so the notifier tailing eventsSince() sees exactly what happened, in order.
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../domain/clock.ts';
import { HOLDING_STATES, hostTransition, type HostWorkflow, type HostWorkflowState } from '../domain/host-workflow.ts';
import type { Journal } from '../journal/journal.ts';
import { INITIAL_GUARD, type GuardState } from '../policy/guard.ts';
import { toSwitches, type MaintenanceSwitches } from '../policy/maintenance.ts';

export const GUARD_SETTING = 'safety.guard';
export const MAINTENANCE_SETTING = 'safety.maintenance';

const TABLE = `
CREATE TABLE IF NOT EXISTS host_workflows (
  id TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  state TEXT NOT NULL,
  holding INTEGER NOT NULL,
  detected_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  data TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS host_workflows_one_per_host ON host_workflows(host) WHERE holding = 1;
`;

export class SafetyStore {
  private readonly db: Database.Database;

  constructor(
    readonly journal: Journal,
    private readonly clock: Clock,
  ) {
    this.db = journal.database();
    // One workflow in charge of a host at a time is a database fact, not a hope.
    this.db.exec(TABLE);
  }

  /** Appends a safety event (incident_id null) to the journal's outbox. */
  event(type: string, data: Record<string, unknown>): void {
    this.journal.note(null, type, data);
  }

  // ---- host workflows ------------------------------------------------------

  /** The workflow in charge of `host` (running, completed or failed, not yet released). */
  holding(host: string): HostWorkflow | undefined {
    const row = this.db.prepare('SELECT data FROM host_workflows WHERE host = ? AND holding = 1').get(host) as { data: string } | undefined;
    return row ? (JSON.parse(row.data) as HostWorkflow) : undefined;
  }

  get(id: string): HostWorkflow | undefined {
    const row = this.db.prepare('SELECT data FROM host_workflows WHERE id = ?').get(id) as { data: string } | undefined;
    return row ? (JSON.parse(row.data) as HostWorkflow) : undefined;
  }

  /** Workflows still in charge of their hosts, oldest first (what start-up resumes). */
  holdingAll(): HostWorkflow[] {
    const rows = this.db.prepare('SELECT data FROM host_workflows WHERE holding = 1 ORDER BY detected_at').all() as { data: string }[];
    return rows.map((r) => JSON.parse(r.data) as HostWorkflow);
  }

  /** The most recent workflow of `host`, whatever its state. */
  latest(host: string): HostWorkflow | undefined {
    const row = this.db.prepare('SELECT data FROM host_workflows WHERE host = ? ORDER BY detected_at DESC, rowid DESC LIMIT 1').get(host) as { data: string } | undefined;
    return row ? (JSON.parse(row.data) as HostWorkflow) : undefined;
  }

  list(limit = 100): HostWorkflow[] {
    const rows = this.db.prepare('SELECT data FROM host_workflows ORDER BY detected_at DESC LIMIT ?').all(limit) as { data: string }[];
    return rows.map((r) => JSON.parse(r.data) as HostWorkflow);
  }

  /**
   * Opens a workflow for `host` unless one is already in charge (returned instead),
   * atomically with its `host.failure_detected` event.
   */
  open(host: string, trigger: { kind: string; detail: string }, dryRun: boolean): { workflow: HostWorkflow; created: boolean } {
    return this.db.transaction(() => {
      const existing = this.holding(host);
      if (existing) return { workflow: existing, created: false };
      const now = this.clock.now();
      const wf: HostWorkflow = {
        id: randomUUID(),
        host,
        state: 'detected',
        detectedAt: now,
        updatedAt: now,
        trigger,
        reason: trigger.detail,
        fence: null,
        instances: [],
        dryRun,
      };
      this.db
        .prepare('INSERT INTO host_workflows (id, host, state, holding, detected_at, updated_at, data) VALUES (?, ?, ?, 1, ?, ?, ?)')
        .run(wf.id, host, wf.state, now, now, JSON.stringify(wf));
      this.event('host.failure_detected', { workflow_id: wf.id, host, trigger: trigger.kind, detail: trigger.detail, dry_run: dryRun });
      return { workflow: wf, created: true };
    })();
  }

  /**
   * Applies a change (state checked by hostTransition) and appends `event`, atomically.
   * Returns the updated workflow.
   */
  update(
    id: string,
    change: { state?: HostWorkflowState; reason?: string; event: string; data?: Record<string, unknown>; patch?: Partial<Omit<HostWorkflow, 'id' | 'state'>> },
  ): HostWorkflow {
    return this.db.transaction(() => {
      const wf = this.get(id);
      if (!wf) throw new Error(`unknown host workflow ${id}`);
      Object.assign(wf, change.patch ?? {});
      if (change.state && change.state !== wf.state) wf.state = hostTransition(wf.state, change.state);
      if (change.reason) wf.reason = change.reason;
      wf.updatedAt = this.clock.now();
      this.db
        .prepare('UPDATE host_workflows SET state = ?, holding = ?, updated_at = ?, data = ? WHERE id = ?')
        .run(wf.state, HOLDING_STATES.has(wf.state) ? 1 : 0, wf.updatedAt, JSON.stringify(wf), id);
      this.event(change.event, { workflow_id: id, host: wf.host, state: wf.state, reason: wf.reason, ...(change.data ?? {}) });
      return wf;
    })();
  }

  // ---- guard and maintenance -----------------------------------------------

  guard(): GuardState {
    return { ...INITIAL_GUARD, ...(this.journal.getSetting<GuardState>(GUARD_SETTING) ?? {}) };
  }

  /** Persists the guard state and journals the change, together. */
  setGuard(state: GuardState, event?: { type: string; data: Record<string, unknown> }): void {
    this.db.transaction(() => {
      this.journal.setSetting(GUARD_SETTING, state);
      if (event) this.event(event.type, event.data);
    })();
  }

  maintenance(): MaintenanceSwitches {
    return toSwitches(this.journal.getSetting(MAINTENANCE_SETTING));
  }

  setMaintenance(sw: MaintenanceSwitches, event: { type: string; data: Record<string, unknown> }): void {
    this.db.transaction(() => {
      this.journal.setSetting(MAINTENANCE_SETTING, sw);
      this.event(event.type, event.data);
    })();
  }
}
