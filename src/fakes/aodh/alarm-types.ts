// Aodh's API types (aodh/api/controllers/v2/alarms.py, base.py, alarm_rules/*.py)
// expressed for ./wsme.ts: the Alarm body, one rule type per alarm type, time
// constraints, and how each rule is stored (its as_dict()).
import { pyRepr } from '../pyformat.ts';
import { ClientSideError, fromjsonComplex, PyValueError, type Attr, type ComplexType } from './wsme.ts';

export const ALARM_TYPES = [
  'gnocchi_resources_threshold',
  'gnocchi_aggregation_by_metrics_threshold',
  'gnocchi_aggregation_by_resources_threshold',
  'composite',
  'event',
  'prometheus',
  'loadbalancer_member_health',
] as const;
export type AlarmType = (typeof ALARM_TYPES)[number];

export const STATES = ['ok', 'alarm', 'insufficient data'] as const;
export type AlarmState = (typeof STATES)[number];
export const SEVERITIES = ['low', 'moderate', 'critical'] as const;
export const OPERATORS = ['lt', 'le', 'eq', 'ne', 'ge', 'gt'] as const;

export const ALARM_REASON_DEFAULT = 'Not evaluated yet';
export const ALARM_REASON_MANUAL = 'Manually set via API';

const text = (name: string, mandatory = false): Attr => ({ name, type: { kind: 'text' }, mandatory });

/** AlarmGnocchiThresholdRule, shared by the three gnocchi rule types. */
const gnocchiThreshold: Attr[] = [
  { name: 'comparison_operator', type: { kind: 'enum', values: OPERATORS } },
  { name: 'threshold', type: { kind: 'float' }, mandatory: true },
  text('aggregation_method', true),
  { name: 'evaluation_periods', type: { kind: 'int', min: 1, max: 100 } },
  { name: 'granularity', type: { kind: 'int', min: 1, max: 31536000 } },
];

const THRESHOLD_DEFAULTS = { comparison_operator: 'eq', evaluation_periods: 1, granularity: 60 };

interface RuleDef {
  type: ComplexType;
  /** as_dict(): the stored rule, defaults filled in, in upstream key order. */
  asDict: (rule: Record<string, unknown>) => Record<string, unknown>;
}

const pick = (rule: Record<string, unknown>, keys: string[], defaults: Record<string, unknown> = {}): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    if (rule[k] !== undefined && rule[k] !== null) out[k] = rule[k];
    else if (k in defaults) out[k] = defaults[k];
    else if (rule[k] === null) out[k] = null;
  }
  return out;
};

const THRESHOLD_KEYS = ['granularity', 'comparison_operator', 'threshold', 'aggregation_method', 'evaluation_periods'];

/** base.Query as used by event rules (op is a wsproperty: not validated on input). */
const QUERY_TYPE: ComplexType = {
  attrs: [text('field', true), { name: 'op', type: { kind: 'any' } }, text('value', true), text('type')],
};

export const RULES: Record<Exclude<AlarmType, 'composite'>, RuleDef> = {
  gnocchi_resources_threshold: {
    type: { attrs: [...gnocchiThreshold, text('metric', true), text('resource_id', true), text('resource_type', true)] },
    asDict: (r) => pick(r, [...THRESHOLD_KEYS, 'metric', 'resource_id', 'resource_type'], THRESHOLD_DEFAULTS),
  },
  gnocchi_aggregation_by_metrics_threshold: {
    type: { attrs: [...gnocchiThreshold, { name: 'metrics', type: { kind: 'textList' }, mandatory: true }] },
    asDict: (r) => pick(r, [...THRESHOLD_KEYS, 'metrics'], THRESHOLD_DEFAULTS),
  },
  gnocchi_aggregation_by_resources_threshold: {
    type: { attrs: [...gnocchiThreshold, text('metric', true), text('query', true), text('resource_type', true)] },
    asDict: (r) => pick(r, [...THRESHOLD_KEYS, 'metric', 'query', 'resource_type'], THRESHOLD_DEFAULTS),
  },
  event: {
    type: { attrs: [text('event_type'), { name: 'query', type: { kind: 'complexList', type: QUERY_TYPE } }] },
    asDict: (r) => ({
      event_type: typeof r.event_type === 'string' && r.event_type ? r.event_type : '*',
      query: ((r.query as Record<string, unknown>[] | null) ?? []).map((q) => ({
        field: q.field,
        op: typeof q.op === 'string' && q.op ? q.op : 'eq',
        ...(q.type !== undefined ? { type: q.type } : {}),
        value: q.value,
      })),
    }),
  },
  prometheus: {
    type: { attrs: [{ name: 'comparison_operator', type: { kind: 'enum', values: OPERATORS } }, { name: 'threshold', type: { kind: 'float' }, mandatory: true }, text('query', true)] },
    asDict: (r) => pick(r, ['comparison_operator', 'threshold', 'query'], { comparison_operator: 'eq' }),
  },
  loadbalancer_member_health: {
    type: { attrs: [text('pool_id', true), text('stack_id', true), text('autoscaling_group_id', true)] },
    asDict: (r) => pick(r, ['pool_id', 'stack_id', 'autoscaling_group_id']),
  },
};

const COMPOSITE_LEAVES = ['gnocchi_resources_threshold', 'gnocchi_aggregation_by_metrics_threshold', 'gnocchi_aggregation_by_resources_threshold'] as const;

const invalidComposite = (rules: unknown): ClientSideError =>
  new ClientSideError(
    `Invalid input composite rule: ${pyRepr(rules)}, it should be a dict with an "and" or "or" as key, and the value of dict ` +
      'should be a list of basic threshold rules or sub composite rules, can be nested.',
  );

/** CompositeRule.valid_composite_rule(): returns the rule with each leaf's defaults filled in (upstream mutates in place). */
function compositeRule(rules: unknown): unknown {
  if (typeof rules === 'object' && rules !== null && !Array.isArray(rules)) {
    const entries = Object.entries(rules as Record<string, unknown>);
    if (entries.length === 1) {
      const [key, value] = entries[0] as [string, unknown];
      if (key !== 'and' && key !== 'or') throw new ClientSideError('Threshold rules should be combined with "and" or "or"');
      if (!Array.isArray(value)) throw invalidComposite(rules);
      return { [key]: value.map(compositeRule) };
    }
    const { type, ...rest } = rules as Record<string, unknown>;
    if (type === undefined || type === null || type === '' || type === false || type === 0) throw new ClientSideError('type must be set in every rule');
    if (typeof type !== 'string' || !(COMPOSITE_LEAVES as readonly string[]).includes(type)) {
      throw new ClientSideError(
        `Unsupported sub-rule type :${typeof type === 'string' ? type : pyRepr(type)} in composite rule, should be one of: ${pyRepr([...COMPOSITE_LEAVES].sort())}`,
      );
    }
    const def = RULES[type as (typeof COMPOSITE_LEAVES)[number]];
    const parsed = fromjsonComplex(def.type, rest);
    return { ...rest, ...def.asDict(parsed), type };
  }
  throw invalidComposite(rules);
}

/** Cron fields croniter accepts: minute hour day-of-month month day-of-week [second] [year]. */
const CRON_RANGES: [number, number][] = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7], [0, 59], [1970, 2099]];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** CronType.validate (croniter): raises ValueError, which WSME reports against "start". */
function validateCron(value: unknown): unknown {
  if (typeof value !== 'string') throw new PyValueError(`Wrong type. Expected '<class 'str'>', got '<class '${typeof value}'>'`);
  const fields = value.trim().split(/\s+/);
  if (fields.length < 5 || fields.length > 7) throw new PyValueError('Exactly 5, 6 or 7 columns has to be specified for iterator expression.');
  fields.forEach((f, i) => {
    const [lo, hi] = CRON_RANGES[i] as [number, number];
    const names = i === 3 ? MONTHS : i === 4 ? DAYS : [];
    const num = (s: string): number => {
      const named = names.indexOf(s.toLowerCase());
      if (named >= 0) return i === 3 ? named + 1 : named;
      if (!/^\d+$/.test(s)) throw new PyValueError(`[${value}] is not acceptable`);
      const n = Number(s);
      if (n < lo || n > hi) throw new PyValueError(`[${value}] is not acceptable, out of range`);
      return n;
    };
    for (const part of f.split(',')) {
      const [range = '', step] = part.split('/');
      if (step !== undefined && !/^\d+$/.test(step)) throw new PyValueError(`[${value}] is not acceptable`);
      if (range === '*' || range === '?' || (i === 2 && range === 'L')) continue;
      const [a = '', b] = range.split('-');
      num(a);
      if (b !== undefined) num(b);
    }
  });
  return value;
}

function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const TIME_CONSTRAINT: ComplexType = {
  attrs: [
    text('name', true),
    { name: 'description', type: { kind: 'text' } },
    { name: 'start', type: { kind: 'user', validate: validateCron }, mandatory: true },
    { name: 'duration', type: { kind: 'int', min: 0 }, mandatory: true },
    text('timezone'),
  ],
  validate: (tc) => {
    if (typeof tc.timezone === 'string' && tc.timezone && !validTimezone(tc.timezone)) {
      throw new ClientSideError(`Timezone ${tc.timezone} is not valid`);
    }
  },
};

/** AlarmTimeConstraint.as_dict(), with its default description. */
export function timeConstraintAsDict(tc: Record<string, unknown>): Record<string, unknown> {
  return {
    name: tc.name,
    description: tc.description ? tc.description : `Time constraint at ${String(tc.start)} lasting for ${String(tc.duration)} seconds`,
    start: tc.start,
    duration: tc.duration,
    timezone: tc.timezone ?? '',
  };
}

/** The Alarm body type. Alarm.validate() needs the caller's context, so it runs separately (./alarm-checks.ts). */
export const ALARM_TYPE: ComplexType = {
  attrs: [
    text('alarm_id'),
    text('name', true),
    { name: 'description', type: { kind: 'any' } },
    { name: 'enabled', type: { kind: 'bool' } },
    { name: 'ok_actions', type: { kind: 'textList' } },
    { name: 'alarm_actions', type: { kind: 'textList' } },
    { name: 'insufficient_data_actions', type: { kind: 'textList' } },
    { name: 'repeat_actions', type: { kind: 'bool' } },
    { name: 'type', type: { kind: 'enum', values: ALARM_TYPES }, mandatory: true },
    { name: 'time_constraints', type: { kind: 'complexList', type: TIME_CONSTRAINT } },
    text('project_id'),
    text('user_id'),
    { name: 'timestamp', type: { kind: 'datetime' } },
    { name: 'state', type: { kind: 'enum', values: STATES } },
    { name: 'state_timestamp', type: { kind: 'datetime' } },
    text('state_reason'),
    { name: 'severity', type: { kind: 'enum', values: SEVERITIES } },
    ...Object.entries(RULES).map(([name, def]): Attr => ({ name: `${name}_rule`, type: { kind: 'complex', type: def.type } })),
    { name: 'composite_rule', type: { kind: 'user', convert: compositeRule, validate: (v) => v } },
  ],
};

/** The stored rule for an alarm of this type (its as_dict()). */
export function ruleAsDict(type: AlarmType, rule: unknown): Record<string, unknown> {
  if (type === 'composite') return rule as Record<string, unknown>;
  return RULES[type].asDict(rule as Record<string, unknown>);
}
