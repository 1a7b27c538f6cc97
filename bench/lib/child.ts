// Benchmark processes: the fake cloud, the server under test and the probe agent each
// run in a child of their own (like on a real host), driven over Node's IPC channel
// with small request/response messages that never flow while load is measured.
import { fork } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

export interface Child {
  pid: number;
  /** What the child reported when it became ready (e.g. its URL). */
  ready: Record<string, unknown>;
  call<T = unknown>(cmd: string, args?: unknown): Promise<T>;
  /** Asks the child to clean up and exit; kills it if it has not after 10 s. */
  stop(): Promise<void>;
  /** SIGKILL, for a child whose state is thrown away anyway. */
  kill(): Promise<void>;
}

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** Forks `script` under tsx; its stderr (logs) goes to `logFile` (or is dropped). */
export function forkChild(script: string, input: unknown, opts: { execArgv?: string[]; logFile?: string } = {}): Promise<Child> {
  const fd = opts.logFile ? openSync(opts.logFile, 'a') : 'ignore';
  const child = fork(script, [JSON.stringify(input)], {
    execArgv: ['--import', 'tsx', ...(opts.execArgv ?? [])],
    stdio: ['ignore', fd, fd, 'ipc'],
  });
  if (typeof fd === 'number') closeSync(fd);
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolveReady, rejectReady) => {
    child.once('exit', (code, signal) => {
      const err = new Error(`${script} exited (${code ?? signal})${opts.logFile ? `; see ${opts.logFile}` : ''}`);
      rejectReady(err);
      for (const w of waiting.values()) w.reject(err);
    });
    child.on('message', (m: { ready?: Record<string, unknown> } & Partial<Reply>) => {
      if (m.ready) {
        resolveReady({
          pid: child.pid!,
          ready: m.ready,
          call: <T>(cmd: string, args?: unknown) =>
            new Promise<T>((resolve, reject) => {
              const id = nextId++;
              waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
              child.send({ id, cmd, args });
            }),
          kill: async () => {
            if (child.exitCode !== null || child.signalCode !== null) return;
            child.kill('SIGKILL');
            await exited;
          },
          stop: async () => {
            if (child.exitCode !== null || child.signalCode !== null) return;
            const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.send({ id: 0, cmd: 'stop' });
            await exited;
            clearTimeout(timer);
          },
        });
        return;
      }
      const w = waiting.get(m.id!);
      if (!w) return;
      waiting.delete(m.id!);
      if (m.ok) w.resolve(m.value);
      else w.reject(new Error(m.error));
    });
  });
}

/** A command's handler; its argument is whatever the parent sent (typed by the handler). */
type Handler = (args: never) => unknown;

/** Child side: answers calls with `handlers`; `stop` runs `cleanup` and exits. */
export function serveParent(ready: Record<string, unknown>, handlers: Record<string, Handler>, cleanup: () => Promise<void> | void = () => {}): void {
  process.on('message', async (m: { id: number; cmd: string; args?: unknown }) => {
    if (m.cmd === 'stop') {
      await cleanup();
      process.exit(0);
    }
    try {
      const h = handlers[m.cmd];
      if (!h) throw new Error(`unknown command ${m.cmd}`);
      process.send!({ id: m.id, ok: true, value: await h(m.args as never) });
    } catch (err) {
      process.send!({ id: m.id, ok: false, error: String((err as Error)?.stack ?? err) });
    }
  });
  // An orphan must not outlive the benchmark that started it.
  process.on('disconnect', () => process.exit(1));
  process.send!({ ready });
}

/** The JSON the parent passed as argv[2]. */
export function childInput<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}
