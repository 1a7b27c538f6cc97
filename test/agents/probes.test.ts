// The acceptance points of the probes, against real qemu-ga processes on sockets, each in
// its own network namespace (and mount namespace for filesystem faults).
import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { probeSchema, type ProbeConfig } from '../../src/config/probe-schema.ts';
import { systemClock } from '../../src/domain/clock.ts';
import { makeDiskPayload } from '../../agents/probes/disk.ts';
import { probeGuest, type GuestMemory } from '../../agents/probes/guest.ts';
import { SystemHostPinger } from '../../agents/probes/host-ping.ts';
import { measuresOf, METRIC, PING_NO_REPLY, type GuestResult } from '../../agents/probes/result.ts';
import { SocketTransport } from '../../agents/transport/socket.ts';
import { createNetPair, destroyAllNetPairs, type NetPair } from './harness/netns.ts';
import { killAllQga, startQga, type QgaProcess } from './harness/qga.ts';

const UUID = '3f0c1a9e-5b7d-4c2a-9e1f-2a3b4c5d6e7f';

/** Test settings: short timeouts so failure cases stay fast. */
function config(overrides: Record<string, unknown> = {}, disk: Record<string, unknown> = {}): ProbeConfig {
  return probeSchema.parse({
    interval_s: 5,
    agent_timeout_s: 1,
    jitter_s: 0,
    ha: { filter: false },
    ping: { timeout_s: 1 },
    ...overrides,
    disk: { timeout_s: 2, ...disk },
  });
}

describe('agents/probes against real qemu-ga guests', function () {
  this.timeout(20000);
  let net: NetPair;
  const transports: SocketTransport[] = [];

  async function probe(q: QgaProcess, cfg: ProbeConfig, memory: GuestMemory = {}, pair = net): Promise<GuestResult> {
    let t = transports.find((x) => x.path === q.socket);
    if (!t) transports.push((t = new SocketTransport(q.socket)));
    return probeGuest({ uuid: UUID, name: 'pet-1', agent: t }, memory, {
      cfg,
      clock: systemClock,
      hostPinger: new SystemHostPinger([...pair.peerExec, 'ping']),
      payload: makeDiskPayload(cfg.disk.size_bytes, cfg.disk.chunk_bytes),
    });
  }

  before(() => {
    net = createNetPair();
  });
  afterEach(async () => {
    await Promise.all(transports.splice(0).map((t) => t.close()));
    await killAllQga();
  });
  after(() => destroyAllNetPairs());

  it('a healthy guest: delay to its gateway measured inside, below the timeout; disk 0; agent up', async () => {
    const q = await startQga({ net });
    const memory: GuestMemory = {};
    const r = await probe(q, config({}, { filesystems: [q.path('data')] }), memory);
    expect(r.problems).to.deep.equal([]);
    expect(r.agentUp).to.equal(true);
    expect(r.ping?.via).to.equal('guest');
    expect(r.ping?.delayMs).to.be.greaterThan(0).and.below(1000);
    expect(r.disk).to.equal(0);
    expect(memory.gateway?.address).to.equal(net.peerAddress);
    expect(memory.addresses?.list.map((a) => a.address)).to.deep.equal([net.guestAddress]);
    expect(measuresOf(r)).to.deep.equal([
      { metric: METRIC.pingDelay, value: r.ping!.delayMs },
      { metric: METRIC.diskHealth, value: 0 },
      { metric: METRIC.agentUp, value: 1 },
    ]);
  });

  it('a ping target that does not answer gives 999', async () => {
    const q = await startQga({ net });
    const r = await probe(q, config({ ping: { target: net.deadAddress, timeout_s: 1 } }, { filesystems: [q.path('data')] }));
    expect(r.ping).to.deep.equal({ delayMs: PING_NO_REPLY, via: 'guest' });
    expect(r.problems.map((p) => p.kind)).to.deep.equal(['ping_no_reply']);
    expect(r.agentUp).to.equal(true);
    expect(r.disk).to.equal(0);
  });

  it('a read-only filesystem gives disk -1', async () => {
    const q = await startQga({ net, mounts: [{ name: 'ro', kind: 'readonly' }] });
    const r = await probe(q, config({}, { filesystems: [q.path('data'), q.path('ro')] }));
    expect(r.disk).to.equal(-1);
    expect(r.problems).to.have.length(1);
    expect(r.problems[0]!.kind).to.equal('disk_failed');
    expect(r.problems[0]!.detail).to.contain('Read-only file system');
    expect(r.agentUp).to.equal(true);
  });

  it('a full filesystem gives disk -1', async () => {
    const q = await startQga({ net, mounts: [{ name: 'tiny', kind: 'tiny' }] });
    const r = await probe(q, config({}, { filesystems: [q.path('tiny')] }));
    expect(r.disk).to.equal(-1);
    expect(r.problems[0]!.detail).to.contain('No space left on device');
  });

  it('a filesystem with room for less than the probe size gives -1 although small writes succeed', async () => {
    const q = await startQga({ net, mounts: [{ name: 'tiny', kind: 'tiny' }] });
    const small = await probe(q, config({}, { filesystems: [q.path('tiny')], size_bytes: 8192, chunk_bytes: 4096 }));
    expect(small.disk, 'an 8 KiB probe fits in the 64 KiB tmpfs').to.equal(0);
    const real = await probe(q, config({}, { filesystems: [q.path('tiny')] }));
    expect(real.disk).to.equal(-1);
  });

  it('a stopped agent: host-side delay, no disk value, agent.up 0 within one interval; recovers after SIGCONT', async () => {
    const q = await startQga({ net });
    const cfg = config({}, { filesystems: [q.path('data')] });
    const memory: GuestMemory = {};
    expect((await probe(q, cfg, memory)).disk).to.equal(0);

    q.stop();
    const down = await probe(q, cfg, memory);
    expect(down.durationMs).to.be.below(cfg.interval_s * 1000);
    expect(down.agentUp).to.equal(false);
    expect(down.disk).to.equal(undefined);
    expect(down.ping?.via).to.equal('host');
    expect(down.ping?.delayMs).to.be.greaterThan(0).and.below(1000);
    expect(down.problems.map((p) => p.kind)).to.deep.equal(['agent_timeout']);
    expect(measuresOf(down)).to.deep.equal([
      { metric: METRIC.pingDelay, value: down.ping!.delayMs },
      { metric: METRIC.agentUp, value: 0 },
    ]);

    q.cont();
    const back = await probe(q, cfg, memory);
    expect(back.problems).to.deep.equal([]);
    expect(back).to.deep.include({ agentUp: true, disk: 0 });
    expect(back.ping?.via).to.equal('guest');
  });

  it('a stopped agent in a guest whose network is down too gives 999', async () => {
    const own = createNetPair(); // its link goes down: keep the shared pair's neighbour tables clean
    const q = await startQga({ net: own });
    const cfg = config({}, { filesystems: [q.path('data')] });
    const memory: GuestMemory = {};
    await probe(q, cfg, memory, own);
    q.stop();
    execFileSync('ip', ['-n', own.guestNs, 'link', 'set', 'eth0', 'down']);
    const r = await probe(q, cfg, memory, own);
    expect(r).to.deep.include({ agentUp: false, disk: undefined, ping: { delayMs: PING_NO_REPLY, via: 'host' } });
    expect(r.problems.map((p) => p.kind)).to.deep.equal(['agent_timeout', 'ping_no_reply']);
  });

  it('guest-exec blocked: the delay comes from the host, the disk is still probed', async () => {
    const q = await startQga({ net, block: ['guest-exec'] });
    const r = await probe(q, config({}, { filesystems: [q.path('data')] }));
    expect(r.problems).to.deep.equal([]);
    expect(r.ping?.via).to.equal('host');
    expect(r.ping?.delayMs).to.be.greaterThan(0).and.below(1000);
    expect(r.disk).to.equal(0);
  });
});
