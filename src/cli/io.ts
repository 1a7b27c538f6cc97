// What a CLI command may touch: streams, environment and working directory, passed
// in so commands run in-process in tests exactly as from the shell.
import type { Env } from '../config/load.ts';

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Env;
  cwd: string;
  /** True when stdout is a terminal (tables and progress for people; plain lines otherwise). */
  isTTY: boolean;
}

/** Exit codes of every vmha command. */
export const EXIT = {
  OK: 0,
  /** The command ran but part of its work failed (e.g. some alarms not installed). */
  FAILED: 1,
  /** Bad usage, configuration or input: nothing was changed. */
  USAGE: 2,
  /** OpenStack refused or could not be reached. */
  OPENSTACK: 3,
} as const;

export function processIO(): CliIO {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    isTTY: Boolean(process.stdout.isTTY),
  };
}
