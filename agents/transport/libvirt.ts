// Guest-agent commands through libvirt (virDomainQemuAgentCommand in our addon): libvirt
// owns the agent channel and does the sync handshake itself; we never open the socket.
import type { LibvirtAddon } from '../native/index.ts';
import { isLibvirtAddonError } from '../native/index.ts';
import { AgentCommandFailed, AgentProtocolError, AgentTimeout } from './errors.ts';
import { agentRequestJson, parseReply } from './framing.ts';
import { agentErrorFromLibvirt, VIR_ERR } from './libvirt-errors.ts';
import type { AgentCommandOptions, AgentTransport } from './types.ts';
import { OneAtATime } from './serial.ts';

export class LibvirtTransport implements AgentTransport {
  private readonly queue = new OneAtATime();

  constructor(
    private readonly addon: LibvirtAddon,
    private readonly uri: string,
    readonly target: string,
  ) {}

  command(execute: string, args: Record<string, unknown> | undefined, opts: AgentCommandOptions): Promise<unknown> {
    return this.queue.run(() => this.run(execute, args, opts.timeoutMs));
  }

  async close(): Promise<void> {}

  private async run(execute: string, args: Record<string, unknown> | undefined, timeoutMs: number): Promise<unknown> {
    const json = agentRequestJson(execute, args);
    const timeoutSec = Math.max(1, Math.ceil(timeoutMs / 1000));
    const started = Date.now();
    let text: string;
    try {
      text = await this.addon.qemuAgentCommand(this.uri, this.target, json, timeoutSec);
    } catch (err) {
      if (!isLibvirtAddonError(err)) throw err;
      const info = { guest: this.target, command: execute, detail: err.message };
      // libvirt reports "no reply in time" and "agent not connected" with the same code
      // (VIR_ERR_AGENT_UNRESPONSIVE): only the time the call took tells them apart.
      if (err.virCode === VIR_ERR.AGENT_UNRESPONSIVE && Date.now() - started >= timeoutSec * 1000 - 50) throw new AgentTimeout(info);
      throw agentErrorFromLibvirt(err.virCode, info);
    }
    const reply = parseReply(text);
    if (reply.type === 'return') return reply.value;
    if (reply.type === 'error') throw new AgentCommandFailed({ guest: this.target, command: execute, detail: reply.desc, errorClass: reply.errorClass });
    throw new AgentProtocolError({ guest: this.target, command: execute, detail: reply.reason });
  }
}
