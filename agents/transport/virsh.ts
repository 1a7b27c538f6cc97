// Guest-agent commands through `virsh qemu-agent-command`: the fallback when our addon
// is not built. One process per command (~20 ms), so fine for tens of guests, not for
// hundreds. virsh prints only text, so its errors are classified here, once.
import { execFile } from 'node:child_process';
import { AgentProtocolError, AgentTimeout } from './errors.ts';
import { agentRequestJson, parseReply } from './framing.ts';
import { agentErrorFromLibvirt, VIR_ERR } from './libvirt-errors.ts';
import { AgentCommandFailed } from './errors.ts';
import type { AgentCommandOptions, AgentTransport } from './types.ts';
import { OneAtATime } from './serial.ts';

/** Runs virsh with args; resolves with stdout or rejects with {stderr, timedOut}. */
export function runVirsh(uri: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('virsh', ['-q', '-c', uri, ...args], { timeout: timeoutMs, env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(String(stdout));
      reject(Object.assign(new Error(String(stderr).trim() || err.message), { timedOut: err.killed === true, spawn: typeof (err as { code?: unknown }).code === 'string' }));
    });
  });
}

/** The libvirt error code a virsh error message stands for. */
export function virshErrorCode(stderr: string): number {
  if (/failed to get domain|Domain not found|no domain with matching/i.test(stderr)) return VIR_ERR.NO_DOMAIN;
  if (/failed to connect to the hypervisor|Failed to connect socket|cannot connect/i.test(stderr)) return VIR_ERR.NO_CONNECT;
  if (/unable to execute QEMU agent command/i.test(stderr)) return VIR_ERR.INTERNAL_ERROR;
  if (/domain is not running/i.test(stderr)) return VIR_ERR.OPERATION_INVALID;
  return VIR_ERR.AGENT_UNRESPONSIVE;
}

export class VirshTransport implements AgentTransport {
  private readonly queue = new OneAtATime();

  constructor(
    private readonly uri: string,
    readonly target: string,
  ) {}

  command(execute: string, args: Record<string, unknown> | undefined, opts: AgentCommandOptions): Promise<unknown> {
    return this.queue.run(() => this.run(execute, args, opts.timeoutMs));
  }

  async close(): Promise<void> {}

  private async run(execute: string, args: Record<string, unknown> | undefined, timeoutMs: number): Promise<unknown> {
    const json = agentRequestJson(execute, args);
    const timeoutS = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
    let out: string;
    try {
      // virsh itself may take a moment to connect: allow it 2 s beyond the agent timeout.
      out = await runVirsh(this.uri, ['qemu-agent-command', '--timeout', timeoutS, this.target, json], timeoutMs + 2000);
    } catch (err) {
      const e = err as Error & { timedOut?: boolean };
      const info = { guest: this.target, command: execute, detail: e.message.replace(/^error: /gm, '').replace(/\n/g, '; ') };
      if (e.timedOut) throw new AgentTimeout(info);
      throw agentErrorFromLibvirt(virshErrorCode(e.message), info);
    }
    const reply = parseReply(out.trim());
    if (reply.type === 'return') return reply.value;
    if (reply.type === 'error') throw new AgentCommandFailed({ guest: this.target, command: execute, detail: reply.desc, errorClass: reply.errorClass });
    throw new AgentProtocolError({ guest: this.target, command: execute, detail: reply.reason });
  }
}
