// OpenStack services spell times several ways: oslo serializes naive datetimes (UTC,
// no zone: 2016-06-23T14:42:02.000000), others add Z or an offset (+00:00). Appending a
// Z unconditionally turns the offset forms into NaN, and a naive time read without one
// is taken as local time; every timestamp from a service is read here instead.

const TIMESTAMP = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d(?::\d\d)?)(?:\.(\d+))?\s*(Z|[+-]\d\d(?::?\d\d)?)?$/i;

/** Milliseconds since the epoch of an OpenStack timestamp: naive is UTC, Z or ±hh:mm as given; NaN when unreadable. */
export function parseTimestamp(text: string | null | undefined): number {
  const m = TIMESTAMP.exec(text?.trim() ?? '');
  if (!m) return NaN;
  const [, date, time, fraction, zone] = m;
  // Date.parse takes milliseconds; Nova gives microseconds.
  const ms = fraction ? `.${fraction.padEnd(3, '0').slice(0, 3)}` : '';
  return Date.parse(`${date}T${time}${ms}${offset(zone)}`);
}

function offset(zone: string | undefined): string {
  if (!zone || zone.toUpperCase() === 'Z') return 'Z';
  const [, hours, minutes] = /^([+-]\d\d):?(\d\d)?$/.exec(zone)!;
  return `${hours}:${minutes ?? '00'}`;
}
