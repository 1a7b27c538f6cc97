// q.field/q.op/q.value/q.type filters, sort/limit/marker, and Query value
// conversion (aodh/api/controllers/v2/base.py Query, alarms.py get_all, utils.py).
import { pyRepr } from '../pyformat.ts';
import { ClientSideError, invalidInput, pyFloat, pyInt, PyServerError, PyValueError } from './wsme.ts';

export interface QueryItem {
  field?: string;
  op?: string;
  value?: string;
  type?: string;
}

export interface ListParams {
  q: QueryItem[];
  sort: string[];
  limit?: string;
  marker?: string;
}

const Q_ATTRS = ['field', 'op', 'value', 'type'] as const;

/** WSME's args_from_params(): q.* lists zipped by position; anything unexpected is an UnknownArgument. */
export function parseListParams(params: URLSearchParams, allowed: readonly string[]): ListParams {
  const unknown = [...new Set(params.keys())].filter((k) => !(k.startsWith('q.') && (Q_ATTRS as readonly string[]).includes(k.slice(2))) && !allowed.includes(k));
  if (unknown.length) throw new ClientSideError(`Unknown argument: "${unknown.join(', ')}"`);
  const q: QueryItem[] = [];
  for (const attr of Q_ATTRS) {
    params.getAll(`q.${attr}`).forEach((v, i) => {
      q[i] = { ...(q[i] ?? {}), [attr]: v };
    });
  }
  const limit = params.get('limit') ?? undefined;
  const marker = params.get('marker') ?? undefined;
  return { q: [...q].map((x) => x ?? {}), sort: params.getAll('sort'), ...(limit !== undefined ? { limit } : {}), ...(marker !== undefined ? { marker } : {}) };
}

/** Query.op defaults to eq. */
export const opOf = (item: QueryItem): string => item.op || 'eq';

const SUPPORTED_TYPES = ['integer', 'float', 'string', 'boolean', 'datetime'];
const TRUE_STRINGS = ['1', 't', 'true', 'on', 'y', 'yes'];
const FALSE_STRINGS = ['0', 'f', 'false', 'off', 'n', 'no'];

/** oslo strutils.bool_from_string(strict=True). */
export function strictBool(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (TRUE_STRINGS.includes(v)) return true;
  if (FALSE_STRINGS.includes(v)) return false;
  throw new PyValueError(`Unrecognized value '${value}'`);
}

/** A subset of ast.literal_eval: Python literals that are not plain words stay strings. */
function literalEval(value: string): unknown {
  const v = value.trim();
  if (v === 'True') return true;
  if (v === 'False') return false;
  if (v === 'None') return null;
  if (/^[+-]?\d+$/.test(v)) return Number(v);
  if (/^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$/.test(v)) return Number(v);
  const quoted = /^'([^'\\]*)'$|^"([^"\\]*)"$/.exec(v);
  if (quoted) return quoted[1] ?? quoted[2];
  return value;
}

/** Query._get_value_as_type(). */
export function queryValue(item: QueryItem, forcedType?: string): unknown {
  const type = forcedType || item.type;
  const value = item.value ?? '';
  if (!type) return literalEval(value);
  if (!SUPPORTED_TYPES.includes(type)) {
    throw new ClientSideError(`The data type ${type} is not supported. The supported data type list is: ${pyRepr(SUPPORTED_TYPES)}`);
  }
  try {
    switch (type) {
      case 'integer':
        return pyInt(value);
      case 'float':
        return pyFloat(value);
      case 'boolean':
        return strictBool(value);
      case 'datetime':
        if (Number.isNaN(Date.parse(value))) throw new PyValueError('bad datetime');
        return value;
      default:
        return value;
    }
  } catch (err) {
    if (err instanceof PyValueError || err instanceof PyServerError) {
      throw new ClientSideError(`Unable to convert the value ${value} to the expected data type ${type}.`);
    }
    throw err;
  }
}

/** Storage-level equality of a filter value with a stored column. */
export function matches(stored: unknown, wanted: unknown): boolean {
  if (typeof stored === 'boolean') {
    if (typeof wanted === 'boolean') return stored === wanted;
    if (typeof wanted === 'number') return stored === (wanted !== 0);
    // Deliberately lenient: q.value=true is what clients send (upstream compares the SQL column with the string).
    const s = String(wanted).trim().toLowerCase();
    if (TRUE_STRINGS.includes(s)) return stored;
    if (FALSE_STRINGS.includes(s)) return !stored;
    return false;
  }
  return String(stored) === String(wanted);
}

const SEVERITY_ORDER: Record<string, number> = { low: 0, moderate: 1, critical: 2 };
export const ALARM_SORT_KEYS = ['alarm_id', 'enabled', 'name', 'type', 'severity', 'timestamp', 'user_id', 'project_id', 'state', 'repeat_actions', 'state_timestamp'];
export const CHANGE_SORT_KEYS = ['event_id', 'alarm_id', 'on_behalf_of', 'project_id', 'user_id', 'type', 'timestamp', 'severity'];

/** get_pagination_options() + the storage's ordering: sorted copy, after `marker`, at most `limit`. */
export function paginate<T extends Record<string, unknown>>(
  rows: T[],
  p: ListParams,
  opts: { sortKeys: string[]; idKey: string; defaultSort: [string, 'asc' | 'desc'][] },
): T[] {
  let limit: number | undefined;
  if (p.limit !== undefined) {
    limit = pyInt(p.limit);
    if (limit < 0) throw invalidInput('limit', limit, 'it should be a positive integer.');
    if (limit === 0) limit = undefined;
  }
  const sorts: [string, 'asc' | 'desc'][] = [];
  for (const s of p.sort) {
    const [key = '', dir] = s.split(':', 2);
    if (!opts.sortKeys.includes(key)) {
      throw invalidInput(
        'sort',
        s,
        "the sort parameter should be a pair of sort key and sort dir combined with ':', or only sort key specified and sort dir will be default " +
          `'asc', the supported sort keys are: (${opts.sortKeys.map((k) => pyRepr(k)).join(', ')})`,
      );
    }
    sorts.push([key, dir === 'desc' ? 'desc' : 'asc']);
  }
  const order = sorts.length ? sorts : opts.defaultSort;
  const rank = (key: string, v: unknown): unknown => (key === 'severity' ? (SEVERITY_ORDER[String(v)] ?? -1) : v);
  const sorted = [...rows].sort((a, b) => {
    for (const [key, dir] of order) {
      const x = rank(key, a[key]) as string | number;
      const y = rank(key, b[key]) as string | number;
      if (x === y) continue;
      return (x < y ? -1 : 1) * (dir === 'desc' ? -1 : 1);
    }
    return 0;
  });
  let start = 0;
  if (p.marker !== undefined) {
    const at = sorted.findIndex((r) => r[opts.idKey] === p.marker);
    if (at < 0) throw new ClientSideError(`Marker ${p.marker} not found.`);
    start = at + 1;
  }
  const page = sorted.slice(start);
  return limit === undefined ? page : page.slice(0, limit);
}
