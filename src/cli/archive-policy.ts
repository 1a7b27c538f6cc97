// `vmha archive-policy ensure`: the Gnocchi archive policy with the short granularities
// vmha's templates evaluate (e.g. 10 s), and one archive-policy rule per metric they
// read, so that new metrics get it. Gnocchi's default rule maps everything to "low"
// (5 minutes), where a 10 s alarm stays in "insufficient data" forever.
import { effectiveRule, neededArchivePolicy, neededRules, policyGaps } from '../alarms/lint.ts';
import type { ArchivePolicy, ArchivePolicyRule } from '../openstack/gnocchi.ts';
import { NotFound } from '../openstack/errors.ts';
import { alarmSetup, prepareTemplates, sampleBody } from './alarms/setup.ts';
import { table } from './alarms/output.ts';
import { guard, type CliContext } from './context.ts';
import { EXIT } from './io.ts';

export interface EnsureFlags {
  template?: string[];
  dryRun?: boolean;
}

interface Step {
  kind: 'archive policy' | 'rule';
  name: string;
  outcome: 'created' | 'would create' | 'unchanged' | 'conflict' | 'shadowed';
  detail: string;
}

export async function ensureArchivePolicy(ctx: CliContext, flags: EnsureFlags): Promise<number> {
  const io = ctx.io;
  return guard(io, async () => {
    const setup = alarmSetup(ctx);
    const bodies = prepareTemplates(setup, flags.template).map((p) => sampleBody(p, setup));
    const policy = neededArchivePolicy(setup.alarms.archive_policy, bodies);
    const rules = neededRules(policy.name, bodies);
    const { gnocchi } = ctx.clients();
    const steps: Step[] = [];
    const create = flags.dryRun ? 'would create' : 'created';

    let existing: ArchivePolicy | undefined;
    try {
      existing = await gnocchi.getArchivePolicy(policy.name);
    } catch (err) {
      if (!(err instanceof NotFound)) throw err;
    }
    if (!existing) {
      if (!flags.dryRun) await gnocchi.createArchivePolicy(policy);
      steps.push({ kind: 'archive policy', name: policy.name, outcome: create, detail: describePolicy(policy) });
    } else {
      const gaps = policyGaps(existing, policy);
      steps.push(
        gaps.length
          ? {
              kind: 'archive policy',
              name: policy.name,
              outcome: 'conflict',
              // Gnocchi cannot add a granularity to an existing policy.
              detail: `exists without ${gaps.join(', ')}; set alarms.archive_policy to a new name and re-run`,
            }
          : { kind: 'archive policy', name: policy.name, outcome: 'unchanged', detail: describePolicy(existing) },
      );
    }

    const current = await gnocchi.listArchivePolicyRules();
    const after: ArchivePolicyRule[] = [...current];
    for (const rule of rules) {
      const same = current.find((r) => r.name === rule.name);
      const what = `${rule.metric_pattern} -> ${rule.archive_policy_name}`;
      if (!same) {
        if (!flags.dryRun) await gnocchi.createArchivePolicyRule(rule);
        after.push(rule);
        steps.push({ kind: 'rule', name: rule.name, outcome: create, detail: what });
      } else if (same.metric_pattern !== rule.metric_pattern || same.archive_policy_name !== rule.archive_policy_name) {
        steps.push({
          kind: 'rule',
          name: rule.name,
          outcome: 'conflict',
          detail: `exists as ${same.metric_pattern} -> ${same.archive_policy_name}; Gnocchi rules cannot be changed: delete it and re-run`,
        });
      } else steps.push({ kind: 'rule', name: rule.name, outcome: 'unchanged', detail: what });
    }
    // Another rule may sort before ours (Gnocchi orders by pattern, descending) and win.
    for (const rule of rules) {
      const wins = effectiveRule(after, rule.metric_pattern);
      if (wins && wins.name !== rule.name) {
        steps.push({ kind: 'rule', name: wins.name, outcome: 'shadowed', detail: `rule '${wins.name}' (${wins.metric_pattern}) takes ${rule.metric_pattern} before '${rule.name}'` });
      }
    }

    const problems = steps.filter((s) => s.outcome === 'conflict' || s.outcome === 'shadowed');
    if (ctx.globals.json) {
      io.stdout(JSON.stringify({ dry_run: Boolean(flags.dryRun), archive_policy: policy, rules, steps }, null, 2) + '\n');
    } else {
      io.stdout(table(['KIND', 'NAME', 'RESULT', 'DETAIL'], steps.map((s) => [s.kind, s.name, s.outcome, s.detail])));
      io.stdout(
        "Metrics created before a rule keep their archive policy; 'vmha alarms lint' checks the rules, not existing metrics.\n",
      );
    }
    for (const p of problems) io.stderr(`vmha: ${p.kind} ${p.name}: ${p.detail}\n`);
    return problems.length ? EXIT.FAILED : EXIT.OK;
  });
}

function describePolicy(p: ArchivePolicy): string {
  const defs = p.definition.map((d) => `${String(d.granularity)}${d.points ? ` x ${d.points}` : ''}${d.timespan ? ` (${String(d.timespan)})` : ''}`);
  return `${defs.join('; ')}; ${(p.aggregation_methods ?? []).join(', ')}`;
}
