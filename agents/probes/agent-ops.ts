// Guest-agent operations built from single commands: run a program to completion
// (guest-exec + guest-exec-status polling) and read a small file.
import type { Clock } from '../../src/domain/clock.ts';
import { AgentProtocolError, AgentTimeout } from '../transport/errors.ts';
import type { AgentTransport } from '../transport/types.ts';
import { execPollDelayMs, parseExecStatus, type ExecStatus } from './parse.ts';

export interface ExecOptions {
  /** Timeout of each agent command. */
  commandTimeoutMs: number;
  /** Deadline for the program to exit. */
  runTimeoutMs: number;
  env?: string[];
  clock: Clock;
}

export interface ExecOutcome extends ExecStatus {
  /** False when the program was still running at the deadline (it is left to finish). */
  exited: boolean;
}

/**
 * Runs a program in the guest and waits for it. AgentCommandFailed from guest-exec
 * means it could not be started (blocked, or the program is missing).
 */
export async function guestExec(agent: AgentTransport, path: string, args: string[], opts: ExecOptions): Promise<ExecOutcome> {
  const started = await agent.command(
    'guest-exec',
    { path, arg: args, 'capture-output': true, ...(opts.env ? { env: opts.env } : {}) },
    { timeoutMs: opts.commandTimeoutMs },
  );
  const pid = (started as { pid?: unknown } | null)?.pid;
  if (typeof pid !== 'number') {
    throw new AgentProtocolError({ guest: agent.target, command: 'guest-exec', detail: `reply has no pid: ${JSON.stringify(started)}` });
  }
  const deadline = opts.clock.now() + opts.runTimeoutMs;
  for (let n = 0; ; n++) {
    await opts.clock.sleep(execPollDelayMs(n));
    const reply = await agent.command('guest-exec-status', { pid }, { timeoutMs: opts.commandTimeoutMs });
    const status = parseExecStatus(reply);
    if (!status) {
      throw new AgentProtocolError({ guest: agent.target, command: 'guest-exec-status', detail: `unexpected reply: ${JSON.stringify(reply)}` });
    }
    if (status.exited) return status;
    if (opts.clock.now() >= deadline) return { ...status, exited: false };
  }
}

/** Reads up to maxBytes of a guest file through guest-file-open/read/close. */
export async function readGuestFile(agent: AgentTransport, path: string, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  const handle = await openFile(agent, path, 'r', timeoutMs);
  try {
    const parts: Buffer[] = [];
    let total = 0;
    while (total < maxBytes) {
      const chunk = await readChunk(agent, handle, Math.min(65536, maxBytes - total), timeoutMs);
      parts.push(chunk.data);
      total += chunk.data.length;
      if (chunk.eof || chunk.data.length === 0) break;
    }
    return Buffer.concat(parts);
  } finally {
    await closeFileQuietly(agent, handle, timeoutMs);
  }
}

export async function openFile(agent: AgentTransport, path: string, mode: string, timeoutMs: number): Promise<number> {
  const handle = await agent.command('guest-file-open', { path, mode }, { timeoutMs });
  if (typeof handle !== 'number') {
    throw new AgentProtocolError({ guest: agent.target, command: 'guest-file-open', detail: `handle is not a number: ${JSON.stringify(handle)}` });
  }
  return handle;
}

export async function readChunk(agent: AgentTransport, handle: number, count: number, timeoutMs: number): Promise<{ data: Buffer; eof: boolean }> {
  const r = (await agent.command('guest-file-read', { handle, count }, { timeoutMs })) as Record<string, unknown> | null;
  if (!r || typeof r['buf-b64'] !== 'string' || typeof r.count !== 'number') {
    throw new AgentProtocolError({ guest: agent.target, command: 'guest-file-read', detail: `unexpected reply: ${JSON.stringify(r)?.slice(0, 200)}` });
  }
  const data = Buffer.from(r['buf-b64'], 'base64');
  if (data.length !== r.count) {
    throw new AgentProtocolError({ guest: agent.target, command: 'guest-file-read', detail: `count ${r.count} but ${data.length} bytes` });
  }
  return { data, eof: r.eof === true };
}

/** Closes a handle, ignoring failures other than a silent agent (the handle leaks in qemu-ga otherwise). */
export async function closeFileQuietly(agent: AgentTransport, handle: number, timeoutMs: number): Promise<void> {
  try {
    await agent.command('guest-file-close', { handle }, { timeoutMs });
  } catch (err) {
    if (err instanceof AgentTimeout) throw err;
  }
}
