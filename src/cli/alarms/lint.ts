// `vmha alarms lint`: for every template, can its alarm fire (Gnocchi keeps the
// granularity and aggregation it reads) and how long does detection take.
import { lintAlarm, type LintInput, type LintReport } from '../../alarms/lint.ts';
import { listTemplateNames } from '../../alarms/template.ts';
import type { ArchivePolicy, GnocchiClient } from '../../openstack/gnocchi.ts';
import { NotFound } from '../../openstack/errors.ts';
import { guard, type CliContext } from '../context.ts';
import { EXIT } from '../io.ts';
import { plural, table } from './output.ts';
import { alarmSetup, prepareTemplates, sampleBody, type AlarmSetup } from './setup.ts';

export interface LintFlags {
  template?: string[];
  strict?: boolean;
}

export async function lintAlarms(ctx: CliContext, flags: LintFlags): Promise<number> {
  const io = ctx.io;
  return guard(io, async () => {
    const setup = alarmSetup(ctx);
    const names = flags.template?.length ? flags.template : listTemplateNames(setup.templatesDir);
    const prepared = prepareTemplates(setup, names);
    const input = await lintInput(ctx.clients().gnocchi, setup);
    const reports = prepared.map((p) => ({
      template: p.template,
      installed: setup.alarms.templates.includes(p.template.name),
      report: lintAlarm(sampleBody(p, setup), input),
    }));
    const errors = reports.reduce((n, r) => n + r.report.findings.filter((f) => f.level === 'error').length, 0);
    const warnings = reports.reduce((n, r) => n + r.report.findings.filter((f) => f.level === 'warning').length, 0);

    if (ctx.globals.json) {
      io.stdout(
        JSON.stringify(
          {
            evaluation_interval_s: input.evaluationIntervalS,
            detection_target_s: input.detectionTargetS,
            templates: reports.map((r) => ({
              name: r.template.name,
              file: r.template.file,
              installed: r.installed,
              detection_s: r.report.detectionS,
              leaves: r.report.leaves.map((l) => ({
                path: l.path,
                metric: l.metric ?? null,
                aggregation_method: l.aggregation,
                granularity: l.granularity,
                evaluation_periods: l.periods,
                archive_policy_rule: l.rule ?? null,
                archive_policy: l.archivePolicy ?? null,
                policy_granularities: l.policyGranularities ?? null,
              })),
              findings: r.report.findings,
            })),
            errors,
            warnings,
          },
          null,
          2,
        ) + '\n',
      );
    } else {
      io.stdout(humanReport(reports, input.evaluationIntervalS));
    }
    if (errors || (flags.strict && warnings)) return EXIT.FAILED;
    return EXIT.OK;
  });
}

/** Gnocchi's archive-policy rules and the policies they name, with the settings lint compares against. */
export async function lintInput(gnocchi: GnocchiClient, setup: AlarmSetup): Promise<LintInput> {
  const rules = await gnocchi.listArchivePolicyRules();
  const policies = new Map<string, ArchivePolicy | undefined>();
  for (const name of new Set(rules.map((r) => r.archive_policy_name))) {
    try {
      policies.set(name, await gnocchi.getArchivePolicy(name));
    } catch (err) {
      if (!(err instanceof NotFound)) throw err;
      policies.set(name, undefined);
    }
  }
  return { rules, policies, evaluationIntervalS: setup.alarms.evaluation_interval_s, detectionTargetS: setup.alarms.detection_target_s };
}

function humanReport(reports: { template: { name: string; file: string }; installed: boolean; report: LintReport }[], evaluationIntervalS: number): string {
  const rows: string[][] = [];
  for (const { template, installed, report } of reports) {
    const status = report.findings.some((f) => f.level === 'error') ? 'ERROR' : report.findings.length ? 'warning' : 'ok';
    report.leaves.forEach((l, i) => {
      rows.push([
        i === 0 ? `${template.name}${installed ? '' : ' (not installed)'}` : '',
        l.metric ?? '(by id)',
        l.aggregation,
        `${l.granularity} s x ${l.periods}`,
        l.archivePolicy ?? '-',
        i === 0 ? `${report.detectionS} s` : '',
        i === 0 ? status : '',
      ]);
    });
  }
  let out = table(['TEMPLATE', 'METRIC', 'AGGREGATION', 'WINDOW', 'ARCHIVE POLICY', 'DETECTION', 'STATUS'], rows);
  out += `Detection = granularity x periods + Aodh evaluation interval (${evaluationIntervalS} s); Gnocchi's processing delay comes on top.\n`;
  const findings = reports.flatMap((r) => r.report.findings.map((f) => ({ ...f, file: r.template.file })));
  for (const f of findings) {
    const where = f.path === 'detection' ? '' : ` alarm.${f.path}:`;
    out += `${f.level}: ${f.file}:${where} ${f.message}\n`;
  }
  const errors = findings.filter((f) => f.level === 'error').length;
  const warnings = findings.length - errors;
  out += errors || warnings ? `${plural(errors, 'error')}, ${plural(warnings, 'warning')}\n` : `All ${plural(reports.length, 'template')} can fire.\n`;
  return out;
}
