// Checks that a rendered alarm can fire at all, and how fast. A Gnocchi threshold alarm
// whose granularity is not in the metric's archive policy finds no aggregates and stays
// in "insufficient data" forever, silently. Pure: Gnocchi's rules and policies come in
// as data (src/cli/alarms/lint.ts fetches them).
import type { ArchivePolicy, ArchivePolicyRule } from '../openstack/gnocchi.ts';
import type { AlarmBody, CompositeRule } from './aodh-body.ts';

/** One threshold condition of an alarm (a composite has several). */
export interface Leaf {
  /** Where it sits in the body, e.g. composite_rule.and.0 */
  path: string;
  /** Metric name; undefined for rules that name metrics by id (by_metrics). */
  metric: string | undefined;
  aggregation: string;
  granularity: number;
  periods: number;
}

type Tree = { op: 'and' | 'or'; children: Tree[] } | { leaf: Leaf };

/** The threshold conditions of an alarm body. */
export function leavesOf(body: AlarmBody): Leaf[] {
  const out: Leaf[] = [];
  const collect = (t: Tree): void => {
    if ('leaf' in t) out.push(t.leaf);
    else t.children.forEach(collect);
  };
  collect(treeOf(body));
  return out;
}

function treeOf(body: AlarmBody): Tree {
  if (body.type === 'composite') return compositeTree(body.composite_rule, 'composite_rule');
  const rule = (body as unknown as Record<string, Record<string, unknown>>)[`${body.type}_rule`]!;
  return { leaf: leafOf(rule, `${body.type}_rule`) };
}

function compositeTree(rule: CompositeRule, path: string): Tree {
  const r = rule as { and?: CompositeRule[]; or?: CompositeRule[] };
  if (Array.isArray(r.and)) return { op: 'and', children: r.and.map((c, i) => compositeTree(c, `${path}.and.${i}`)) };
  if (Array.isArray(r.or)) return { op: 'or', children: r.or.map((c, i) => compositeTree(c, `${path}.or.${i}`)) };
  return { leaf: leafOf(rule as Record<string, unknown>, path) };
}

function leafOf(rule: Record<string, unknown>, path: string): Leaf {
  return {
    path,
    metric: typeof rule.metric === 'string' ? rule.metric : undefined,
    aggregation: String(rule.aggregation_method),
    // Aodh's defaults when a rule leaves them out.
    granularity: typeof rule.granularity === 'number' ? rule.granularity : 60,
    periods: typeof rule.evaluation_periods === 'number' ? rule.evaluation_periods : 1,
  };
}

/**
 * Worst-case seconds from a sustained failure to the alarm: the evaluated window
 * (granularity x periods) plus one evaluation interval of Aodh. An "and" needs every
 * leaf (the slowest), an "or" any (the fastest). Gnocchi's metricd processing delay
 * comes on top and is not counted.
 */
export function detectionSeconds(body: AlarmBody, evaluationIntervalS: number): number {
  const windowOf = (t: Tree): number => {
    if ('leaf' in t) return t.leaf.granularity * t.leaf.periods;
    const w = t.children.map(windowOf);
    return t.op === 'and' ? Math.max(...w) : Math.min(...w);
  };
  return windowOf(treeOf(body)) + evaluationIntervalS;
}

/** Seconds of a Gnocchi timespan: a number, or str(timedelta) as Gnocchi prints it ("0:00:10", "1 day, 0:00:00"). */
export function parseTimespan(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  const m = /^(?:(-?\d+) days?, )?(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(v.trim());
  if (!m) return undefined;
  return Number(m[1] ?? 0) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
}

/** Python's fnmatch.fnmatch on POSIX (case-sensitive): *, ?, [seq], [!seq]. */
export function fnmatch(name: string, pattern: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let body = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's').test(name);
}

/** The rule Gnocchi applies to a new metric: rules sorted by metric_pattern descending, first match. */
export function effectiveRule(rules: readonly ArchivePolicyRule[], metric: string): ArchivePolicyRule | undefined {
  const sorted = [...rules].sort((a, b) => (a.metric_pattern < b.metric_pattern ? 1 : a.metric_pattern > b.metric_pattern ? -1 : 0));
  return sorted.find((r) => fnmatch(metric, r.metric_pattern));
}

export interface Finding {
  level: 'error' | 'warning';
  /** Where: a rule path in the template's alarm, or "detection". */
  path: string;
  message: string;
}

/** What lint learnt about one threshold condition. */
export interface LeafReport extends Leaf {
  rule?: string;
  archivePolicy?: string;
  policyGranularities?: number[];
}

export interface LintInput {
  rules: readonly ArchivePolicyRule[];
  /** Archive policies by name; absent or undefined when Gnocchi does not have it. */
  policies: ReadonlyMap<string, ArchivePolicy | undefined>;
  evaluationIntervalS: number;
  detectionTargetS: number;
}

export interface LintReport {
  detectionS: number;
  leaves: LeafReport[];
  findings: Finding[];
}

const FIX = "run 'vmha archive-policy ensure', or change the template's granularity";

/** Lints one rendered alarm against Gnocchi's archive-policy rules and policies. */
export function lintAlarm(body: AlarmBody, input: LintInput): LintReport {
  const findings: Finding[] = [];
  const leaves: LeafReport[] = [];
  for (const leaf of leavesOf(body)) {
    const report: LeafReport = { ...leaf };
    leaves.push(report);
    if (!leaf.metric) continue;
    const rule = effectiveRule(input.rules, leaf.metric);
    if (!rule) {
      findings.push({
        level: 'error',
        path: leaf.path,
        message: `no archive-policy rule matches metric ${leaf.metric}: Gnocchi cannot create it and rejects its measures; ${FIX}`,
      });
      continue;
    }
    report.rule = rule.name;
    report.archivePolicy = rule.archive_policy_name;
    const policy = input.policies.get(rule.archive_policy_name);
    const via = `archive policy '${rule.archive_policy_name}' (rule '${rule.name}', pattern '${rule.metric_pattern}')`;
    if (!policy) {
      findings.push({ level: 'error', path: leaf.path, message: `${via} for metric ${leaf.metric} does not exist in Gnocchi; ${FIX}` });
      continue;
    }
    const items = policy.definition.map((d) => ({ g: parseTimespan(d.granularity), points: d.points, timespan: parseTimespan(d.timespan) }));
    report.policyGranularities = items.map((i) => i.g).filter((g): g is number => g !== undefined);
    const item = items.find((i) => i.g === leaf.granularity);
    if (!item) {
      findings.push({
        level: 'error',
        path: `${leaf.path}.granularity`,
        message:
          `${via} for metric ${leaf.metric} keeps granularities ${report.policyGranularities.map((g) => `${g} s`).join(', ') || 'none'}, ` +
          `not ${leaf.granularity} s: the alarm would stay in 'insufficient data' forever; ${FIX}`,
      });
      continue;
    }
    if (policy.aggregation_methods && !policy.aggregation_methods.includes(leaf.aggregation)) {
      findings.push({
        level: 'error',
        path: `${leaf.path}.aggregation_method`,
        message: `${via} does not compute '${leaf.aggregation}' (it has ${policy.aggregation_methods.join(', ')}): the alarm would never get data`,
      });
    }
    const points = item.points ?? (item.timespan !== undefined ? Math.floor(item.timespan / leaf.granularity) : undefined);
    if (points !== undefined && points < leaf.periods) {
      findings.push({
        level: 'error',
        path: `${leaf.path}.evaluation_periods`,
        message: `${via} keeps ${points} points at ${leaf.granularity} s, fewer than the ${leaf.periods} evaluation periods`,
      });
    }
  }
  const detectionS = detectionSeconds(body, input.evaluationIntervalS);
  if (detectionS > input.detectionTargetS) {
    findings.push({
      level: 'warning',
      path: 'detection',
      message: `detection takes up to ${detectionS} s (granularity x periods + Aodh evaluation interval ${input.evaluationIntervalS} s), above alarms.detection_target_s ${input.detectionTargetS} s`,
    });
  }
  return { detectionS, leaves, findings };
}

/** The archive policy vmha's templates need: every granularity they use, every aggregation they read. */
export function neededArchivePolicy(name: string, bodies: readonly AlarmBody[], opts: { retentionS?: number } = {}): ArchivePolicy {
  const retention = opts.retentionS ?? 86_400;
  const leaves = bodies.flatMap(leavesOf);
  const granularities = [...new Set(leaves.map((l) => l.granularity))].sort((a, b) => a - b);
  const methods = new Set(['mean', 'min', 'max', 'last', ...leaves.map((l) => l.aggregation)]);
  return {
    name,
    back_window: 0,
    aggregation_methods: [...methods].sort(),
    // One day at each granularity: far more than any evaluation window, small enough per metric.
    definition: granularities.map((g) => ({ granularity: formatTimespan(g), points: Math.max(1, Math.floor(retention / g)) })),
  };
}

/** One exact rule per metric the templates read, so no other metric changes policy. */
export function neededRules(policyName: string, bodies: readonly AlarmBody[]): ArchivePolicyRule[] {
  const metrics = new Set(bodies.flatMap(leavesOf).flatMap((l) => (l.metric ? [l.metric] : [])));
  return [...metrics].sort().map((m) => ({ name: `vmha-${m}`, metric_pattern: m, archive_policy_name: policyName }));
}

/** What an existing policy lacks compared with a needed one (granularities, aggregation methods). */
export function policyGaps(existing: ArchivePolicy, needed: ArchivePolicy): string[] {
  const have = new Set(existing.definition.map((d) => parseTimespan(d.granularity)));
  const gaps: string[] = [];
  for (const d of needed.definition) {
    const g = parseTimespan(d.granularity)!;
    if (!have.has(g)) gaps.push(`granularity ${g} s`);
  }
  const methods = new Set(existing.aggregation_methods ?? []);
  for (const m of needed.aggregation_methods ?? []) if (existing.aggregation_methods && !methods.has(m)) gaps.push(`aggregation method ${m}`);
  return gaps;
}

/** Seconds as Python's str(timedelta), the form Gnocchi prints and pytimeparse reads: 10 -> "0:00:10". */
export function formatTimespan(seconds: number): string {
  const days = Math.floor(seconds / 86400);
  const rest = seconds - days * 86400;
  const h = Math.floor(rest / 3600);
  const m = Math.floor((rest % 3600) / 60);
  const s = rest % 60;
  const hms = `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  return days ? `${days} day${days === 1 ? '' : 's'}, ${hms}` : hms;
}
