// Plain words for what happened: journal events of vmha serve, Nova's record, and the
// terminal lines the demo prints. Pure functions over plain data.
import type { JournalEvent } from '../journal/journal.ts';
import type { DemoEvent } from './events.ts';

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/** One line for a journal event of vmha serve; undefined for bookkeeping nobody needs to read. */
export function journalText(e: JournalEvent, serverName: string): string | undefined {
  const d = e.data;
  const inc = e.incidentId ? `incident ${e.incidentId.slice(0, 8)}` : '';
  switch (e.type) {
    case 'incident.opened':
      if (d.via === 'webhook') return `${inc} opened for ${serverName}: ${str(d.alarm_name)} fired (notification ${str(d.request_id)})`;
      if (d.via === 'reconciler') return `${inc} opened for ${serverName}: ${str(d.alarm_name)} is in alarm but its notification never arrived (found by the reconciler)`;
      return `${inc} opened for ${serverName} by the ${str(d.via)}: ${str(d.reason)}`;
    case 'alarm.attached':
      return `${inc}: ${str(d.alarm_name)} fired too, attached`;
    case 'decision.act':
      return `${inc}: decision: ${str(d.action)} (rule ${str(d.rule)}): ${str(d.reason)}`;
    case 'decision.wait':
      return `${inc}: decision: wait (rule ${str(d.rule)}): ${str(d.reason)}`;
    case 'decision.ignore':
      return `${inc}: decision: ignore (rule ${str(d.rule)}): ${str(d.reason)}`;
    case 'decision.dry_run':
      return `${inc}: dry run: ${str(d.reason)}`;
    case 'decision.suppressed':
      return `${inc}: suppressed: ${str(d.reason)}`;
    case 'decision.give_up':
      return `${inc}: decision: give up (rule ${str(d.rule)}): ${str(d.reason)}`;
    case 'action.issuing':
      return `${inc}: asking Nova to ${str(d.action)} ${serverName} (on ${str(d.source_host) || 'unknown host'})`;
    case 'action.accepted':
      return `${inc}: Nova accepted ${str(d.action)}, request ${str(d.request_id)} (microversion ${str(d.microversion)}); verifying`;
    case 'action.attempt_failed':
      return `${inc}: Nova refused ${str(d.action)} (attempt ${str(d.attempt)}: ${str(d.kind)} ${str(d.status)}, request ${str(d.request_id)}): ${str(d.error)}`;
    case 'action.failed':
      return `${inc}: ${str(d.reason)}`;
    case 'verify.succeeded':
      return `${inc}: verified: ${str(d.reason)}`;
    case 'verify.failed':
      return `${inc}: not verified: ${str(d.reason)}`;
    case 'incident.closed':
      return `${inc} closed: ${str(d.reason)}`;
    case 'alarm.ok':
      return `${inc}: ${str(d.alarm_name)} back to ok (noted)`;
    case 'incident.attached_to_host_workflow':
      return `${inc}: ${serverName} handed to host workflow ${str(d.workflow_id).slice(0, 8)} (host ${str(d.host)})`;
    case 'decision.held':
      return `${inc}: held: ${str(d.reason)}`;
    default:
      // The host workflow's and the guard's own events (no incident): step and why.
      if (e.type.startsWith('host.')) return `host ${str(d.host)}: ${e.type.slice(5).replace(/_/g, ' ')}${safetyDetail(e.type, d)}`;
      if (e.type.startsWith('guard.')) return `mass-failure guard ${e.type.slice(6).replace(/_/g, ' ')}: ${str(d.reason)}`;
      return undefined;
  }
}

/** What a host workflow event adds: why for state changes, the fence's answer, the instances. */
function safetyDetail(type: string, d: Record<string, unknown>): string {
  const parts: string[] = [];
  if (/workflow_(started|held|failed|completed|aborted|planned)$/.test(type) && d.reason) parts.push(str(d.reason));
  if (type.startsWith('host.fence_') && d.detail) parts.push(str(d.detail));
  if (typeof d.stdout_tail === 'string' && d.stdout_tail.trim()) parts.push(`it printed "${d.stdout_tail.trim()}"`);
  if (Array.isArray(d.instances)) parts.push(`${d.instances.length} HA instances to evacuate`);
  return parts.length ? `: ${parts.join('; ')}` : '';
}

/** The request body key of a Nova action with its interesting argument, e.g. "reboot HARD". */
export function novaActionLabel(action: string, body: unknown): string {
  const arg = (body as Record<string, unknown> | null)?.[action];
  if (action === 'reboot') return `reboot ${str((arg as { type?: unknown } | null)?.type)}`.trim();
  return action;
}

/** "  +4.2s  aodh   text" */
export function eventLine(e: DemoEvent, t0: number): string {
  const dt = (e.at - t0) / 1000;
  const stamp = `${dt < 0 ? '-' : '+'}${Math.abs(dt).toFixed(1)}s`;
  return `  ${stamp.padStart(7)}  ${e.source.padEnd(5)}  ${e.text}`;
}

/** A command's output for the narration: indented, long listings cut to their head and tail. */
export function commandOutput(text: string, maxLines = 8): string {
  let lines = text.trimEnd().split('\n');
  if (lines.length > maxLines) lines = [...lines.slice(0, 3), `... (${lines.length - 4} more lines)`, lines[lines.length - 1]!];
  return lines.map((l) => `      ${l}`).join('\n');
}
