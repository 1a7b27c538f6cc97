// `vmha alarms install` and `vmha alarms diff`: find the HA-enabled instances, render
// the templates for them, compare with what Aodh has, and (install) create or update
// the difference. Idempotent: a second run finds everything unchanged.
import { actionsOf, applyActions, type ActionResult } from '../../alarms/apply.ts';
import { desiredAlarms, findInstances, listOwnedAlarms, type InstanceProblem } from '../../alarms/inventory.ts';
import { lintAlarm } from '../../alarms/lint.ts';
import { isNoop, plan, type Plan } from '../../alarms/plan.ts';
import { guard, type CliContext } from '../context.ts';
import { EXIT } from '../io.ts';
import { plural, Progress, show } from './output.ts';
import { lintInput } from './lint.ts';
import { alarmSetup, prepareTemplates, sampleBody, selectorOf, type SelectorFlags } from './setup.ts';

export interface InstallFlags extends SelectorFlags {
  template?: string[];
  dryRun?: boolean;
  prune?: boolean;
  exitCode?: boolean;
  skipLint?: boolean;
}

/** install (mode 'install') or diff (mode 'diff': never writes). */
export async function installAlarms(ctx: CliContext, flags: InstallFlags, mode: 'install' | 'diff'): Promise<number> {
  const io = ctx.io;
  return guard(io, async () => {
    const selector = selectorOf(flags, mode === 'diff' ? { kind: 'all' } : undefined);
    if ('error' in selector) {
      io.stderr(`vmha: alarms ${mode}: ${selector.error}\n`);
      return EXIT.USAGE;
    }
    const setup = alarmSetup(ctx);
    const templates = prepareTemplates(setup, flags.template);
    const { nova, aodh, gnocchi } = ctx.clients();
    const json = Boolean(ctx.globals.json);
    const dryRun = mode === 'diff' || Boolean(flags.dryRun);
    // An alarm whose granularity Gnocchi does not keep never leaves "insufficient data":
    // refuse to install it (nothing is written); a dry run only warns.
    if (!flags.skipLint) {
      const input = await lintInput(gnocchi, setup);
      const errors = templates.flatMap((p) =>
        lintAlarm(sampleBody(p, setup), input).findings.filter((f) => f.level === 'error').map((f) => `${p.template.file}: alarm.${f.path}: ${f.message}`),
      );
      for (const e of errors) io.stderr(`vmha: ${dryRun ? 'warning: ' : ''}${e}\n`);
      if (errors.length && !dryRun) {
        io.stderr(`vmha: alarms install: nothing written: these alarms could never fire (--skip-lint installs them anyway)\n`);
        return EXIT.USAGE;
      }
    }
    const marker = { key: setup.alarms.ha_metadata_key, value: setup.alarms.ha_metadata_value };
    const instances = await findInstances(nova, selector, marker, setup.alarms.concurrency);
    const existing = await listOwnedAlarms(aodh);
    const desired = desiredAlarms(instances.ha, templates, setup.actions);
    const p = plan(desired, existing, { templates: new Set(templates.map((t) => t.template.name)), instances: instances.scope });
    const context = { instances: instances.ha.length, templates: templates.map((t) => t.template.name) };

    if (dryRun) {
      if (json) io.stdout(JSON.stringify({ dry_run: true, ...context, plan: planJson(p), problems: problemsJson(instances.problems) }, null, 2) + '\n');
      else io.stdout(planText(p, Boolean(flags.prune), instances.problems, context));
      reportProblems(io, instances.problems, json);
      if (instances.problems.length) return EXIT.FAILED;
      return flags.exitCode && !isNoop(p, Boolean(flags.prune)) ? EXIT.FAILED : EXIT.OK;
    }

    const actions = actionsOf(p, { removals: Boolean(flags.prune) });
    const progress = new Progress(io, actions.length, !json);
    const results = await applyActions(actions, aodh, {
      concurrency: setup.alarms.concurrency,
      onResult: (r) => progress.item(r.ok ? pastTense(r.action.kind) : 'failed', resultLine(r)),
    });
    progress.finish();
    const failed = results.filter((r) => !r.ok);
    const summary = {
      created: results.filter((r) => r.ok && r.action.kind === 'create').length,
      updated: results.filter((r) => r.ok && r.action.kind === 'update').length,
      unchanged: p.unchanged.length,
      removed: results.filter((r) => r.ok && r.action.kind === 'delete').length,
      failed: failed.length + instances.problems.length,
      stale: flags.prune ? 0 : p.remove.length,
    };
    if (json) {
      io.stdout(
        JSON.stringify({ dry_run: false, ...context, summary, results: results.map(resultJson), problems: problemsJson(instances.problems) }, null, 2) + '\n',
      );
    } else {
      if (io.isTTY) for (const r of failed) io.stdout(resultLine(r) + '\n');
      io.stdout(summaryText(summary, context));
    }
    reportProblems(io, instances.problems, json);
    if (summary.failed) {
      const what = [failed.length ? `${plural(failed.length, 'alarm')} failed` : '', instances.problems.length ? `${plural(instances.problems.length, 'instance')} skipped` : '']
        .filter(Boolean)
        .join(', ');
      io.stderr(`vmha: ${what} (see above); fix the cause and re-run: install is idempotent\n`);
      return EXIT.FAILED;
    }
    return EXIT.OK;
  });
}

function pastTense(kind: string): string {
  return kind === 'create' ? 'created' : kind === 'update' ? 'updated' : 'removed';
}

/** One line per finished alarm: what happened, or why it failed with Aodh's own message. */
export function resultLine(r: ActionResult): string {
  const a = r.action;
  if (r.ok) return `${pastTense(a.kind).padEnd(8)} ${a.name}${r.alarmId ? `  (alarm ${r.alarmId})` : ''}`;
  const e = r.error!;
  const status = e.status ? ` ${e.status}` : '';
  const rid = e.requestId ? ` (request ${e.requestId})` : '';
  return `FAILED   ${a.name}  instance ${a.instanceId}: ${a.kind} refused by Aodh${status}: ${e.message}${rid}`;
}

export function resultJson(r: ActionResult): Record<string, unknown> {
  return {
    action: r.action.kind,
    name: r.action.name,
    template: r.action.template,
    instance_id: r.action.instanceId,
    alarm_id: r.alarmId ?? null,
    ok: r.ok,
    ...(r.error ? { error: { status: r.error.status ?? null, message: r.error.message, request_id: r.error.requestId ?? null } } : {}),
  };
}

function problemsJson(problems: readonly InstanceProblem[]): unknown[] {
  return problems.map((p) => ({ instance_id: p.instanceId, error: { status: p.error.status ?? null, message: p.error.message } }));
}

function reportProblems(io: CliContext['io'], problems: readonly InstanceProblem[], json: boolean): void {
  if (json) return;
  for (const p of problems) io.stderr(`vmha: instance ${p.instanceId}: ${p.error.message}\n`);
}

function summaryText(s: Record<string, number>, context: { instances: number; templates: string[] }): string {
  const lines: string[] = [];
  if (s.created === 0 && s.updated === 0 && s.removed === 0 && s.failed === 0) {
    lines.push(`Nothing to change: ${plural(s.unchanged!, 'alarm')} on ${plural(context.instances, 'instance')} already up to date.`);
  }
  lines.push(
    `${plural(context.instances, 'instance')} x ${plural(context.templates.length, 'template')} (${context.templates.join(', ')}): ` +
      `${s.created} created, ${s.updated} updated, ${s.unchanged} unchanged, ${s.removed} removed, ${s.failed} failed`,
  );
  if (s.stale) lines.push(`${plural(s.stale, 'stale alarm')} (instance deleted, not HA-enabled, or template dropped) left in place: --prune removes them.`);
  return lines.join('\n') + '\n';
}

function planJson(p: Plan): Record<string, unknown> {
  return {
    create: p.create.map((d) => ({ name: d.name, template: d.template, instance_id: d.instanceId, body: d.body })),
    update: p.update.map((u) => ({ name: u.desired.name, alarm_id: u.existing.alarm_id, changes: u.changes, body: u.desired.body })),
    unchanged: p.unchanged.map((u) => ({ name: u.desired.name, alarm_id: u.existing.alarm_id })),
    remove: p.remove.map((r) => ({ name: r.existing.name, alarm_id: r.existing.alarm_id, reason: r.reason })),
  };
}

function planText(p: Plan, prune: boolean, problems: readonly InstanceProblem[], context: { instances: number; templates: string[] }): string {
  const out: string[] = [];
  for (const d of p.create) out.push(`+ create   ${d.name}`);
  for (const u of p.update) {
    out.push(`~ update   ${u.desired.name}  (alarm ${u.existing.alarm_id})`);
    for (const c of u.changes) out.push(`      ${c.path}: ${show(c.from)} -> ${show(c.to)}`);
  }
  for (const r of p.remove) {
    const why = r.reason === 'duplicate' ? 'duplicate of the same name' : 'stale: instance deleted, not HA-enabled, or template dropped';
    out.push(`${prune ? '- remove ' : '! stale  '}  ${r.existing.name}  (alarm ${r.existing.alarm_id}; ${why}${prune ? '' : '; --prune removes it'})`);
  }
  for (const pr of problems) out.push(`x skip     instance ${pr.instanceId}: ${pr.error.message}`);
  const removing = prune ? p.remove.length : 0;
  const head =
    isNoop(p, prune) && problems.length === 0
      ? `No changes: ${plural(p.unchanged.length, 'alarm')} on ${plural(context.instances, 'instance')} up to date.`
      : `Plan: ${p.create.length} to create, ${p.update.length} to update, ${removing} to remove, ${p.unchanged.length} unchanged` +
        `${!prune && p.remove.length ? `, ${p.remove.length} stale` : ''}.`;
  out.push(head);
  return out.join('\n') + '\n';
}
