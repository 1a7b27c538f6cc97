// Aodh's storage model (aodh/storage/models.py) and how the API renders it.
import { scrubAction } from './actions.ts';
import { RULES, type AlarmState, type AlarmType } from './alarm-types.ts';

/** An alarm as Aodh stores it: actions keep their trust ids, times are epoch ms. */
export interface StoredAlarm {
  alarm_id: string;
  type: AlarmType;
  enabled: boolean;
  name: string;
  description: string;
  timestamp: number;
  user_id: string | null;
  project_id: string | null;
  state: AlarmState;
  state_timestamp: number;
  state_reason: string;
  ok_actions: string[];
  alarm_actions: string[];
  insufficient_data_actions: string[];
  repeat_actions: boolean;
  rule: Record<string, unknown>;
  time_constraints: Record<string, unknown>[];
  severity: string;
}

export type ChangeType = 'creation' | 'rule change' | 'state transition' | 'deletion';

export interface AlarmChange {
  event_id: string;
  alarm_id: string;
  type: ChangeType;
  /** JSON text, as Python's json.dumps() wrote it. */
  detail: string;
  user_id: string | null;
  project_id: string | null;
  on_behalf_of: string | null;
  timestamp: number;
  severity: string;
}

/** Python's datetime.isoformat() of a naive UTC time: microseconds only when non-zero. */
export function pyIso(ms: number): string {
  const iso = new Date(ms).toISOString();
  const base = iso.slice(0, 19);
  const millis = iso.slice(20, 23);
  return millis === '000' ? base : `${base}.${millis}000`;
}

/** Alarm.as_dict(models.Alarm) key order, timestamps stringified: what history details hold. */
export function storageDict(a: StoredAlarm): Record<string, unknown> {
  return {
    alarm_id: a.alarm_id,
    type: a.type,
    enabled: a.enabled,
    name: a.name,
    description: a.description,
    timestamp: pyIso(a.timestamp),
    user_id: a.user_id,
    project_id: a.project_id,
    state: a.state,
    state_timestamp: pyIso(a.state_timestamp),
    state_reason: a.state_reason,
    ok_actions: [...a.ok_actions],
    alarm_actions: [...a.alarm_actions],
    insufficient_data_actions: [...a.insufficient_data_actions],
    repeat_actions: a.repeat_actions,
    time_constraints: a.time_constraints.map((tc) => ({ ...tc })),
    severity: a.severity,
    rule: structuredClone(a.rule),
  };
}

/** Alarm.from_db_model_scrubbed() rendered by WSME: `<type>_rule`, trust ids removed, attributes sorted. */
export function apiView(a: StoredAlarm): Record<string, unknown> {
  const scrub = (list: string[]): string[] => list.map(scrubAction);
  const rule = a.type === 'composite' || a.type in RULES ? structuredClone(a.rule) : {};
  const view: Record<string, unknown> = {
    alarm_actions: scrub(a.alarm_actions),
    alarm_id: a.alarm_id,
    description: a.description,
    enabled: a.enabled,
    [`${a.type}_rule`]: rule,
    insufficient_data_actions: scrub(a.insufficient_data_actions),
    name: a.name,
    ok_actions: scrub(a.ok_actions),
    project_id: a.project_id,
    repeat_actions: a.repeat_actions,
    severity: a.severity,
    state: a.state,
    state_reason: a.state_reason,
    state_timestamp: pyIso(a.state_timestamp),
    time_constraints: a.time_constraints.map((tc) => ({ ...tc })),
    timestamp: pyIso(a.timestamp),
    type: a.type,
    user_id: a.user_id,
  };
  return Object.fromEntries(Object.entries(view).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}

/** AlarmChange as the history API renders it (no severity). */
export function changeView(c: AlarmChange): Record<string, unknown> {
  return {
    alarm_id: c.alarm_id,
    detail: c.detail,
    event_id: c.event_id,
    on_behalf_of: c.on_behalf_of,
    project_id: c.project_id,
    timestamp: pyIso(c.timestamp),
    type: c.type,
    user_id: c.user_id,
  };
}
