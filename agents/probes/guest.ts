// Probes one guest: is its agent up, its network delay (from inside, else from the
// host) and its disks. Returns plain data; publishing and logging are the caller's.
import type { Clock } from '../../src/domain/clock.ts';
import type { ProbeConfig } from '../../src/config/probe-schema.ts';
import { AgentCommandFailed, AgentError, AgentProtocolError, AgentTimeout, AgentUnavailable, DomainGone, HypervisorUnavailable } from '../transport/errors.ts';
import type { AgentTransport } from '../transport/types.ts';
import { guestExec, readGuestFile } from './agent-ops.ts';
import { probeFilePath, probeFilesystem, type DiskPayload } from './disk.ts';
import { HostPingError, type HostPinger } from './host-ping.ts';
import { defaultGatewayFromProcRoute, parsePingOutput, pingableAddresses, pingDelayMs, type GuestAddress } from './parse.ts';
import { DISK_FAILED, DISK_OK, PING_NO_REPLY, type GuestResult, type Problem } from './result.ts';

export interface GuestTarget {
  uuid: string;
  name?: string;
  agent: AgentTransport;
  /** libvirt says the domain is paused on an I/O error: its disk is failing now. */
  pausedOnIoError?: boolean;
}

/** What the agent learnt about a guest in earlier cycles (kept across cycles by the runner). */
export interface GuestMemory {
  caps?: { exec: boolean; at: number };
  gateway?: { address: string | undefined; at: number };
  /** Last addresses the agent reported: what the host pings when the agent is silent. */
  addresses?: { list: GuestAddress[]; at: number };
}

export interface ProbeDeps {
  cfg: ProbeConfig;
  clock: Clock;
  hostPinger: HostPinger;
  payload: DiskPayload;
}

/** Re-learn capabilities, gateway and addresses this often. */
export const FACT_TTL_MS = 5 * 60_000;
const GUEST_ENV = ['LC_ALL=C', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin'];

/** Probes one guest; rejects only on bugs (every agent failure becomes a Problem). */
export async function probeGuest(target: GuestTarget, memory: GuestMemory, deps: ProbeDeps): Promise<GuestResult> {
  const { clock, cfg } = deps;
  const at = clock.now();
  const problems: Problem[] = [];
  const agentMs = cfg.agent_timeout_s * 1000;
  const result = (r: Pick<GuestResult, 'agentUp' | 'ping' | 'disk'>): GuestResult => ({
    uuid: target.uuid,
    name: target.name,
    at,
    durationMs: clock.now() - at,
    problems,
    ...r,
  });

  if (target.pausedOnIoError) {
    problems.push({ kind: 'io_error_paused', detail: 'libvirt paused the domain on a disk I/O error' });
    const ping = await hostSidePing(memory, deps, problems);
    return result({ agentUp: false, ping: ping ?? { delayMs: PING_NO_REPLY, via: 'host' }, disk: DISK_FAILED });
  }

  try {
    await target.agent.command('guest-ping', undefined, { timeoutMs: agentMs });
  } catch (err) {
    if (isGone(err)) return gone(err);
    problems.push(agentProblem(err));
    return agentDown();
  }

  function gone(err: DomainGone | HypervisorUnavailable): GuestResult {
    problems.push({ kind: err instanceof DomainGone ? 'domain_gone' : 'hypervisor_unavailable', detail: err.detail });
    return result({ agentUp: undefined, ping: undefined, disk: undefined });
  }

  async function agentDown(): Promise<GuestResult> {
    // No disk value: a silent agent says nothing about the disk (no guess).
    const ping = cfg.ping.host_fallback ? await hostSidePing(memory, deps, problems) : undefined;
    return result({ agentUp: false, ping: ping ?? { delayMs: PING_NO_REPLY, via: 'host' }, disk: undefined });
  }

  let ping: GuestResult['ping'];
  try {
    await refreshFacts(target.agent, memory, deps, problems);
    ping = await guestSidePing(target.agent, memory, deps, problems);
    if (!ping && cfg.ping.host_fallback) {
      if (!fresh(memory.addresses, clock)) await refreshAddresses(target.agent, memory, deps);
      ping = await hostSidePing(memory, deps, problems);
      if (!memory.addresses?.list.length) {
        problems.push({ kind: 'no_address', detail: 'no in-guest ping and the agent reports no pingable address: no delay published' });
      }
    }
  } catch (err) {
    if (isGone(err)) return gone(err);
    problems.push(agentProblem(err));
    return agentDown();
  }

  const disk = await diskHealth(target, memory, deps, problems);
  if (typeof disk === 'object') return gone(disk);
  return result({ agentUp: true, ping, disk });
}

/** The delay measured from inside the guest, or undefined when it must come from the host. */
async function guestSidePing(agent: AgentTransport, memory: GuestMemory, deps: ProbeDeps, problems: Problem[]): Promise<GuestResult['ping']> {
  const { cfg, clock } = deps;
  if (!memory.caps?.exec) return undefined;
  let target = cfg.ping.target;
  if (target === 'gateway') {
    if (!fresh(memory.gateway, clock)) {
      let address: string | undefined;
      try {
        address = defaultGatewayFromProcRoute((await readGuestFile(agent, '/proc/net/route', 65536, cfg.agent_timeout_s * 1000)).toString('utf8'));
      } catch (err) {
        if (!(err instanceof AgentCommandFailed || err instanceof AgentProtocolError)) throw err;
      }
      memory.gateway = { address, at: clock.now() };
    }
    if (!memory.gateway?.address) {
      problems.push({ kind: 'no_ping_target', detail: 'the guest has no default gateway (or no /proc/net/route); pinging it from the host instead' });
      return undefined;
    }
    target = memory.gateway.address;
  }
  const waitS = String(Math.max(1, Math.ceil(cfg.ping.timeout_s)));
  const args = ['-c', String(cfg.ping.count), '-W', waitS, '-w', waitS];
  if (cfg.ping.count > 1) args.push('-i', '0.2');
  args.push(target);
  let run;
  try {
    run = await guestExec(agent, 'ping', args, {
      commandTimeoutMs: cfg.agent_timeout_s * 1000,
      runTimeoutMs: cfg.ping.timeout_s * 1000 + 2000,
      env: GUEST_ENV,
      clock,
    });
  } catch (err) {
    if (!(err instanceof AgentCommandFailed)) throw err;
    problems.push({ kind: 'guest_exec_failed', detail: `cannot run ping in the guest (${err.detail}); pinging it from the host instead` });
    return undefined;
  }
  const delay = pingDelayMs(parsePingOutput(run.stdout));
  if (delay !== undefined) return { delayMs: delay, via: 'guest' };
  // Exit 1 (no reply) and 2 (e.g. network unreachable) are verdicts on the network; a ping
  // that is still running past its own deadline got no reply either. Anything else means
  // ping itself is broken in the guest: measure from the host rather than report a fault.
  if (!run.exited || run.exitCode === 1 || run.exitCode === 2) {
    problems.push({ kind: 'ping_no_reply', detail: `no echo reply from ${target} within ${cfg.ping.timeout_s} s` });
    return { delayMs: PING_NO_REPLY, via: 'guest' };
  }
  problems.push({
    kind: 'guest_exec_failed',
    detail: `ping in the guest exited ${run.exitCode ?? `on signal ${run.signal}`}: ${run.stderr.trim().slice(0, 200)}; pinging it from the host instead`,
  });
  return undefined;
}

/** Pings the guest's last known address from the host; undefined when no address is known. */
async function hostSidePing(memory: GuestMemory, deps: ProbeDeps, problems: Problem[]): Promise<GuestResult['ping']> {
  const address = memory.addresses?.list[0]?.address;
  if (!address) return undefined;
  try {
    const rtt = await deps.hostPinger.ping(address, deps.cfg.ping.timeout_s * 1000, deps.cfg.ping.count);
    if (rtt === undefined) problems.push({ kind: 'ping_no_reply', detail: `no echo reply from the guest at ${address} (pinged from the host)` });
    return { delayMs: rtt ?? PING_NO_REPLY, via: 'host' };
  } catch (err) {
    if (!(err instanceof HostPingError)) throw err;
    problems.push({ kind: 'host_ping_failed', detail: err.message });
    return undefined;
  }
}

async function refreshFacts(agent: AgentTransport, memory: GuestMemory, deps: ProbeDeps, problems: Problem[]): Promise<void> {
  const { clock, cfg } = deps;
  if (!fresh(memory.caps, clock)) {
    let info: unknown;
    try {
      info = await agent.command('guest-info', undefined, { timeoutMs: cfg.agent_timeout_s * 1000 });
    } catch (err) {
      if (!(err instanceof AgentCommandFailed)) throw err;
    }
    const cmds = (info as { supported_commands?: unknown } | null)?.supported_commands;
    const enabled = (name: string): boolean =>
      Array.isArray(cmds) && cmds.some((c) => (c as { name?: unknown })?.name === name && (c as { enabled?: unknown }).enabled === true);
    const exec = enabled('guest-exec') && enabled('guest-exec-status');
    if (!Array.isArray(cmds)) problems.push({ kind: 'agent_protocol', detail: 'guest-info lists no supported_commands; assuming guest-exec is unavailable' });
    memory.caps = { exec, at: clock.now() };
  }
  // Keep addresses warm while the agent answers: they are all the host has when it stops.
  if (cfg.ping.host_fallback && !fresh(memory.addresses, clock)) await refreshAddresses(agent, memory, deps);
}

async function refreshAddresses(agent: AgentTransport, memory: GuestMemory, deps: ProbeDeps): Promise<void> {
  try {
    const ifaces = await agent.command('guest-network-get-interfaces', undefined, { timeoutMs: deps.cfg.agent_timeout_s * 1000 });
    memory.addresses = { list: pingableAddresses(ifaces), at: deps.clock.now() };
  } catch (err) {
    if (!(err instanceof AgentCommandFailed || err instanceof AgentProtocolError)) throw err;
  }
}

async function diskHealth(
  target: GuestTarget,
  memory: GuestMemory,
  deps: ProbeDeps,
  problems: Problem[],
): Promise<number | undefined | DomainGone | HypervisorUnavailable> {
  const { cfg } = deps;
  for (const fs of cfg.disk.filesystems) {
    try {
      const outcome = await probeFilesystem(target.agent, probeFilePath(fs, cfg.disk.file_name), deps.payload, {
        commandTimeoutMs: cfg.disk.timeout_s * 1000,
        useExec: memory.caps?.exec === true,
        clock: deps.clock,
      });
      if (!outcome.ok) {
        problems.push({ kind: 'disk_failed', detail: `${fs}: ${outcome.step} failed: ${outcome.detail}` });
        return DISK_FAILED;
      }
    } catch (err) {
      if (isGone(err)) return err;
      if (err instanceof AgentTimeout) {
        // The agent answered guest-ping moments ago and now hangs on file I/O: that is
        // what a hung disk looks like from outside.
        problems.push({ kind: 'disk_timeout', detail: `${fs}: ${err.command} got no reply within ${cfg.disk.timeout_s} s` });
        return DISK_FAILED;
      }
      problems.push(agentProblem(err));
      return undefined;
    }
  }
  return DISK_OK;
}

function agentProblem(err: unknown): Problem {
  if (err instanceof AgentTimeout) return { kind: 'agent_timeout', detail: err.message };
  if (err instanceof AgentUnavailable) return { kind: 'agent_unavailable', detail: err.message };
  if (err instanceof AgentError) return { kind: 'agent_protocol', detail: err.message };
  throw err;
}

function isGone(err: unknown): err is DomainGone | HypervisorUnavailable {
  return err instanceof DomainGone || err instanceof HypervisorUnavailable;
}

function fresh(fact: { at: number } | undefined, clock: Clock): boolean {
  return fact !== undefined && clock.now() - fact.at < FACT_TTL_MS;
}
