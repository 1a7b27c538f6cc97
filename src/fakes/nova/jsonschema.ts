// The subset of JSON Schema (draft 4) that nova's request schemas use, with the
// error text of python-jsonschema 4.2x, so that 400 bodies read exactly as
// nova's (nova/api/validation/validators.py formats the first error found).
// Keywords are checked in the order they appear in each schema object, like
// python-jsonschema does, so keep schema literals in nova's key order.
import { isIPv6 } from 'node:net';
import { pyRepr } from './pyrepr.ts';

export type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'null' | 'object' | 'array';
export type Format = 'uuid' | 'name' | 'ipv4' | 'ipv6' | 'base64' | 'date-time' | 'regex';

/** A pattern: the JS regex that is run and the Python source that error messages print. */
export interface Pattern {
  js: RegExp;
  py: string;
}

export interface Schema {
  type?: JsonType | JsonType[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  patternProperties?: Record<string, Schema>;
  additionalProperties?: boolean;
  required?: string[];
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string | Pattern;
  minimum?: number;
  maximum?: number;
  format?: Format;
  oneOf?: Schema[];
}

export interface SchemaError {
  path: (string | number)[];
  instance: unknown;
  message: string;
  /** Set when a 'name' format check failed: nova reports the InvalidName text alone. */
  invalidName?: boolean;
}

const INVALID_NAME =
  "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.";

/** The first error python-jsonschema would raise for this instance, or undefined. */
export function firstError(schema: Schema, instance: unknown): SchemaError | undefined {
  for (const err of iterErrors(schema, instance, [])) return err;
  return undefined;
}

function* iterErrors(schema: Schema, instance: unknown, path: (string | number)[]): Generator<SchemaError> {
  const fail = (message: string, extra: Partial<SchemaError> = {}): SchemaError => ({ path, instance, message, ...extra });
  for (const key of Object.keys(schema) as (keyof Schema)[]) {
    switch (key) {
      case 'type': {
        const types = Array.isArray(schema.type) ? schema.type : [schema.type!];
        if (!types.some((t) => isType(instance, t))) {
          yield fail(`${pyRepr(instance)} is not of type ${types.map((t) => pyRepr(t)).join(', ')}`);
        }
        break;
      }
      case 'enum':
        if (!schema.enum!.some((e) => jsonEqual(e, instance))) {
          yield fail(`${pyRepr(instance)} is not one of ${pyRepr(schema.enum)}`);
        }
        break;
      case 'const':
        if (!jsonEqual(schema.const, instance)) yield fail(`${pyRepr(schema.const)} was expected`);
        break;
      case 'properties':
        if (isObject(instance)) {
          for (const [name, sub] of Object.entries(schema.properties!)) {
            if (Object.hasOwn(instance, name)) yield* iterErrors(sub, instance[name], [...path, name]);
          }
        }
        break;
      case 'patternProperties':
        if (isObject(instance)) {
          for (const [pattern, sub] of Object.entries(schema.patternProperties!)) {
            const re = new RegExp(pattern);
            for (const [name, value] of Object.entries(instance)) {
              if (re.test(name)) yield* iterErrors(sub, value, [...path, name]);
            }
          }
        }
        break;
      case 'additionalProperties':
        if (schema.additionalProperties === false && isObject(instance)) {
          const extras = extraProperties(schema, instance).sort();
          if (extras.length > 0) {
            if (schema.patternProperties) {
              const verb = extras.length === 1 ? 'does' : 'do';
              const patterns = Object.keys(schema.patternProperties).sort().map(pyRepr).join(', ');
              yield fail(`${extras.map(pyRepr).join(', ')} ${verb} not match any of the regexes: ${patterns}`);
            } else {
              const verb = extras.length === 1 ? 'was' : 'were';
              yield fail(`Additional properties are not allowed (${extras.map(pyRepr).join(', ')} ${verb} unexpected)`);
            }
          }
        }
        break;
      case 'required':
        if (isObject(instance)) {
          for (const name of schema.required!) {
            if (!Object.hasOwn(instance, name)) yield fail(`${pyRepr(name)} is a required property`);
          }
        }
        break;
      case 'items':
        if (Array.isArray(instance)) {
          for (let i = 0; i < instance.length; i++) yield* iterErrors(schema.items!, instance[i], [...path, i]);
        }
        break;
      case 'minItems':
        if (Array.isArray(instance) && instance.length < schema.minItems!) {
          yield fail(`${pyRepr(instance)} ${schema.minItems === 1 ? 'should be non-empty' : 'is too short'}`);
        }
        break;
      case 'maxItems':
        if (Array.isArray(instance) && instance.length > schema.maxItems!) {
          yield fail(`${pyRepr(instance)} ${schema.maxItems === 0 ? 'is expected to be empty' : 'is too long'}`);
        }
        break;
      case 'uniqueItems':
        if (schema.uniqueItems && Array.isArray(instance)) {
          const dup = instance.some((a, i) => instance.some((b, j) => j > i && jsonEqual(a, b)));
          if (dup) yield fail(`${pyRepr(instance)} has non-unique elements`);
        }
        break;
      case 'minLength':
        if (typeof instance === 'string' && [...instance].length < schema.minLength!) {
          yield fail(`${pyRepr(instance)} ${schema.minLength === 1 ? 'should be non-empty' : 'is too short'}`);
        }
        break;
      case 'maxLength':
        if (typeof instance === 'string' && [...instance].length > schema.maxLength!) {
          yield fail(`${pyRepr(instance)} ${schema.maxLength === 0 ? 'is expected to be empty' : 'is too long'}`);
        }
        break;
      case 'pattern':
        if (typeof instance === 'string') {
          const p = schema.pattern!;
          const { js, py } = typeof p === 'string' ? { js: new RegExp(p), py: p } : p;
          if (!js.test(instance)) yield fail(`${pyRepr(instance)} does not match ${pyRepr(py)}`);
        }
        break;
      case 'minimum':
        if (typeof instance === 'number' && instance < schema.minimum!) {
          yield fail(`${pyRepr(instance)} is less than the minimum of ${pyRepr(schema.minimum)}`);
        }
        break;
      case 'maximum':
        if (typeof instance === 'number' && instance > schema.maximum!) {
          yield fail(`${pyRepr(instance)} is greater than the maximum of ${pyRepr(schema.maximum)}`);
        }
        break;
      case 'format':
        if (typeof instance === 'string' && !checkFormat(schema.format!, instance)) {
          if (schema.format === 'name') yield fail(INVALID_NAME, { invalidName: true });
          else yield fail(`${pyRepr(instance)} is not a ${pyRepr(schema.format)}`);
        }
        break;
      case 'oneOf': {
        const valid = schema.oneOf!.filter((sub) => firstError(sub, instance) === undefined);
        if (valid.length === 0) yield fail(`${pyRepr(instance)} is not valid under any of the given schemas`);
        else if (valid.length > 1) yield fail(`${pyRepr(instance)} is valid under each of ${valid.map((s) => pyRepr(s)).join(', ')}`);
        break;
      }
    }
  }
}

function extraProperties(schema: Schema, instance: Record<string, unknown>): string[] {
  const known = schema.properties ?? {};
  const patterns = Object.keys(schema.patternProperties ?? {}).map((p) => new RegExp(p));
  return Object.keys(instance).filter((k) => !Object.hasOwn(known, k) && !patterns.some((re) => re.test(k)));
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isType(v: unknown, t: JsonType): boolean {
  switch (t) {
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'null':
      return v === null;
    case 'object':
      return isObject(v);
    case 'array':
      return Array.isArray(v);
  }
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

const UUID_RE = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/i;
// No leading/trailing blank or control character; printable characters inside.
const NAME_RE = /^(?![\p{C}\p{Z}])[^\p{C}\p{Zl}\p{Zp}]*(?<![\p{C}\p{Z}])$/u;
const DATETIME_RE = /^\d{4}-?\d{2}(?:-?\d{2})?(?:[T ]\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** oslo's uuidutils.is_uuid_like: with or without dashes, any case. */
export function isUuidLike(s: string): boolean {
  return UUID_RE.test(s);
}

function checkFormat(format: Format, s: string): boolean {
  switch (format) {
    case 'uuid':
      return isUuidLike(s);
    case 'name':
      return NAME_RE.test(s);
    case 'ipv4':
      return /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(s);
    case 'ipv6':
      return isIPv6(s);
    case 'base64': {
      // base64.decodebytes drops characters outside the alphabet, then needs whole quanta.
      const kept = s.replace(/[^A-Za-z0-9+/=]/g, '');
      const data = kept.replace(/=+$/, '');
      return kept.length % 4 === 0 && data.length % 4 !== 1 && !data.includes('=');
    }
    case 'date-time':
      return DATETIME_RE.test(s);
    case 'regex':
      try {
        new RegExp(s);
        return true;
      } catch {
        return false;
      }
  }
}
