// Direct unix-socket transport to a qemu-ga started with `-m unix-listen` (tests,
// non-libvirt hosts). qemu-ga serves one client at a time and its replies carry no id,
// so every command is preceded by guest-sync-delimited and everything up to our own
// sync reply is dropped: a reply that arrives after its command timed out can never be
// taken for the answer to a later command.
import net from 'node:net';
import { randomInt } from 'node:crypto';
import { AgentCommandFailed, AgentProtocolError, AgentTimeout, AgentUnavailable, type AgentError } from './errors.ts';
import { encodeCommand, encodeSync, isSyncReply, parseReply, ReplyScanner, type ParsedReply } from './framing.ts';
import type { AgentCommandOptions, AgentTransport } from './types.ts';
import { OneAtATime } from './serial.ts';

export interface SocketTransportOptions {
  /** Drop the connection when one reply grows past this (a runaway or hostile agent). */
  maxReplyBytes?: number;
}

type Waiter =
  | { phase: 'sync'; id: number; sawSentinel: boolean; done: (err?: AgentError) => void }
  | { phase: 'reply'; done: (reply: ParsedReply | AgentError) => void };

export class SocketTransport implements AgentTransport {
  readonly target: string;
  private socket: net.Socket | undefined;
  private connecting: Promise<net.Socket> | undefined;
  private readonly scanner = new ReplyScanner();
  private waiter: Waiter | undefined;
  private readonly queue = new OneAtATime();
  private nextSyncId = randomInt(1, 2 ** 30);
  private readonly maxReplyBytes: number;
  /** Lines dropped as stale (late replies to timed-out commands, parser-reset errors). */
  discarded = 0;

  constructor(
    readonly path: string,
    opts: SocketTransportOptions = {},
  ) {
    this.target = path;
    this.maxReplyBytes = opts.maxReplyBytes ?? 64 * 1024 * 1024;
  }

  command(execute: string, args: Record<string, unknown> | undefined, opts: AgentCommandOptions): Promise<unknown> {
    return this.queue.run(() => this.run(execute, args, opts.timeoutMs));
  }

  async close(): Promise<void> {
    const s = this.socket;
    this.drop();
    if (s && !s.destroyed) await new Promise<void>((resolve) => s.end(() => resolve()));
  }

  private async run(execute: string, args: Record<string, unknown> | undefined, timeoutMs: number): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    const socket = await this.connect(execute, timeoutMs);
    const id = this.nextSyncId;
    this.nextSyncId = this.nextSyncId >= 2 ** 30 ? 1 : this.nextSyncId + 1;

    const syncErr = await this.await<AgentError | undefined>(execute, deadline, 'guest-sync-delimited', (settle) => {
      this.waiter = { phase: 'sync', id, sawSentinel: false, done: (err) => settle(err) };
      socket.write(encodeSync(id));
    });
    if (syncErr) throw syncErr;

    const reply = await this.await<ParsedReply | AgentError>(execute, deadline, execute, (settle) => {
      this.waiter = { phase: 'reply', done: (r) => settle(r) };
      socket.write(encodeCommand(execute, args));
    });
    if (reply instanceof Error) throw reply;
    switch (reply.type) {
      case 'return':
        return reply.value;
      case 'error':
        throw new AgentCommandFailed({ guest: this.target, command: execute, detail: reply.desc, errorClass: reply.errorClass });
      case 'malformed':
        throw new AgentProtocolError({ guest: this.target, command: execute, detail: reply.reason });
    }
  }

  /** Installs a waiter and races it against the deadline; a timeout leaves the socket open. */
  private await<T>(command: string, deadline: number, phase: string, start: (settle: (v: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve) => {
      let settled = false;
      const settle = (v: T): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.waiter = undefined;
        resolve(v);
      };
      const timer = setTimeout(
        () => {
          settle(
            new AgentTimeout({
              guest: this.target,
              command,
              detail: `no reply to ${phase} within the timeout (late replies will be discarded)`,
            }) as T,
          );
        },
        Math.max(0, deadline - Date.now()),
      );
      start(settle);
    });
  }

  private connect(command: string, timeoutMs: number): Promise<net.Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    if (this.connecting) return this.connecting;
    this.connecting = new Promise<net.Socket>((resolve, reject) => {
      const s = net.createConnection(this.path);
      const timer = setTimeout(() => {
        s.destroy();
        reject(new AgentTimeout({ guest: this.target, command, detail: 'connecting to the agent socket timed out' }));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        this.socket = s;
        this.scanner.reset();
        s.on('data', (chunk: Buffer) => this.onData(chunk));
        s.on('close', () => this.onClose(s));
        s.on('error', () => undefined); // 'close' follows and fails the waiter
        resolve(s);
      });
      s.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new AgentUnavailable({ guest: this.target, command, detail: `cannot connect to ${this.path}: ${err.code ?? err.message}` }, err));
      });
    }).finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private onData(chunk: Buffer): void {
    for (const ev of this.scanner.feed(chunk)) {
      const w = this.waiter;
      if (!w) {
        if (ev.type === 'line') this.discarded++;
        continue;
      }
      if (w.phase === 'sync') {
        if (ev.type === 'sentinel') {
          w.sawSentinel = true;
        } else if (w.sawSentinel && isSyncReply(ev.text, w.id)) {
          w.done();
        } else {
          // Either a stale reply or the reply to an older, abandoned sync.
          w.sawSentinel = false;
          this.discarded++;
        }
      } else if (ev.type === 'line') {
        w.done(parseReply(ev.text));
      }
    }
    if (this.scanner.pendingBytes > this.maxReplyBytes) {
      const w = this.waiter;
      this.drop();
      const err = new AgentProtocolError({ guest: this.target, command: 'reply', detail: `reply larger than ${this.maxReplyBytes} bytes; connection dropped` });
      if (w?.phase === 'sync') w.done(err);
      else w?.done(err);
    }
  }

  private onClose(s: net.Socket): void {
    if (this.socket !== s) return;
    const w = this.waiter;
    this.socket = undefined;
    this.scanner.reset();
    if (!w) return;
    const err = new AgentUnavailable({ guest: this.target, command: 'reply', detail: 'the agent closed the connection' });
    if (w.phase === 'sync') w.done(err);
    else w.done(err);
  }

  private drop(): void {
    const s = this.socket;
    this.socket = undefined;
    this.scanner.reset();
    s?.destroy();
  }
}
