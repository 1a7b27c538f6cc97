// `vmha serve`: the webhook service, until SIGTERM or SIGINT.
import { systemClock } from '../domain/clock.ts';
import { createLogger } from '../log.ts';
import { createClients } from '../openstack/index.ts';
import { withDryRun } from '../service/safety.ts';
import { startService } from '../service/serve.ts';
import { guard, type CliContext } from './context.ts';
import { EXIT } from './io.ts';

export async function serve(ctx: CliContext, opts: { dryRun?: boolean } = {}): Promise<number> {
  return guard(ctx.io, async () => {
    const config = opts.dryRun ? withDryRun(ctx.config()) : ctx.config();
    const creds = ctx.credentials();
    const logger = createLogger({ level: config.log.level, format: config.log.format });
    const clients = createClients(creds, { logger, timeoutMs: config.openstack.timeout_seconds * 1000 });
    const service = await startService({ config, clients, logger, clock: systemClock });
    ctx.io.stderr(`vmha serve: listening on ${service.url}\n`);
    await new Promise<void>((resolve) => {
      const stop = (signal: string): void => {
        logger.info('shutting down', { signal });
        resolve();
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    await service.close();
    // Limit windows and verification sleeps hold timers; the service is closed, so leave now.
    setImmediate(() => process.exit(EXIT.OK));
    return EXIT.OK;
  });
}
