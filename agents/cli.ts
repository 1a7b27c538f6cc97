// `vmha probe`: the probe agent as a daemon, or one cycle with --once (JSON lines with
// --json). Wiring only: every part is built here from the configuration and handed in.
import os from 'node:os';
import type { ProbeConfig } from '../src/config/probe-schema.ts';
import { systemClock, type Clock } from '../src/domain/clock.ts';
import type { Logger } from '../src/log.ts';
import type { OpenStackClients } from '../src/openstack/index.ts';
import { ProbeLoop } from './daemon.ts';
import { allInstances, NovaHaFilter, type HaFilter } from './discovery/ha-filter.ts';
import { LibvirtHypervisor, VirshHypervisor, type Hypervisor } from './discovery/hypervisor.ts';
import { LibvirtGuestSource } from './discovery/libvirt.ts';
import { SocketGuestSource } from './discovery/sockets.ts';
import { LIBVIRT_PACKAGE, loadLibvirtBinding, type BindingLoad } from './discovery/unraid-libvirt.ts';
import { AgentMetrics, serveMetrics } from './metrics.ts';
import { ADDON_PATH, loadLibvirtAddon, type LibvirtAddon } from './native/index.ts';
import { hostPingerFor } from './probes/host-ping.ts';
import { measuresOf, type GuestResult } from './probes/result.ts';
import { GnocchiSink, Publisher } from './publish/publisher.ts';
import { ProbeRunner, type GuestSource } from './runner.ts';

export interface ProbeCommandDeps {
  probe: ProbeConfig;
  logger: Logger;
  stdout: (text: string) => void;
  /** OpenStack clients (Nova for the HA filter, Gnocchi for publishing); built lazily. */
  clients?: () => OpenStackClients;
  clock?: Clock;
  /** Aborts the daemon (SIGTERM). */
  signal?: AbortSignal;
}

export interface ProbeCommandOptions {
  once?: boolean;
  json?: boolean;
  /** With --once: also publish the cycle to Gnocchi. */
  publish?: boolean;
}

/** How the libvirt bindings are loaded (tests inject failures). */
export interface LibvirtLoaders {
  binding: () => Promise<BindingLoad>;
  addon: () => LibvirtAddon | undefined;
}

const realLoaders: LibvirtLoaders = { binding: () => loadLibvirtBinding(), addon: loadLibvirtAddon };

/** Chooses the hypervisor adapter: libvirt in process when both bindings load (or are required), else virsh. */
export async function chooseHypervisor(cfg: ProbeConfig, logger: Logger, load: LibvirtLoaders = realLoaders): Promise<Hypervisor> {
  if (cfg.transport === 'virsh') return new VirshHypervisor(cfg.libvirt_uri);
  const binding = await load.binding();
  const addon = load.addon();
  if ('binding' in binding && addon) return new LibvirtHypervisor(binding.binding, addon, cfg.libvirt_uri);
  const missing: string[] = [];
  if ('error' in binding) missing.push(`${LIBVIRT_PACKAGE} cannot be loaded (${binding.error})`);
  if (!addon) missing.push(`the vmha libvirt addon is not built (${ADDON_PATH})`);
  const action = 'install libvirt-dev (scripts/prereqs.sh does), then run scripts/build-native.sh: it installs and compiles both';
  if (cfg.transport === 'libvirt') throw new Error(`probe.transport is "libvirt" but ${missing.join(' and ')}: ${action}`);
  logger.warn(`${missing.join('; ')}: using virsh instead (slower, no domain events)`, { uri: cfg.libvirt_uri, action });
  return new VirshHypervisor(cfg.libvirt_uri);
}

/** One JSON line per guest for --once --json. Pure. */
export function resultLine(r: GuestResult): string {
  return JSON.stringify({
    uuid: r.uuid,
    name: r.name,
    timestamp: new Date(r.at).toISOString(),
    measures: Object.fromEntries(measuresOf(r).map((m) => [m.metric, m.value])),
    ping_via: r.ping?.via,
    duration_ms: r.durationMs,
    problems: r.problems,
  });
}

/** Runs the probe command; resolves with the exit code. */
export async function probeCommand(deps: ProbeCommandDeps, opts: ProbeCommandOptions): Promise<number> {
  const { probe: cfg, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const wantsOpenStack = cfg.sockets.length === 0 && cfg.ha.filter;
  const clients = wantsOpenStack || !opts.once || opts.publish ? deps.clients?.() : undefined;

  let loop: ProbeLoop | undefined;
  let source: GuestSource;
  let stop = (): void => undefined;
  if (cfg.sockets.length > 0) {
    const s = new SocketGuestSource(cfg.sockets);
    source = s;
    stop = () => void s.close();
  } else {
    let ha: HaFilter = allInstances;
    if (cfg.ha.filter) {
      if (!clients) throw new Error('probe.ha.filter needs OpenStack credentials (Nova) to know which instances are HA-enabled');
      const host = cfg.host ?? os.hostname();
      ha = new NovaHaFilter({
        listServers: () => clients.nova.listServers({ host }),
        key: cfg.ha.metadata_key,
        value: cfg.ha.metadata_value,
        refreshMs: cfg.ha.refresh_s * 1000,
        clock,
        logger,
      });
    }
    const s = new LibvirtGuestSource({ hypervisor: await chooseHypervisor(cfg, logger), ha, logger, onUrgent: (g) => void loop?.urgent(g) });
    source = s;
    if (!opts.once) s.start();
    stop = () => s.stop();
  }

  const runner = new ProbeRunner({ source, cfg, clock, hostPinger: hostPingerFor(cfg.ping.host_command), logger });
  const publisher =
    clients && (!opts.once || opts.publish)
      ? new Publisher({
          sink: new GnocchiSink(clients.gnocchi),
          clock,
          logger,
          archivePolicy: cfg.publish.archive_policy,
          bufferMax: cfg.publish.buffer_max,
          retries: cfg.publish.retries,
        })
      : undefined;
  const metrics = new AgentMetrics(publisher);
  loop = new ProbeLoop({ runner, publisher, metrics, clock, logger, intervalMs: cfg.interval_s * 1000 });

  try {
    if (opts.once) {
      const report = await loop.cycle();
      await loop.drain();
      for (const r of report.results) deps.stdout(opts.json ? `${resultLine(r)}\n` : `${r.name ?? r.uuid} ${measuresOf(r).map((m) => `${m.metric}=${m.value}`).join(' ')}\n`);
      // "Nothing could be probed": the guest list failed, or no guest agent answered.
      const answered = report.results.filter((r) => r.agentUp === true).length;
      if (report.listError !== undefined) return 1;
      return report.results.length > 0 && answered === 0 ? 1 : 0;
    }
    const server = cfg.metrics_listen ? await serveMetrics(metrics, cfg.metrics_listen) : undefined;
    if (server) logger.info('probe agent metrics', { url: server.url });
    try {
      await loop.run(deps.signal ?? new AbortController().signal);
    } finally {
      await server?.close();
    }
    return 0;
  } finally {
    stop();
  }
}
