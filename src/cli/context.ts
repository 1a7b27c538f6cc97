// Shared plumbing of CLI commands: load the configuration, resolve credentials,
// build clients, and turn every known failure into one clear line and an exit code.
import { resolveCredentials, type Credentials } from '../config/clouds.ts';
import { ConfigError } from '../config/errors.ts';
import { loadConfig, resolveConfigPath } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { createLogger, type Logger } from '../log.ts';
import { OpenStackError } from '../openstack/errors.ts';
import { createClients, type OpenStackClients } from '../openstack/index.ts';
import { EXIT, type CliIO } from './io.ts';

export interface GlobalOptions {
  config?: string;
  verbose?: boolean;
  json?: boolean;
}

export class CliContext {
  private cachedConfig: { path: string; config: Readonly<Config> } | undefined;

  constructor(
    readonly io: CliIO,
    readonly globals: GlobalOptions,
  ) {}

  /** The CLI logs to stderr; quiet unless --verbose so the one error line stands alone. */
  logger(): Logger {
    return createLogger({
      level: this.globals.verbose ? 'info' : 'error',
      format: 'text',
    });
  }

  configPath(): string {
    return resolveConfigPath(this.globals.config, this.io.env);
  }

  config(): Readonly<Config> {
    const path = this.configPath();
    if (!this.cachedConfig || this.cachedConfig.path !== path) this.cachedConfig = { path, config: loadConfig(path) };
    return this.cachedConfig.config;
  }

  credentials(): Credentials {
    const os = this.config().openstack;
    return resolveCredentials({ cloud: os.cloud, interface: os.interface, region: os.region, env: this.io.env, cwd: this.io.cwd });
  }

  clients(): OpenStackClients {
    return createClients(this.credentials(), {
      logger: this.logger(),
      timeoutMs: this.config().openstack.timeout_seconds * 1000,
    });
  }
}

/** Runs a command body, mapping failures to one stderr line and an exit code. */
export async function guard(io: CliIO, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`vmha: ${err.message.split('\n').join('\nvmha: ')}\n`);
      return EXIT.USAGE;
    }
    if (err instanceof OpenStackError) {
      io.stderr(`vmha: ${err.message}\n`);
      return EXIT.OPENSTACK;
    }
    io.stderr(`vmha: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
    return EXIT.FAILED;
  }
}
