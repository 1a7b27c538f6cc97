// An in-process guest agent (the demo's simulated guest) served on a unix socket the way
// qemu-ga serves its virtio-serial channel, so that a `vmha probe` process configured
// with probe.sockets reaches it through the real socket transport.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AgentCommandFailed } from '../../agents/transport/errors.ts';
import type { AgentTransport } from '../../agents/transport/types.ts';

export interface AgentSocket {
  socket: string;
  close(): Promise<void>;
}

/** Listens on a fresh socket; each line is one command, answered in order, after qemu-ga's sync handshake. */
export async function serveAgent(agent: AgentTransport): Promise<AgentSocket> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmha-guest-'));
  const socket = path.join(dir, 'qga.sock');
  const conns = new Set<net.Socket>();
  const server = net.createServer((conn) => {
    conns.add(conn);
    conn.on('close', () => conns.delete(conn));
    conn.on('error', () => undefined);
    let buf = '';
    let queue = Promise.resolve();
    conn.on('data', (d: Buffer) => {
      // 0xFF resets qemu-ga's parser; the transport sends it before guest-sync-delimited.
      buf += d.toString('latin1').replaceAll('\xff', '');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.trim()) continue;
        queue = queue.then(() => answer(conn, agent, line));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    socket,
    close: async () => {
      for (const c of conns) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function answer(conn: net.Socket, agent: AgentTransport, line: string): Promise<void> {
  const req = JSON.parse(line) as { execute: string; arguments?: Record<string, unknown> };
  if (req.execute === 'guest-sync-delimited') {
    conn.write(Buffer.concat([Buffer.from([0xff]), Buffer.from(`${JSON.stringify({ return: req.arguments?.id })}\n`, 'latin1')]));
    return;
  }
  let reply: unknown;
  try {
    reply = { return: (await agent.command(req.execute, req.arguments, { timeoutMs: 10_000 })) ?? {} };
  } catch (err) {
    // A command the guest refused is an error reply; anything else (a guest that is not
    // running) is silence, as from a real agent.
    if (!(err instanceof AgentCommandFailed)) return;
    reply = { error: { class: err.errorClass, desc: err.detail } };
  }
  if (!conn.destroyed) conn.write(`${JSON.stringify(reply)}\n`);
}
