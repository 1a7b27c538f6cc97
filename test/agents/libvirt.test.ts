// libvirt adapters against libvirt's test driver (test:///default: one running domain
// "test", no guest agent) and an unreachable libvirt: listing, error mapping, events.
import { expect } from 'chai';
import { memoryLogger } from '../../src/log.ts';
import { allInstances } from '../../agents/discovery/ha-filter.ts';
import { AddonHypervisor, domainEvent, VirshHypervisor, type Hypervisor } from '../../agents/discovery/hypervisor.ts';
import { LibvirtGuestSource } from '../../agents/discovery/libvirt.ts';
import { loadLibvirtAddon } from '../../agents/native/index.ts';
import { ProbeRunner } from '../../agents/runner.ts';
import { AgentUnavailable, DomainGone, HypervisorUnavailable } from '../../agents/transport/errors.ts';
import { virshErrorCode } from '../../agents/transport/virsh.ts';
import { VIR_ERR } from '../../agents/transport/libvirt-errors.ts';
import { probeSchema } from '../../src/config/probe-schema.ts';
import { systemClock } from '../../src/domain/clock.ts';
import { rejectionOf } from '../helpers/wait.ts';

const TEST_URI = 'test:///default';
const UNREACHABLE_URI = 'qemu+unix:///system?socket=/nonexistent/libvirt-sock';
const TEST_UUID = '6695eb01-f6a4-8304-79aa-97f2502e193f';
const fixedPinger = { ping: async () => undefined };

function adapters(): [string, (uri: string) => Hypervisor][] {
  const addon = loadLibvirtAddon();
  if (!addon) throw new Error('libvirt addon not built: run scripts/build-native.sh (npm test does)');
  return [
    ['addon', (uri) => new AddonHypervisor(addon, uri)],
    ['virsh', (uri) => new VirshHypervisor(uri)],
  ];
}

describe('agents/discovery with libvirt', function () {
  this.timeout(20000);

  for (const [name, make] of adapters()) {
    describe(`${name} adapter`, () => {
      it('lists running domains by UUID', async () => {
        expect(await make(TEST_URI).listDomains()).to.deep.equal([{ uuid: TEST_UUID, name: 'test', pausedOnIoError: false }]);
      });

      it('maps a domain that does not exist to DomainGone', async () => {
        const t = make(TEST_URI).transport('00000000-0000-4000-8000-000000000000');
        expect(await rejectionOf(t.command('guest-ping', undefined, { timeoutMs: 1000 }))).to.be.instanceOf(DomainGone);
      });

      it('maps a driver without a guest agent to AgentUnavailable', async () => {
        const t = make(TEST_URI).transport(TEST_UUID);
        expect(await rejectionOf(t.command('guest-ping', undefined, { timeoutMs: 1000 }))).to.be.instanceOf(AgentUnavailable);
      });

      it('reports an unreachable libvirt clearly and keeps the agent running', async () => {
        const hv = make(UNREACHABLE_URI);
        const err = await rejectionOf(hv.listDomains());
        expect(String((err as Error).message)).to.contain('nonexistent');
        expect(await rejectionOf(hv.transport(TEST_UUID).command('guest-ping', undefined, { timeoutMs: 1000 }))).to.be.instanceOf(HypervisorUnavailable);
        const { logger, memory } = memoryLogger();
        const source = new LibvirtGuestSource({ hypervisor: hv, ha: allInstances, logger });
        const cfg = probeSchema.parse({ ha: { filter: false }, jitter_s: 0 });
        const runner = new ProbeRunner({ source, cfg, clock: systemClock, hostPinger: fixedPinger, logger });
        const report = await runner.runCycle();
        expect(report.listError).to.contain('nonexistent');
        expect(memory.entries.some((e) => e.level === 'error' && String(e.message).includes('cannot list guests'))).to.equal(true);
      });
    });
  }

  it('probing the test driver domain publishes nothing false: agent down, no disk value', async () => {
    const addon = loadLibvirtAddon()!;
    const { logger } = memoryLogger();
    const source = new LibvirtGuestSource({ hypervisor: new AddonHypervisor(addon, TEST_URI), ha: allInstances, logger });
    const cfg = probeSchema.parse({ ha: { filter: false }, jitter_s: 0, agent_timeout_s: 1 });
    const report = await new ProbeRunner({ source, cfg, clock: systemClock, hostPinger: fixedPinger, logger }).runCycle();
    expect(report.results).to.have.length(1);
    expect(report.results[0]).to.deep.include({ uuid: TEST_UUID, agentUp: false, disk: undefined, ping: { delayMs: 999, via: 'host' } });
  });

  it('maps raw events and virsh errors', () => {
    const base = { uuid: TEST_UUID, name: 'test' };
    expect(domainEvent({ type: 'lifecycle', ...base, event: 3, detail: 2 }).kind).to.equal('io-error');
    expect(domainEvent({ type: 'lifecycle', ...base, event: 3, detail: 0 }).kind).to.equal('paused');
    expect(domainEvent({ type: 'lifecycle', ...base, event: 5, detail: 0 }).kind).to.equal('stopped');
    expect(domainEvent({ type: 'io-error', ...base, action: 1, srcPath: '/x.img', reason: 'enospc' })).to.deep.include({ kind: 'io-error', detail: '/x.img: enospc' });
    expect(domainEvent({ type: 'io-error', ...base, action: 2, srcPath: '/x.img', reason: 'eio' }).kind).to.equal('io-error-reported');
    expect(domainEvent({ type: 'agent', ...base, state: 1, reason: 0 }).kind).to.equal('agent-connected');
    expect(domainEvent({ type: 'agent', ...base, state: 2, reason: 1 }).kind).to.equal('agent-disconnected');
    expect(virshErrorCode("error: failed to get domain 'x'")).to.equal(VIR_ERR.NO_DOMAIN);
    expect(virshErrorCode('error: failed to connect to the hypervisor')).to.equal(VIR_ERR.NO_CONNECT);
    expect(virshErrorCode("error: internal error: unable to execute QEMU agent command 'guest-exec': Command guest-exec has been disabled")).to.equal(
      VIR_ERR.INTERNAL_ERROR,
    );
    expect(virshErrorCode('error: Guest agent is not responding: QEMU guest agent is not connected')).to.equal(VIR_ERR.AGENT_UNRESPONSIVE);
  });
});
