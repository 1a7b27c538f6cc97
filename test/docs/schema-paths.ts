// Walks the zod schema of vmha.yaml and lists every setting a person can write: the
// leaf key paths, with whether each is required. The configuration reference
// (docs/configuration.md) is checked against this list, so it cannot drift.
import type { z } from 'zod';

export interface SettingPath {
  path: string;
  /**
   * required: whenever the mapping that holds it is given; defaulted: the schema fills it
   * in when absent; optional: absent stays absent.
   */
  presence: Presence;
}

export type Presence = 'required' | 'defaulted' | 'optional';

/** Paths whose inner structure another document describes (the walk stops there). */
export const DOCUMENTED_ELSEWHERE: Readonly<Record<string, string>> = {
  'recovery.matrix': 'docs/action-matrix.md',
};

// zod 4 keeps the kind of every schema in _zod.def.type; the walk only needs a few kinds.
interface Def {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  in?: z.ZodType;
  values?: unknown[];
}

const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Strips default/prefault/optional wrappers; the outermost one says whether the key may be absent. */
function unwrap(s: z.ZodType): { schema: z.ZodType; presence: Presence } {
  let presence: Presence | undefined;
  for (;;) {
    const d = defOf(s);
    if (d.type === 'default' || d.type === 'prefault') {
      presence ??= 'defaulted';
      s = d.innerType!;
    } else if (d.type === 'optional' || d.type === 'nullable') {
      presence ??= 'optional';
      s = d.innerType!;
    } else if (d.type === 'pipe') {
      s = d.in!;
    } else {
      return { schema: s, presence: presence ?? 'required' };
    }
  }
}

const isObject = (s: z.ZodType): boolean => defOf(unwrap(s).schema).type === 'object';
const objectOptions = (s: z.ZodType): z.ZodType[] | undefined => {
  const d = defOf(unwrap(s).schema);
  if (d.type === 'object') return [s];
  if (d.type === 'union' && d.options!.every(isObject)) return d.options!;
  return undefined;
};

/**
 * Every leaf setting under `schema`. Naming: a map's key is written `<name>` (for a map of
 * channels discriminated by `type`, `<email>`, `<sms>`, ... one per kind), a list of
 * mappings `[]`. Maps and lists of plain values are leaves.
 */
export function settingPaths(schema: z.ZodType, prefix = ''): SettingPath[] {
  const { schema: inner, presence } = unwrap(schema);
  if (prefix && DOCUMENTED_ELSEWHERE[prefix]) return [{ path: prefix, presence }];
  const d = defOf(inner);
  const join = (seg: string): string => (prefix ? `${prefix}${seg.startsWith('[') ? '' : '.'}${seg}` : seg);
  if (d.type === 'object') {
    return Object.entries(d.shape!).flatMap(([k, v]) => settingPaths(v, join(k)));
  }
  if (d.type === 'record') {
    const options = objectOptions(d.valueType!);
    if (!options) return [{ path: prefix, presence }];
    const disc = defOf(unwrap(d.valueType!).schema).discriminator;
    if (!disc) return settingPaths(d.valueType!, join('<name>'));
    return options.flatMap((o) => {
      const tag = defOf(unwrap(defOf(unwrap(o).schema).shape![disc]!).schema).values![0];
      return settingPaths(o, join(`<${String(tag)}>`));
    });
  }
  if (d.type === 'array' && objectOptions(d.element!)) {
    return settingPaths(d.element!, join('[]'));
  }
  if (d.type === 'union' && d.options!.every(isObject)) {
    // Merged keys of every alternative (e.g. sms auth: basic or bearer), each as the
    // first alternative that has it says (the alternatives agree in vmha's schema).
    const merged = new Map<string, Presence>();
    for (const o of d.options!) {
      for (const p of settingPaths(o, prefix)) if (!merged.has(p.path)) merged.set(p.path, p.presence);
    }
    return [...merged].map(([path, p]) => ({ path, presence: p }));
  }
  return [{ path: prefix, presence }];
}
