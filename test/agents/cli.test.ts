import { expect } from 'chai';
import { probeSchema } from '../../src/config/probe-schema.ts';
import { ManualClock } from '../../src/domain/clock.ts';
import { memoryLogger } from '../../src/log.ts';
import type { Server } from '../../src/openstack/nova-types.ts';
import { probeCommand } from '../../agents/cli.ts';
import { NovaHaFilter } from '../../agents/discovery/ha-filter.ts';
import { AgentMetrics, serveMetrics } from '../../agents/metrics.ts';
import { createNetPair, destroyAllNetPairs } from './harness/netns.ts';
import { killAllQga, startQga } from './harness/qga.ts';

const A = '0a0a0a0a-0000-4000-8000-00000000000a';
const B = '0b0b0b0b-0000-4000-8000-00000000000b';

describe('agents/cli: vmha probe --once', function () {
  this.timeout(20000);
  afterEach(async () => {
    await killAllQga();
    destroyAllNetPairs();
  });

  it('prints one JSON line per guest and exits 0', async () => {
    const net = createNetPair();
    const q = await startQga({ net });
    const probe = probeSchema.parse({
      sockets: [{ uuid: A, path: q.socket, name: 'pet-a' }],
      ha: { filter: false },
      jitter_s: 0,
      ping: { host_command: [...net.peerExec, 'ping'] },
      disk: { filesystems: [q.path('data')] },
    });
    let out = '';
    const code = await probeCommand({ probe, logger: memoryLogger().logger, stdout: (t) => (out += t) }, { once: true, json: true });
    expect(code).to.equal(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.deep.include({ uuid: A, name: 'pet-a', ping_via: 'guest', problems: [] });
    const measures = lines[0]!.measures as Record<string, number>;
    expect(measures['instance.disk.health']).to.equal(0);
    expect(measures['instance.agent.up']).to.equal(1);
    expect(measures['instance.ping.delay']).to.be.greaterThan(0).and.below(999);
  });

  it('exits non-zero when no guest could be probed', async () => {
    const probe = probeSchema.parse({ sockets: [{ uuid: B, path: '/nonexistent/qga.sock' }], ha: { filter: false }, jitter_s: 0, agent_timeout_s: 1 });
    let out = '';
    const code = await probeCommand({ probe, logger: memoryLogger().logger, stdout: (t) => (out += t) }, { once: true, json: true });
    expect(code).to.not.equal(0);
    // The silent guest is still reported: agent down, no disk value.
    const line = JSON.parse(out.trim()) as { measures: Record<string, number> };
    expect(line.measures).to.deep.equal({ 'instance.ping.delay': 999, 'instance.agent.up': 0 });
  });
});

describe('agents/metrics', () => {
  it('serves last values, probe latency and errors by kind on GET /metrics', async () => {
    const m = new AgentMetrics();
    m.observe({
      startedAt: 0,
      durationMs: 1500,
      listError: undefined,
      results: [
        { uuid: A, name: 'a', at: 0, durationMs: 120, agentUp: false, ping: { delayMs: 999, via: 'host' }, disk: undefined, problems: [{ kind: 'agent_timeout', detail: 'x' }] },
      ],
    });
    const server = await serveMetrics(m, '127.0.0.1:0');
    try {
      const body = await (await fetch(server.url)).text();
      expect(body).to.contain(`vmha_probe_last_value{instance="${A}",metric="instance.ping.delay"} 999`);
      expect(body).to.contain(`vmha_probe_last_value{instance="${A}",metric="instance.agent.up"} 0`);
      expect(body).to.contain('vmha_probe_errors_total{kind="agent_timeout"} 1');
      expect(body).to.contain('vmha_probe_duration_seconds_count 1');
      expect(body).to.contain('vmha_probe_cycle_duration_seconds 1.5');
      expect((await fetch(server.url.replace('/metrics', '/other'))).status).to.equal(404);
      m.retain(new Set());
      expect(await m.registry.metrics()).to.not.contain(`instance="${A}"`);
    } finally {
      await server.close();
    }
  });
});

describe('agents/discovery/ha-filter', () => {
  const server = (id: string, ha: string | undefined): Server => ({ id, metadata: ha === undefined ? {} : { HA_Enabled: ha } }) as unknown as Server;

  it('selects HA-enabled instances, caches the Nova answer and refreshes it', async () => {
    const clock = new ManualClock();
    let calls = 0;
    let servers = [server(A, 'True'), server(B, 'False')];
    const f = new NovaHaFilter({ listServers: async () => (calls++, servers), key: 'HA_Enabled', value: 'True', refreshMs: 300_000, clock, logger: memoryLogger().logger });
    expect([...(await f.select([A, B]))]).to.deep.equal([A]);
    expect([...(await f.select([A, B]))]).to.deep.equal([A]);
    expect(calls).to.equal(1);
    servers = [server(A, 'True'), server(B, 'True')];
    clock.advance(300_000);
    expect([...(await f.select([A, B]))].sort()).to.deep.equal([A, B]);
    expect(calls).to.equal(2);
  });

  it('asks again for an instance it has not seen (at most every 30 s) and keeps the last list while Nova is down', async () => {
    const clock = new ManualClock();
    let fail = false;
    let servers = [server(A, 'True')];
    const { logger, memory } = memoryLogger();
    const f = new NovaHaFilter({
      listServers: async () => {
        if (fail) throw new Error('nova 503');
        return servers;
      },
      key: 'HA_Enabled',
      value: 'True',
      refreshMs: 300_000,
      clock,
      logger,
    });
    expect([...(await f.select([A]))]).to.deep.equal([A]);
    servers = [server(A, 'True'), server(B, 'True')];
    expect([...(await f.select([A, B]))], 'too soon to ask again').to.deep.equal([A]);
    clock.advance(30_000);
    expect([...(await f.select([A, B]))].sort()).to.deep.equal([A, B]);
    fail = true;
    clock.advance(300_000);
    expect([...(await f.select([A, B]))].sort()).to.deep.equal([A, B]);
    expect(memory.entries.some((e) => String(e.message).includes('using the last list'))).to.equal(true);
  });

  it('probes nothing while Nova has never answered', async () => {
    const f = new NovaHaFilter({
      listServers: async () => {
        throw new Error('nova down');
      },
      key: 'HA_Enabled',
      value: 'True',
      refreshMs: 300_000,
      clock: new ManualClock(),
      logger: memoryLogger().logger,
    });
    expect([...(await f.select([A]))]).to.deep.equal([]);
  });
});
