// A simulated guest: the state of its operating system (network path, root filesystem,
// boots) and the qemu-ga that answers the probe agent from inside it, in process. What
// the probes see comes from here; how they measure it is the real probe code.
import { AgentCommandFailed, AgentUnavailable, DomainGone } from '../../agents/transport/errors.ts';
import { MemoryAgent } from '../../agents/transport/memory.ts';
import type { NovaServer } from '../fakes/nova/index.ts';

/** What a guest needs to know about the cloud around it. */
export interface GuestWorld {
  /** The guest's live Nova record; undefined once deleted. */
  server(): NovaServer | undefined;
  /** Restarts (reboot, rebuild, evacuation) Nova has accepted for this server so far. */
  restarts(): number;
  /** Whether the host's compute node runs (a dead host runs no guests). */
  hostAlive(host: string): boolean;
}

/** Nova task states during which the guest is down (rebooting_hard, rebuild_spawning, ...). */
const RESTARTING = /^reboot|^rebuild/;

/** The guest's default gateway, the in-guest ping target. */
export const GATEWAY = '10.0.0.1';

// /proc/net/route with a default route via 10.0.0.1 (0100000A, little-endian).
const PROC_NET_ROUTE = [
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
  'eth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0',
  'eth0\t0000000A\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0',
  '',
].join('\n');

const SUPPORTED = ['guest-ping', 'guest-info', 'guest-network-get-interfaces', 'guest-file-open', 'guest-file-read', 'guest-file-write', 'guest-file-flush', 'guest-file-close', 'guest-exec', 'guest-exec-status'];

interface ExecResult {
  exitcode: number;
  out: string;
  err: string;
}

export class SimGuest {
  readonly agent: MemoryAgent;
  /** The host whose network path to this guest is broken (the fault stays with the host). */
  private networkBrokenOn: string | undefined;
  /** The root filesystem went read-only (after an I/O error); a fresh boot remounts it. */
  private diskReadOnly = false;
  private boots = 0;
  private readonly files = new Map<string, Buffer>();
  private readonly handles = new Map<number, { path: string; pos: number; write: boolean }>();
  private readonly execs = new Map<number, ExecResult>();
  private nextHandle = 1000;
  private nextPid = 4000;

  constructor(
    readonly id: string,
    readonly name: string,
    private readonly world: GuestWorld,
  ) {
    this.agent = new MemoryAgent(`sim:${name}`, (execute, args) => this.answer(execute, args ?? {}), { recordCalls: false });
    this.boots = world.restarts();
  }

  /** The guest's fixed IPv4 address, as Nova reports it. */
  get address(): string {
    const s = this.world.server();
    return Object.values(s?.addresses ?? {})[0]?.[0]?.addr ?? '0.0.0.0';
  }

  /** Breaks the network path on the guest's current host; returns that host. */
  breakNetwork(): string {
    const host = this.world.server()?.host ?? '';
    this.networkBrokenOn = host;
    return host;
  }

  /** The network path works again (wherever the guest is). */
  restoreNetwork(): void {
    this.networkBrokenOn = undefined;
  }

  /** The root filesystem turns read-only (the kernel's reaction to a disk I/O error). */
  makeDiskReadOnly(): void {
    this.diskReadOnly = true;
  }

  /** Whether the guest runs and its network works (what the host-side ping sees). */
  answersPing(): boolean {
    return this.running() && this.networkUp();
  }

  private networkUp(): boolean {
    const host = this.world.server()?.host;
    return host !== this.networkBrokenOn;
  }

  /** Running with its agent up: not rebooting, not stopped, its host alive. Notices completed restarts. */
  private running(): boolean {
    const s = this.world.server();
    if (!s || !s.host || !this.world.hostAlive(s.host)) return false;
    // Live migration keeps the guest running; reboots and rebuilds restart it.
    if ((s.taskState && RESTARTING.test(s.taskState)) || s.vmState !== 'active') return false;
    const restarts = this.world.restarts();
    if (restarts > this.boots) this.boot(restarts);
    return true;
  }

  /** A fresh boot: fsck and a read-write root again; the agent's open handles are gone. */
  private boot(restarts: number): void {
    this.boots = restarts;
    this.diskReadOnly = false;
    this.files.clear();
    this.handles.clear();
    this.execs.clear();
  }

  private answer(execute: string, a: Record<string, unknown>): unknown {
    const ids = { guest: this.agent.target, command: execute };
    if (!this.world.server()) throw new DomainGone({ ...ids, detail: 'domain not found' });
    if (!this.running()) throw new AgentUnavailable({ ...ids, detail: 'Guest agent is not responding: QEMU guest agent is not connected' });
    const fail = (detail: string, errorClass = 'GenericError'): never => {
      throw new AgentCommandFailed({ ...ids, detail, errorClass });
    };
    switch (execute) {
      case 'guest-ping':
        return {};
      case 'guest-info':
        return { version: '8.2.2', supported_commands: SUPPORTED.map((name) => ({ name, enabled: true, 'success-response': true })) };
      case 'guest-network-get-interfaces':
        return [
          { name: 'lo', 'ip-addresses': [{ 'ip-address-type': 'ipv4', 'ip-address': '127.0.0.1', prefix: 8 }] },
          { name: 'eth0', 'hardware-address': 'fa:16:3e:00:00:01', 'ip-addresses': [{ 'ip-address-type': 'ipv4', 'ip-address': this.address, prefix: 24 }] },
        ];
      case 'guest-file-open': {
        const path = String(a.path);
        const mode = String(a.mode ?? 'r');
        const write = /[wa+]/.test(mode);
        if (write && this.diskReadOnly) fail(`failed to open file '${path}' (mode: '${mode}'): Read-only file system`);
        if (path === '/proc/net/route') this.files.set(path, Buffer.from(PROC_NET_ROUTE));
        else if (mode.startsWith('w')) this.files.set(path, Buffer.alloc(0));
        else if (!this.files.has(path)) fail(`failed to open file '${path}' (mode: '${mode}'): No such file or directory`);
        this.handles.set(this.nextHandle, { path, pos: 0, write });
        return this.nextHandle++;
      }
      case 'guest-file-write': {
        const h = this.handle(a.handle, fail);
        const data = Buffer.from(String(a['buf-b64']), 'base64');
        this.files.set(h.path, Buffer.concat([this.files.get(h.path) ?? Buffer.alloc(0), data]));
        return { count: data.length, eof: false };
      }
      case 'guest-file-read': {
        const h = this.handle(a.handle, fail);
        const content = this.files.get(h.path) ?? Buffer.alloc(0);
        const data = content.subarray(h.pos, h.pos + Number(a.count ?? 4096));
        h.pos += data.length;
        return { count: data.length, 'buf-b64': data.toString('base64'), eof: h.pos >= content.length };
      }
      case 'guest-file-flush':
        this.handle(a.handle, fail);
        return {};
      case 'guest-file-close':
        this.handle(a.handle, fail);
        this.handles.delete(Number(a.handle));
        return {};
      case 'guest-exec': {
        const pid = this.nextPid++;
        this.execs.set(pid, this.exec(String(a.path), Array.isArray(a.arg) ? a.arg.map(String) : []));
        return { pid };
      }
      case 'guest-exec-status': {
        const r = this.execs.get(Number(a.pid));
        if (!r) return fail(`Invalid parameter 'pid'`);
        this.execs.delete(Number(a.pid));
        return {
          exited: true,
          exitcode: r.exitcode,
          'out-data': Buffer.from(r.out).toString('base64'),
          ...(r.err ? { 'err-data': Buffer.from(r.err).toString('base64') } : {}),
        };
      }
      default:
        return fail(`The command ${execute} has not been found`, 'CommandNotFound');
    }
  }

  private handle(id: unknown, fail: (detail: string) => never): { path: string; pos: number; write: boolean } {
    const h = this.handles.get(Number(id));
    return h ?? fail(`handle '${String(id)}' has not been found`);
  }

  /** The few programs the probes run: ping (iputils output), sync and rm. */
  private exec(path: string, args: string[]): ExecResult {
    if (path === 'ping') {
      const target = args[args.length - 1] ?? GATEWAY;
      const head = `PING ${target} (${target}) 56(84) bytes of data.\n`;
      if (!this.networkUp()) {
        return { exitcode: 1, out: `${head}\n--- ${target} ping statistics ---\n1 packets transmitted, 0 received, 100% packet loss, time 0ms\n\n`, err: '' };
      }
      const rtt = (0.3 + Math.random() * 0.3).toFixed(3);
      return {
        exitcode: 0,
        out: `${head}64 bytes from ${target}: icmp_seq=1 ttl=64 time=${rtt} ms\n\n--- ${target} ping statistics ---\n1 packets transmitted, 1 received, 0% packet loss, time 0ms\nrtt min/avg/max/mdev = ${rtt}/${rtt}/${rtt}/0.000 ms\n`,
        err: '',
      };
    }
    if (path === 'sync') return { exitcode: 0, out: '', err: '' };
    if (path === 'rm') {
      for (const f of args.filter((x) => !x.startsWith('-'))) this.files.delete(f);
      return { exitcode: 0, out: '', err: '' };
    }
    return { exitcode: 127, out: '', err: `${path}: not found\n` };
  }
}
