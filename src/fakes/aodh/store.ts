// What Aodh's alarm controllers do once a body is parsed: ownership, defaults,
// trust embedding, history records, project segregation, list filters.
// (aodh/api/controllers/v2/alarms.py AlarmsController / AlarmController)
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../domain/clock.ts';
import { pyJsonDumps } from '../pyformat.ts';
import { embedTrusts, ownedTrustIds, TrustUrlError } from './actions.ts';
import type { Caller } from './alarm-checks.ts';
import { ALARM_REASON_DEFAULT, ALARM_REASON_MANUAL, ruleAsDict, timeConstraintAsDict, type AlarmState, type AlarmType } from './alarm-types.ts';
import { pyIso, storageDict, type AlarmChange, type ChangeType, type StoredAlarm } from './model.ts';
import { matches, opOf, paginate, queryValue, ALARM_SORT_KEYS, CHANGE_SORT_KEYS, type ListParams } from './query.ts';
import { ClientSideError, invalidInput } from './wsme.ts';

/** A policy refusal: pecan's abort(403) comes back through WSME as a "Server" fault. */
export class RbacFailure extends Error {
  constructor() {
    super('RBAC Authorization Failed');
  }
}

export interface Trust {
  id: string;
  trustorUserId: string;
  projectId: string;
  roles: string[];
}

export type StateChangeCause = 'api' | 'set-state';

const ALLOWED_FIELDS = ['all_projects', 'user_id', 'project_id', 'type', 'name', 'enabled', 'state', 'severity', 'timestamp', 'repeat_actions'];
const pySet = (items: Iterable<string | undefined>): string => `{${[...items].map((i) => (i === undefined ? 'Unset' : `'${i}'`)).join(', ')}}`;
const notAuthorized = (aspect: 'user' | 'project', id: unknown): ClientSideError =>
  new ClientSideError(`Not Authorized to access ${aspect} ${id === null ? 'None' : String(id)}`, 401);

export class AlarmStore {
  readonly alarms = new Map<string, StoredAlarm>();
  readonly changes: AlarmChange[] = [];
  /** Trusts Aodh created in Keystone for trust+ actions (trustor = the caller). */
  readonly trusts = new Map<string, Trust>();
  onStateChange?: (alarm: StoredAlarm, previous: AlarmState, cause: StateChangeCause) => void;

  constructor(private readonly clock: Clock) {}

  /** The alarm if the caller may see it (admins: any; others: their project), else Aodh's 404. */
  find(id: string, caller: Caller): StoredAlarm {
    const alarm = this.alarms.get(id);
    if (alarm && (caller.admin || alarm.project_id === caller.projectId)) return alarm;
    throw new ClientSideError(caller.admin ? `Alarm ${id} not found` : `Alarm ${id} not found in project ${caller.projectId}`, 404);
  }

  create(data: Record<string, unknown>, caller: Caller, roles: string[]): StoredAlarm {
    const own = (aspect: 'user' | 'project', callerId: string): string | null => {
      const requested = data[`${aspect}_id`];
      const explicit = requested !== undefined;
      if (!caller.admin && explicit && requested !== callerId) throw notAuthorized(aspect, requested);
      return explicit ? (caller.admin ? (requested as string | null) : callerId) : callerId;
    };
    const userId = own('user', caller.userId);
    const projectId = own('project', caller.projectId);
    const now = this.clock.now();
    const alarm = this.build(data, randomUUID(), { userId, projectId, timestamp: now, stateTimestamp: now, stateReason: ALARM_REASON_DEFAULT });
    // The creation record is taken before trust ids are embedded, as upstream does.
    const detail = storageDict(alarm);
    this.embed(alarm, [], caller, roles);
    this.alarms.set(alarm.alarm_id, alarm);
    this.record('creation', alarm.alarm_id, detail, caller, caller.projectId, now, alarm.severity);
    return alarm;
  }

  replace(id: string, data: Record<string, unknown>, caller: Caller, roles: string[]): StoredAlarm {
    const old = this.find(id, caller);
    const now = this.clock.now();
    const pickOwner = (aspect: 'user' | 'project', own: string, previous: string | null): string | null =>
      !caller.admin ? own : data[`${aspect}_id`] === undefined ? previous : (data[`${aspect}_id`] as string | null);
    const state = (data.state as AlarmState | undefined) ?? 'insufficient data';
    const stateChanged = old.state !== state;
    const alarm = this.build(data, id, {
      userId: pickOwner('user', caller.userId, old.user_id),
      projectId: pickOwner('project', caller.projectId, old.project_id),
      timestamp: now,
      stateTimestamp: stateChanged ? now : old.state_timestamp,
      stateReason: stateChanged ? ALARM_REASON_MANUAL : old.state_reason,
    });
    const before = storageDict(old);
    this.embed(alarm, ownedTrustIds([...old.ok_actions, ...old.alarm_actions, ...old.insufficient_data_actions]), caller, roles);
    const after = storageDict(alarm);
    this.alarms.set(id, alarm);
    const change = Object.fromEntries(
      Object.entries(after).filter(([k, v]) => k !== 'timestamp' && k !== 'state_timestamp' && JSON.stringify(v) !== JSON.stringify(before[k])),
    );
    if (Object.keys(change).length) this.record('rule change', id, change, caller, alarm.project_id, now, alarm.severity);
    if (stateChanged) this.notify(alarm, old.state, 'api');
    return alarm;
  }

  remove(id: string, caller: Caller): void {
    const alarm = this.find(id, caller);
    this.alarms.delete(id);
    for (const trustId of ownedTrustIds([...alarm.ok_actions, ...alarm.alarm_actions, ...alarm.insufficient_data_actions])) this.trusts.delete(trustId);
  }

  /** PUT .../state (caller set) or an evaluator's transition (no caller). */
  setState(id: string, state: AlarmState, opts: { caller?: Caller; reason?: string }): StoredAlarm {
    const alarm = opts.caller ? this.find(id, opts.caller) : this.alarms.get(id);
    if (!alarm) throw new Error(`FakeAodh: no alarm ${id}`);
    const previous = alarm.state;
    const now = this.clock.now();
    alarm.state = state;
    alarm.state_timestamp = now;
    alarm.state_reason = opts.caller ? ALARM_REASON_MANUAL : (opts.reason ?? ALARM_REASON_MANUAL);
    // The API records state + state_reason; the evaluator records state + transition_reason as the aodh service user.
    const detail = opts.caller ? { state, state_reason: alarm.state_reason } : { state, transition_reason: alarm.state_reason };
    this.record('state transition', id, detail, opts.caller ?? null, alarm.project_id, now, alarm.severity);
    if (previous !== state) this.notify(alarm, previous, opts.caller ? 'api' : 'set-state');
    return alarm;
  }

  list(p: ListParams, caller: Caller): StoredAlarm[] {
    const fields = new Set(p.q.map((i) => i.field));
    if ([...fields].some((f) => f === undefined || !ALLOWED_FIELDS.includes(f))) {
      throw invalidInput('field', pySet(fields), `only fields ${pySet(ALLOWED_FIELDS)} are allowed`);
    }
    const ops = new Set(p.q.map(opOf));
    if ([...ops].some((o) => o !== 'eq')) throw invalidInput('op', pySet(ops), `only operations ${pySet(['eq'])} are allowed`);
    const q = [...p.q];
    const allProjects = q.find((i) => i.field === 'all_projects');
    let everyProject = false;
    if (allProjects) {
      everyProject = queryValue(allProjects, 'boolean') as boolean;
      if (everyProject && !caller.admin) throw new RbacFailure();
    }
    if (!everyProject) {
      const requested = q.find((i) => i.field === 'project_id');
      if (!requested) q.push({ field: 'project_id', op: 'eq', value: caller.projectId });
      else if (!caller.admin && requested.value !== caller.projectId) throw notAuthorized('project', requested.value ?? null);
    }
    const filters = q.filter((i) => i.field !== 'all_projects').map((i) => ({ field: i.field as keyof StoredAlarm, value: queryValue(i) }));
    const rows = [...this.alarms.values()].reverse().filter((a) => filters.every((f) => matches(f.field === 'timestamp' ? pyIso(a.timestamp) : a[f.field], f.value)));
    return paginate(rows as unknown as Record<string, unknown>[], p, { sortKeys: ALARM_SORT_KEYS, idKey: 'alarm_id', defaultSort: [['timestamp', 'desc']] }) as unknown as StoredAlarm[];
  }

  history(id: string, p: ListParams, caller: Caller): AlarmChange[] {
    this.find(id, caller);
    for (const i of p.q) {
      if (!caller.admin && (i.field === 'project' || i.field === 'project_id') && i.value !== caller.projectId) throw notAuthorized('project', i.value ?? null);
    }
    // Newest first, ties in reverse insertion order (upstream orders by timestamp only).
    const rows = this.changes.filter((c) => c.alarm_id === id && (caller.admin || c.on_behalf_of === caller.projectId)).filter((c) => historyMatch(c, p)).reverse();
    return paginate(rows as unknown as Record<string, unknown>[], p, { sortKeys: CHANGE_SORT_KEYS, idKey: 'event_id', defaultSort: [['timestamp', 'desc']] }) as unknown as AlarmChange[];
  }

  private build(
    data: Record<string, unknown>,
    id: string,
    o: { userId: string | null; projectId: string | null; timestamp: number; stateTimestamp: number; stateReason: string },
  ): StoredAlarm {
    const type = data.type as AlarmType;
    const rule = ruleAsDict(type, data[`${type}_rule`]);
    const description = data.description;
    return {
      alarm_id: id,
      type,
      enabled: (data.enabled as boolean | null | undefined) ?? true,
      name: data.name as string,
      description:
        description !== undefined && description !== null && description !== '' && description !== false && description !== 0
          ? typeof description === 'string'
            ? description
            : JSON.stringify(description)
          : type === 'event'
            ? `Alarm when ${String(rule.event_type)} event occurred.`
            : `${type} alarm rule`,
      timestamp: o.timestamp,
      user_id: o.userId,
      project_id: o.projectId,
      state: (data.state as AlarmState | undefined) ?? 'insufficient data',
      state_timestamp: o.stateTimestamp,
      state_reason: o.stateReason,
      ok_actions: [...((data.ok_actions as string[] | null | undefined) ?? [])],
      alarm_actions: [...((data.alarm_actions as string[] | null | undefined) ?? [])],
      insufficient_data_actions: [...((data.insufficient_data_actions as string[] | null | undefined) ?? [])],
      repeat_actions: (data.repeat_actions as boolean | null | undefined) ?? false,
      rule,
      time_constraints: ((data.time_constraints as Record<string, unknown>[] | null | undefined) ?? []).map(timeConstraintAsDict),
      severity: (data.severity as string | undefined) ?? 'low',
    };
  }

  private embed(alarm: StoredAlarm, previousTrustIds: string[], caller: Caller, roles: string[]): void {
    try {
      const { unusedTrustIds } = embedTrusts([alarm.ok_actions, alarm.alarm_actions, alarm.insufficient_data_actions], previousTrustIds, () => {
        const trust: Trust = { id: randomUUID().replace(/-/g, ''), trustorUserId: caller.userId, projectId: caller.projectId, roles };
        this.trusts.set(trust.id, trust);
        return trust.id;
      });
      for (const t of unusedTrustIds) this.trusts.delete(t);
    } catch (err) {
      if (err instanceof TrustUrlError) throw new ClientSideError(err.message);
      throw err;
    }
  }

  private record(type: ChangeType, alarmId: string, detail: Record<string, unknown>, caller: Caller | null, onBehalfOf: string | null, now: number, severity: string): void {
    this.changes.push({
      event_id: randomUUID(),
      alarm_id: alarmId,
      type,
      detail: pyJsonDumps(detail),
      user_id: caller?.userId ?? null,
      project_id: caller?.projectId ?? null,
      on_behalf_of: onBehalfOf ?? caller?.projectId ?? null,
      timestamp: now,
      severity,
    });
  }

  private notify(alarm: StoredAlarm, previous: AlarmState, cause: StateChangeCause): void {
    try {
      this.onStateChange?.(alarm, previous, cause);
    } catch {
      // A faulty hook must not turn into an API error.
    }
  }
}

/** History q filters: user_id/project_id/type/severity with eq, timestamp with lt/le/gt/ge. */
function historyMatch(c: AlarmChange, p: ListParams): boolean {
  return p.q.every((i) => {
    const op = opOf(i);
    const field = i.field === 'user' ? 'user_id' : i.field === 'project' ? 'project_id' : i.field;
    if (field === 'timestamp') {
      if (!['lt', 'le', 'gt', 'ge'].includes(op)) throw invalidInput('op', op, 'unimplemented operator for timestamp');
      const t = Date.parse(i.value?.endsWith('Z') ? i.value : `${i.value ?? ''}Z`);
      if (Number.isNaN(t)) throw invalidInput('timestamp', i.value, 'invalid timestamp format');
      return op === 'lt' ? c.timestamp < t : op === 'le' ? c.timestamp <= t : op === 'gt' ? c.timestamp > t : c.timestamp >= t;
    }
    if (field !== 'user_id' && field !== 'project_id' && field !== 'type' && field !== 'severity') {
      throw new ClientSideError(`Unknown argument: "${i.field ?? 'None'}": unrecognized field in query`);
    }
    if (op !== 'eq') throw invalidInput('op', op, `unimplemented operator for ${i.field ?? ''}`);
    return matches(c[field], queryValue(i));
  });
}

