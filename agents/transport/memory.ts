// An in-process AgentTransport: each command is answered by a handler function. The
// in-memory fake of qemu-ga (STYLE.md habit 2): runner tests use it for what no real
// agent does on demand, and the demo's simulated guests answer through it.
import type { AgentCommandOptions, AgentTransport } from './types.ts';

/** Answers one guest-agent command: the "return" value, or throws an AgentError. */
export type AgentHandler = (execute: string, args: Record<string, unknown> | undefined) => unknown;

export class MemoryAgent implements AgentTransport {
  readonly calls: { execute: string; at: number }[] = [];
  /** Calls kept in `calls`; the demo's long-lived guests keep none. */
  private readonly keepCalls: boolean;

  constructor(
    readonly target: string,
    private readonly handler: AgentHandler,
    opts: { recordCalls?: boolean } = {},
  ) {
    this.keepCalls = opts.recordCalls ?? true;
  }

  async command(execute: string, args: Record<string, unknown> | undefined, _opts: AgentCommandOptions): Promise<unknown> {
    if (this.keepCalls) this.calls.push({ execute, at: Date.now() });
    return this.handler(execute, args);
  }

  async close(): Promise<void> {}
}
