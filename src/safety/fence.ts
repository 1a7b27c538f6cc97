// Fencing: make sure a failed host can no longer write to its instances' disks before
// they are started elsewhere (two copies of one VM corrupt its disk). The hook is an
// interface so other fences (Redfish, a PDU, a cloud API) can plug in; the one shipped
// runs an operator's command, e.g. `ipmitool ... chassis power off`.
//
// Untrusted values never meet a shell: the template is an argv list, placeholders are
// substituted inside single argv elements, and the command runs without a shell.
import { spawn } from 'node:child_process';
import type { FenceConfig } from '../config/safety-schema.ts';

export interface FenceResult {
  ok: boolean;
  /** One line for people: why it succeeded or failed. */
  detail: string;
  argv: string[];
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  stdoutTail: string;
  stderrTail: string;
}

/** A way to fence a host. Success must mean: the host is off (or cut off from storage). */
export interface FenceHook {
  readonly name: string;
  fence(host: string, ctx: { workflowId: string }): Promise<FenceResult>;
}

/** Host names as Nova reports them; anything else (a leading '-', spaces) is refused. */
const SAFE_HOST = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
const TAIL = 2000;

const tail = (s: string): string => (s.length > TAIL ? `...${s.slice(-TAIL)}` : s).trim();

/** Substitutes {host}, {workflow} and the host's host_vars into each argv element; throws on unknown names. */
export function renderFenceArgv(template: readonly string[], vars: Record<string, string>): string[] {
  return template.map((arg) =>
    arg.replace(/\{([a-z_][a-z0-9_]*)\}/g, (_m, name: string) => {
      const v = vars[name];
      if (v === undefined) throw new Error(`fence command uses {${name}}, but no value is set for it (host_vars of this host)`);
      return v;
    }),
  );
}

/** Runs the configured command; success is exit 0 within the timeout (and stdout matching, if configured). */
export class CommandFence implements FenceHook {
  readonly name = 'command';

  constructor(private readonly cfg: Pick<FenceConfig, 'command' | 'timeout_s' | 'expect_stdout' | 'host_vars'>) {}

  async fence(host: string, ctx: { workflowId: string }): Promise<FenceResult> {
    const started = Date.now();
    const fail = (detail: string, argv: string[] = []): FenceResult => ({
      ok: false,
      detail,
      argv,
      exitCode: null,
      signal: null,
      timedOut: false,
      durationMs: Date.now() - started,
      stdoutTail: '',
      stderrTail: '',
    });
    if (!SAFE_HOST.test(host)) return fail(`refusing to fence: host name ${JSON.stringify(host)} is not a plain host name`);
    let argv: string[];
    try {
      argv = renderFenceArgv(this.cfg.command, { ...(this.cfg.host_vars[host] ?? {}), host, workflow: ctx.workflowId });
    } catch (err) {
      return fail((err as Error).message);
    }
    const timeoutMs = this.cfg.timeout_s * 1000;
    return new Promise<FenceResult>((resolve) => {
      let timedOut = false;
      let settled = false;
      let stdout = '';
      let stderr = '';
      const finish = (r: Omit<FenceResult, 'argv' | 'durationMs' | 'timedOut' | 'stdoutTail' | 'stderrTail'>): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(backstop);
        resolve({ ...r, argv, timedOut, durationMs: Date.now() - started, stdoutTail: tail(stdout), stderrTail: tail(stderr) });
      };
      // spawn without a shell, like execFile, but detached: the command leads its own
      // process group, so a timeout kills what it started too (a script's `sleep` would
      // otherwise hold the pipes open long after the script was killed).
      const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VMHA_FENCE_HOST: host } });
      const keep = (cur: string, chunk: Buffer): string => (cur + chunk.toString('utf8')).slice(-64 * 1024);
      child.stdout.on('data', (c: Buffer) => (stdout = keep(stdout, c)));
      child.stderr.on('data', (c: Buffer) => (stderr = keep(stderr, c)));
      child.on('error', (err: NodeJS.ErrnoException) => {
        finish({ ok: false, detail: `fence command could not run: ${err.code ?? ''} ${err.message}`.trim(), exitCode: null, signal: null });
      });
      child.on('close', (code, signal) => {
        if (timedOut) {
          finish({ ok: false, detail: `fence command timed out after ${this.cfg.timeout_s} s and was killed`, exitCode: code, signal: signal ?? 'SIGKILL' });
        } else if (code !== 0) {
          finish({ ok: false, detail: `fence command failed (${signal ? `signal ${signal}` : `exit ${code}`})`, exitCode: code, signal });
        } else if (this.cfg.expect_stdout && !new RegExp(this.cfg.expect_stdout).test(stdout)) {
          finish({ ok: false, detail: `fence command exited 0 but its output does not match /${this.cfg.expect_stdout}/`, exitCode: 0, signal: null });
        } else {
          finish({ ok: true, detail: 'fence command exited 0', exitCode: 0, signal: null });
        }
      });
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }, timeoutMs);
      // Should anything still hold the pipes after the kill, do not wait for it.
      const backstop = setTimeout(() => {
        timedOut = true;
        finish({ ok: false, detail: `fence command timed out after ${this.cfg.timeout_s} s`, exitCode: null, signal: 'SIGKILL' });
      }, timeoutMs + 2000);
    });
  }
}
