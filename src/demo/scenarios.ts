// The demo's scenarios as data plus a small script each: which guests, what breaks,
// what vmha must end up doing. Adding one is adding an entry: setup (optional), inject,
// a second act if the world changes again, the expectation per guest, and extra checks
// when the outcome is more than per instance (a fenced host, a guard that held).
import type { Check, Expectation, Observation } from './assess.ts';
import { GATEWAY, type SimGuest } from './guest.ts';
import type { SimCloud } from './sim-cloud.ts';

export interface ScenarioContext {
  sim: SimCloud;
  targets: SimGuest[];
}

export interface Scenario {
  /** The --scenario name. */
  name: string;
  title: string;
  /** What vmha should do, in a few words (final table). */
  expected: string;
  /** Guests the scenario is about, by inventory name. */
  targets: string[];
  /** Prepares the cloud before the fault; returns what to narrate. */
  setup?: (ctx: ScenarioContext) => string;
  /** Breaks something; returns what to narrate. */
  inject: (ctx: ScenarioContext) => string | Promise<string>;
  /** A second act: once `when` holds (and still after holdS seconds), `run` changes the world again. */
  afterwards?: { when: (obs: Observation) => boolean; holdS: number; run: (ctx: ScenarioContext) => string | Promise<string> };
  /** What must hold for every target at the end. */
  expect: Expectation;
  /** Outcomes beyond single instances (e.g. a host fenced); none for the instance scenarios. */
  extraChecks?: (obs: Observation, ctx: ScenarioContext) => Check[];
  /** Besides every target settling, what must have happened before the scenario ends. */
  settled?: (obs: Observation) => boolean;
}

const only = (ctx: ScenarioContext): SimGuest => ctx.targets[0]!;
const seen = (obs: Observation, type: string): Observation['safetyEvents'][number] | undefined => obs.safetyEvents.find((e) => e.type === type);

const networkLoss: Scenario = {
  name: 'network-loss',
  title: 'A guest loses its network',
  expected: 'live-migrate, healthy again',
  targets: ['web-1'],
  inject: (ctx) => {
    const g = only(ctx);
    const host = g.breakNetwork();
    return `${g.name}'s port on the virtual switch of ${host} stops forwarding: from inside, the guest no longer reaches its gateway ${GATEWAY}`;
  },
  expect: {
    alarm: { template: 'ping-delay', fires: true },
    decision: { kind: 'act', action: 'live-migrate' },
    incident: 'succeeded',
    novaActions: ['os-migrateLive'],
    host: 'moved',
    status: 'ACTIVE',
    healthyAgain: true,
  },
};

const diskReadOnly: Scenario = {
  name: 'disk-read-only',
  title: "A guest's disk turns read-only",
  expected: 'hard reboot, healthy again',
  targets: ['db-2'],
  inject: (ctx) => {
    const g = only(ctx);
    g.makeDiskReadOnly();
    return `${g.name}'s root filesystem turns read-only after a disk I/O error: every write inside the guest fails`;
  },
  expect: {
    alarm: { template: 'disk-health', fires: true },
    decision: { kind: 'act', action: 'reboot-hard' },
    incident: 'succeeded',
    novaActions: ['reboot HARD'],
    host: 'same',
    status: 'ACTIVE',
    healthyAgain: true,
  },
};

const notHa: Scenario = {
  name: 'not-ha',
  title: 'An instance without HA fails',
  expected: 'ignored, no Nova action',
  targets: ['legacy-1'],
  setup: (ctx) => {
    const g = only(ctx);
    ctx.sim.setMetadata(g.name, 'HA_Enabled', 'False');
    return `${g.name}'s owner turns HA off (metadata HA_Enabled=False); its vmha alarms stay until the next 'vmha alarms install --prune'`;
  },
  inject: (ctx) => {
    const g = only(ctx);
    g.makeDiskReadOnly();
    return `${g.name}'s root filesystem turns read-only: its alarm fires, but recovering it is not vmha's job any more`;
  },
  expect: {
    alarm: { template: 'disk-health', fires: true },
    decision: { kind: 'ignore', rule: 'not-ha-enabled' },
    incident: 'ignored',
    novaActions: [],
    host: 'same',
    status: 'ACTIVE',
    healthyAgain: false,
  },
};

/** The host that goes down, and the ordinary instance on it that must be left alone. */
const DOWN_HOST = 'compute-4';
const LEFT_ALONE = 'batch-4';

const hostDown: Scenario = {
  name: 'host-down',
  title: 'A compute host goes down',
  expected: 'fence host, evacuate HA guests',
  targets: ['app-1', 'app-2'],
  inject: async (ctx) => {
    await ctx.sim.crashHost(DOWN_HOST);
    return `${DOWN_HOST}'s kernel hangs: nova-compute stops reporting, its guests and its probe agent stop (no measures, so no alarm can fire)`;
  },
  expect: {
    alarm: { template: 'ping-delay', fires: false },
    decision: { kind: 'host-workflow', action: 'evacuate' },
    incident: 'succeeded',
    novaActions: ['evacuate'],
    host: 'moved',
    status: 'ACTIVE',
    healthyAgain: true,
  },
  extraChecks: (_obs, ctx) => {
    const model = ctx.sim.cloud.nova.model;
    const svc = model.computeService(DOWN_HOST);
    const fenced = ctx.sim.bmc.powerOffs.filter((p) => p.host === DOWN_HOST);
    const firstEvacuation = model.actions.find((a) => a.action === 'evacuate' && ctx.targets.some((g) => g.id === a.serverId));
    const alone = ctx.sim.guest(LEFT_ALONE);
    const aloneActions = model.actions.filter((a) => a.serverId === alone.id);
    return [
      {
        what: `${DOWN_HOST} fenced once through its BMC, before any evacuation`,
        ok: fenced.length === 1 && firstEvacuation !== undefined && fenced[0]!.at <= firstEvacuation.at,
        detail:
          `${fenced.length} power-off${fenced.length === 1 ? '' : 's'}` +
          (fenced[0] && firstEvacuation ? `, ${((firstEvacuation.at - fenced[0].at) / 1000).toFixed(1)} s before the first evacuation` : ''),
      },
      {
        what: `Nova's compute service on ${DOWN_HOST} disabled and forced down`,
        ok: Boolean(svc?.disabled && svc.forcedDown),
        detail: svc ? `disabled=${svc.disabled} forced_down=${svc.forcedDown}${svc.disabledReason ? ` (${svc.disabledReason})` : ''}` : 'no service',
      },
      {
        what: `${LEFT_ALONE} (no HA) left alone`,
        ok: aloneActions.length === 0 && model.serverRecord(alone.id)?.host === DOWN_HOST,
        detail: `${aloneActions.length} Nova actions; on ${model.serverRecord(alone.id)?.host ?? '?'}`,
      },
    ];
  },
};

const storm: Scenario = {
  name: 'storm',
  title: 'A failure storm across most hosts',
  expected: 'guard holds: no action',
  // Guests whose ping-delay alarm has not fired before in the demo: vmha takes a repeat
  // of an identical transition for a duplicate delivery (the reconciler catches it later).
  targets: ['db-1', 'web-2', 'web-3', 'app-1', 'app-2'],
  inject: (ctx) => {
    for (const g of ctx.targets) g.breakNetwork();
    const hosts = [...new Set(ctx.targets.map((g) => ctx.sim.server(g.name)?.host ?? '?'))].sort();
    return `a core switch drops traffic: ${ctx.targets.length} of the HA guests on ${hosts.join(', ')} lose their network at once`;
  },
  // Hold while the guard is tripped and every guest is held; then the storm passes.
  afterwards: {
    when: (obs) =>
      seen(obs, 'guard.tripped') !== undefined &&
      obs.targets.every((t) => t.incidents[0]?.events.some((e) => e.type === 'decision.held' || e.type === 'incident.attached_to_host_workflow')),
    holdS: 3,
    run: (ctx) => {
      for (const g of ctx.targets) g.restoreNetwork();
      return 'the switch recovers after a few seconds of holding: every guest reaches its gateway again';
    },
  },
  expect: {
    alarm: { template: 'ping-delay', fires: true },
    decision: { kind: 'held' },
    // Closed when the ok arrives first; ignored ("nothing alarming") when its host's held
    // workflow hands it back after the storm.
    incident: ['closed', 'ignored'],
    novaActions: [],
    host: 'same',
    status: 'ACTIVE',
    healthyAgain: true,
  },
  settled: (obs) => seen(obs, 'guard.released') !== undefined,
  extraChecks: (obs, ctx) => {
    const tripped = seen(obs, 'guard.tripped');
    const released = seen(obs, 'guard.released');
    const fences = obs.safetyEvents.filter((e) => e.type === 'host.fence_started');
    const actions = ctx.sim.cloud.nova.model.actions.filter((a) => a.at >= obs.injectedAt);
    return [
      { what: 'the mass-failure guard tripped', ok: Boolean(tripped), detail: tripped ? String(tripped.data.reason) : 'never tripped' },
      { what: 'no host was fenced and Nova received no action at all', ok: fences.length === 0 && actions.length === 0, detail: `${fences.length} fences, ${actions.length} Nova actions` },
      { what: 'the guard released itself once the storm passed', ok: Boolean(released), detail: released ? String(released.data.reason) : 'still tripped' },
    ];
  },
};

/** Every scenario, in the order the demo plays them. */
export const SCENARIOS: readonly Scenario[] = [networkLoss, diskReadOnly, notHa, hostDown, storm];

export function scenarioNamed(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
