// The `vmha` command line. Each command lives in its own file; this one wires them.
import { Command, CommanderError } from 'commander';
import { configCheck } from './config-check.ts';
import { CliContext, type GlobalOptions } from './context.ts';
import { EXIT, processIO, type CliIO } from './io.ts';

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
