// Loads @unraid/libvirt, the libvirt binding the agent lists domains with. It is an
// optionalDependency compiled at install against libvirt-dev, so a host may lack it: the
// agent then says why and uses virsh. Imported at run time, never statically, so that the
// agent (and the type check) works without it.

/** The part of @unraid/libvirt vmha uses (test/agents/libvirt.test.ts checks it against the package's types). */
export interface LibvirtBinding {
  Hypervisor: new (options: { uri: string }) => LibvirtConnection;
}

export interface LibvirtConnection {
  connectOpen(): Promise<void>;
  connectClose(): Promise<void>;
  /** flags: ConnectListAllDomainsFlags (1 = active). */
  connectListAllDomains(flags?: number): Promise<LibvirtDomainHandle[]>;
}

export interface LibvirtDomainHandle {
  getUUIDString(): Promise<string>;
  getName(): Promise<string>;
  /** state: virDomainState (1 running, 3 paused, ...). */
  getInfo(): Promise<{ state: number }>;
}

export const LIBVIRT_PACKAGE: string = '@unraid/libvirt';

export type BindingLoad = { binding: LibvirtBinding } | { error: string };

const importPackage = (): Promise<unknown> => import(LIBVIRT_PACKAGE);
let cached: Promise<BindingLoad> | undefined;

/** @unraid/libvirt with its compiled part, or why it cannot be used; `importer` is for tests. */
export function loadLibvirtBinding(importer: () => Promise<unknown> = importPackage): Promise<BindingLoad> {
  if (importer !== importPackage) return tryLoad(importer);
  return (cached ??= tryLoad(importer));
}

async function tryLoad(importer: () => Promise<unknown>): Promise<BindingLoad> {
  try {
    const mod = (await importer()) as Partial<LibvirtBinding>;
    if (typeof mod.Hypervisor !== 'function') return { error: `${LIBVIRT_PACKAGE} has no Hypervisor export` };
    // The package loads its compiled part (build/Release/libvirt.node) only here; no connection is made.
    new mod.Hypervisor({ uri: 'test:///default' });
    return { binding: mod as LibvirtBinding };
  } catch (err) {
    return { error: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
  }
}
