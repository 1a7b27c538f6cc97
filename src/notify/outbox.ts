// The notifier's own tables, in the journal's SQLite file: a cursor over the journal's
// events and an outbox of messages. Reading events and writing the messages they give
// happen in one transaction with the cursor update, so a crash neither loses nor
// repeats one; notify_items' key makes "an event goes once to a recipient" a database
// fact. A message is a small state machine, pending -> sent | failed, every move
// checked against the row's current status.
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Notice, Target } from '../domain/notification.ts';

export const NOTIFY_SCHEMA = `
CREATE TABLE IF NOT EXISTS notify_cursor (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS notify_outbox (
  id TEXT PRIMARY KEY,
  channel TEXT NOT NULL,
  recipient TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
  created_at INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  settled_at INTEGER
);
CREATE INDEX IF NOT EXISTS notify_outbox_due ON notify_outbox(status, channel, next_attempt_at);
CREATE TABLE IF NOT EXISTS notify_items (
  seq INTEGER NOT NULL,
  channel TEXT NOT NULL,
  recipient TEXT NOT NULL,
  message_id TEXT NOT NULL,
  notice TEXT NOT NULL,
  PRIMARY KEY (seq, channel, recipient)
);
CREATE INDEX IF NOT EXISTS notify_items_message ON notify_items(message_id, seq);
`;

export type MessageStatus = 'pending' | 'sent' | 'failed';

export interface OutboxRow {
  id: string;
  channel: string;
  recipient: string;
  status: MessageStatus;
  createdAt: number;
  dueAt: number;
  nextAttemptAt: number;
  attempts: number;
  lastError: string | null;
  settledAt: number | null;
}

/** What the pure part planned for one event: its notice and where it goes. */
export interface Planned {
  notice: Notice;
  targets: Target[];
}

export class IllegalMessageTransition extends Error {
  constructor(id: string, to: MessageStatus) {
    super(`notification ${id} is not pending; cannot become ${to}`);
    this.name = 'IllegalMessageTransition';
  }
}

interface RawRow {
  id: string;
  channel: string;
  recipient: string;
  status: MessageStatus;
  created_at: number;
  due_at: number;
  next_attempt_at: number;
  attempts: number;
  last_error: string | null;
  settled_at: number | null;
}

const toRow = (r: RawRow): OutboxRow => ({
  id: r.id,
  channel: r.channel,
  recipient: r.recipient,
  status: r.status,
  createdAt: r.created_at,
  dueAt: r.due_at,
  nextAttemptAt: r.next_attempt_at,
  attempts: r.attempts,
  lastError: r.last_error,
  settledAt: r.settled_at,
});

/** The message id: the first event's seq, the channel and the recipient (hashed: it may be an address). */
export function messageId(seq: number, t: Target): string {
  const who = createHash('sha256').update(t.recipient).digest('hex').slice(0, 12);
  return `${seq}.${t.channel}.${who}`;
}

export class Outbox {
  constructor(private readonly db: Database.Database) {
    db.exec(NOTIFY_SCHEMA);
  }

  /**
   * The last journal seq already turned into messages. The first time, it starts at
   * `initial` (the journal's end): enabling notifications does not page about history.
   */
  cursor(initial: number): number {
    this.db.prepare('INSERT OR IGNORE INTO notify_cursor (id, seq) VALUES (1, ?)').run(initial);
    return (this.db.prepare('SELECT seq FROM notify_cursor WHERE id = 1').get() as { seq: number }).seq;
  }

  /**
   * Writes the messages for events (from, to] and moves the cursor to `to`, in one
   * transaction. A notice joins the message still collecting for its channel and
   * recipient (due in the future, never tried); otherwise it starts one, due after
   * `windowMs`.
   */
  ingest(from: number, to: number, planned: readonly Planned[], now: number, windowMs: number): { items: number; messages: number } {
    return this.db.transaction(() => {
      const moved = this.db.prepare('UPDATE notify_cursor SET seq = ? WHERE id = 1 AND seq = ?').run(to, from);
      if (moved.changes !== 1) throw new Error('the notify cursor moved under this process: is another vmha serve using the same journal?');
      const open = this.db.prepare(
        "SELECT id FROM notify_outbox WHERE channel = ? AND recipient = ? AND status = 'pending' AND attempts = 0 AND due_at > ? ORDER BY due_at DESC LIMIT 1",
      );
      const create = this.db.prepare(
        "INSERT OR IGNORE INTO notify_outbox (id, channel, recipient, status, created_at, due_at, next_attempt_at) VALUES (?, ?, ?, 'pending', ?, ?, ?)",
      );
      const item = this.db.prepare('INSERT OR IGNORE INTO notify_items (seq, channel, recipient, message_id, notice) VALUES (?, ?, ?, ?, ?)');
      let items = 0;
      let messages = 0;
      for (const { notice, targets } of planned) {
        for (const t of targets) {
          const collecting = (open.get(t.channel, t.recipient, now) as { id: string } | undefined)?.id;
          const id = collecting ?? messageId(notice.seq, t);
          // Already given to this recipient: never a second time, never an empty message.
          if (item.run(notice.seq, t.channel, t.recipient, id, JSON.stringify(notice)).changes === 0) continue;
          items += 1;
          if (!collecting) {
            const due = now + windowMs;
            messages += create.run(id, t.channel, t.recipient, now, due, due).changes;
          }
        }
      }
      return { items, messages };
    })();
  }

  /** Pending messages of a channel due by `now`, oldest first. */
  due(channel: string, now: number, limit: number): OutboxRow[] {
    const rows = this.db
      .prepare("SELECT * FROM notify_outbox WHERE status = 'pending' AND channel = ? AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?")
      .all(channel, now, limit) as RawRow[];
    return rows.map(toRow);
  }

  get(id: string): OutboxRow | undefined {
    const r = this.db.prepare('SELECT * FROM notify_outbox WHERE id = ?').get(id) as RawRow | undefined;
    return r ? toRow(r) : undefined;
  }

  /** Every message, newest first (admin and tests). */
  list(limit = 1000): OutboxRow[] {
    return (this.db.prepare('SELECT * FROM notify_outbox ORDER BY created_at DESC, id DESC LIMIT ?').all(limit) as RawRow[]).map(toRow);
  }

  /** The notices of a message, in journal order. */
  notices(id: string): Notice[] {
    const rows = this.db.prepare('SELECT notice FROM notify_items WHERE message_id = ? ORDER BY seq').all(id) as { notice: string }[];
    return rows.map((r) => JSON.parse(r.notice) as Notice);
  }

  markSent(id: string, attempts: number, now: number): void {
    this.move(id, 'sent', "UPDATE notify_outbox SET status = 'sent', attempts = ?, settled_at = ?, last_error = NULL WHERE id = ? AND status = 'pending'", attempts, now, id);
  }

  /** A failed attempt with more to come: stays pending until `nextAt`. */
  markRetry(id: string, attempts: number, nextAt: number, error: string): void {
    this.move(id, 'pending', "UPDATE notify_outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ? AND status = 'pending'", attempts, nextAt, error, id);
  }

  markFailed(id: string, attempts: number, error: string, now: number): void {
    this.move(id, 'failed', "UPDATE notify_outbox SET status = 'failed', attempts = ?, last_error = ?, settled_at = ? WHERE id = ? AND status = 'pending'", attempts, error, now, id);
  }

  /** Pending messages per channel (for /metrics). */
  pendingByChannel(): Record<string, number> {
    const rows = this.db.prepare("SELECT channel, COUNT(*) AS n FROM notify_outbox WHERE status = 'pending' GROUP BY channel").all() as { channel: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.channel, r.n]));
  }

  /** Forgets settled messages older than `before`. */
  prune(before: number): number {
    return this.db.transaction(() => {
      this.db
        .prepare("DELETE FROM notify_items WHERE message_id IN (SELECT id FROM notify_outbox WHERE status != 'pending' AND settled_at < ?)")
        .run(before);
      return this.db.prepare("DELETE FROM notify_outbox WHERE status != 'pending' AND settled_at < ?").run(before).changes;
    })();
  }

  private move(id: string, to: MessageStatus, sql: string, ...args: unknown[]): void {
    if (this.db.prepare(sql).run(...args).changes !== 1) throw new IllegalMessageTransition(id, to);
  }
}
