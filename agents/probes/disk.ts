// The disk probe: write a real amount of data to a file on a guest filesystem, flush,
// fsync it (guest-exec `sync FILE`: guest-file-flush is only fflush), read it back,
// compare, remove. A tiny write would land in the guest page cache and succeed on a
// failing disk (measured on a full host tmpfs: `echo x > f && sync` still succeeded).
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../src/domain/clock.ts';
import { AgentCommandFailed, AgentProtocolError } from '../transport/errors.ts';
import type { AgentTransport } from '../transport/types.ts';
import { closeFileQuietly, guestExec, openFile, readChunk } from './agent-ops.ts';

export type DiskStep = 'open' | 'write' | 'flush' | 'close' | 'sync' | 'read' | 'verify' | 'remove';

export type DiskOutcome = { ok: true; syncedWithExec: boolean } | { ok: false; step: DiskStep; detail: string };

/** Random data written by every guest in one cycle; fresh each cycle so an old file can't pass. */
export interface DiskPayload {
  data: Buffer;
  /** Base64 of each chunk of `data`, encoded once per cycle for all guests. */
  chunksB64: string[];
  chunkBytes: number;
}

export function makeDiskPayload(sizeBytes: number, chunkBytes: number): DiskPayload {
  const data = randomBytes(sizeBytes);
  const chunksB64: string[] = [];
  for (let off = 0; off < sizeBytes; off += chunkBytes) {
    chunksB64.push(data.subarray(off, Math.min(sizeBytes, off + chunkBytes)).toString('base64'));
  }
  return { data, chunksB64, chunkBytes };
}

export interface DiskProbeOptions {
  commandTimeoutMs: number;
  /** Whether guest-exec may be used for fsync and removal (false when it is blocked). */
  useExec: boolean;
  clock: Clock;
}

/**
 * Probes one filesystem. Resolves with the failed step when the guest reports an error;
 * rejects with AgentTimeout/AgentUnavailable/DomainGone when the agent stops answering
 * (the caller decides what that means).
 */
export async function probeFilesystem(agent: AgentTransport, file: string, payload: DiskPayload, opts: DiskProbeOptions): Promise<DiskOutcome> {
  const t = opts.commandTimeoutMs;
  const fail = (step: DiskStep, err: unknown): DiskOutcome => {
    if (err instanceof AgentCommandFailed || err instanceof AgentProtocolError) return { ok: false, step, detail: err.detail };
    throw err;
  };

  let handle: number;
  try {
    handle = await openFile(agent, file, 'w', t);
  } catch (err) {
    return fail('open', err);
  }
  let step: DiskStep = 'write';
  try {
    const chunkLengths = chunkSizes(payload);
    for (let i = 0; i < payload.chunksB64.length; i++) {
      const r = (await agent.command('guest-file-write', { handle, 'buf-b64': payload.chunksB64[i] }, { timeoutMs: t })) as { count?: unknown } | null;
      if (r?.count !== chunkLengths[i]) return { ok: false, step: 'write', detail: `short write: ${JSON.stringify(r)} of ${chunkLengths[i]} bytes` };
    }
    step = 'flush';
    await agent.command('guest-file-flush', { handle }, { timeoutMs: t });
  } catch (err) {
    await closeFileQuietly(agent, handle, t);
    return fail(step, err);
  }
  try {
    await agent.command('guest-file-close', { handle }, { timeoutMs: t });
  } catch (err) {
    return fail('close', err); // fclose flushes too: ENOSPC/EIO may surface only here
  }

  if (opts.useExec) {
    const synced = await runIn(agent, ['sync', file], opts);
    if (synced) return { ok: false, step: 'sync', detail: synced };
  }

  const verdict = await readBack(agent, file, payload, t);
  if (verdict) return verdict;

  if (opts.useExec) {
    const removed = await runIn(agent, ['rm', '-f', file], opts);
    if (removed) return { ok: false, step: 'remove', detail: removed };
  }
  return { ok: true, syncedWithExec: opts.useExec };
}

async function readBack(agent: AgentTransport, file: string, payload: DiskPayload, t: number): Promise<DiskOutcome | undefined> {
  let handle: number;
  try {
    handle = await openFile(agent, file, 'r', t);
  } catch (err) {
    if (err instanceof AgentCommandFailed || err instanceof AgentProtocolError) return { ok: false, step: 'read', detail: err.detail };
    throw err;
  }
  try {
    let offset = 0;
    for (;;) {
      const { data, eof } = await readChunk(agent, handle, payload.chunkBytes, t);
      if (data.length > 0) {
        if (offset + data.length > payload.data.length || !data.equals(payload.data.subarray(offset, offset + data.length))) {
          return { ok: false, step: 'verify', detail: `data read back differs from data written at offset ${offset}` };
        }
        offset += data.length;
      }
      if (eof || data.length === 0) break;
    }
    if (offset !== payload.data.length) return { ok: false, step: 'verify', detail: `read back ${offset} of ${payload.data.length} bytes` };
    return undefined;
  } catch (err) {
    if (err instanceof AgentCommandFailed || err instanceof AgentProtocolError) return { ok: false, step: 'read', detail: err.detail };
    throw err;
  } finally {
    await closeFileQuietly(agent, handle, t);
  }
}

/** Runs argv in the guest; undefined on exit 0, else what went wrong. */
async function runIn(agent: AgentTransport, argv: string[], opts: DiskProbeOptions): Promise<string | undefined> {
  try {
    const r = await guestExec(agent, argv[0]!, argv.slice(1), {
      commandTimeoutMs: opts.commandTimeoutMs,
      runTimeoutMs: opts.commandTimeoutMs,
      env: ['LC_ALL=C', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin'],
      clock: opts.clock,
    });
    if (!r.exited) return `${argv[0]} did not finish within ${opts.commandTimeoutMs} ms`;
    if (r.exitCode !== 0) return `${argv.join(' ')} exited ${r.exitCode ?? `on signal ${r.signal}`}: ${r.stderr.trim().slice(0, 200)}`;
    return undefined;
  } catch (err) {
    if (err instanceof AgentCommandFailed || err instanceof AgentProtocolError) return `${argv[0]}: ${err.detail}`;
    throw err;
  }
}

function chunkSizes(p: DiskPayload): number[] {
  return p.chunksB64.map((_, i) => Math.min(p.chunkBytes, p.data.length - i * p.chunkBytes));
}

/** The probe file's path on a guest mount point. */
export function probeFilePath(mountPoint: string, fileName: string): string {
  return mountPoint.endsWith('/') ? `${mountPoint}${fileName}` : `${mountPoint}/${fileName}`;
}
