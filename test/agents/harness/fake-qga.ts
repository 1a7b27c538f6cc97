// A scripted stand-in for qemu-ga on a unix socket, for replies a real agent will not
// produce on demand: malformed JSON, late replies, huge replies. It implements the sync
// handshake like qemu-ga (0xFF before the guest-sync-delimited reply).
import { listenQga, syncReply, type QgaSocket } from './qga-socket.ts';

/** What to answer to one command: raw bytes (a line is added), or nothing; after delayMs. */
export type Script = (execute: string, args: unknown) => { raw?: string | Buffer; delayMs?: number } | undefined;

export class FakeQga {
  private constructor(
    private readonly listening: QgaSocket,
    /** The commands received, in order. */
    readonly received: string[],
  ) {}

  get socket(): string {
    return this.listening.socket;
  }

  static async start(script: Script): Promise<FakeQga> {
    const received: string[] = [];
    const listening = await listenQga((conn, line) => {
      const req = JSON.parse(line) as { execute: string; arguments?: { id?: number } };
      received.push(req.execute);
      if (req.execute === 'guest-sync-delimited') {
        conn.write(syncReply(req.arguments!.id));
        return;
      }
      const answer = script(req.execute, req.arguments);
      if (!answer?.raw) return;
      const bytes = Buffer.concat([Buffer.from(answer.raw), Buffer.from('\n')]);
      if (answer.delayMs) setTimeout(() => !conn.destroyed && conn.write(bytes), answer.delayMs);
      else conn.write(bytes);
    });
    return new FakeQga(listening, received);
  }

  /** Hangs up on every client, as an agent restarting would. */
  dropConnections(): void {
    this.listening.dropConnections();
  }

  close(): Promise<void> {
    return this.listening.close();
  }
}
