// Alarm.validate() (aodh/api/controllers/v2/alarms.py) and each rule plugin's
// validate_alarm(): which rule is set, action URLs, aggregation methods, the
// resources-threshold query, time-constraint names. Runs right after parsing,
// so these 4xx come before the alarm lookup (404) of PUT.
import { VALID_AGGREGATION_METHODS } from '../gnocchi/aggregation-methods.ts';
import { pyJsonDumps, pyRepr, pyStr } from '../pyformat.ts';
import { ACTION_SCHEMES, urlsplit } from './actions.ts';
import { ALARM_TYPES, OPERATORS, STATES, type AlarmType } from './alarm-types.ts';
import { ClientSideError, invalidInput } from './wsme.ts';

export interface Caller {
  userId: string;
  projectId: string;
  admin: boolean;
}

const truthy = (v: unknown): boolean =>
  !(v === undefined || v === null || v === false || v === 0 || v === '' || (Array.isArray(v) && v.length === 0) ||
    (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0));

export interface ValidateOptions {
  caller: Caller;
  /** Id of the project owning Ceilometer's resources (gnocchi_external_project_owner, "service"). */
  externalProjectOwner?: string;
}

/** Alarm.validate(alarm): mutates `alarm` as upstream does (duplicate actions dropped, query scoped). */
export function validateAlarm(alarm: Record<string, unknown>, opts: ValidateOptions): void {
  const type = alarm.type as AlarmType;
  checkRule(alarm, type);
  checkActions(alarm, !opts.caller.admin);
  if (type.startsWith('gnocchi_')) checkGnocchiRule(alarm, type, opts);
  if (type === 'event') checkEventRule(alarm);
  const constraints = (alarm.time_constraints as Record<string, unknown>[] | null | undefined) ?? [];
  const names = constraints.map((tc) => tc.name);
  if (new Set(names).size < names.length) throw new ClientSideError('Time constraint names must be unique for a given alarm.');
}

function checkRule(alarm: Record<string, unknown>, type: AlarmType): void {
  const rule = `${type}_rule`;
  if (alarm[rule] === undefined || alarm[rule] === null) throw new ClientSideError(`${rule} must be set for ${type} type alarm`);
  let first: string | undefined;
  for (const t of ALARM_TYPES) {
    const name = `${t}_rule`;
    if (!truthy(alarm[name])) continue;
    if (first === undefined) first = name;
    else throw new ClientSideError(`${first} and ${name} cannot be set at the same time`);
  }
}

function checkActions(alarm: Record<string, unknown>, limited: boolean): void {
  for (const state of STATES) {
    const name = `${state.replace(' ', '_')}_actions`;
    const actions = alarm[name] as unknown[] | null | undefined;
    if (!truthy(actions)) continue;
    // Upstream de-duplicates through a set(); first occurrences are kept here so the order is stable.
    const unique = [...new Set(actions)];
    alarm[name] = unique;
    for (const action of unique) {
      let scheme: string;
      try {
        if (typeof action !== 'string') throw new Error('not a string');
        scheme = urlsplit(action).scheme;
      } catch {
        throw new ClientSideError(`Unable to parse action ${pyStr(action)}`);
      }
      if (!(ACTION_SCHEMES as readonly string[]).includes(scheme)) throw new ClientSideError(`Unsupported action ${action}`);
      if (limited && (scheme === 'log' || scheme === 'test')) throw new ClientSideError(`You are not authorized to create action: ${action}`, 401);
    }
  }
}

function checkGnocchiRule(alarm: Record<string, unknown>, type: AlarmType, opts: ValidateOptions): void {
  const rule = alarm[`${type}_rule`] as Record<string, unknown>;
  const method = rule.aggregation_method as string;
  if (!VALID_AGGREGATION_METHODS.includes(method)) {
    throw new ClientSideError(`aggregation_method should be in ${pyRepr(VALID_AGGREGATION_METHODS)} not ${method}`);
  }
  if (type !== 'gnocchi_aggregation_by_resources_threshold') return;
  let query: unknown;
  try {
    query = JSON.parse(rule.query as string);
  } catch {
    throw invalidInput('rule/query', rule.query);
  }
  // v2_utils.get_auth_project(): non-admins are scoped to their project; an admin
  // creating for another project is scoped to that one.
  const { caller } = opts;
  const onBehalfOf = alarm.project_id;
  const authProject = !caller.admin ? caller.projectId : onBehalfOf !== caller.projectId && typeof onBehalfOf === 'string' && onBehalfOf ? onBehalfOf : undefined;
  if (!authProject) return;
  let perms: unknown = { '=': { created_by_project_id: authProject } };
  if (opts.externalProjectOwner) {
    perms = { or: [perms, { and: [{ '=': { created_by_project_id: opts.externalProjectOwner } }, { '=': { project_id: authProject } }] }] };
  }
  rule.query = pyJsonDumps({ and: [perms, query] });
}

const QUERY_TYPES = ['string', 'integer', 'float', 'boolean', ''];

function checkEventRule(alarm: Record<string, unknown>): void {
  const rule = alarm.event_rule as Record<string, unknown>;
  for (const q of (rule.query as Record<string, unknown>[] | null) ?? []) {
    const type = typeof q.type === 'string' ? q.type : '';
    if (type && !['integer', 'float', 'string', 'boolean', 'datetime'].includes(type)) {
      throw new ClientSideError(
        `The data type ${type} is not supported. The supported data type list is: ${pyRepr(['integer', 'float', 'string', 'boolean', 'datetime'])}`,
      );
    }
    const op = typeof q.op === 'string' && q.op ? q.op : 'eq';
    const problems: string[] = [];
    if (typeof q.field !== 'string' || !/^[a-zA-Z.',0-9_-]*$/.test(q.field)) problems.push("does not match regular expression @ data['field']");
    if (!(OPERATORS as readonly string[]).includes(op)) problems.push("value must be one of ['eq', 'ge', 'gt', 'le', 'lt', 'ne'] @ data['op']");
    if (!QUERY_TYPES.includes(type)) problems.push("value must be one of ['', 'boolean', 'float', 'integer', 'string'] @ data['value']");
    if (problems.length) throw new ClientSideError(`Query value or traits invalid: ${problems[0]}`);
  }
}
