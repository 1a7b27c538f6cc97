// Fault injection on the state file: one row made unreadable (as a torn write or a bug
// would leave it), seen by the running service through its own connection.
import Database from 'better-sqlite3';

/** Garbles the JSON of one row of `table` in the journal `file`; returns what restores it. */
export function tearRow(file: string, table: 'incidents' | 'host_workflows', id: string): () => void {
  const db = new Database(file);
  const row = db.prepare(`SELECT data FROM ${table} WHERE id = ?`).get(id) as { data: string } | undefined;
  if (!row) throw new Error(`no row ${id} in ${table}`);
  db.prepare(`UPDATE ${table} SET data = ? WHERE id = ?`).run('{"torn', id);
  return () => {
    db.prepare(`UPDATE ${table} SET data = ? WHERE id = ?`).run(row.data, id);
    db.close();
  };
}
