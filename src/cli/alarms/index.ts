// Wires `vmha alarms ...` and `vmha archive-policy ensure` into the command line.
import { Command, Option } from 'commander';
import { ensureArchivePolicy } from '../archive-policy.ts';
import type { CliContext } from '../context.ts';
import { installAlarms } from './install.ts';
import { lintAlarms } from './lint.ts';
import { listAlarms } from './list.ts';
import { removeAlarms } from './remove.ts';
import { renderAlarm } from './render.ts';

const EXIT_CODES = `
Exit codes: 0 done; 1 some alarms or instances failed (the rest was done; re-run);
2 bad usage, configuration or template (nothing written); 3 OpenStack refused or unreachable.`;

export function registerAlarmCommands(program: Command, ctx: () => CliContext, setExit: (code: number) => void): void {
  const alarms = program
    .command('alarms')
    .description("vmha's Aodh alarms on HA-enabled instances: render, install, list, diff, remove, lint");

  alarms
    .command('render')
    .description('print the Aodh alarm body a template gives for one instance (offline)')
    .requiredOption('--template <name>', 'template name (alarms/<name>.yaml)')
    .requiredOption('--instance <id>', 'instance (server) id')
    .option('--set <name=value...>', 'override a template variable, e.g. --set threshold=800')
    .addHelpText('after', EXIT_CODES)
    .action(async (opts) => setExit(await renderAlarm(ctx(), opts)));

  const scoped = (cmd: Command): Command =>
    cmd
      .option('--all', 'every HA-enabled instance')
      .option('--instance <id...>', 'these instances (repeatable)')
      .option('--project <id>', 'the HA-enabled instances of one project')
      .option('--template <name...>', 'only these templates (default: alarms.templates)');

  scoped(
    alarms
      .command('install')
      .description('create or update the alarms of HA-enabled instances (Nova metadata HA_Enabled=True); idempotent'),
  )
    .option('--dry-run', 'print the plan; write nothing')
    .option('--prune', 'also remove stale vmha alarms in scope (instance deleted or no longer HA-enabled, template dropped)')
    .option('--skip-lint', "install even if Gnocchi's archive policy lacks a template's granularity (the alarm would never fire)")
    .addHelpText('after', EXIT_CODES)
    .action(async (opts) => setExit(await installAlarms(ctx(), opts, 'install')));

  scoped(alarms.command('diff').description('show what install would change (default scope: --all); writes nothing'))
    .option('--prune', 'show stale alarms as removals, as install --prune would')
    .option('--exit-code', 'exit 1 when install would change something')
    .addHelpText('after', EXIT_CODES)
    .action(async (opts) => setExit(await installAlarms(ctx(), opts, 'diff')));

  alarms
    .command('list')
    .description("list vmha's alarms in Aodh with their state")
    .option('--instance <id...>', 'only these instances')
    .option('--template <name...>', 'only these templates')
    .addOption(new Option('--state <state>', 'only alarms in this state').choices(['ok', 'alarm', 'insufficient data']))
    .addHelpText('after', EXIT_CODES)
    .action(async (opts) => setExit(await listAlarms(ctx(), opts)));

  alarms
    .command('remove')
    .description("delete vmha's alarms: of given instances, of deleted instances (--orphans), or all")
    .option('--instance <id...>', 'alarms of these instances')
    .option('--orphans', 'alarms of instances that no longer exist in Nova')
    .option('--all', "every vmha alarm (uninstall)")
    .option('--template <name...>', 'only alarms of these templates')
    .option('--dry-run', 'print what would be removed; write nothing')
    .addHelpText('after', EXIT_CODES)
    .action(async (opts) => setExit(await removeAlarms(ctx(), opts)));

  alarms
    .command('lint')
    .description("check every template against Gnocchi's archive policies and print its detection time")
    .option('--template <name...>', 'only these templates (default: every file in the templates directory)')
    .option('--strict', 'exit 1 on warnings too (detection time above alarms.detection_target_s)')
    .addHelpText('after', '\nExit codes: 0 every template can fire; 1 errors found (or warnings with --strict); 2 bad template or configuration; 3 OpenStack unreachable.')
    .action(async (opts) => setExit(await lintAlarms(ctx(), opts)));

  program
    .command('archive-policy')
    .description('Gnocchi archive policy for vmha metrics')
    .command('ensure')
    .description('create the short-granularity archive policy the templates need, and a rule per vmha metric, if missing')
    .option('--template <name...>', 'size for these templates (default: alarms.templates)')
    .option('--dry-run', 'print what would be created; write nothing')
    .addHelpText('after', '\nExit codes: 0 in place; 1 a conflicting policy or rule exists; 2 bad configuration; 3 OpenStack refused (admin needed).')
    .action(async (opts) => setExit(await ensureArchivePolicy(ctx(), opts)));
}
