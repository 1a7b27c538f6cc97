// Loads vmha's libvirt addon (agents/native, built by scripts/build-native.sh after the
// Debian prerequisites are in place): what @unraid/libvirt lacks, the guest-agent command,
// a domain's state reason and domain events. Absent when not built: callers use virsh.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** A libvirt error as the addon reports it (virErrorNumber in virCode). */
export interface LibvirtAddonError extends Error {
  virCode: number;
  virDomain: number;
}

export interface AddonDomainState {
  /** virDomainState: 1 running, 3 paused, ... */
  state: number;
  /** For paused domains, virDomainPausedReason: 5 = I/O error. */
  reason: number;
}

export type AddonEvent =
  | { type: 'lifecycle'; uuid: string; name: string; event: number; detail: number }
  | { type: 'agent'; uuid: string; name: string; state: number; reason: number }
  | { type: 'io-error'; uuid: string; name: string; action: number; srcPath: string; reason: string };

export interface LibvirtAddon {
  /** libvirt library version, major * 1e6 + minor * 1e3 + micro. */
  libvirtVersion: number;
  /** virDomainQemuAgentCommand; resolves with the agent's whole reply as JSON text. */
  qemuAgentCommand(uri: string, uuid: string, json: string, timeoutSec: number): Promise<string>;
  /** virDomainGetState of one domain: its state and why it is in it. */
  domainState(uri: string, uuid: string): Promise<AddonDomainState>;
  /** Lifecycle, agent (dis)connected and io-error events on every domain; returns an id. */
  subscribe(uri: string, callback: (event: AddonEvent) => void): number;
  unsubscribe(id: number): boolean;
}

export const ADDON_PATH = fileURLToPath(new URL('./build/Release/vmha_libvirt.node', import.meta.url));

let cached: LibvirtAddon | null | undefined;

/** The addon, or undefined when it has not been built on this host. */
export function loadLibvirtAddon(): LibvirtAddon | undefined {
  if (cached === undefined) {
    cached = existsSync(ADDON_PATH) ? (createRequire(import.meta.url)(ADDON_PATH) as LibvirtAddon) : null;
  }
  return cached ?? undefined;
}

export function isLibvirtAddonError(err: unknown): err is LibvirtAddonError {
  return err instanceof Error && typeof (err as Partial<LibvirtAddonError>).virCode === 'number';
}
