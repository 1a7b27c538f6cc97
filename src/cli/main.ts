// The `vmha` command line. Each command lives in its own file; this one wires them.
import { Command, CommanderError } from 'commander';
import { incidentsList, incidentsShow, limitsSet, limitsShow } from './admin.ts';
import { registerAlarmCommands } from './alarms/index.ts';
import { registerSafetyCommands } from './safety.ts';
import { configCheck } from './config-check.ts';
import { demo, SCENARIO_NAMES } from './demo.ts';
import { CliContext, type GlobalOptions } from './context.ts';
import { EXIT, processIO, type CliIO } from './io.ts';
import { probe } from './probe.ts';
import { serve } from './serve.ts';

/** Runs the CLI with the given arguments (without "node vmha") and returns the exit code. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  let exitCode: number = EXIT.OK;
  const program = new Command('vmha')
    .description('Keeps OpenStack pet instances alive: in-guest probes, Aodh alarms, safe Nova recovery')
    .option('-c, --config <file>', 'configuration file (default $VMHA_CONFIG, else /etc/vmha/vmha.yaml)')
    .option('--json', 'machine-readable output')
    .option('-v, --verbose', 'log every OpenStack call (with its request id) to stderr')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError();

  const ctx = (): CliContext => new CliContext(io, program.opts<GlobalOptions>());

  const config = program.command('config').description('configuration commands');
  config
    .command('check')
    .description('validate the configuration and credentials; print the effective configuration with secrets masked')
    .option('--offline', 'do not contact OpenStack')
    .action(async (opts: { offline?: boolean }) => {
      exitCode = await configCheck(ctx(), opts);
    });
  registerAlarmCommands(program, ctx, (code) => (exitCode = code));

  program
    .command('serve')
    .description('run the webhook service: receive Aodh alarms, recover instances through Nova')
    .option('--dry-run', 'decide and journal what would be done; change nothing in Nova, run no fence (overrides safety.dry_run)')
    .action(async (opts: { dryRun?: boolean }) => {
      exitCode = await serve(ctx(), opts);
    });

  program
    .command('probe')
    .description('run the probe agent on this compute host: in-guest ping and disk probes published to Gnocchi')
    .option('--once', 'run one probe cycle and exit (non-zero if nothing could be probed)')
    .option('--publish', 'with --once: also publish the cycle to Gnocchi')
    .action(async (opts: { once?: boolean; publish?: boolean }) => {
      exitCode = await probe(ctx(), opts);
    });

  program
    .command('demo')
    .description('play failure scenarios on a simulated cloud and watch vmha detect and recover them (about a minute, loopback only)')
    .option('--scenario <name...>', `only these scenarios (${SCENARIO_NAMES.join(', ')})`)
    .action(async (opts: { scenario?: string[] }) => {
      exitCode = await demo(ctx(), opts, run);
    });

  const urlOption = '--url <url>';
  const urlHelp = 'base URL of vmha serve (default: http://<webhook.listen>)';
  const incidents = program.command('incidents').description('inspect incidents of a running vmha serve');
  incidents
    .command('list')
    .description('list recent incidents')
    .option(urlOption, urlHelp)
    .option('--state <state>', 'only incidents in this state (open, waiting, acting, verifying, succeeded, failed, ignored, gave_up, closed, suppressed, dry_run)')
    .option('--limit <n>', 'at most this many (default 100)')
    .action(async (opts: { url?: string; state?: string; limit?: string }) => {
      exitCode = await incidentsList(ctx(), opts);
    });
  incidents
    .command('show <id>')
    .description("an incident's timeline: alarm, decision and why, each attempt with its request id, outcome")
    .option(urlOption, urlHelp)
    .action(async (id: string, opts: { url?: string }) => {
      exitCode = await incidentsShow(ctx(), id, opts);
    });

  const limits = program.command('limits').description('show or change the action limits of a running vmha serve');
  limits
    .command('show')
    .description('current limits and how many actions wait or run')
    .option(urlOption, urlHelp)
    .action(async (opts: { url?: string }) => {
      exitCode = await limitsShow(ctx(), opts);
    });
  limits
    .command('set')
    .description('change limits at runtime (persisted across restarts)')
    .option(urlOption, urlHelp)
    .option('--global-per-window <n>', 'actions in any window, all hosts together')
    .option('--global-window <seconds>', 'length of the global window')
    .option('--global-concurrency <n>', 'actions running at once, all hosts together')
    .option('--host-concurrency <n>', 'actions running at once per host')
    .option('--host-per-window <n>', 'actions in any window per host')
    .option('--host-window <seconds>', 'length of the per-host window')
    .action(async (opts: Parameters<typeof limitsSet>[1]) => {
      exitCode = await limitsSet(ctx(), opts);
    });

  registerSafetyCommands(program, ctx, (code) => (exitCode = code));

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors with a message already printed.
      return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    throw err;
  }
  return exitCode;
}

export async function main(): Promise<void> {
  process.exitCode = await run(process.argv.slice(2), processIO());
}
