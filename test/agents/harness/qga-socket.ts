// The listening side of a qemu-ga unix socket, for the stand-in agents of the tests: a
// fresh socket in its own directory, one JSON command per line (0xFF bytes, which reset
// qemu-ga's parser, are dropped), and close() ending every connection.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface QgaSocket {
  socket: string;
  /** Ends every open connection (the agent side hanging up); the socket keeps listening. */
  dropConnections(): void;
  close(): Promise<void>;
}

/** Listens on a fresh socket and calls `onLine` with each non-empty line of each connection. */
export async function listenQga(onLine: (conn: net.Socket, line: string) => void): Promise<QgaSocket> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmha-qga-'));
  const socket = path.join(dir, 'qga.sock');
  const conns = new Set<net.Socket>();
  const server = net.createServer((conn) => {
    conns.add(conn);
    conn.on('close', () => conns.delete(conn));
    conn.on('error', () => undefined);
    let buf = '';
    conn.on('data', (d: Buffer) => {
      buf += d.toString('latin1').replaceAll('\xff', '');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim()) onLine(conn, line);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  const dropConnections = (): void => conns.forEach((c) => c.destroy());
  return {
    socket,
    dropConnections,
    close: async () => {
      dropConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** qemu-ga's answer to guest-sync-delimited: 0xFF, then the id back. */
export function syncReply(id: unknown): Buffer {
  return Buffer.concat([Buffer.from([0xff]), Buffer.from(`${JSON.stringify({ return: id })}\n`, 'latin1')]);
}
