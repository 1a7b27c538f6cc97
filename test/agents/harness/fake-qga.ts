// A scripted stand-in for qemu-ga on a unix socket, for replies a real agent will not
// produce on demand: malformed JSON, late replies, huge replies. It implements the sync
// handshake like qemu-ga (0xFF before the guest-sync-delimited reply).
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** What to answer to one command: raw bytes (a line is added), or nothing; after delayMs. */
export type Script = (execute: string, args: unknown) => { raw?: string | Buffer; delayMs?: number } | undefined;

export class FakeQga {
  readonly received: string[] = [];
  private constructor(
    readonly server: net.Server,
    readonly socket: string,
    private readonly dir: string,
  ) {}

  static async start(script: Script): Promise<FakeQga> {
    const dir = mkdtempSync(path.join(tmpdir(), 'vmha-fakeqga-'));
    const socket = path.join(dir, 'qga.sock');
    let fake: FakeQga;
    const conns = new Set<net.Socket>();
    const server = net.createServer((conn) => {
      conns.add(conn);
      conn.on('close', () => conns.delete(conn));
      let buf = '';
      conn.on('error', () => undefined);
      conn.on('data', (d: Buffer) => {
        buf += d.toString('latin1').replaceAll('\xff', '');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const req = JSON.parse(line) as { execute: string; arguments?: { id?: number } };
          fake.received.push(req.execute);
          if (req.execute === 'guest-sync-delimited') {
            conn.write(Buffer.concat([Buffer.from([0xff]), Buffer.from(`{"return": ${req.arguments!.id}}\n`)]));
            continue;
          }
          const answer = script(req.execute, req.arguments);
          if (!answer?.raw) continue;
          const bytes = Buffer.concat([Buffer.from(answer.raw), Buffer.from('\n')]);
          if (answer.delayMs) setTimeout(() => !conn.destroyed && conn.write(bytes), answer.delayMs);
          else conn.write(bytes);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    server.on('close-connections', () => conns.forEach((c) => c.destroy()));
    fake = new FakeQga(server, socket, dir);
    return fake;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.emit('close-connections');
    });
    rmSync(this.dir, { recursive: true, force: true });
  }
}
