// `vmha probe`: the per-host probe agent (agents/), as a daemon or one cycle.
import { probeCommand } from '../../agents/cli.ts';
import { createLogger } from '../log.ts';
import { guard, type CliContext } from './context.ts';

export async function probe(ctx: CliContext, opts: { once?: boolean; publish?: boolean }): Promise<number> {
  return guard(ctx.io, async () => {
    const config = ctx.config();
    // --once prints results on stdout; keep stderr to warnings unless --verbose.
    const logger = createLogger({ level: opts.once && !ctx.globals.verbose ? 'warn' : config.log.level, format: config.log.format });
    const abort = new AbortController();
    const stop = (): void => abort.abort();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    try {
      return await probeCommand(
        { probe: config.probe, logger, stdout: ctx.io.stdout, clients: () => ctx.clients(), signal: abort.signal },
        { once: opts.once, json: ctx.globals.json, publish: opts.publish },
      );
    } finally {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
    }
  });
}
