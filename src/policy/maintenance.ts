// Maintenance switches at four levels (global, availability zone, host, instance):
// while one covers an instance, its alarms are journaled as suppressed and never acted
// on. Pure: the switches are plain data, persisted by the caller.

export type MaintenanceLevel = 'global' | 'az' | 'host' | 'instance';
export const MAINTENANCE_LEVELS: readonly MaintenanceLevel[] = ['global', 'az', 'host', 'instance'];

export interface MaintenanceSwitch {
  by: string;
  at: number;
  reason: string | null;
}

export interface MaintenanceSwitches {
  global: MaintenanceSwitch | null;
  azs: Record<string, MaintenanceSwitch>;
  hosts: Record<string, MaintenanceSwitch>;
  instances: Record<string, MaintenanceSwitch>;
}

export const NO_MAINTENANCE: MaintenanceSwitches = { global: null, azs: {}, hosts: {}, instances: {} };

export interface MaintenanceMatch {
  level: MaintenanceLevel;
  target: string | null;
  switch: MaintenanceSwitch;
}

const KEY: Record<Exclude<MaintenanceLevel, 'global'>, 'azs' | 'hosts' | 'instances'> = { az: 'azs', host: 'hosts', instance: 'instances' };

/** The most specific switch covering the target (instance, host, zone, then global); null if none. */
export function maintenanceFor(sw: MaintenanceSwitches, t: { instanceId?: string; host?: string; az?: string }): MaintenanceMatch | null {
  if (t.instanceId && sw.instances[t.instanceId]) return { level: 'instance', target: t.instanceId, switch: sw.instances[t.instanceId]! };
  if (t.host && sw.hosts[t.host]) return { level: 'host', target: t.host, switch: sw.hosts[t.host]! };
  if (t.az && sw.azs[t.az]) return { level: 'az', target: t.az, switch: sw.azs[t.az]! };
  if (sw.global) return { level: 'global', target: null, switch: sw.global };
  return null;
}

/** The switches after turning one on or off; `changed` is false when it already was so. */
export function applySwitch(
  sw: MaintenanceSwitches,
  level: MaintenanceLevel,
  target: string | null,
  on: boolean,
  meta: MaintenanceSwitch,
): { switches: MaintenanceSwitches; changed: boolean } {
  const next: MaintenanceSwitches = { global: sw.global, azs: { ...sw.azs }, hosts: { ...sw.hosts }, instances: { ...sw.instances } };
  if (level === 'global') {
    const changed = (sw.global !== null) !== on;
    next.global = on ? (sw.global ?? meta) : null;
    return { switches: next, changed };
  }
  if (!target) throw new Error(`maintenance level ${level} needs a target`);
  const map = next[KEY[level]];
  const changed = (map[target] !== undefined) !== on;
  if (on) map[target] = map[target] ?? meta;
  else delete map[target];
  return { switches: next, changed };
}

/** Normalises whatever was persisted (older or partial records) into switches. */
export function toSwitches(v: unknown): MaintenanceSwitches {
  const o = (v && typeof v === 'object' ? v : {}) as Partial<MaintenanceSwitches>;
  return { global: o.global ?? null, azs: { ...(o.azs ?? {}) }, hosts: { ...(o.hosts ?? {}) }, instances: { ...(o.instances ?? {}) } };
}
