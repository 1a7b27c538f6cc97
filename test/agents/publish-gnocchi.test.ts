// The publisher against the fake Gnocchi (upstream batch contract), and the probe loop
// riding out a Gnocchi outage with a real qemu-ga guest.
import { expect } from 'chai';
import { probeSchema } from '../../src/config/probe-schema.ts';
import { systemClock } from '../../src/domain/clock.ts';
import { memoryLogger } from '../../src/log.ts';
import { ProbeLoop } from '../../agents/daemon.ts';
import { SocketGuestSource } from '../../agents/discovery/sockets.ts';
import { AgentMetrics } from '../../agents/metrics.ts';
import { SystemHostPinger } from '../../agents/probes/host-ping.ts';
import { METRIC, type GuestResult } from '../../agents/probes/result.ts';
import { GnocchiSink, Publisher } from '../../agents/publish/publisher.ts';
import { ProbeRunner } from '../../agents/runner.ts';
import { withFakeCloud, type CloudFixture } from '../helpers/cloud.ts';
import { until } from '../helpers/wait.ts';
import { createNetPair, destroyAllNetPairs } from './harness/netns.ts';
import { killAllQga, startQga } from './harness/qga.ts';

const PET = '5d1c7e2a-8b3f-4a6e-9c0d-1e2f3a4b5c6d';
const OTHER = '6e2d8f3b-9c4a-4b7f-8d1e-2f3a4b5c6d7e';
const NOT_IN_GNOCCHI = '7f3e9a4c-ad5b-4c8a-9e2f-3a4b5c6d7e8f';

function addInstance(f: CloudFixture, id: string): void {
  f.cloud.gnocchi.addResource('instance', {
    id,
    display_name: `pet-${id.slice(0, 4)}`,
    flavor_id: 'm1.small',
    image_ref: 'cirros',
    host: 'compute-1',
    project_id: 'demo',
    user_id: 'demo',
  });
}

function result(uuid: string, at: number): GuestResult {
  return { uuid, name: undefined, at, durationMs: 3, agentUp: true, ping: { delayMs: 0.25, via: 'guest' }, disk: 0, problems: [] };
}

describe('agents/publish against the fake Gnocchi', function () {
  this.timeout(20000);
  let f: CloudFixture;
  beforeEach(async () => {
    f = await withFakeCloud();
    addInstance(f, PET);
    addInstance(f, OTHER);
  });
  afterEach(async () => {
    await f.close();
    await killAllQga();
    destroyAllNetPairs();
  });

  function publisher(retries = 0): Publisher {
    return new Publisher({ sink: new GnocchiSink(f.clients.gnocchi), clock: systemClock, logger: memoryLogger().logger, archivePolicy: 'high', bufferMax: 1000, retries, backoffMs: 10 });
  }

  it('delivers a cycle in one batch call, creating the metrics with the archive policy', async () => {
    const p = publisher();
    const now = Date.now();
    p.enqueue([result(PET, now), { ...result(OTHER, now), agentUp: false, disk: undefined, ping: { delayMs: 999, via: 'host' } }]);
    expect(await p.flush()).to.deep.equal({ sent: 5, rejected: 0, delivered: true });
    expect(f.cloud.gnocchi.measures(PET, METRIC.pingDelay).map((m) => m.value)).to.deep.equal([0.25]);
    expect(f.cloud.gnocchi.measures(PET, METRIC.diskHealth).map((m) => m.value)).to.deep.equal([0]);
    expect(f.cloud.gnocchi.measures(OTHER, METRIC.pingDelay).map((m) => m.value)).to.deep.equal([999]);
    expect(f.cloud.gnocchi.measures(OTHER, METRIC.agentUp).map((m) => m.value)).to.deep.equal([0]);
    expect(f.cloud.gnocchi.measures(OTHER, METRIC.diskHealth)).to.deep.equal([]);
    const metricId = f.cloud.gnocchi.metricId(PET, METRIC.pingDelay)!;
    expect(f.cloud.gnocchi.indexer.metrics.get(metricId)?.archivePolicyName).to.equal('high');
  });

  it('delivers the other instances when Gnocchi refuses one it does not know', async () => {
    const p = publisher();
    const now = Date.now();
    p.enqueue([result(PET, now), result(NOT_IN_GNOCCHI, now), result(OTHER, now)]);
    expect(await p.flush()).to.deep.equal({ sent: 6, rejected: 3, delivered: true });
    expect(f.cloud.gnocchi.measures(PET, METRIC.agentUp)).to.have.length(1);
    expect(f.cloud.gnocchi.measures(OTHER, METRIC.agentUp)).to.have.length(1);
  });

  it('keeps probing while Gnocchi is down and delivers the buffered measures when it returns', async () => {
    const net = createNetPair();
    const q = await startQga({ net });
    const cfg = probeSchema.parse({ interval_s: 0.3, agent_timeout_s: 1, jitter_s: 0, ha: { filter: false }, ping: { timeout_s: 1 }, disk: { filesystems: [q.path('data')] } });
    const source = new SocketGuestSource([{ uuid: PET, path: q.socket }]);
    const { logger, memory } = memoryLogger();
    const pub = new Publisher({ sink: new GnocchiSink(f.clients.gnocchi), clock: systemClock, logger, archivePolicy: 'high', bufferMax: 1000, retries: 1, backoffMs: 20 });
    const metrics = new AgentMetrics(pub);
    const runner = new ProbeRunner({ source, cfg, clock: systemClock, hostPinger: new SystemHostPinger([...net.peerExec, 'ping']), logger });
    const loop = new ProbeLoop({ runner, publisher: pub, metrics, clock: systemClock, logger, intervalMs: 300 });
    const stop = new AbortController();
    let cycles = 0;
    const origCycle = loop.cycle.bind(loop);
    loop.cycle = async () => {
      cycles++;
      return origCycle();
    };

    f.cloud.faults.add({ service: 'metric', status: 503 });
    const running = loop.run(stop.signal);
    try {
      await until('four cycles while Gnocchi is down', () => cycles >= 4 && pub.buffer.size >= 9, 10000);
      expect(f.cloud.gnocchi.measures(PET, METRIC.agentUp)).to.deep.equal([]);
      expect(memory.entries.some((e) => e.message === 'cannot publish measures to Gnocchi: kept in the buffer for the next cycle')).to.equal(true);
      const buffered = pub.buffer.size;

      f.cloud.faults.clear();
      await until('buffered measures delivered', () => f.cloud.gnocchi.measures(PET, METRIC.agentUp).length >= buffered / 3, 10000);
      const ups = f.cloud.gnocchi.measures(PET, METRIC.agentUp);
      expect(ups.every((m) => m.value === 1)).to.equal(true);
      const disks = f.cloud.gnocchi.measures(PET, METRIC.diskHealth).map((m) => m.value);
      expect(disks.length).to.be.at.least(3);
      expect(new Set(disks)).to.deep.equal(new Set([0]));
      const body = await metrics.registry.metrics();
      expect(body).to.match(/vmha_publish_failed_flushes \d+/);
      expect(body).to.contain(`vmha_probe_last_value{instance="${PET}",metric="instance.disk.health"} 0`);
    } finally {
      stop.abort();
      await running;
      await source.close();
    }
  });
});
