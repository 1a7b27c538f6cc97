// Turns what vmha serve journals and what Nova records into demo events, by polling
// (both are in-process: the journal's outbox and the fake Nova's model).
import type { FakeNova } from '../fakes/nova/index.ts';
import type { Journal } from '../journal/journal.ts';
import type { EventLog } from './events.ts';
import { journalText, novaActionLabel } from './narrate.ts';

export interface Names {
  /** A server's name (its id when unknown). */
  nameOf(serverId: string): string;
  /** The server an alarm watches. */
  serverOfAlarm(alarmId: string): string | undefined;
}

/** Follows the journal from its current end; returns a stop function. */
export function watchJournal(journal: Journal, events: EventLog, names: Names, everyMs = 50): () => void {
  let cursor = journal.eventsSince(0, 1_000_000).at(-1)?.seq ?? 0;
  const serverOf = new Map<string, string>();
  const timer = setInterval(() => {
    for (const e of journal.eventsSince(cursor)) {
      cursor = e.seq;
      let serverId = e.incidentId ? serverOf.get(e.incidentId) : undefined;
      if (!serverId && e.incidentId) {
        serverId = journal.get(e.incidentId)?.instanceId;
        if (serverId) serverOf.set(e.incidentId, serverId);
      }
      serverId ??= typeof e.data.alarm_id === 'string' ? names.serverOfAlarm(e.data.alarm_id) : undefined;
      const text = journalText(e, serverId ? names.nameOf(serverId) : 'an unknown server');
      if (text) events.add({ at: e.at, source: 'vmha', serverId, text, data: { type: e.type, incident_id: e.incidentId, ...e.data } });
    }
  }, everyMs);
  return () => clearInterval(timer);
}

/** Follows Nova's accepted actions and the servers' host, status and task; returns a stop function. */
export function watchNova(nova: FakeNova, serverIds: readonly string[], events: EventLog, names: Names, everyMs = 50): () => void {
  const model = nova.model;
  let seen = model.actions.length;
  const last = new Map<string, string>();
  const describe = (id: string): string | undefined => {
    const s = model.serverRecord(id);
    if (!s) return undefined;
    return s.taskState ? `task_state ${s.taskState} on ${s.host ?? '?'}` : `${s.vmState === 'active' ? 'ACTIVE' : s.vmState} on ${s.host ?? '?'}`;
  };
  for (const id of serverIds) last.set(id, describe(id) ?? '');
  const timer = setInterval(() => {
    for (const a of model.actions.slice(seen)) {
      events.add({
        at: a.at,
        source: 'nova',
        serverId: a.serverId,
        text: `accepted ${novaActionLabel(a.action, a.body)} for ${names.nameOf(a.serverId)} (POST /servers/${a.serverId}/action, microversion ${a.microversion}, ${a.requestId})`,
        data: { action: a.action, body: a.body, request_id: a.requestId, microversion: a.microversion },
      });
    }
    seen = model.actions.length;
    for (const id of serverIds) {
      const now = describe(id) ?? 'deleted';
      if (now === last.get(id)) continue;
      last.set(id, now);
      events.add({ at: model.clock.now(), source: 'nova', serverId: id, text: `${names.nameOf(id)}: ${now}` });
    }
  }, everyMs);
  return () => clearInterval(timer);
}
