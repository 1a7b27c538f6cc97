// The facts about an incident that a message needs, read from its journal timeline:
// the instance's name and host (from the engine's decision and action events), the
// action, the Nova request id, the alarm. Pure.
import type { Incident } from '../domain/incident.ts';
import type { IncidentFacts } from '../domain/notification.ts';
import type { JournalEvent } from '../journal/journal.ts';

/** Facts of `incident` as its timeline tells them; later events win. */
export function incidentFacts(incident: Incident, timeline: readonly JournalEvent[]): IncidentFacts {
  const facts: IncidentFacts = { incidentId: incident.id, instanceId: incident.instanceId, state: incident.state, reason: incident.reason };
  for (const e of timeline) {
    const d = e.data;
    const name = str(d.server_name);
    if (name) facts.instanceName = name;
    const host = str(d.host) ?? str(d.source_host);
    if (host) facts.host = host;
    if (e.type === 'incident.opened') {
      facts.alarmName = str(d.alarm_name);
      facts.metric = str(d.metric);
    }
    if (e.type === 'action.issuing') {
      facts.action = str(d.action);
      facts.requestId = undefined; // a new action: the previous one's request id no longer applies
    }
    if (e.type === 'action.accepted' || e.type === 'action.attempt_failed' || e.type === 'action.failed') {
      facts.requestId = str(d.request_id) ?? facts.requestId;
    }
  }
  const last = incident.actions[incident.actions.length - 1];
  if (last) {
    facts.action ??= last.action;
    facts.requestId ??= last.requestId;
  }
  return facts;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
