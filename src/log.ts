// The one logger factory. Every line is structured (winston) so the ids that matter
// (incident, alarm, server, x-openstack-request-id) are fields, not prose.
import winston from 'winston';
import Transport from 'winston-transport';

export type Logger = winston.Logger;

export interface LogOptions {
  level?: string;
  format?: 'json' | 'text';
  /** Extra transports (tests capture lines with MemoryTransport). */
  transports?: winston.transport[];
  silent?: boolean;
}

/** Creates a logger writing to stderr (so CLI --json output on stdout stays clean). */
export function createLogger(opts: LogOptions = {}): Logger {
  const format =
    opts.format === 'json'
      ? winston.format.combine(winston.format.timestamp(), winston.format.json())
      : winston.format.combine(
          winston.format.timestamp(),
          winston.format.printf(({ timestamp, level, message, ...meta }) => {
            const fields = Object.entries(meta)
              .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
              .join(' ');
            return `${String(timestamp)} ${level} ${String(message)}${fields ? ' ' + fields : ''}`;
          }),
        );
  const transports: winston.transport[] = opts.transports ?? [
    new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] }),
  ];
  return winston.createLogger({ level: opts.level ?? 'info', format, transports, silent: opts.silent ?? false });
}

/** A transport that keeps every entry in memory, for tests that check what was logged. */
export class MemoryTransport extends Transport {
  readonly entries: Record<string, unknown>[] = [];
  override log(info: Record<string, unknown>, callback: () => void): void {
    this.entries.push({ ...info });
    callback();
  }
}

/** A logger that keeps its lines in memory (and prints nothing). */
export function memoryLogger(level = 'debug'): { logger: Logger; memory: MemoryTransport } {
  const memory = new MemoryTransport();
  const logger = winston.createLogger({ level, transports: [memory] });
  return { logger, memory };
}
