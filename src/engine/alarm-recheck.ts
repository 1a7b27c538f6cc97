// Before acting on an incident that has waited (a cooldown, a busy server, a limit), ask
// Aodh whether its alarms still fire. Aodh sends each transition once: an ok that was
// lost, or an alarm delivered late after the instance was already recovered, would
// otherwise have vmha act on a healthy instance. Only `ok` counts as healthy:
// `insufficient data` (the probes went quiet) proves nothing, and an Aodh that cannot
// be asked never holds a recovery back.
import type { Journal } from '../journal/journal.ts';
import type { Logger } from '../log.ts';
import type { AodhClient, AlarmState } from '../openstack/aodh.ts';
import { OpenStackError } from '../openstack/errors.ts';

export interface AlarmRecheckOptions {
  aodh: Pick<AodhClient, 'getState'>;
  /** Incidents younger than this act on the notification alone. */
  afterMs: number;
}

/** The alarms that opened or joined the incident and have not reported ok since. */
export function firingAlarms(journal: Journal, incidentId: string): string[] {
  const firing = new Set<string>();
  for (const e of journal.timeline(incidentId)) {
    const id = e.data.alarm_id;
    if (typeof id !== 'string') continue;
    if (e.type === 'incident.opened' || e.type === 'alarm.attached') firing.add(id);
    else if (e.type === 'alarm.ok') firing.delete(id);
  }
  return [...firing];
}

/**
 * Null when the incident should go on to act; otherwise the states Aodh reports now,
 * every one of them `ok`.
 */
export async function clearedInAodh(
  o: AlarmRecheckOptions,
  journal: Journal,
  logger: Logger,
  incident: { id: string; openedAt: number; actions: readonly unknown[] },
  now: number,
): Promise<Record<string, AlarmState> | null> {
  // After an action, verification and the ladder decide; this is for untouched incidents.
  if (incident.actions.length > 0 || now - incident.openedAt < o.afterMs) return null;
  const alarms = firingAlarms(journal, incident.id);
  if (alarms.length === 0) return null;
  const states: Record<string, AlarmState> = {};
  for (const id of alarms) {
    try {
      states[id] = await o.aodh.getState(id);
    } catch (err) {
      if (!(err instanceof OpenStackError)) throw err;
      logger.warn('alarm re-check before acting failed; acting on the notification', { incident_id: incident.id, alarm_id: id, kind: err.kind, request_id: err.requestId, error: err.message });
      return null;
    }
    if (states[id] !== 'ok') return null;
  }
  return states;
}
