// Pinging a guest from the compute host: the fallback when guest-exec is unavailable or
// the agent is silent. Behind an interface so tests and other ping backends plug in.
import { execFile } from 'node:child_process';
import ping from 'ping';
import { parsePingOutput, pingDelayMs } from './parse.ts';

export interface HostPinger {
  /** Round trip in ms, or undefined when no reply came within the timeout. Throws HostPingError when ping cannot run. */
  ping(address: string, timeoutMs: number, count: number): Promise<number | undefined>;
}

/** The ping program could not be run (missing binary, bad command); not a verdict on the guest. */
export class HostPingError extends Error {}

/**
 * Runs the system ping. `command` is the argv prefix, e.g. ['ping'] or
 * ['ip', 'netns', 'exec', 'qdhcp-…', 'ping'] where tenant networks live in a namespace.
 */
export class SystemHostPinger implements HostPinger {
  constructor(private readonly command: readonly string[] = ['ping']) {
    if (command.length === 0) throw new Error('host ping command must not be empty');
  }

  ping(address: string, timeoutMs: number, count: number): Promise<number | undefined> {
    const waitS = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
    const args = [...this.command.slice(1), '-n', '-c', String(count), '-W', waitS, '-w', waitS];
    if (count > 1) args.push('-i', '0.2');
    args.push(address);
    return new Promise((resolve, reject) => {
      execFile(
        this.command[0]!,
        args,
        { timeout: timeoutMs + 2000, env: { ...process.env, LC_ALL: 'C' } },
        (err, stdout, stderr) => {
          const delay = pingDelayMs(parsePingOutput(String(stdout)));
          if (delay !== undefined) return resolve(delay);
          // iputils: exit 1 = no reply; 2 = error (unreachable network counts as no reply too).
          const code: unknown = (err as { code?: unknown } | null)?.code;
          if (err && typeof code !== 'number') {
            return reject(new HostPingError(`cannot run ${this.command.join(' ')}: ${String(code ?? err.message)}`));
          }
          if (code === 2 && !/unreachable|timed out|100% packet loss/i.test(String(stderr) + String(stdout))) {
            return reject(new HostPingError(`${this.command.join(' ')} ${address} failed: ${String(stderr).trim().slice(0, 200)}`));
          }
          resolve(undefined);
        },
      );
    });
  }
}

/** What the `ping` package reports, reduced to what the probe needs. */
export function delayFromPingResponse(res: { alive: boolean; time: number | 'unknown' | string }): number | undefined {
  return res.alive && typeof res.time === 'number' && Number.isFinite(res.time) ? res.time : undefined;
}

/**
 * The default host-side pinger: the `ping` npm package (it runs the system ping with
 * the right flags per platform and parses the reply). A custom command (a tenant
 * network namespace) needs SystemHostPinger instead.
 */
export class NpmHostPinger implements HostPinger {
  async ping(address: string, timeoutMs: number, count: number): Promise<number | undefined> {
    const waitS = Math.max(1, Math.ceil(timeoutMs / 1000));
    try {
      const res = await ping.promise.probe(address, { timeout: waitS, deadline: waitS, min_reply: count, numeric: true });
      return delayFromPingResponse(res);
    } catch (err) {
      throw new HostPingError(`cannot run ping for ${address}: ${(err as Error).message}`);
    }
  }
}

/** The pinger for a configured command: the npm package for plain `ping`, else the command. */
export function hostPingerFor(command: readonly string[]): HostPinger {
  return command.length === 1 && command[0] === 'ping' ? new NpmHostPinger() : new SystemHostPinger(command);
}
