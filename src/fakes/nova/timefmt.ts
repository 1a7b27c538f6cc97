// The two timestamp spellings nova's API uses.

/** utils.isotime: 2013-09-03T04:01:32Z (servers' created/updated). */
export function isotime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A naive datetime serialized by oslo jsonutils: 2016-06-23T14:42:02.000000. */
export function perfectTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000');
}
