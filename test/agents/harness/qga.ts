// Real qemu-ga processes for tests: `qemu-ga -m unix-listen` on a socket of its own,
// with its own state dir, always inside a test network namespace (see netns.ts) and,
// when asked, in a private mount namespace with tmpfs mounts (read-only, tiny) that
// make real filesystem faults. Every process is tracked and killed by cleanup.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NetPair } from './netns.ts';

export interface MountSpec {
  /** Directory (created under the agent's work dir) the mount covers; the guest sees the absolute path. */
  name: string;
  /** readonly: read-only tmpfs; tiny: 64 KiB tmpfs; own: this agent's data dir bound over `at`. */
  kind: 'readonly' | 'tiny' | 'own';
  /** Mount over this existing absolute path instead (visible to this agent only). */
  at?: string;
}

export interface QgaOptions {
  net: NetPair;
  /** RPCs to disable, e.g. ['guest-exec']. */
  block?: string[];
  mounts?: MountSpec[];
}

export class QgaProcess {
  constructor(
    readonly child: ChildProcess,
    readonly dir: string,
    readonly socket: string,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  /** Absolute path of a work-dir entry (a mount point, a plain directory for disk probes). */
  path(name: string): string {
    return path.join(this.dir, name);
  }

  stop(): void {
    this.child.kill('SIGSTOP');
  }

  cont(): void {
    this.child.kill('SIGCONT');
  }

  async kill(): Promise<void> {
    live.delete(this);
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGCONT');
      this.child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const live = new Set<QgaProcess>();

/** Starts qemu-ga and resolves once its socket accepts connections. */
export async function startQga(opts: QgaOptions): Promise<QgaProcess> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmha-qga-'));
  const socket = path.join(dir, 'qga.sock');
  mkdirSync(path.join(dir, 'state'));
  mkdirSync(path.join(dir, 'data'));
  const qga = ['qemu-ga', '-m', 'unix-listen', '-p', socket, '-t', path.join(dir, 'state'), '-f', path.join(dir, 'qga.pid')];
  if (opts.block?.length) qga.push('-b', opts.block.join(','));

  const setup: string[] = [];
  for (const m of opts.mounts ?? []) {
    const mp = m.at ?? path.join(dir, m.name);
    if (!m.at) mkdirSync(mp);
    // tmpfs "size" is rounded to pages; 64 KiB cannot hold a 1 MiB probe file.
    setup.push(
      m.kind === 'readonly'
        ? `mount -t tmpfs -o ro,size=1m tmpfs '${mp}'`
        : m.kind === 'tiny'
          ? `mount -t tmpfs -o size=64k tmpfs '${mp}'`
          : `mount --bind '${path.join(dir, 'data')}' '${mp}'`,
    );
  }
  // `ip netns exec` and `unshare` exec their command and the shell execs qemu-ga, so the
  // child's pid is qemu-ga's own (SIGSTOP in tests must reach the agent itself).
  const inner = setup.length
    ? ['unshare', '-m', '--propagation', 'private', 'sh', '-ec', `${setup.join('; ')}; exec "$@"`, 'sh', ...qga]
    : qga;
  const argv = ['ip', 'netns', 'exec', opts.net.guestNs, ...inner];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const proc = new QgaProcess(child, dir, socket);
  live.add(proc);
  try {
    await waitConnectable(socket, child, () => stderr);
  } catch (err) {
    await proc.kill();
    throw err;
  }
  return proc;
}

async function waitConnectable(socket: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`qemu-ga exited ${child.exitCode}: ${stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.createConnection(socket);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`qemu-ga socket ${socket} not ready: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Kills every qemu-ga this process started (after hooks, process exit). */
export async function killAllQga(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill()));
}

process.once('exit', () => {
  for (const p of live) {
    p.child.kill('SIGCONT');
    p.child.kill('SIGKILL');
    rmSync(p.dir, { recursive: true, force: true });
  }
});
