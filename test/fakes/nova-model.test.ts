// The fake Nova's model on its own: the injected clock drives the simulated
// durations, stop() cancels pending work, and the helpers tests rely on.
import { expect } from 'chai';
import { NovaModel } from '../../src/fakes/nova/index.ts';
import { DEFAULT_TIMINGS } from '../../src/fakes/nova/types.ts';
import { startEvacuation, startLiveMigration, startReboot } from '../../src/fakes/nova/workflows.ts';
import { ManualClock } from './manual-clock.ts';

describe('fake nova: model', () => {
  let clock: ManualClock;
  let model: NovaModel;

  beforeEach(() => {
    clock = new ManualClock();
    model = new NovaModel(clock, { ...DEFAULT_TIMINGS, reboot: 1000, liveMigrate: 4000, evacuate: 3000, schedule: 100 });
    model.addHost('compute-1');
    model.addHost('compute-2');
    model.addHost('compute-3');
  });
  afterEach(() => model.stop());

  const add = (host = 'compute-1') => model.addServer({ name: 'pet', host, projectId: 'p', userId: 'u' });

  it('moves actions forward on the injected clock only', async () => {
    const s = add();
    startReboot(model, model.serverRecord(s.id)!, true);
    await clock.advance(999);
    expect(model.getServer(s.id)!.taskState).to.equal('rebooting_hard');
    await clock.advance(1);
    expect(model.getServer(s.id)).to.include({ taskState: null, vmState: 'active' });
    expect(model.getServer(s.id)!.updatedAt).to.equal(clock.now());
  });

  it('runs a live migration phase by phase', async () => {
    const s = add();
    startLiveMigration(model, model.serverRecord(s.id)!, { host: null, useScheduler: true, synchronous: false });
    const status = () => model.migrations()[0]!.status;
    expect(status()).to.equal('accepted');
    await clock.advance(100);
    expect(status()).to.equal('preparing');
    await clock.advance(1000);
    expect(status()).to.equal('running');
    await clock.advance(3000);
    expect(status()).to.equal('completed');
    expect(model.getServer(s.id)!.host).to.equal('compute-2');
  });

  it('schedules to the least loaded up and enabled host', () => {
    add('compute-2');
    expect(model.schedule('compute-1', null)?.name).to.equal('compute-3');
    model.setServiceState('compute-3', { disabled: true });
    expect(model.schedule('compute-1', null)?.name).to.equal('compute-2');
    model.setHostAlive('compute-2', false);
    expect(model.schedule('compute-1', null)).to.equal(undefined);
    expect(model.schedule('compute-1', 'compute-3')).to.equal(undefined);
  });

  it('runs an evacuation phase by phase', async () => {
    const s = add();
    model.setHostAlive('compute-1', false);
    startEvacuation(model, model.serverRecord(s.id)!, { host: null, useScheduler: true, targetState: null });
    const status = () => model.migrations()[0]!.status;
    expect([status(), model.getServer(s.id)!.taskState]).to.deep.equal(['accepted', 'rebuilding']);
    await clock.advance(100);
    expect(status()).to.equal('pre-migrating');
    await clock.advance(2899);
    expect(status()).to.equal('pre-migrating');
    await clock.advance(1);
    expect(status()).to.equal('done');
    expect(model.getServer(s.id)).to.include({ host: 'compute-2', vmState: 'active', taskState: null });
  });

  it('keeps a stopped model still: pending work never lands', async () => {
    const s = add();
    model.setHostAlive('compute-1', false);
    startEvacuation(model, model.serverRecord(s.id)!, { host: null, useScheduler: true, targetState: null });
    await clock.advance(100);
    expect(model.migrations()[0]!.status).to.equal('pre-migrating');
    model.stop();
    await clock.advance(10_000);
    await model.settled();
    expect(model.migrations()[0]!.status).to.equal('pre-migrating');
    expect(model.getServer(s.id)!.taskState).to.equal('rebuilding');
    expect(model.workflowErrors).to.deep.equal([]);
  });

  it('queues injected failures per action', async () => {
    model.failNext('reboot', 'error');
    model.failNext('reboot', 'error');
    const s = add();
    for (const expected of ['error', 'error', 'active']) {
      Object.assign(model.serverRecord(s.id)!, { vmState: 'active', taskState: null });
      startReboot(model, model.serverRecord(s.id)!, true);
      await clock.advance(1000);
      expect(model.getServer(s.id)!.vmState).to.equal(expected);
    }
  });

  it('reports heartbeat times and marks done evacuations completed on restart', async () => {
    const s = add();
    const before = clock.now();
    model.setHostAlive('compute-1', false);
    await clock.advance(5000);
    const svc = model.services().find((x) => x.host === 'compute-1')!;
    expect(model.serviceUpdatedAt(svc)).to.equal(before);
    startEvacuation(model, model.serverRecord(s.id)!, { host: 'compute-3', useScheduler: true, targetState: 'stopped' });
    await clock.advance(3000);
    expect(model.migrations()[0]).to.include({ status: 'done', destCompute: 'compute-3' });
    expect(model.getServer(s.id)).to.include({ host: 'compute-3', vmState: 'stopped' });
    model.setHostAlive('compute-1', true);
    expect(model.migrations()[0]!.status).to.equal('completed');
    expect(model.serviceUpdatedAt(model.services().find((x) => x.host === 'compute-1')!)).to.equal(clock.now());
  });

  it('refuses duplicates and unknown hosts, and hands out copies', () => {
    expect(() => model.addHost('compute-1')).to.throw('host compute-1 already exists');
    expect(() => model.addServer({ name: 'x', host: 'nowhere', projectId: 'p', userId: 'u' })).to.throw('unknown host nowhere');
    expect(() => model.setHostAlive('nowhere', true)).to.throw('no compute service on host nowhere');
    const s = add();
    model.getServer(s.id)!.name = 'changed';
    expect(model.getServer(s.id)!.name).to.equal('pet');
    expect(model.services().map((x) => x.binary)).to.deep.equal(['nova-conductor', 'nova-scheduler', 'nova-compute', 'nova-compute', 'nova-compute']);
    expect(model.images()[0]!.id).to.equal('70a599e0-31e7-49b7-b260-868f441e862b');
  });
});
