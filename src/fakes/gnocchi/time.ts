// Gnocchi's time parsing and printing (gnocchi/utils.py): timespans ("5 minutes",
// "0:00:10", 300), measure timestamps (ISO 8601 as numpy reads it, epoch seconds,
// or spans relative to now, the kind chosen by the first value), and the
// str(timedelta) / isoformat() renderings of its JSON.

/** utils.to_timespan(): seconds; throws Error with upstream's message. */
export function toTimespan(value: unknown, allowLeZero = false): number {
  if (value === null || value === undefined) throw new Error('Invalid timespan');
  let seconds: number | undefined;
  if (typeof value === 'number' || typeof value === 'boolean') seconds = Number(value);
  else if (typeof value === 'string') seconds = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(value) ? Number(value) : parseDuration(value);
  if (seconds === undefined || Number.isNaN(seconds)) throw new Error('Unable to parse timespan');
  if (!allowLeZero && seconds <= 0) throw new Error('Timespan must be positive');
  return seconds;
}

const UNITS: [RegExp, number][] = [
  [/^(w|wk|wks|weeks?)$/, 604800],
  [/^(d|dys?|days?)$/, 86400],
  [/^(h|hrs?|hours?)$/, 3600],
  [/^(m|mins?|minutes?)$/, 60],
  [/^(s|secs?|seconds?)$/, 1],
];

/** The pytimeparse formats Gnocchi accepts: "1 second", "5m", "1h30m", "1:00:00", "30 days, 0:00:00". */
function parseDuration(input: string): number | undefined {
  let s = input.trim().toLowerCase();
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s.startsWith('-')) sign = -1;
    s = s.slice(1).trim();
  }
  let total = 0;
  const days = /^(\d+)\s*days?,\s*(.*)$/.exec(s);
  if (days) {
    total += Number(days[1]) * 86400;
    s = days[2] ?? '';
  }
  const clock = /^(\d+):(\d{1,2})(?::(\d{1,2}(?:\.\d+)?))?$/.exec(s);
  if (clock) {
    const [, a, b, c] = clock;
    total += c === undefined ? Number(a) * 60 + Number(b) : Number(a) * 3600 + Number(b) * 60 + Number(c);
    return sign * total;
  }
  if (days && s === '') return sign * total;
  const tokens = s.replace(/,|\band\b/g, ' ').match(/(\d+(?:\.\d+)?)\s*([a-z]+)/g);
  if (!tokens || tokens.join('').replace(/\s/g, '') !== s.replace(/,|\band\b|\s/g, '')) return undefined;
  for (const t of tokens) {
    const [, n, unit] = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/.exec(t) ?? [];
    const factor = UNITS.find(([re]) => re.test(unit ?? ''))?.[1];
    if (factor === undefined) return undefined;
    total += Number(n) * factor;
  }
  return sign * total;
}

const ISO = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** numpy.datetime64(str) in UTC, as epoch ms; undefined when numpy would refuse it. */
export function parseIsoTimestamp(s: string, now: number): number | undefined {
  if (s === 'now') return now;
  if (s === 'today') return Math.floor(now / 86400000) * 86400000;
  const m = ISO.exec(s.trim());
  if (!m) return undefined;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', sec = '00', frac = '', tz] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), Number((frac + '000').slice(0, 3)));
  if (Number.isNaN(ms) || Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) return undefined;
  let offset = 0;
  if (tz && tz !== 'Z') {
    const sign = tz.startsWith('-') ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * 60000;
  }
  return ms - offset + (Number(`0.${frac || '0'}`) * 1000 - Number((frac + '000').slice(0, 3)));
}

/** Why a list of timestamps was refused: a TypeError upstream ("format") or a ValueError (message). */
export class TimestampError extends Error {
  constructor(
    message: string,
    readonly kind: 'format' | 'value',
  ) {
    super(message);
  }
}

const numeric = (v: unknown): number | undefined => {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
};

/** utils.to_timestamps(): epoch ms for each value; the first value picks how all are read. */
export function toTimestamps(values: unknown[], now: number): number[] {
  if (values.length === 0) return [];
  const first = values[0];
  if (first === null || typeof first === 'object') throw new TimestampError('format', 'format');
  const fail = (): never => {
    throw new TimestampError('Unable to convert timestamps', 'value');
  };
  let times: number[];
  if (numeric(first) !== undefined) {
    times = values.map((v) => numeric(v) ?? fail()).map((s) => s * 1000);
  } else if (typeof first === 'string' && parseIsoTimestamp(first, now) !== undefined) {
    times = values.map((v) => (typeof v === 'string' ? parseIsoTimestamp(v, now) : numeric(v) !== undefined ? (numeric(v) as number) * 1000 : undefined) ?? fail());
  } else {
    times = values.map((v) => {
      try {
        return now + toTimespan(v, true) * 1000;
      } catch {
        return fail();
      }
    });
  }
  if (times.some((t) => !Number.isFinite(t))) fail();
  if (times.some((t) => t < 0)) throw new TimestampError('Timestamp must be after Epoch', 'value');
  return times;
}

/** str(datetime.timedelta(seconds=s)): "0:05:00", "1 day, 0:00:00", "30 days, 0:00:00". */
export function timedeltaString(seconds: number): string {
  const days = Math.floor(seconds / 86400);
  let rest = seconds - days * 86400;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  const whole = Math.floor(s);
  const micro = Math.round((s - whole) * 1e6);
  const clock = `${h}:${String(m).padStart(2, '0')}:${String(whole).padStart(2, '0')}${micro ? `.${String(micro).padStart(6, '0')}` : ''}`;
  return days ? `${days} day${days === 1 ? '' : 's'}, ${clock}` : clock;
}

/** Gnocchi's timestamps in JSON: isoformat() of an aware UTC datetime. */
export function isoUtc(ms: number): string {
  const iso = new Date(ms).toISOString();
  const millis = iso.slice(20, 23);
  return `${iso.slice(0, 19)}${millis === '000' ? '' : `.${millis}000`}+00:00`;
}
