// End to end on a real libvirtd (qemu:///system) with a tiny TCG guest: domain events,
// listing through @unraid/libvirt, discovery by domain UUID through the HA filter, a
// healthy cycle through our libvirt addon, then a read-only virtio disk giving -1.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { probeSchema } from '../../src/config/probe-schema.ts';
import { systemClock } from '../../src/domain/clock.ts';
import { memoryLogger } from '../../src/log.ts';
import type { Server } from '../../src/openstack/nova-types.ts';
import { NovaHaFilter } from '../../agents/discovery/ha-filter.ts';
import { LibvirtHypervisor, type DomainEvent } from '../../agents/discovery/hypervisor.ts';
import { LibvirtGuestSource } from '../../agents/discovery/libvirt.ts';
import { loadLibvirtBinding } from '../../agents/discovery/unraid-libvirt.ts';
import { loadLibvirtAddon } from '../../agents/native/index.ts';
import { ProbeRunner } from '../../agents/runner.ts';
import { until } from '../helpers/wait.ts';
import { createTcgGuest, ensureLibvirtd, SYSTEM_URI, type TcgGuest } from './harness/tcg-guest.ts';

describe('agents end to end on libvirtd with a TCG guest', function () {
  this.timeout(90_000);
  let guest: TcgGuest | undefined;
  let hv: LibvirtHypervisor;
  const events: DomainEvent[] = [];
  let off: (() => void) | undefined;
  let haEnabled = true;

  const { logger, memory } = memoryLogger();
  const server = (): Server => ({ id: guest!.uuid, metadata: { HA_Enabled: haEnabled ? 'True' : 'False' } }) as unknown as Server;

  function runner(filesystems: string[]): ProbeRunner {
    const ha = new NovaHaFilter({ listServers: async () => [server()], key: 'HA_Enabled', value: 'True', refreshMs: 0, minRefreshMs: 0, clock: systemClock, logger });
    const source = new LibvirtGuestSource({ hypervisor: hv, ha, logger });
    const cfg = probeSchema.parse({ jitter_s: 0, agent_timeout_s: 5, ping: { target: '127.0.0.1', timeout_s: 2 }, disk: { filesystems, timeout_s: 20 } });
    return new ProbeRunner({ source, cfg, clock: systemClock, hostPinger: { ping: async () => undefined }, logger });
  }

  before(async () => {
    const addon = loadLibvirtAddon();
    if (!addon) throw new Error('libvirt addon not built: run scripts/build-native.sh (npm test does)');
    const loaded = await loadLibvirtBinding();
    if (!('binding' in loaded)) throw new Error(`@unraid/libvirt cannot be loaded (${loaded.error}): run scripts/build-native.sh (npm test does)`);
    ensureLibvirtd();
    hv = new LibvirtHypervisor(loaded.binding, addon, SYSTEM_URI);
    off = hv.subscribe((e) => events.push(e));
    guest = createTcgGuest();
    // The agent-connected event is the readiness signal (about 6-10 s of TCG boot).
    await until('the guest agent to connect', () => events.some((e) => e.uuid === guest!.uuid && e.kind === 'agent-connected'), 60_000, 100);
  });

  after(() => {
    off?.();
    guest?.destroy();
  });

  it('saw the domain start through libvirt events', () => {
    expect(events.find((e) => e.uuid === guest!.uuid && e.kind === 'started')?.name).to.equal(guest!.name);
  });

  it('lists the running guest through @unraid/libvirt, and a paused one as not paused on an I/O error', async () => {
    expect(await hv.listDomains()).to.deep.include({ uuid: guest!.uuid, name: guest!.name, pausedOnIoError: false });
    execFileSync('virsh', ['-q', '-c', SYSTEM_URI, 'suspend', guest!.uuid]);
    try {
      expect(await hv.listDomains()).to.deep.include({ uuid: guest!.uuid, name: guest!.name, pausedOnIoError: false });
      await until('the paused event', () => events.some((e) => e.uuid === guest!.uuid && e.kind === 'paused'), 10_000);
    } finally {
      execFileSync('virsh', ['-q', '-c', SYSTEM_URI, 'resume', guest!.uuid]);
    }
  });

  it('finds the guest by its domain UUID and probes it healthy through the addon', async () => {
    const report = await runner(['/data']).runCycle();
    const r = report.results.find((x) => x.uuid === guest!.uuid);
    expect(r, JSON.stringify(report.results)).to.not.equal(undefined);
    expect(r!.problems).to.deep.equal([]);
    expect(r).to.deep.include({ name: guest!.name, agentUp: true, disk: 0 });
    expect(r!.ping?.via).to.equal('guest');
    expect(r!.ping!.delayMs).to.be.at.least(0).and.below(2000);
  });

  it('gives -1 for a read-only virtio disk', async () => {
    const report = await runner(['/data', '/ro']).runCycle();
    const r = report.results.find((x) => x.uuid === guest!.uuid)!;
    expect(r).to.deep.include({ agentUp: true, disk: -1 });
    expect(r.problems.map((p) => p.kind)).to.deep.equal(['disk_failed']);
    expect(r.problems[0]!.detail).to.contain('Read-only file system');
  });

  it('leaves out an instance Nova does not mark HA-enabled', async () => {
    haEnabled = false;
    try {
      const report = await runner(['/data']).runCycle();
      expect(report.results.map((x) => x.uuid)).to.not.include(guest!.uuid);
    } finally {
      haEnabled = true;
    }
    expect(memory.entries.filter((e) => e.level === 'error')).to.deep.equal([]);
  });

  // Last: the guest stays paused.
  it('lists a guest paused on a disk I/O error as such and reports disk -1 at once', async () => {
    // More than the 1 MiB tmpfs under /dev/vdc holds: qemu gets ENOSPC and pauses the guest.
    const args = { path: '/bin/dd', arg: ['if=/dev/zero', 'of=/dev/vdc', 'bs=64k', 'count=64', 'conv=fsync'] };
    await hv.transport(guest!.uuid).command('guest-exec', args, { timeoutMs: 5000 });
    await until('the I/O error pause', async () => (await hv.listDomains()).some((d) => d.uuid === guest!.uuid && d.pausedOnIoError), 30_000, 200);
    expect(events.some((e) => e.uuid === guest!.uuid && e.kind === 'io-error')).to.equal(true);
    const r = (await runner(['/data']).runCycle()).results.find((x) => x.uuid === guest!.uuid)!;
    expect(r).to.deep.include({ agentUp: false, disk: -1 });
    expect(r.problems.map((p) => p.kind)).to.include('io_error_paused');
  });
});
