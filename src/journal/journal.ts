// The durable incident journal: SQLite through better-sqlite3, WAL, synchronous=FULL,
// so that what was answered 202 survives a crash or a power cut. Every write is one
// transaction: event appended and projection updated together, or neither.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import type { Clock } from '../domain/clock.ts';
import { isTerminal, transition, type Incident, type IncidentState } from '../domain/incident.ts';
import { SCHEMA, SCHEMA_VERSION } from './schema.ts';

export interface JournalEvent {
  seq: number;
  incidentId: string | null;
  at: number;
  type: string;
  data: Record<string, unknown>;
}

/** One notification as admitted: already authenticated, validated and resolved to an instance. */
export interface Delivery {
  /** Identifies the transition: a repeated delivery carries the same key. */
  key: string;
  alarmId: string;
  alarmName: string;
  instanceId: string;
  metric: string;
  previous: string;
  current: string;
  reason: string;
  requestId?: string;
  /** How it reached us: the webhook, the reconciler finding a missed one, or a host workflow taking in an instance without an alarm. */
  via: 'webhook' | 'reconciler' | 'host-workflow';
}

export interface AdmitResult {
  /** The incident the delivery opened or was attached to; null for an `ok` with nothing open. */
  incident: Incident | null;
  duplicate: boolean;
  created: boolean;
}

export class Journal {
  private readonly db: Database.Database;

  /** Opens (creating if needed) the journal at `file`; ':memory:' for tests. */
  constructor(
    file: string,
    private readonly clock: Clock,
  ) {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o750 });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // FULL: a commit is on disk before the 202 goes out, even across a power cut.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    const v = this.db.prepare('SELECT value FROM meta WHERE key = ?').get('schema_version') as { value: string } | undefined;
    if (!v) this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));
    else if (Number(v.value) > SCHEMA_VERSION) {
      throw new Error(`journal ${file} has schema ${v.value}, newer than this vmha (${SCHEMA_VERSION}); upgrade vmha`);
    }
  }

  close(): void {
    this.db.close();
  }

  /**
   * Admits a delivery in one transaction: dedupe by key, attach to the instance's open
   * incident or open one (alarm), close or annotate (ok / insufficient data).
   */
  admit(d: Delivery): AdmitResult {
    return this.db.transaction((): AdmitResult => {
      const now = this.clock.now();
      const seen = this.db.prepare('SELECT incident_id FROM deliveries WHERE key = ?').get(d.key) as { incident_id: string | null } | undefined;
      if (seen) {
        const incident = seen.incident_id ? (this.get(seen.incident_id) ?? null) : null;
        this.append(seen.incident_id, 'delivery.duplicate', { alarm_id: d.alarmId, request_id: d.requestId, via: d.via }, now);
        return { incident, duplicate: true, created: false };
      }
      let incident = this.openFor(d.instanceId);
      let created = false;
      const base = { alarm_id: d.alarmId, alarm_name: d.alarmName, metric: d.metric, previous: d.previous, current: d.current, reason: d.reason, request_id: d.requestId, via: d.via };
      if (d.current === 'alarm') {
        if (!incident) {
          incident = {
            id: randomUUID(),
            instanceId: d.instanceId,
            state: 'open',
            openedAt: now,
            updatedAt: now,
            closedAt: null,
            alarmingMetrics: [d.metric],
            actions: [],
            attempts: 0,
            nextAttemptAt: now,
            reason: `alarm ${d.alarmName} fired`,
          };
          this.insert(incident);
          created = true;
          this.append(incident.id, 'incident.opened', base, now);
        } else {
          if (!incident.alarmingMetrics.includes(d.metric)) incident.alarmingMetrics = [...incident.alarmingMetrics, d.metric];
          incident.updatedAt = now;
          this.save(incident);
          this.append(incident.id, 'alarm.attached', base, now);
        }
      } else if (incident) {
        incident.alarmingMetrics = incident.alarmingMetrics.filter((m) => m !== d.metric);
        incident.updatedAt = now;
        // An alarm that clears before vmha acted closes the incident; once an action
        // ran, the outcome is for verification to decide, so the ok is only noted. An
        // instance a host workflow took in stays with it: its host is being fenced.
        const untouched = incident.actions.length === 0 && (incident.state === 'open' || incident.state === 'waiting') && !incident.hostWorkflow;
        if (d.current === 'ok' && untouched && incident.alarmingMetrics.length === 0) {
          this.applyState(incident, 'closed', `alarm ${d.alarmName} returned to ok before any action`, now);
          this.save(incident);
          this.append(incident.id, 'incident.closed', base, now);
        } else {
          this.save(incident);
          this.append(incident.id, `alarm.${d.current === 'ok' ? 'ok' : 'insufficient_data'}`, base, now);
        }
      } else {
        this.append(null, 'delivery.no_incident', base, now);
      }
      this.db
        .prepare('INSERT INTO deliveries (key, incident_id, alarm_id, request_id, received_at) VALUES (?, ?, ?, ?, ?)')
        .run(d.key, incident?.id ?? null, d.alarmId, d.requestId ?? null, now);
      return { incident: incident ? { ...incident } : null, duplicate: false, created };
    })();
  }

  /**
   * Moves an incident to a new state (checked by transition()), applies `patch` and
   * appends an event, atomically. Returns the updated incident.
   */
  update(
    id: string,
    change: { state?: IncidentState; reason?: string; event: string; data?: Record<string, unknown>; patch?: Partial<Omit<Incident, 'id' | 'state'>> },
  ): Incident {
    return this.db.transaction((): Incident => {
      const now = this.clock.now();
      const incident = this.get(id);
      if (!incident) throw new Error(`unknown incident ${id}`);
      Object.assign(incident, change.patch ?? {});
      if (change.state) this.applyState(incident, change.state, change.reason ?? incident.reason, now);
      else if (change.reason) incident.reason = change.reason;
      incident.updatedAt = now;
      this.save(incident);
      this.append(id, change.event, { ...(change.data ?? {}), state: incident.state, reason: incident.reason }, now);
      return incident;
    })();
  }

  /** Appends an event without changing the incident (notes, attempts, Nova request ids). */
  note(incidentId: string | null, type: string, data: Record<string, unknown>): void {
    this.append(incidentId, type, data, this.clock.now());
  }

  get(id: string): Incident | undefined {
    const row = this.db.prepare('SELECT data FROM incidents WHERE id = ?').get(id) as { data: string } | undefined;
    return row ? (JSON.parse(row.data) as Incident) : undefined;
  }

  openFor(instanceId: string): Incident | undefined {
    const row = this.db.prepare('SELECT data FROM incidents WHERE instance_id = ? AND closed_at IS NULL').get(instanceId) as
      | { data: string }
      | undefined;
    return row ? (JSON.parse(row.data) as Incident) : undefined;
  }

  /** Every incident not yet in a terminal state (what start-up resumes). */
  open(): Incident[] {
    const rows = this.db.prepare('SELECT data FROM incidents WHERE closed_at IS NULL ORDER BY opened_at').all() as { data: string }[];
    return rows.map((r) => JSON.parse(r.data) as Incident);
  }

  list(filter: { state?: IncidentState; instanceId?: string; limit?: number } = {}): Incident[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.state) {
      where.push('state = ?');
      args.push(filter.state);
    }
    if (filter.instanceId) {
      where.push('instance_id = ?');
      args.push(filter.instanceId);
    }
    const sql = `SELECT data FROM incidents ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY opened_at DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args, filter.limit ?? 100) as { data: string }[];
    return rows.map((r) => JSON.parse(r.data) as Incident);
  }

  /** Counts of incidents by state (for /metrics). */
  countByState(): Record<string, number> {
    const rows = this.db.prepare('SELECT state, COUNT(*) AS n FROM incidents GROUP BY state').all() as { state: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  timeline(incidentId: string): JournalEvent[] {
    return toEvents(this.db.prepare('SELECT seq, incident_id, at, type, data FROM events WHERE incident_id = ? ORDER BY seq').all(incidentId));
  }

  /**
   * Events after `seq`, oldest first: the outbox that notifications (and anything else
   * that must follow what happened) read, so nothing journaled is missed across restarts.
   */
  eventsSince(seq: number, limit = 500): JournalEvent[] {
    return toEvents(this.db.prepare('SELECT seq, incident_id, at, type, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?').all(seq, limit));
  }

  /** The seq of the latest event; 0 for an empty journal. */
  lastSeq(): number {
    return (this.db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM events').get() as { seq: number }).seq;
  }

  /** The SQLite handle, for modules that keep their own tables beside the journal's (in the same transactions). */
  database(): Database.Database {
    return this.db;
  }

  /** When the latest delivery for an alarm arrived (webhook or reconciler); undefined if never. */
  lastDeliveryAt(alarmId: string): number | undefined {
    const row = this.db.prepare('SELECT MAX(received_at) AS at FROM deliveries WHERE alarm_id = ?').get(alarmId) as { at: number | null };
    return row.at ?? undefined;
  }

  getSetting<T>(key: string): T | undefined {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  setSetting(key: string, value: unknown): void {
    this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, JSON.stringify(value));
  }

  private applyState(incident: Incident, to: IncidentState, reason: string, now: number): void {
    incident.state = transition(incident.state, to);
    incident.reason = reason;
    if (isTerminal(to)) {
      incident.closedAt = now;
      incident.nextAttemptAt = null;
    }
  }

  private insert(i: Incident): void {
    this.db
      .prepare('INSERT INTO incidents (id, instance_id, state, opened_at, updated_at, closed_at, data) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(i.id, i.instanceId, i.state, i.openedAt, i.updatedAt, i.closedAt, JSON.stringify(i));
  }

  private save(i: Incident): void {
    this.db
      .prepare('UPDATE incidents SET state = ?, updated_at = ?, closed_at = ?, data = ? WHERE id = ?')
      .run(i.state, i.updatedAt, i.closedAt, JSON.stringify(i), i.id);
  }

  private append(incidentId: string | null, type: string, data: Record<string, unknown>, at: number): void {
    this.db.prepare('INSERT INTO events (incident_id, at, type, data) VALUES (?, ?, ?, ?)').run(incidentId, at, type, JSON.stringify(data));
  }
}

interface EventRow {
  seq: number;
  incident_id: string | null;
  at: number;
  type: string;
  data: string;
}

function toEvents(rows: unknown[]): JournalEvent[] {
  return (rows as EventRow[]).map((r) => ({ seq: r.seq, incidentId: r.incident_id, at: r.at, type: r.type, data: JSON.parse(r.data) }));
}
