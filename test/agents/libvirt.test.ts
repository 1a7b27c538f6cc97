// libvirt adapters against libvirt's test driver (test:///default: one running domain
// "test", no guest agent) and an unreachable libvirt: listing, error mapping, events; and
// the fall-back to virsh when a binding cannot be loaded.
import { expect } from 'chai';
import * as unraid from '@unraid/libvirt';
import { memoryLogger } from '../../src/log.ts';
import { chooseHypervisor } from '../../agents/cli.ts';
import { allInstances } from '../../agents/discovery/ha-filter.ts';
import { domainEvent, LibvirtHypervisor, VirshHypervisor, type Hypervisor } from '../../agents/discovery/hypervisor.ts';
import { LibvirtGuestSource } from '../../agents/discovery/libvirt.ts';
import { loadLibvirtBinding, type LibvirtBinding, type LibvirtConnection } from '../../agents/discovery/unraid-libvirt.ts';
import { loadLibvirtAddon, type LibvirtAddon } from '../../agents/native/index.ts';
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

// vmha's view of @unraid/libvirt must stay a subset of the package's own types.
const typed: LibvirtBinding = unraid;
void typed;

const loaded = await loadLibvirtBinding();

function bindings(): { binding: LibvirtBinding; addon: LibvirtAddon } {
  const addon = loadLibvirtAddon();
  if (!addon) throw new Error('libvirt addon not built: run scripts/build-native.sh (npm test does)');
  if (!('binding' in loaded)) throw new Error(`@unraid/libvirt cannot be loaded (${loaded.error}): run scripts/build-native.sh (npm test does)`);
  return { binding: loaded.binding, addon };
}

/** A connection of our own to the test driver (its state is shared by all connections of the process). */
async function testDriver<T>(use: (hv: unraid.Hypervisor) => Promise<T>): Promise<T> {
  const hv = new unraid.Hypervisor({ uri: TEST_URI });
  await hv.connectOpen();
  try {
    return await use(hv);
  } finally {
    await hv.connectClose();
  }
}

function adapters(): [string, (uri: string) => Hypervisor][] {
  const { binding, addon } = bindings();
  return [
    ['libvirt', (uri) => new LibvirtHypervisor(binding, addon, uri)],
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

  describe('libvirt adapter (@unraid/libvirt listing)', () => {
    it('lists a paused domain, paused by an operator rather than by an I/O error', async () => {
      const { binding, addon } = bindings();
      const hv = new LibvirtHypervisor(binding, addon, TEST_URI);
      await testDriver(async (c) => {
        const dom = await c.domainLookupByUUIDString(TEST_UUID);
        await dom.suspend();
        try {
          expect(await hv.listDomains()).to.deep.equal([{ uuid: TEST_UUID, name: 'test', pausedOnIoError: false }]);
          expect(await addon.domainState(TEST_URI, TEST_UUID)).to.deep.equal({ state: 3, reason: 1 });
        } finally {
          await dom.resume();
        }
      });
      expect(await addon.domainState(TEST_URI, TEST_UUID)).to.deep.include({ state: 1 });
    });

    it('sees domains that start and stop between two listings on one connection', async () => {
      const { binding, addon } = bindings();
      const hv = new LibvirtHypervisor(binding, addon, TEST_URI);
      const uuid = '0c0c0c0c-0000-4000-8000-00000000000c';
      await testDriver(async (c) => {
        const dom = await c.domainCreateXML(`<domain type='test'><name>vmha-extra</name><uuid>${uuid}</uuid><memory>8192</memory><os><type>hvm</type></os></domain>`);
        try {
          expect((await hv.listDomains()).map((d) => d.name).sort()).to.deep.equal(['test', 'vmha-extra']);
        } finally {
          await dom.destroy();
        }
      });
      expect((await hv.listDomains()).map((d) => d.uuid)).to.deep.equal([TEST_UUID]);
    });

    it('opens a new connection when the one kept from an earlier cycle died', async () => {
      let opened = 0;
      const domain = { getUUIDString: async () => TEST_UUID, getName: async () => 'test', getInfo: async () => ({ state: 1 }) };
      class FakeConnection implements LibvirtConnection {
        private readonly n = ++opened;
        private lists = 0;
        async connectOpen(): Promise<void> {}
        async connectClose(): Promise<void> {}
        async connectListAllDomains() {
          // The first connection serves one listing, then libvirtd "restarts".
          if (this.n === 1 && ++this.lists > 1) throw new Error('internal error: client socket is closed');
          return [domain];
        }
      }
      const hv = new LibvirtHypervisor({ Hypervisor: FakeConnection }, bindings().addon, TEST_URI);
      expect(await hv.listDomains()).to.have.length(1);
      expect(await hv.listDomains()).to.deep.equal([{ uuid: TEST_UUID, name: 'test', pausedOnIoError: false }]);
      expect(opened).to.equal(2);
    });
  });

  describe('choosing the adapter', () => {
    const cfg = (transport: 'auto' | 'libvirt' | 'virsh') => probeSchema.parse({ transport, libvirt_uri: TEST_URI });
    const missingPackage = () => loadLibvirtBinding(() => import('@unraid/libvirt-not-installed' as string));
    // What a package whose compile failed looks like: the JavaScript loads, its .node does not.
    const notCompiled = () =>
      loadLibvirtBinding(async () => ({
        Hypervisor: class {
          constructor() {
            throw new Error("Cannot find module '../build/Release/libvirt'");
          }
        },
      }));

    it('uses @unraid/libvirt and the addon when both load', async () => {
      const { logger, memory } = memoryLogger();
      expect(await chooseHypervisor(cfg('auto'), logger)).to.be.instanceOf(LibvirtHypervisor);
      expect(memory.entries).to.deep.equal([]);
    });

    for (const [what, binding] of [
      ['is not installed', missingPackage],
      ['was not compiled', notCompiled],
    ] as const) {
      it(`falls back to virsh and says how to fix it when @unraid/libvirt ${what}`, async () => {
        const { logger, memory } = memoryLogger();
        const hv = await chooseHypervisor(cfg('auto'), logger, { binding, addon: loadLibvirtAddon });
        expect(hv).to.be.instanceOf(VirshHypervisor);
        const warn = memory.entries.find((e) => e.level === 'warn')!;
        expect(String(warn.message)).to.match(/^@unraid\/libvirt cannot be loaded \(.+\): using virsh/);
        expect(String(warn.action)).to.contain('libvirt-dev').and.contain('scripts/build-native.sh');
        // The agent keeps working on virsh.
        expect(await hv.listDomains()).to.deep.equal([{ uuid: TEST_UUID, name: 'test', pausedOnIoError: false }]);
      });
    }

    it('names what is missing when probe.transport requires libvirt', async () => {
      const err = await rejectionOf(chooseHypervisor(cfg('libvirt'), memoryLogger().logger, { binding: missingPackage, addon: () => undefined }));
      expect(String((err as Error).message))
        .to.contain('@unraid/libvirt cannot be loaded')
        .and.contain('the vmha libvirt addon is not built')
        .and.contain('scripts/build-native.sh');
    });

    it('loads nothing when probe.transport is virsh', async () => {
      const fail = () => Promise.reject(new Error('must not be called'));
      expect(await chooseHypervisor(cfg('virsh'), memoryLogger().logger, { binding: fail, addon: () => undefined })).to.be.instanceOf(VirshHypervisor);
    });
  });

  it('probing the test driver domain publishes nothing false: agent down, no disk value', async () => {
    const { binding, addon } = bindings();
    const { logger } = memoryLogger();
    const source = new LibvirtGuestSource({ hypervisor: new LibvirtHypervisor(binding, addon, TEST_URI), ha: allInstances, logger });
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
