// The journal's tables. `events` is append-only: every admission, decision, attempt
// and transition of every incident, in order. `incidents` is a projection of it kept
// in the same transaction, for queries. A partial unique index makes "one open
// incident per instance" a database fact, not a hope.
export const SCHEMA_VERSION = 1;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS incidents (
  id TEXT PRIMARY KEY,
  instance_id TEXT NOT NULL,
  state TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  closed_at INTEGER,
  data TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS incidents_one_open_per_instance ON incidents(instance_id) WHERE closed_at IS NULL;
CREATE INDEX IF NOT EXISTS incidents_state ON incidents(state);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id TEXT,
  at INTEGER NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_incident ON events(incident_id, seq);
CREATE TABLE IF NOT EXISTS deliveries (
  key TEXT PRIMARY KEY,
  incident_id TEXT,
  alarm_id TEXT NOT NULL,
  request_id TEXT,
  received_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;
