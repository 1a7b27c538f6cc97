// An in-process guest agent (the demo's simulated guest) served on a unix socket the way
// qemu-ga serves its virtio-serial channel, so that a `vmha probe` process configured
// with probe.sockets reaches it through the real socket transport.
import type net from 'node:net';
import { AgentCommandFailed } from '../../agents/transport/errors.ts';
import type { AgentTransport } from '../../agents/transport/types.ts';
import { listenQga, syncReply, type QgaSocket } from '../agents/harness/qga-socket.ts';

export type AgentSocket = QgaSocket;

/** Listens on a fresh socket; each line is one command, answered in order, after qemu-ga's sync handshake. */
export async function serveAgent(agent: AgentTransport): Promise<AgentSocket> {
  const queues = new WeakMap<net.Socket, Promise<void>>();
  return listenQga((conn, line) => {
    queues.set(conn, (queues.get(conn) ?? Promise.resolve()).then(() => answer(conn, agent, line)));
  });
}

async function answer(conn: net.Socket, agent: AgentTransport, line: string): Promise<void> {
  const req = JSON.parse(line) as { execute: string; arguments?: Record<string, unknown> };
  if (req.execute === 'guest-sync-delimited') {
    conn.write(syncReply(req.arguments?.id));
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
