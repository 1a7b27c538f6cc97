// What operators are told about: a closed set of notification kinds, each derived from
// one journal event, with a severity that routes use to pick channels.

/** Notification kinds, in the order an incident or a host failure produces them. */
export const NOTICE_KINDS = [
  'incident.opened',
  /** vmha refused to act (not HA-enabled, deleted, ...): decision.ignore. */
  'incident.ignored',
  'action.started',
  'action.succeeded',
  'action.failed',
  'incident.gave_up',
  'host.workflow_started',
  'host.workflow_finished',
  'guard.tripped',
  'guard.released',
  'maintenance.switched',
] as const;

export type NoticeKind = (typeof NOTICE_KINDS)[number];

export const SEVERITIES = ['info', 'warning', 'critical'] as const;

export type Severity = (typeof SEVERITIES)[number];

/** info < warning < critical, for `min_severity` in routes. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** The worst of several severities. */
export function worstSeverity(list: readonly Severity[]): Severity {
  return list.reduce<Severity>((worst, s) => (severityRank(s) > severityRank(worst) ? s : worst), 'info');
}

/** One thing to tell operators about; `seq` is the journal event it comes from (its id). */
export interface Notice {
  seq: number;
  at: number;
  kind: NoticeKind;
  /** The journal event type it comes from (host.workflow_completed, verify.failed, ...). */
  event: string;
  severity: Severity;
  incidentId: string | null;
  /** The journal event's data, as written (host, action, request_id, reason, counts...). */
  data: Record<string, unknown>;
}

/** Where one notice goes: a configured channel and one recipient ('' for webhooks). */
export interface Target {
  channel: string;
  recipient: string;
}

/** Everything an operator needs about an incident, gathered from the journal. */
export interface IncidentFacts {
  incidentId: string;
  instanceId: string;
  instanceName?: string;
  host?: string;
  action?: string;
  /** The Nova request id of the latest action (x-openstack-request-id). */
  requestId?: string;
  alarmName?: string;
  metric?: string;
  state: string;
  reason: string;
}
