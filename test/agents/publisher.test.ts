import { expect } from 'chai';
import { ManualClock, systemClock } from '../../src/domain/clock.ts';
import { memoryLogger } from '../../src/log.ts';
import { Invalid, Transient } from '../../src/openstack/errors.ts';
import type { BatchMeasures } from '../../src/openstack/gnocchi.ts';
import { MeasureBuffer, toBatch } from '../../agents/publish/buffer.ts';
import { Publisher, type MeasureSink } from '../../agents/publish/publisher.ts';
import type { GuestResult } from '../../agents/probes/result.ts';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const C = '33333333-3333-4333-8333-333333333333';

function result(uuid: string, at: number, delay = 0.3): GuestResult {
  return { uuid, name: undefined, at, durationMs: 5, agentUp: true, ping: { delayMs: delay, via: 'guest' }, disk: 0, problems: [] };
}

class MemorySink implements MeasureSink {
  readonly batches: BatchMeasures[] = [];
  down = false;
  unknown = new Set<string>();
  calls = 0;
  async send(batch: BatchMeasures): Promise<void> {
    this.calls++;
    const info = { service: 'metric', method: 'POST', url: '/v1/batch/resources/metrics/measures' };
    if (this.down) throw new Transient({ ...info, status: 503 });
    if (Object.keys(batch).some((id) => this.unknown.has(id))) throw new Invalid({ ...info, status: 400, detail: 'Unknown resources' });
    this.batches.push(batch);
  }
}

describe('agents/publish', () => {
  it('builds the upstream batch shape with the archive policy on each metric', () => {
    const batch = toBatch(
      [
        { resourceId: A, metric: 'instance.ping.delay', timestamp: '2026-01-01T00:00:00.000Z', value: 0.3 },
        { resourceId: A, metric: 'instance.ping.delay', timestamp: '2026-01-01T00:00:10.000Z', value: 999 },
        { resourceId: B, metric: 'instance.disk.health', timestamp: '2026-01-01T00:00:00.000Z', value: -1 },
      ],
      'vmha-probe',
    );
    expect(batch).to.deep.equal({
      [A]: {
        'instance.ping.delay': {
          archive_policy_name: 'vmha-probe',
          measures: [
            { timestamp: '2026-01-01T00:00:00.000Z', value: 0.3 },
            { timestamp: '2026-01-01T00:00:10.000Z', value: 999 },
          ],
        },
      },
      [B]: { 'instance.disk.health': { archive_policy_name: 'vmha-probe', measures: [{ timestamp: '2026-01-01T00:00:00.000Z', value: -1 }] } },
    });
  });

  it('bounds the buffer: drops the oldest and counts them, also when requeueing', () => {
    const b = new MeasureBuffer(3);
    const m = (v: number) => ({ resourceId: A, metric: 'x', timestamp: String(v), value: v });
    expect(b.push([m(1), m(2)])).to.equal(0);
    expect(b.push([m(3), m(4)])).to.equal(1);
    expect(b.take(10).map((x) => x.value)).to.deep.equal([2, 3, 4]);
    b.push([m(5), m(6)]);
    expect(b.requeue([m(3), m(4)])).to.equal(1);
    expect(b.take(10).map((x) => x.value)).to.deep.equal([4, 5, 6]);
    expect(b.dropped).to.equal(2);
  });

  it('publishes one batch per flush with every measure of the cycle', async () => {
    const sink = new MemorySink();
    const p = new Publisher({ sink, clock: systemClock, logger: memoryLogger().logger, archivePolicy: 'vmha-probe', bufferMax: 100, retries: 0 });
    const at = Date.parse('2026-01-01T00:00:00Z');
    p.enqueue([result(A, at), { ...result(B, at), agentUp: false, disk: undefined, ping: { delayMs: 999, via: 'host' } }]);
    expect(await p.flush()).to.deep.equal({ sent: 5, rejected: 0, delivered: true });
    expect(sink.batches).to.have.length(1);
    expect(Object.keys(sink.batches[0]![B]!)).to.deep.equal(['instance.ping.delay', 'instance.agent.up']);
  });

  it('keeps measures while the sink is down (retrying with backoff) and delivers them in order when it returns', async () => {
    const sink = new MemorySink();
    const clock = new ManualClock();
    const { logger, memory } = memoryLogger();
    const p = new Publisher({ sink, clock, logger, archivePolicy: 'vmha-probe', bufferMax: 100, retries: 2, backoffMs: 100 });
    sink.down = true;
    p.enqueue([result(A, 1000, 0.1)]);
    const flush = p.flush();
    expect(p.flush()).to.equal(flush, 'one flush at a time');
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setImmediate(r));
      clock.advance(1000);
    }
    expect(await flush).to.deep.include({ sent: 0, delivered: false });
    expect(sink.calls).to.equal(3);
    expect(memory.entries.some((e) => e.kind === 'Transient' && typeof e.action === 'string')).to.equal(true);
    p.enqueue([result(A, 11000, 0.2)]);
    sink.down = false;
    expect(await p.flush()).to.deep.equal({ sent: 6, rejected: 0, delivered: true });
    const delays = (sink.batches[0]![A]!['instance.ping.delay'] as { measures: { value: number }[] }).measures.map((m) => m.value);
    expect(delays).to.deep.equal([0.1, 0.2]);
  });

  it('drops only the instances Gnocchi refuses and delivers the others', async () => {
    const sink = new MemorySink();
    sink.unknown.add(B);
    const { logger, memory } = memoryLogger();
    const p = new Publisher({ sink, clock: systemClock, logger, archivePolicy: 'vmha-probe', bufferMax: 100, retries: 0 });
    p.enqueue([result(A, 0), result(B, 0), result(C, 0)]);
    expect(await p.flush()).to.deep.equal({ sent: 6, rejected: 3, delivered: true });
    expect(sink.batches.flatMap((b) => Object.keys(b)).sort()).to.deep.equal([A, C]);
    expect(memory.entries.find((e) => e.level === 'error')?.uuid).to.equal(B);
  });
});
