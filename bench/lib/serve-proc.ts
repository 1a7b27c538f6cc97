// Child process: `vmha serve` composed exactly as the CLI does (src/cli/serve.ts):
// createLogger (JSON lines on stderr, a file here), createClients, startService.
// `paused` stops the engine right after start: admitted incidents are journaled and
// left alone, which isolates intake from recovery work.
import type { Credentials } from '../../src/config/clouds.ts';
import { configSchema } from '../../src/config/schema.ts';
import { systemClock } from '../../src/domain/clock.ts';
import { createLogger } from '../../src/log.ts';
import { createClients } from '../../src/openstack/index.ts';
import { startService } from '../../src/service/serve.ts';
import { childInput, serveParent } from './child.ts';
import { selfMemory } from './proc.ts';

const input = childInput<{ config: unknown; creds: Credentials; paused?: boolean }>();
const config = configSchema.parse(input.config);
const logger = createLogger({ level: config.log.level, format: config.log.format });
const clients = createClients(input.creds, { logger, timeoutMs: config.openstack.timeout_seconds * 1000 });
const service = await startService({ config, clients, logger, clock: systemClock });
if (input.paused) await service.engine.stop();

serveParent(
  { url: service.url },
  {
    memory: selfMemory,
    counts: () => service.journal.countByState(),
    incident: (a: { id: string }) => service.journal.get(a.id) ?? null,
    /** The engine's own alarm-to-action histogram: sum (seconds) and count. */
    alarmToAction: async () => {
      const values = (await service.metrics.alarmToAction.get()).values;
      const pick = (suffix: string): number => values.find((v) => v.metricName?.endsWith(suffix))?.value ?? 0;
      return { sum: pick('_sum'), count: pick('_count') };
    },
  },
  () => service.close(),
);
