// Whether a scenario ended as expected, as a pure function of what was observed: the
// alarm transitions Aodh recorded, vmha's incident and its timeline, the actions on the
// fake Nova's record and the server at the end. Also the timings of the final table.
import { isTerminal, type IncidentState, type RecoveryAction } from '../domain/incident.ts';
import { novaActionLabel } from './narrate.ts';

/** What must be true of each target instance at the end of a scenario. */
export interface Expectation {
  /**
   * The vmha alarm watched on the target (template name) and whether it must fire; a
   * dead host's probes publish nothing, so its guests' alarms only lose their data.
   */
  alarm: { template: string; fires: boolean };
  /** What vmha must decide: act on the alarm, ignore it, or leave it to the host workflow. */
  decision:
    | { kind: 'act'; action: RecoveryAction }
    | { kind: 'ignore'; rule: string }
    | { kind: 'host-workflow'; action: RecoveryAction }
    /** Held back by the mass-failure guard (directly, or with its host's workflow), never acted on. */
    | { kind: 'held' };
  /** The incident's end state (one of these). */
  incident: IncidentState | IncidentState[];
  /** The server actions on the fake Nova's record, in order ([] for none), e.g. "os-migrateLive", "reboot HARD". */
  novaActions: string[];
  /** Where the server is at the end, compared with before the fault. */
  host: 'moved' | 'same';
  status: 'ACTIVE';
  /** The alarm returns to ok: the probes measure the guest healthy again. */
  healthyAgain: boolean;
}

export interface AlarmObservation {
  alarmId: string;
  name: string;
  template: string;
  /** State transitions recorded by Aodh after the fault, oldest first. */
  transitions: { at: number; state: string; reason: string }[];
}

export interface IncidentObservation {
  id: string;
  state: IncidentState;
  openedAt: number;
  events: { at: number; type: string; data: Record<string, unknown> }[];
}

export interface TargetObservation {
  name: string;
  serverId: string;
  hostBefore: string | null;
  alarms: AlarmObservation[];
  /** Incidents opened after the fault, oldest first. */
  incidents: IncidentObservation[];
  novaActions: { action: string; body: unknown; at: number; requestId: string }[];
  server: { host: string | null; status: string; taskState: string | null } | null;
}

export interface Observation {
  injectedAt: number;
  targets: TargetObservation[];
  /** vmha's events about hosts and the guard (no incident), since the fault. */
  safetyEvents: { at: number; type: string; data: Record<string, unknown> }[];
}

export interface Check {
  what: string;
  ok: boolean;
  detail: string;
}

export interface TargetOutcome {
  name: string;
  checks: Check[];
  /** Epoch ms of the alarm transition, vmha's verification and the alarm's return to ok. */
  detectedAt?: number;
  recoveredAt?: number;
  healthyAt?: number;
  /** Nova actions with their request ids, e.g. "os-migrateLive req-1b2c…". */
  actions: string[];
}

const firstTo = (a: AlarmObservation | undefined, state: string, after = -Infinity): { at: number; reason: string } | undefined =>
  a?.transitions.find((t) => t.state === state && t.at >= after);

/** When the watched alarm was back to ok after leaving it; `stayed` when it never left ok. */
function healthy(a: AlarmObservation | undefined): { at?: number; reason: string } | undefined {
  const left = a?.transitions.find((t) => t.state !== 'ok');
  if (a && !left) return { reason: 'never left ok' };
  return left ? firstTo(a, 'ok', left.at) : undefined;
}

/** The checks of one target against the expectation. */
export function assessTarget(expect: Expectation, t: TargetObservation): TargetOutcome {
  const { template } = expect.alarm;
  const alarm = t.alarms.find((a) => a.template === template);
  const fired = firstTo(alarm, 'alarm');
  const incident = t.incidents.find((i) => i.events.some((e) => e.type === 'incident.opened' && e.data.alarm_id === alarm?.alarmId)) ?? t.incidents[0];
  const event = (type: string): IncidentObservation['events'][number] | undefined => incident?.events.find((e) => e.type === type);
  const opened = event('incident.opened');
  const verified = event('verify.succeeded');
  const back = healthy(alarm);
  const checks: Check[] = [];
  const check = (what: string, ok: boolean, detail: string): void => void checks.push({ what, ok, detail });

  if (expect.alarm.fires) {
    check(`${template} alarm of ${t.name} fired`, Boolean(fired), fired ? fired.reason : `no transition to alarm (${alarm ? 'alarm installed' : 'no such alarm'})`);
    check(`vmha opened an incident from it`, Boolean(opened && alarm && opened.data.alarm_id === alarm.alarmId), opened ? `incident ${incident!.id} (${String(opened.data.alarm_name)})` : 'no incident');
  } else {
    const seen = alarm?.transitions.map((x) => `${x.state}: ${x.reason}`).join('; ') || 'no transition';
    check(`${template} alarm of ${t.name} did not fire`, Boolean(alarm) && !fired, seen);
  }
  const d = expect.decision;
  if (d.kind === 'act') {
    const e = incident?.events.find((x) => x.type === 'decision.act');
    check(`vmha decided to ${d.action}`, e?.data.action === d.action, e ? `${String(e.data.action)}: ${String(e.data.reason)} (rule ${String(e.data.rule)})` : 'no decision to act');
  } else if (d.kind === 'ignore') {
    const e = event('decision.ignore');
    check(`vmha decided to ignore it (rule ${d.rule})`, e?.data.rule === d.rule, e ? `${String(e.data.rule)}: ${String(e.data.reason)}` : 'no decision to ignore');
  } else if (d.kind === 'held') {
    const held = event('decision.held') ?? event('incident.attached_to_host_workflow');
    const issued = event('action.issuing');
    check(
      `vmha held ${t.name} back, no action`,
      Boolean(held) && !issued,
      issued ? `${String(issued.data.action)} was issued` : held ? (held.type === 'decision.held' ? String(held.data.reason) : `left to host workflow ${String(held.data.workflow_id)}`) : 'not held',
    );
  } else {
    const attached = event('incident.attached_to_host_workflow');
    const issued = incident?.events.find((x) => x.type === 'action.issuing');
    check(
      `the host workflow took ${t.name} in and had it ${d.action}d`,
      Boolean(attached) && issued?.data.action === d.action,
      attached ? `workflow ${String(attached.data.workflow_id)}; ${issued ? `${String(issued.data.action)} from ${String(issued.data.source_host)}` : 'no action issued'}` : 'not attached to a host workflow',
    );
  }
  const ends = ([] as IncidentState[]).concat(expect.incident);
  check(`incident ended ${ends.join(' or ')}`, incident !== undefined && ends.includes(incident.state), incident ? `${incident.state}` : 'no incident');
  const done = t.novaActions.map((a) => novaActionLabel(a.action, a.body));
  check(
    expect.novaActions.length ? `Nova received ${expect.novaActions.join(', ')}` : 'Nova received no action',
    JSON.stringify(done) === JSON.stringify(expect.novaActions),
    done.length ? t.novaActions.map((a) => `${novaActionLabel(a.action, a.body)} (${a.requestId})`).join(', ') : 'none on the record',
  );
  const host = t.server?.host ?? null;
  check(
    expect.host === 'moved' ? `${t.name} moved off ${t.hostBefore ?? '?'}` : `${t.name} stayed on ${t.hostBefore ?? '?'}`,
    expect.host === 'moved' ? host !== null && host !== t.hostBefore : host === t.hostBefore,
    `on ${host ?? 'no host'}`,
  );
  check(`${t.name} is ${expect.status}`, t.server?.status === expect.status && !t.server?.taskState, t.server ? `${t.server.status}${t.server.taskState ? `, task ${t.server.taskState}` : ''}` : 'deleted');
  if (expect.healthyAgain) check(`${template} alarm back to ok`, Boolean(back), back ? back.reason : 'still not ok');

  const detectedAt = expect.alarm.fires ? fired?.at : opened?.at;
  return {
    name: t.name,
    checks,
    ...(detectedAt !== undefined ? { detectedAt } : {}),
    ...(verified ? { recoveredAt: verified.at } : {}),
    ...(back?.at !== undefined ? { healthyAt: back.at } : {}),
    actions: t.novaActions.map((a) => `${novaActionLabel(a.action, a.body)} ${a.requestId}`),
  };
}

/**
 * Whether waiting is over for this target: the incident reached a terminal state and, if
 * the guest should be healthy again, the alarm is back to ok (or the incident ended
 * otherwise than expected, so it never will be).
 */
export function targetSettled(expect: Expectation, t: TargetObservation): boolean {
  const incident = t.incidents[0];
  if (!incident || !isTerminal(incident.state)) return false;
  if (!expect.healthyAgain || !([] as IncidentState[]).concat(expect.incident).includes(incident.state)) return true;
  return healthy(t.alarms.find((a) => a.template === expect.alarm.template)) !== undefined;
}
