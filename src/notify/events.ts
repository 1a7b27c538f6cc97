// Journal events -> notices: which of the journal's events operators hear about, under
// which kind and severity. Pure and table-driven; everything else in the journal
// (deliveries, attached alarms, waits, retries) is not worth a message.
//
//   journal event                       notice                  severity
//   incident.opened                     incident.opened         info
//   decision.ignore, .suppressed,       incident.ignored        info      (vmha refused to act: not HA,
//     .dry_run                                                              maintenance, dry run)
//   action.issuing                      action.started          info
//   verify.succeeded                    action.succeeded        info
//   verify.failed                       action.failed           warning   (the engine escalates),
//                                                               critical when it left the incident failed
//   action.failed, resume.server_gone,  action.failed           critical  (incident failed)
//     action.refused_unsafe                                                 (split-brain guard)
//   decision.give_up                    incident.gave_up        critical
//   host.workflow_started               host.workflow_started   warning
//   host.workflow_completed (finished)  host.workflow_finished  warning (the host stays disabled), critical when an instance failed
//   host.workflow_failed                host.workflow_finished  critical
//   host.workflow_aborted               host.workflow_finished  info
//   guard.tripped / guard.released      same names              critical / info
//   maintenance.* (e.g. .switched)      maintenance.switched    info
// The workflow's own steps (host.failure_detected, fence_*, evacuation_started,
// instance_settled, enabled, ...) are not sent: its instances' incidents and its
// end say what operators need, and a step-by-step stream is what floods look like.
import type { JournalEvent } from '../journal/journal.ts';
import type { Notice, NoticeKind, Severity } from '../domain/notification.ts';

const FIXED: Record<string, { kind: NoticeKind; severity: Severity }> = {
  'incident.opened': { kind: 'incident.opened', severity: 'info' },
  'decision.ignore': { kind: 'incident.ignored', severity: 'info' },
  'decision.suppressed': { kind: 'incident.ignored', severity: 'info' },
  'decision.dry_run': { kind: 'incident.ignored', severity: 'info' },
  'action.issuing': { kind: 'action.started', severity: 'info' },
  'verify.succeeded': { kind: 'action.succeeded', severity: 'info' },
  'verify.failed': { kind: 'action.failed', severity: 'warning' },
  'action.failed': { kind: 'action.failed', severity: 'critical' },
  'resume.server_gone': { kind: 'action.failed', severity: 'critical' },
  'action.refused_unsafe': { kind: 'action.failed', severity: 'critical' },
  'decision.give_up': { kind: 'incident.gave_up', severity: 'critical' },
  'host.workflow_started': { kind: 'host.workflow_started', severity: 'warning' },
  'host.workflow_failed': { kind: 'host.workflow_finished', severity: 'critical' },
  'host.workflow_aborted': { kind: 'host.workflow_finished', severity: 'info' },
  'guard.tripped': { kind: 'guard.tripped', severity: 'critical' },
  'guard.released': { kind: 'guard.released', severity: 'info' },
};

/** The notice a journal event gives, or null when operators need not hear of it. */
export function noticeOf(e: JournalEvent): Notice | null {
  const base = { seq: e.seq, at: e.at, event: e.type, incidentId: e.incidentId, data: e.data };
  const fixed = FIXED[e.type];
  if (fixed) {
    // A failed verification is final inside a host workflow (no escalation there).
    if (e.type === 'verify.failed' && e.data.state === 'failed') return { ...base, ...fixed, severity: 'critical' };
    return { ...base, ...fixed };
  }
  if (e.type === 'host.workflow_completed' || e.type === 'host.workflow_finished') {
    return { ...base, kind: 'host.workflow_finished', severity: count(e.data.failed) > 0 ? 'critical' : 'warning' };
  }
  if (e.type.startsWith('maintenance.')) return { ...base, kind: 'maintenance.switched', severity: 'info' };
  return null;
}

/** A count written either as a number or as the list of what was counted. */
export function count(v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (Array.isArray(v)) return v.length;
  return 0;
}
