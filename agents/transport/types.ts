// The one interface every guest-agent transport implements: a direct unix socket to
// qemu-ga, libvirt through our addon, or `virsh qemu-agent-command`.

export interface AgentCommandOptions {
  /** Give up after this long; the transport discards the late reply. */
  timeoutMs: number;
}

export interface AgentTransport {
  /** What logs should call this guest's agent (socket path, domain UUID). */
  readonly target: string;
  /**
   * Runs one guest-agent command and resolves with its "return" value. Commands on one
   * transport run one at a time, in call order. Rejects only with an AgentError.
   */
  command(execute: string, args: Record<string, unknown> | undefined, opts: AgentCommandOptions): Promise<unknown>;
  /** Releases the connection; later commands reconnect. */
  close(): Promise<void>;
}
