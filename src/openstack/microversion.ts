// Compute microversions as comparable numbers ("2.53" -> minor 53; major is always 2).

export interface Microversion {
  major: number;
  minor: number;
}

export function parseMicroversion(v: string): Microversion {
  const m = /^([1-9]\d*)\.([1-9]\d*|0)$/.exec(v.trim());
  if (!m) throw new Error(`invalid microversion '${v}'`);
  return { major: Number(m[1]), minor: Number(m[2]) };
}

export function formatMicroversion(v: Microversion): string {
  return `${v.major}.${v.minor}`;
}

/** Negative when a < b, zero when equal, positive when a > b. */
export function compareMicroversions(a: Microversion, b: Microversion): number {
  return a.major - b.major || a.minor - b.minor;
}

export function atLeast(v: Microversion, other: string): boolean {
  return compareMicroversions(v, parseMicroversion(other)) >= 0;
}

export function minMicroversion(a: Microversion, b: Microversion): Microversion {
  return compareMicroversions(a, b) <= 0 ? a : b;
}
