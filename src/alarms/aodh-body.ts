// What Aodh's POST/PUT /v2/alarms accepts for the alarm types vmha templates use
// (CONTRACTS.md, Aodh section), and the normal form in which Aodh echoes an alarm back.
// Rendering checks its output here, so a body that Aodh would refuse fails before any
// call; planning compares normal forms, so a second install really is "unchanged".
import { z } from 'zod';

export const THRESHOLD_TYPES = [
  'gnocchi_resources_threshold',
  'gnocchi_aggregation_by_metrics_threshold',
  'gnocchi_aggregation_by_resources_threshold',
] as const;
export type ThresholdType = (typeof THRESHOLD_TYPES)[number];
export const ALARM_TYPES = [...THRESHOLD_TYPES, 'composite'] as const;
export type TemplateAlarmType = (typeof ALARM_TYPES)[number];

/** Every type Aodh knows (setup.cfg); the ones vmha templates cannot express are refused by name. */
const ALL_AODH_TYPES = [...ALARM_TYPES, 'event', 'prometheus', 'loadbalancer_member_health'];

const BASE_AGGREGATIONS = ['mean', 'sum', 'last', 'max', 'min', 'std', 'median', 'first', 'count'];
const PCT = Array.from({ length: 99 }, (_, i) => `${i + 1}pct`);
/** Gnocchi's capabilities as Aodh checks them: the methods, percentiles, and rate: of each. */
export const AGGREGATION_METHODS: ReadonlySet<string> = new Set(
  [...BASE_AGGREGATIONS, ...PCT].flatMap((m) => [m, `rate:${m}`]),
);

const ACTION_SCHEMES = ['log', 'test', 'http', 'https', 'trust+http', 'trust+https', 'zaqar', 'trust+zaqar', 'trust+heat'];

const actionUrl = z.string().superRefine((v, ctx) => {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(v)?.[1]?.toLowerCase();
  if (!scheme || !ACTION_SCHEMES.includes(scheme)) {
    ctx.addIssue({ code: 'custom', message: `Unsupported action ${v} (Aodh accepts ${ACTION_SCHEMES.join(', ')})` });
    return;
  }
  // Aodh embeds the trust id itself; one given by the client is a 400.
  if (scheme.startsWith('trust+') && /^[^:]+:\/\/[^/]*@/.test(v)) {
    ctx.addIssue({ code: 'custom', message: 'trust URL cannot contain a trust ID' });
  }
});

const commonRule = {
  comparison_operator: z.enum(['lt', 'le', 'eq', 'ne', 'ge', 'gt']).optional(),
  threshold: z.number().finite(),
  aggregation_method: z.string().refine((m) => AGGREGATION_METHODS.has(m), {
    message: 'not a Gnocchi aggregation method (mean, sum, last, max, min, std, median, first, count, Npct, rate:...)',
  }),
  evaluation_periods: z.number().int().min(1).max(100).optional(),
  granularity: z.number().int().min(1).max(31_536_000).optional(),
};

const resourcesRule = z
  .object({ ...commonRule, metric: z.string().min(1), resource_type: z.string().min(1), resource_id: z.string().min(1) })
  .strict();
const byMetricsRule = z.object({ ...commonRule, metrics: z.array(z.string().min(1)).min(1) }).strict();
const byResourcesRule = z
  .object({
    ...commonRule,
    metric: z.string().min(1),
    resource_type: z.string().min(1),
    query: z.string().refine(isJson, { message: 'must be a JSON document (a Gnocchi search query)' }),
  })
  .strict();

const RULE_SCHEMAS: Record<ThresholdType, z.ZodType> = {
  gnocchi_resources_threshold: resourcesRule,
  gnocchi_aggregation_by_metrics_threshold: byMetricsRule,
  gnocchi_aggregation_by_resources_threshold: byResourcesRule,
};

export type CompositeRule = { and: CompositeRule[] } | { or: CompositeRule[] } | ({ type: ThresholdType } & Record<string, unknown>);

const compositeRule: z.ZodType<CompositeRule> = z.lazy(() =>
  z.union([
    z.object({ and: z.array(compositeRule).min(1) }).strict(),
    z.object({ or: z.array(compositeRule).min(1) }).strict(),
    z.discriminatedUnion('type', [
      resourcesRule.extend({ type: z.literal('gnocchi_resources_threshold') }),
      byMetricsRule.extend({ type: z.literal('gnocchi_aggregation_by_metrics_threshold') }),
      byResourcesRule.extend({ type: z.literal('gnocchi_aggregation_by_resources_threshold') }),
    ]),
  ]),
) as z.ZodType<CompositeRule>;

const alarmCommon = {
  name: z.string().min(1).max(255),
  description: z.string(),
  severity: z.enum(['low', 'moderate', 'critical']),
  enabled: z.boolean(),
  repeat_actions: z.boolean(),
  alarm_actions: z.array(actionUrl),
  ok_actions: z.array(actionUrl),
  insufficient_data_actions: z.array(actionUrl),
  /** Only on update: carried over so that Aodh's full-replacement PUT does not reset it. */
  state: z.enum(['ok', 'alarm', 'insufficient data']).optional(),
};

/** An alarm body as vmha sends it: every owned field explicit, exactly one rule. */
export const alarmBodySchema = z.discriminatedUnion('type', [
  z.object({ ...alarmCommon, type: z.literal('gnocchi_resources_threshold'), gnocchi_resources_threshold_rule: resourcesRule }).strict(),
  z
    .object({
      ...alarmCommon,
      type: z.literal('gnocchi_aggregation_by_metrics_threshold'),
      gnocchi_aggregation_by_metrics_threshold_rule: byMetricsRule,
    })
    .strict(),
  z
    .object({
      ...alarmCommon,
      type: z.literal('gnocchi_aggregation_by_resources_threshold'),
      gnocchi_aggregation_by_resources_threshold_rule: byResourcesRule,
    })
    .strict(),
  z.object({ ...alarmCommon, type: z.literal('composite'), composite_rule: compositeRule }).strict(),
]);

export type AlarmBody = z.infer<typeof alarmBodySchema>;

/** One problem in a body: the dotted path of the field and what is wrong. */
export interface BodyIssue {
  path: string;
  message: string;
}

/** Validates a rendered body; returns it typed, or the first problems with their field paths. */
export function checkAlarmBody(body: unknown): { ok: true; body: AlarmBody } | { ok: false; issues: BodyIssue[] } {
  const typeIssue = checkType(body);
  if (typeIssue) return { ok: false, issues: [typeIssue] };
  // reportInput: issues carry the offending value, to tell "missing" from "wrong type".
  const r = alarmBodySchema.safeParse(body, { reportInput: true });
  if (r.success) return { ok: true, body: r.data };
  // A misspelt field also makes the right one "missing": report the unknown one first.
  const issues = [...r.error.issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
  return { ok: false, issues: issues.map(describe) };
}

function checkType(body: unknown): BodyIssue | undefined {
  const type = (body as Record<string, unknown> | null)?.type;
  if (typeof type !== 'string') return { path: 'type', message: `required, one of ${ALARM_TYPES.join(', ')}` };
  if (!ALL_AODH_TYPES.includes(type)) return { path: 'type', message: `Value should be one of: ${ALL_AODH_TYPES.join(', ')}` };
  if (!(ALARM_TYPES as readonly string[]).includes(type)) {
    return { path: 'type', message: `type ${type} is valid in Aodh but not supported by vmha templates (use ${ALARM_TYPES.join(', ')})` };
  }
  const obj = body as Record<string, unknown>;
  const rules = Object.keys(obj).filter((k) => k.endsWith('_rule'));
  const wanted = `${type}_rule`;
  const other = rules.find((k) => k !== wanted);
  if (other) {
    return { path: other, message: `${other} cannot be set on a ${type} alarm (Aodh: only ${wanted}; two rules are a 400)` };
  }
  if (!rules.includes(wanted)) return { path: wanted, message: `${wanted} must be set for ${type} type alarm` };
  return undefined;
}

function describe(issue: z.core.$ZodIssue): BodyIssue {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const where = path ? `data.${path}` : 'data';
    return {
      path: issue.keys.map((k) => (path ? `${path}.${k}` : k)).join(', '),
      message: `unknown field (Aodh: Unknown attribute for argument ${where}: ${issue.keys.join(', ')})`,
    };
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) return { path, message: 'mandatory field missing' };
  if (issue.code === 'invalid_type') return { path, message: `expected ${issue.expected}, got ${typeName(issue.input)}` };
  if (issue.code === 'invalid_value') return { path, message: `Value should be one of: ${issue.values.map(String).join(', ')}` };
  if (issue.code === 'invalid_union') return { path, message: 'expected {and: [...]}, {or: [...]} or a rule with a threshold type' };
  return { path, message: issue.message };
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
}

function isJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

// ---- Normal form: how Aodh stores and echoes what vmha owns ----

const RULE_DEFAULTS = { comparison_operator: 'eq', evaluation_periods: 1, granularity: 60 } as const;
const RULE_KEYS: Record<ThresholdType, readonly string[]> = {
  gnocchi_resources_threshold: ['metric', 'resource_type', 'resource_id'],
  gnocchi_aggregation_by_metrics_threshold: ['metrics'],
  gnocchi_aggregation_by_resources_threshold: ['metric', 'resource_type', 'query'],
};

/** The fields vmha owns, as Aodh echoes them: rule defaults filled, thresholds as floats, action lists as sets. */
export interface OwnedView {
  name: string;
  description: string;
  type: string;
  severity: string;
  enabled: boolean;
  repeat_actions: boolean;
  alarm_actions: string[];
  ok_actions: string[];
  insufficient_data_actions: string[];
  rule: unknown;
}

/** Normalises an alarm (a body vmha renders, or Aodh's answer) to the fields vmha owns. */
export function ownedView(alarm: Record<string, unknown>): OwnedView {
  const type = String(alarm.type);
  return {
    name: String(alarm.name),
    description: typeof alarm.description === 'string' ? alarm.description : `${type} alarm rule`,
    type,
    severity: typeof alarm.severity === 'string' ? alarm.severity : 'low',
    enabled: alarm.enabled === undefined ? true : alarm.enabled === true,
    repeat_actions: alarm.repeat_actions === true,
    // Aodh removes duplicate actions through a set, so order is not significant.
    alarm_actions: actionSet(alarm.alarm_actions),
    ok_actions: actionSet(alarm.ok_actions),
    insufficient_data_actions: actionSet(alarm.insufficient_data_actions),
    rule: normaliseRule(type, alarm[`${type}_rule`]),
  };
}

function actionSet(v: unknown): string[] {
  return Array.isArray(v) ? [...new Set(v.map(String))].sort() : [];
}

function normaliseRule(type: string, rule: unknown): unknown {
  if (!rule || typeof rule !== 'object') return rule ?? null;
  const r = rule as Record<string, unknown>;
  if (type === 'composite') return normaliseComposite(r);
  if (!(THRESHOLD_TYPES as readonly string[]).includes(type)) return r;
  const out: Record<string, unknown> = {
    comparison_operator: r.comparison_operator ?? RULE_DEFAULTS.comparison_operator,
    threshold: typeof r.threshold === 'number' ? r.threshold : Number(r.threshold),
    aggregation_method: r.aggregation_method,
    evaluation_periods: r.evaluation_periods ?? RULE_DEFAULTS.evaluation_periods,
    granularity: r.granularity ?? RULE_DEFAULTS.granularity,
  };
  for (const k of RULE_KEYS[type as ThresholdType]) out[k] = r[k];
  return out;
}

function normaliseComposite(r: Record<string, unknown>): unknown {
  for (const op of ['and', 'or'] as const) {
    if (Array.isArray(r[op])) return { [op]: (r[op] as unknown[]).map((x) => normaliseComposite((x ?? {}) as Record<string, unknown>)) };
  }
  // Aodh validates each leaf through its threshold plugin and merges the defaults into it.
  const type = String(r.type);
  return { type, ...(normaliseRule(type, r) as Record<string, unknown>) };
}

/** The dotted paths where two owned views differ, with both values (for `vmha alarms diff`). */
export function diffOwned(current: OwnedView, desired: OwnedView): { path: string; from: unknown; to: unknown }[] {
  const out: { path: string; from: unknown; to: unknown }[] = [];
  walk(current, desired, '', out);
  return out;
}

function walk(a: unknown, b: unknown, path: string, out: { path: string; from: unknown; to: unknown }[]): void {
  const isObj = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);
  if (isObj(a) && isObj(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[k], b[k], path ? `${path}.${k}` : k, out);
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ path, from: a, to: b });
}
