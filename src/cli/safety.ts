// `vmha host`, `vmha guard` and `vmha maintenance`: the operator's side of the safety
// features, through the admin API of a running `vmha serve` (Keystone token, admin role).
import type { Command } from 'commander';
import YAML from 'yaml';
import type { HostWorkflow } from '../domain/host-workflow.ts';
import type { MaintenanceSwitches } from '../policy/maintenance.ts';
import { AdminError, adminCall, guardAdmin, out, serviceUrl, table } from './admin.ts';
import type { CliContext } from './context.ts';
import { EXIT } from './io.ts';

const URL_OPTION = '--url <url>';
const URL_HELP = 'base URL of vmha serve (default: http://<webhook.listen>)';

export function registerSafetyCommands(program: Command, ctx: () => CliContext, setExit: (code: number) => void): void {
  const host = program.command('host').description('host failure workflows: status, and re-enabling a host vmha took out');
  host
    .command('status [host]')
    .description('host workflows (newest first), or the one in charge of HOST')
    .option(URL_OPTION, URL_HELP)
    .action(async (name: string | undefined, opts: { url?: string }) => setExit(await hostStatus(ctx(), name, opts)));
  host
    .command('enable <host>')
    .description('lift force-down and enable the compute service of HOST, and release its host workflow (after you checked the host)')
    .option(URL_OPTION, URL_HELP)
    .option('--dry-run', 'show what would be done, change nothing')
    .action(async (name: string, opts: { url?: string; dryRun?: boolean }) => setExit(await hostEnable(ctx(), name, opts)));

  const guard = program.command('guard').description('the mass-failure guard: stops every automatic action when too much fails at once');
  guard
    .command('status')
    .description('whether the guard is tripped, why, and the shares of the last evaluation')
    .option(URL_OPTION, URL_HELP)
    .action(async (opts: { url?: string }) => setExit(await guardStatus(ctx(), opts)));
  guard
    .command('resume')
    .description('resume automatic actions now (no re-trip until the shares fall below the resume threshold)')
    .option(URL_OPTION, URL_HELP)
    .action(async (opts: { url?: string }) => setExit(await guardResume(ctx(), opts)));

  const maint = program.command('maintenance').description('maintenance switches: while on, alarms in scope are journaled as suppressed, never acted on');
  for (const on of [true, false]) {
    maint
      .command(on ? 'on' : 'off')
      .description(`turn maintenance ${on ? 'on' : 'off'}: globally, or for one availability zone, host or instance`)
      .option(URL_OPTION, URL_HELP)
      .option('--az <zone>', 'an availability zone')
      .option('--host <host>', 'a compute host')
      .option('--instance <id>', 'an instance (server id)')
      .option('--reason <text>', 'why (shown in suppressed incidents)')
      .action(async (opts: MaintenanceOpts) => setExit(await maintenanceSet(ctx(), on, opts)));
  }
  maint
    .command('status')
    .description('the switches that are on')
    .option(URL_OPTION, URL_HELP)
    .action(async (opts: { url?: string }) => setExit(await maintenanceStatus(ctx(), opts)));
}

interface MaintenanceOpts {
  url?: string;
  az?: string;
  host?: string;
  instance?: string;
  reason?: string;
}

const iso = (ms: number | null | undefined): string => (ms ? new Date(ms).toISOString() : '-');

export function hostStatus(ctx: CliContext, name: string | undefined, opts: { url?: string }): Promise<number> {
  return guardAdmin(ctx, async () => {
    const url = serviceUrl(ctx, opts.url);
    const data = name
      ? await adminCall<{ workflows: HostWorkflow[] }>(ctx, url, 'GET', `/hosts/${encodeURIComponent(name)}`)
      : await adminCall<{ workflows: HostWorkflow[] }>(ctx, url, 'GET', '/hosts');
    out(ctx, data, () =>
      table(
        ['WORKFLOW', 'HOST', 'STATE', 'DETECTED', 'FENCE', 'INSTANCES', 'REASON'],
        data.workflows.map((w) => [
          w.id,
          w.host,
          w.state,
          iso(w.detectedAt),
          w.fence ? (w.fence.ok === true ? 'ok' : w.fence.ok === false ? 'FAILED' : 'running') : '-',
          w.instances.length ? w.instances.map((i) => `${i.serverId}:${i.outcome}`).join(',') : '-',
          w.reason,
        ]),
      ),
    );
    return EXIT.OK;
  });
}

export function hostEnable(ctx: CliContext, name: string, opts: { url?: string; dryRun?: boolean }): Promise<number> {
  return guardAdmin(ctx, async () => {
    const data = await adminCall<{ steps: string[]; dry_run: boolean }>(ctx, serviceUrl(ctx, opts.url), 'POST', `/hosts/${encodeURIComponent(name)}/enable`, {
      dry_run: opts.dryRun === true,
    });
    out(ctx, data, () => (data.steps.length ? data.steps.map((s) => `${data.dry_run ? '' : 'done: '}${s}`).join('\n') + '\n' : `${name}: nothing to do\n`));
    return EXIT.OK;
  });
}

export function guardStatus(ctx: CliContext, opts: { url?: string }): Promise<number> {
  return guardAdmin(ctx, async () => {
    const data = await adminCall<{ state: { tripped: boolean; reason: string | null; since: number | null } }>(ctx, serviceUrl(ctx, opts.url), 'GET', '/guard');
    out(ctx, data, () => (data.state.tripped ? `TRIPPED since ${iso(data.state.since)}: ${data.state.reason}\n` : '') + YAML.stringify(data));
    return EXIT.OK;
  });
}

export function guardResume(ctx: CliContext, opts: { url?: string }): Promise<number> {
  return guardAdmin(ctx, async () => {
    const data = await adminCall<{ resumed: boolean; message: string }>(ctx, serviceUrl(ctx, opts.url), 'POST', '/guard/resume', {});
    out(ctx, data, () => `${data.message}\n`);
    return EXIT.OK;
  });
}

export function maintenanceSet(ctx: CliContext, on: boolean, opts: MaintenanceOpts): Promise<number> {
  return guardAdmin(ctx, async () => {
    const given = (['az', 'host', 'instance'] as const).filter((k) => opts[k] !== undefined);
    if (given.length > 1) throw new AdminError('give at most one of --az, --host, --instance');
    const level = given[0] ?? 'global';
    const target = given[0] ? opts[given[0]] : undefined;
    const data = await adminCall<{ changed: boolean; maintenance: MaintenanceSwitches }>(ctx, serviceUrl(ctx, opts.url), 'PUT', '/maintenance', {
      level,
      target,
      on,
      reason: opts.reason,
    });
    const what = level === 'global' ? 'global maintenance' : `maintenance of ${level} ${target}`;
    out(ctx, data, () => `${what} ${on ? 'on' : 'off'}${data.changed ? '' : ' (it already was)'}\n`);
    return EXIT.OK;
  });
}

export function maintenanceStatus(ctx: CliContext, opts: { url?: string }): Promise<number> {
  return guardAdmin(ctx, async () => {
    const data = await adminCall<{ maintenance: MaintenanceSwitches }>(ctx, serviceUrl(ctx, opts.url), 'GET', '/maintenance');
    const m = data.maintenance;
    const rows: string[][] = [];
    if (m.global) rows.push(['global', '-', m.global.by, iso(m.global.at), m.global.reason ?? '']);
    for (const [level, map] of [['az', m.azs], ['host', m.hosts], ['instance', m.instances]] as const) {
      for (const [target, sw] of Object.entries(map)) rows.push([level, target, sw.by, iso(sw.at), sw.reason ?? '']);
    }
    out(ctx, data, () => (rows.length ? table(['LEVEL', 'TARGET', 'BY', 'SINCE', 'REASON'], rows) : 'no maintenance switch is on\n'));
    return EXIT.OK;
  });
}
