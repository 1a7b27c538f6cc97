// In-memory AgentTransport for runner tests that need what no real agent does on demand
// (a domain vanishing mid-cycle). The transport itself lives in agents/transport/memory.ts.
import { MemoryAgent, type AgentHandler } from '../../../agents/transport/memory.ts';

export { MemoryAgent };
export type Handler = AgentHandler;

/** guest-info of an agent with guest-exec blocked (the probes then need no exec replies). */
export const GUEST_INFO_NO_EXEC = {
  version: '7.2.22',
  supported_commands: [
    { name: 'guest-exec', enabled: false },
    { name: 'guest-exec-status', enabled: true },
  ],
};

/**
 * A handler that behaves like a healthy qemu-ga with guest-exec blocked: guest-ping,
 * guest-info, addresses and an in-memory file store for the disk probe.
 */
export function healthyGuest(address: string): Handler {
  const files = new Map<string, Buffer>();
  const handles = new Map<number, { path: string; pos: number }>();
  let next = 1000;
  return (execute, args) => {
    const a = (args ?? {}) as { path: string; mode?: string; handle: number; count: number; 'buf-b64': string };
    switch (execute) {
      case 'guest-ping':
        return {};
      case 'guest-info':
        return GUEST_INFO_NO_EXEC;
      case 'guest-network-get-interfaces':
        return [{ name: 'eth0', 'ip-addresses': [{ 'ip-address-type': 'ipv4', 'ip-address': address, prefix: 24 }] }];
      case 'guest-file-open': {
        if (a.mode === 'w') files.set(a.path, Buffer.alloc(0));
        handles.set(next, { path: a.path, pos: 0 });
        return next++;
      }
      case 'guest-file-write': {
        const h = handles.get(a.handle)!;
        const data = Buffer.from(a['buf-b64'], 'base64');
        files.set(h.path, Buffer.concat([files.get(h.path)!, data]));
        return { count: data.length, eof: false };
      }
      case 'guest-file-read': {
        const h = handles.get(a.handle)!;
        const data = files.get(h.path)!.subarray(h.pos, h.pos + a.count);
        h.pos += data.length;
        return { count: data.length, 'buf-b64': data.toString('base64'), eof: h.pos >= files.get(h.path)!.length };
      }
      case 'guest-file-flush':
      case 'guest-file-close':
        return {};
      default:
        throw new Error(`MemoryAgent: unexpected ${execute}`);
    }
  };
}
