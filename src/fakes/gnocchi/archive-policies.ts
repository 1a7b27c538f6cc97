// Archive policies (gnocchi/archive_policy.py): the defaults gnocchi-upgrade
// creates, the "*" -> low rule, validation of POST /v1/archive_policy and the
// JSON rendering (timespans as str(timedelta)).
import { DEFAULT_AGGREGATION_METHODS, VALID_AGGREGATION_METHODS } from './aggregation-methods.ts';
import { GnocchiError, Invalid } from './errors.ts';
import { timedeltaString, toTimespan } from './time.ts';

export interface PolicyItem {
  /** Seconds. */
  granularity: number;
  /** null: kept forever. */
  points: number | null;
  timespan: number | null;
}

export interface ArchivePolicy {
  name: string;
  backWindow: number;
  aggregationMethods: string[];
  definition: PolicyItem[];
}

export interface ArchivePolicyRule {
  name: string;
  metricPattern: string;
  archivePolicyName: string;
}

const item = (granularity: number, timespan: number): PolicyItem => ({ granularity, timespan, points: Math.round(timespan / granularity) });
const DAY = 86400;

/** ArchivePolicy.DEFAULT_ARCHIVE_POLICIES */
export function defaultPolicies(): ArchivePolicy[] {
  const methods = [...DEFAULT_AGGREGATION_METHODS];
  return [
    { name: 'bool', backWindow: 3600, aggregationMethods: ['last'], definition: [item(1, 365 * DAY)] },
    { name: 'low', backWindow: 0, aggregationMethods: methods, definition: [item(300, 30 * DAY)] },
    { name: 'medium', backWindow: 0, aggregationMethods: [...methods], definition: [item(60, 7 * DAY), item(3600, 365 * DAY)] },
    { name: 'high', backWindow: 0, aggregationMethods: [...methods], definition: [item(1, 3600), item(60, 7 * DAY), item(3600, 365 * DAY)] },
  ];
}

/** The rule gnocchi-upgrade creates: every metric name falls back to "low". */
export const DEFAULT_RULE: ArchivePolicyRule = { name: 'default', metricPattern: '*', archivePolicyName: 'low' };

export function policyJson(p: ArchivePolicy): Record<string, unknown> {
  return {
    aggregation_methods: [...p.aggregationMethods],
    back_window: p.backWindow,
    definition: p.definition.map((d) => ({
      granularity: timedeltaString(d.granularity),
      points: d.points,
      timespan: d.timespan === null ? null : timedeltaString(d.timespan),
    })),
    name: p.name,
  };
}

export function ruleJson(r: ArchivePolicyRule): Record<string, unknown> {
  return { archive_policy_name: r.archivePolicyName, metric_pattern: r.metricPattern, name: r.name };
}

/** fnmatch.fnmatch(name, pattern) */
export function fnmatch(name: string, pattern: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        let set = pattern.slice(i + 1, end);
        if (set.startsWith('!')) set = '^' + set.slice(1);
        re += `[${set.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's').test(name);
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** ArchivePolicySchema + ArchivePolicy.from_dict(): a voluptuous Invalid or a 400 with the ValueError text. */
export function parseArchivePolicy(body: unknown): ArchivePolicy {
  if (!isObj(body)) throw new Invalid('expected a dictionary');
  const allowed = ['name', 'back_window', 'aggregation_methods', 'definition'];
  for (const [k, v] of Object.entries(body)) {
    if (!allowed.includes(k)) throw new Invalid('extra keys not allowed', [k]);
    if (k === 'name' && typeof v !== 'string') throw new Invalid('expected str', [k], 'dictionary value');
    if (k === 'back_window') {
      const n = typeof v === 'number' ? Math.trunc(v) : typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v) ? Number(v) : typeof v === 'boolean' ? Number(v) : NaN;
      if (Number.isNaN(n)) throw new Invalid('expected int', [k], 'dictionary value');
      if (n < 0) throw new Invalid('value must be at least 0', [k], 'dictionary value');
    }
    if (k === 'aggregation_methods') {
      if (!Array.isArray(v)) throw new Invalid('expected list', [k], 'dictionary value');
      const valid = ['*', ...VALID_AGGREGATION_METHODS, ...VALID_AGGREGATION_METHODS.map((m) => `-${m}`), ...VALID_AGGREGATION_METHODS.map((m) => `+${m}`)];
      v.forEach((m, i) => {
        if (typeof m !== 'string' || !valid.includes(m)) throw new Invalid('not a valid value', [k, i]);
      });
    }
    if (k === 'definition') parseDefinitionShape(v);
  }
  for (const k of ['name', 'definition']) if (!Object.hasOwn(body, k)) throw new Invalid('required key not provided', [k]);
  const definition = (body.definition as Record<string, unknown>[]).map(toItem);
  const grans = definition.map((d) => d.granularity);
  const dup = grans.find((g, i) => grans.indexOf(g) !== i);
  if (dup !== undefined) throw new GnocchiError(400, `More than one archive policy uses granularity \`${Number.isInteger(dup) ? `${dup}.0` : dup}'`);
  const backWindow = body.back_window === undefined ? 0 : Math.trunc(Number(body.back_window));
  return {
    name: body.name as string,
    backWindow,
    aggregationMethods: resolveMethods((body.aggregation_methods as string[] | undefined) ?? [...DEFAULT_AGGREGATION_METHODS]),
    definition: definition.sort((a, b) => a.granularity - b.granularity),
  };
}

function parseDefinitionShape(v: unknown): void {
  if (!Array.isArray(v)) throw new Invalid('expected list', ['definition'], 'dictionary value');
  if (v.length < 1) throw new Invalid('length of value must be at least 1', ['definition'], 'dictionary value');
  v.forEach((d, i) => {
    if (!isObj(d)) throw new Invalid('expected a dictionary', ['definition', i]);
    for (const [k, x] of Object.entries(d)) {
      const at = ['definition', i, k];
      if (k === 'granularity' || k === 'timespan') {
        try {
          toTimespan(x);
        } catch (err) {
          throw new Invalid((err as Error).message, at, 'dictionary value');
        }
      } else if (k === 'points') {
        const n = typeof x === 'number' ? Math.trunc(x) : typeof x === 'string' && /^\s*[+-]?\d+\s*$/.test(x) ? Number(x) : NaN;
        if (Number.isNaN(n)) throw new Invalid('expected int', at, 'dictionary value');
        if (n < 1) throw new Invalid('value must be at least 1', at, 'dictionary value');
      } else throw new Invalid('extra keys not allowed', at);
    }
  });
}

/** ArchivePolicyItem(granularity, points, timespan) */
function toItem(d: Record<string, unknown>): PolicyItem {
  const granularity = d.granularity === undefined ? undefined : toTimespan(d.granularity);
  const timespan = d.timespan === undefined ? undefined : toTimespan(d.timespan);
  const points = d.points === undefined ? undefined : Math.trunc(Number(d.points));
  if (granularity !== undefined && points !== undefined && timespan !== undefined && timespan !== granularity * points) {
    throw new GnocchiError(400, 'timespan ≠ granularity × points');
  }
  if (granularity === undefined) {
    if (points === undefined || timespan === undefined) throw new GnocchiError(400, 'At least two of granularity/points/timespan must be provided');
    const g = Math.round(timespan / points);
    return { granularity: g, points, timespan: g * points };
  }
  if (points === undefined) {
    if (timespan === undefined) return { granularity, points: null, timespan: null };
    const p = Math.floor(timespan / granularity);
    return { granularity, points: p, timespan: granularity * p };
  }
  return { granularity, points, timespan: granularity * points };
}

/** ArchivePolicy.aggregation_methods: "*", "+m" and "-m" relative to the defaults. */
function resolveMethods(entries: string[]): string[] {
  let methods: string[];
  if (entries.includes('*')) methods = [...VALID_AGGREGATION_METHODS];
  else if (entries.every((e) => e.startsWith('-') || e.startsWith('+'))) methods = [...DEFAULT_AGGREGATION_METHODS];
  else methods = [];
  for (const e of entries) {
    if (!e) continue;
    if (e.startsWith('-')) methods = methods.filter((m) => m !== e.slice(1));
    else if (e.startsWith('+')) {
      if (!methods.includes(e.slice(1))) methods.push(e.slice(1));
    } else if (e !== '*' && !methods.includes(e)) methods.push(e);
  }
  return methods;
}
