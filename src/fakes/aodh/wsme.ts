// The slice of WSME (wsme/rest/json.py, wsme/types.py, wsme/exc.py) that Aodh's
// request bodies go through, so that error messages and their order match:
// unknown keys first, then attributes in alphabetical order, each converted
// (fromjson) and then validated on assignment; conversion ValueErrors surface at
// the top as "Invalid input for field/attribute data. Value: '<whole body>'".
import { pyFloat, pyInt, PyServerError, PyValueError, pyStr, pyTypeName } from '../pyformat.ts';

export { pyFloat, pyInt, PyServerError, PyValueError } from '../pyformat.ts';

/** wsme.exc.ClientSideError: a 4xx with faultcode "Client". */
export class ClientSideError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** wsme.exc.InvalidInput. */
export function invalidInput(field: string, value: unknown, msg = ''): ClientSideError {
  return new ClientSideError(`Invalid input for field/attribute ${field}. Value: '${pyStr(value)}'. ${msg}`);
}

/** wsme.exc.UnknownAttribute; the field name grows outwards as it propagates ("data.gnocchi_..._rule"). */
export class UnknownAttribute extends ClientSideError {
  constructor(
    public fieldname: string | null,
    readonly attributes: string[],
  ) {
    super('');
    this.refresh();
  }

  addFieldname(name: string): void {
    this.fieldname = this.fieldname === null ? name : `${name}.${this.fieldname}`;
    this.refresh();
  }

  private refresh(): void {
    const noun = this.attributes.length > 1 ? 'attributes' : 'attribute';
    this.message = `Unknown ${noun} for argument ${this.fieldname ?? 'None'}: ${this.attributes.join(', ')}`;
  }
}

export type AttrType =
  | { kind: 'text' }
  /** A wsproperty without a validator (Alarm.description): anything goes in. */
  | { kind: 'any' }
  | { kind: 'bool' }
  | { kind: 'float' }
  | { kind: 'int'; min?: number; max?: number }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'textList' }
  | { kind: 'datetime' }
  | { kind: 'complex'; type: ComplexType }
  | { kind: 'complexList'; type: ComplexType }
  /** A UserType: convert() runs frombasetype(), validate() runs on assignment. */
  | { kind: 'user'; convert?: (value: unknown) => unknown; validate?: (value: unknown) => unknown };

export interface Attr {
  name: string;
  type: AttrType;
  mandatory?: boolean;
}

export interface ComplexType {
  attrs: Attr[];
  /** The type's own validate(obj), run after every attribute is set. */
  validate?: (obj: Record<string, unknown>) => void;
}

const ENUM_TRUE = ['true', 't', 'yes', 'y', 'on', '1'];
const ENUM_FALSE = ['false', 'f', 'no', 'n', 'off', '0'];
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const pyClass = (v: unknown): string => `<class '${pyTypeName(v)}'>`;

/** fromjson(datatype, value): conversion before assignment. */
function fromjson(type: AttrType, value: unknown): unknown {
  if (value === null) return null;
  switch (type.kind) {
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'number' && Number.isInteger(value)) return value !== 0;
      if (typeof value === 'string' && ENUM_TRUE.includes(value)) return true;
      if (typeof value === 'string' && ENUM_FALSE.includes(value)) return false;
      throw new PyValueError(`Value not an unambiguous boolean: ${pyStr(value)}`);
    case 'float':
      return pyFloat(value);
    case 'int':
      return pyInt(value);
    case 'textList':
      if (!Array.isArray(value)) throw new PyValueError(`Value not a valid list: ${pyStr(value)}`);
      return [...value];
    case 'complex':
      return fromjsonComplex(type.type, value);
    case 'complexList':
      if (!Array.isArray(value)) throw new PyValueError(`Value not a valid list: ${pyStr(value)}`);
      return value.map((item) => fromjsonComplex(type.type, item));
    case 'datetime':
      if (typeof value !== 'string') throw new PyServerError('expected string or bytes-like object');
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$/.test(value) || Number.isNaN(Date.parse(`${value}Z`))) {
        throw new PyValueError(`'${value}' is not a legal datetime value`);
      }
      return value;
    case 'user':
      return type.convert ? type.convert(value) : value;
    default:
      return value;
  }
}

/** validate_value() as wsattr.__set__ / AdvEnum._set run it; throws InvalidInput. */
function assign(attr: Attr, value: unknown): unknown {
  const t = attr.type;
  const fail = (msg: string): never => {
    throw invalidInput(attr.name, value, msg);
  };
  if (t.kind === 'enum') {
    // AdvEnum validates even None.
    if (typeof value !== 'string' || !t.values.includes(value)) fail(`Value should be one of: ${t.values.join(', ')}`);
    return value;
  }
  if (value === null) return null;
  switch (t.kind) {
    case 'text':
      if (typeof value !== 'string') fail(`Wrong type. Expected '<class 'str'>', got '${pyClass(value)}'`);
      return value;
    case 'int':
      if (t.min !== undefined && (value as number) < t.min) fail(`Value should be greater or equal to ${t.min}`);
      if (t.max !== undefined && (value as number) > t.max) fail(`Value should be lower or equal to ${t.max}`);
      return value;
    case 'textList':
      for (const item of value as unknown[]) {
        if (item !== null && typeof item !== 'string') fail(`Wrong type. Expected '<class 'str'>', got '${pyClass(item)}'`);
      }
      return value;
    case 'user':
      if (!t.validate) return value;
      try {
        return t.validate(value);
      } catch (err) {
        if (err instanceof PyValueError) fail(err.message);
        throw err;
      }
    default:
      return value;
  }
}

/** fromjson() of a complex type: returns the attributes that were given, converted and validated. */
export function fromjsonComplex(type: ComplexType, value: unknown): Record<string, unknown> {
  if (!isPlainObject(value)) throw new PyServerError(`'${pyTypeName(value)}' object has no attribute 'keys'`);
  const known = new Set(type.attrs.map((a) => a.name));
  const unknown = Object.keys(value).filter((k) => !known.has(k));
  if (unknown.length) throw new UnknownAttribute(null, unknown);
  const obj: Record<string, unknown> = {};
  const attrs = [...type.attrs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const attr of attrs) {
    if (Object.hasOwn(value, attr.name)) {
      let converted: unknown;
      try {
        converted = fromjson(attr.type, value[attr.name]);
      } catch (err) {
        if (err instanceof UnknownAttribute) err.addFieldname(attr.name);
        throw err;
      }
      // A null mandatory attribute would break the storage layer upstream; report it as missing.
      if (converted === null && attr.mandatory && attr.type.kind !== 'enum') throw invalidInput(attr.name, null, 'Mandatory field missing.');
      obj[attr.name] = assign(attr, converted);
    } else if (attr.mandatory) {
      throw invalidInput(attr.name, null, 'Mandatory field missing.');
    }
  }
  type.validate?.(obj);
  return obj;
}

/** wsme.rest.json.parse() for a body argument named `data`. */
export function parseBody(type: ComplexType, jdata: unknown): Record<string, unknown> | null {
  if (jdata === null) return null;
  try {
    return fromjsonComplex(type, jdata);
  } catch (err) {
    if (err instanceof PyValueError) throw invalidInput('data', jdata, err.message);
    if (err instanceof UnknownAttribute) err.addFieldname('data');
    throw err;
  }
}
