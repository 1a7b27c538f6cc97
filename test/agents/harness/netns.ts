// Network namespaces for test guests. Every test qemu-ga runs in a namespace of its own
// making, so anything it pings (its default gateway, a dead address) stays inside
// namespaces this process created: a "guest" namespace and a "peer" namespace joined by
// a veth pair, with the peer as the guest's gateway. The root namespace is not touched.
import { execFileSync } from 'node:child_process';

export interface NetPair {
  guestNs: string;
  peerNs: string;
  guestAddress: string;
  peerAddress: string;
  /** An address in the pair's subnet that nobody holds: pings to it get no reply. */
  deadAddress: string;
  /** argv prefix that runs a command in the peer namespace (the "host side"). */
  peerExec: string[];
  destroy(): void;
}

const live = new Set<NetPair>();
let counter = 0;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Creates a guest/peer namespace pair on 10.251.N.0/24 (inside the two namespaces only). */
export function createNetPair(): NetPair {
  const n = (process.pid + counter++) % 250;
  const tag = `vmha${process.pid % 100000}x${counter}`;
  const guestNs = `${tag}g`;
  const peerNs = `${tag}p`;
  const subnet = `10.251.${n}`;
  const pair: NetPair = {
    guestNs,
    peerNs,
    guestAddress: `${subnet}.2`,
    peerAddress: `${subnet}.1`,
    deadAddress: `${subnet}.77`,
    peerExec: ['ip', 'netns', 'exec', peerNs],
    destroy: () => {
      live.delete(pair);
      for (const ns of [guestNs, peerNs]) {
        try {
          ip('netns', 'del', ns);
        } catch {
          // already gone
        }
      }
    },
  };
  live.add(pair);
  try {
    ip('netns', 'add', guestNs);
    ip('netns', 'add', peerNs);
    // Created inside the guest namespace, the far end moved to the peer: never in the root namespace.
    ip('-n', guestNs, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', peerNs);
    for (const [ns, addr] of [
      [guestNs, pair.guestAddress],
      [peerNs, pair.peerAddress],
    ] as const) {
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
    }
    ip('-n', guestNs, 'route', 'add', 'default', 'via', pair.peerAddress);
  } catch (err) {
    pair.destroy();
    throw err;
  }
  return pair;
}

/** Removes every pair this process created (after hooks, process exit). */
export function destroyAllNetPairs(): void {
  for (const p of [...live]) p.destroy();
}

process.once('exit', destroyAllNetPairs);
