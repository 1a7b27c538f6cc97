// Python semantics for JSON values, shared by the fakes of Python services.
// Upstream error messages embed Python reprs ("Value: '{'a': 1}'", "'methods' is
// a required property"), Aodh stores history details as json.dumps() output, and
// float()/int() decide what a body may contain, so the fakes spell and convert
// values the same way.

/** Python's repr() of a JSON value: 'str', True, None, [1, 'a'], {'k': 'v'}. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pyNumber(value);
  if (typeof value === 'string') return pyStrRepr(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([k, v]) => `${pyStrRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
  }
  return String(value);
}

/** Python's '%s' % value: strings bare, everything else as repr(). */
export function pyStr(value: unknown): string {
  return typeof value === 'string' ? value : pyRepr(value);
}

/** Python's type(value).__name__ for a JSON value (JS cannot tell 5 from 5.0; integers win). */
export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  if (Array.isArray(value)) return 'list';
  return 'dict';
}

function pyNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  // Python pads exponents to two digits: 1e-07, not 1e-7.
  return String(n).replace(/e([+-])(\d)$/, 'e$10$2');
}

function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** Python's json.dumps() with default separators (", ", ": ") and ensure_ascii. */
export function pyJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isFinite(value) ? pyNumber(value) : value > 0 ? 'Infinity' : value < 0 ? '-Infinity' : 'NaN';
  if (typeof value === 'string') return jsonAsciiString(value);
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${jsonAsciiString(k)}: ${pyJsonDumps(v)}`).join(', ')}}`;
  }
  return 'null';
}

function jsonAsciiString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i] as string;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** Python's pprint.pformat(value, width, sort_dicts=False), for dicts, lists and scalars. */
export function pformat(value: unknown, width = 72): string {
  const out: string[] = [];
  formatInto(value, out, 0, 0, width);
  return out.join('');
}

function formatInto(value: unknown, out: string[], indent: number, allowance: number, width: number): void {
  const rep = pyRepr(value);
  if (rep.length <= width - indent - allowance || value === null || typeof value !== 'object') {
    out.push(rep);
    return;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return void out.push('[]');
    out.push('[');
    const inner = indent + 1;
    value.forEach((item, i) => {
      if (i > 0) out.push(',\n' + ' '.repeat(inner));
      formatInto(item, out, inner, i === value.length - 1 ? allowance + 1 : 1, width);
    });
    out.push(']');
    return;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return void out.push('{}');
  out.push('{');
  const inner = indent + 1;
  entries.forEach(([k, v], i) => {
    if (i > 0) out.push(',\n' + ' '.repeat(inner));
    const key = pyStrRepr(k);
    out.push(key, ': ');
    formatInto(v, out, inner + key.length + 2, i === entries.length - 1 ? allowance + 1 : 1, width);
  });
  out.push('}');
}

/** A Python ValueError raised while converting JSON; WSME reports it against the whole body. */
export class PyValueError extends Error {}

/** A Python TypeError/AttributeError nobody catches upstream: a 500 with faultcode "Server". */
export class PyServerError extends Error {}

/** Python float(value). */
export function pyFloat(value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const s = value.trim();
    if (/^[+-]?(\d+(_\d+)*(\.(\d+(_\d+)*)?)?|\.\d+(_\d+)*)([eE][+-]?\d+(_\d+)*)?$/.test(s)) return Number(s.replace(/_/g, ''));
    if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
    if (/^[+-]?nan$/i.test(s)) return NaN;
    throw new PyValueError(`could not convert string to float: ${pyRepr(value)}`);
  }
  throw new PyServerError(`float() argument must be a string or a real number, not '${pyTypeName(value)}'`);
}

/** Python int(value). */
export function pyInt(value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new PyServerError(`cannot convert float ${pyRepr(value)} to integer`);
    return Math.trunc(value);
  }
  if (typeof value === 'string') {
    const s = value.trim();
    if (/^[+-]?\d+(_\d+)*$/.test(s)) return Number(s.replace(/_/g, ''));
    throw new PyValueError(`invalid literal for int() with base 10: ${pyRepr(value)}`);
  }
  throw new PyServerError(`int() argument must be a string, a bytes-like object or a real number, not '${pyTypeName(value)}'`);
}

