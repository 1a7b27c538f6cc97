// Message text from notices and incident facts. Pure. One notice gives a detailed
// message; several (a host failure, a burst) give one summary per host
// ("compute-7: 37 instances evacuated, 2 failed") followed by one line per instance.
import { worstSeverity, type IncidentFacts, type Notice, type Severity } from '../domain/notification.ts';
import { count } from './events.ts';

export interface MessageItem {
  seq: number;
  kind: string;
  severity: Severity;
  at: string;
  incident_id: string | null;
  instance_id: string | null;
  instance_name: string | null;
  host: string | null;
  action: string | null;
  outcome: string | null;
  request_id: string | null;
  reason: string | null;
}

export interface RenderedMessage {
  severity: Severity;
  /** One line, without any channel prefix. */
  subject: string;
  /** The full text (email body, chat message). */
  text: string;
  /** A few hundred characters at most before the channel cuts it (SMS). */
  short: string;
  /** Structured, for webhooks. */
  items: MessageItem[];
}

/** Detail lines listed in a summary before "... and N more". */
const MAX_LINES = 50;

const PAST: Record<string, string> = {
  evacuate: 'evacuated',
  'live-migrate': 'live-migrated',
  'reboot-hard': 'rebooted (hard)',
  'reboot-soft': 'rebooted (soft)',
  rebuild: 'rebuilt',
};

/** Renders the notices of one message; `factsOf` gives what the journal knows of an incident. */
export function renderMessage(notices: readonly Notice[], factsOf: (incidentId: string) => IncidentFacts | undefined): RenderedMessage {
  if (notices.length === 0) throw new Error('renderMessage: no notices');
  const items = notices.map((n) => itemOf(n, n.incidentId ? factsOf(n.incidentId) : undefined));
  const severity = worstSeverity(notices.map((n) => n.severity));
  if (notices.length === 1) return single(notices[0]!, items[0]!, severity);
  return summary(notices, items, severity);
}

function itemOf(n: Notice, f: IncidentFacts | undefined): MessageItem {
  const d = n.data;
  return {
    seq: n.seq,
    kind: n.kind,
    severity: n.severity,
    at: new Date(n.at).toISOString(),
    incident_id: n.incidentId,
    instance_id: f?.instanceId ?? str(d.server_id) ?? str(d.instance_id) ?? null,
    instance_name: str(d.server_name) ?? f?.instanceName ?? null,
    host: str(d.host) ?? str(d.source_host) ?? f?.host ?? null,
    action: str(d.action) ?? f?.action ?? null,
    // The state the event left the incident in, not where it is now.
    outcome: str(d.state) ?? (n.kind === 'incident.opened' ? 'open' : (f?.state ?? null)),
    // incident.opened's request_id is Aodh's delivery, not a Nova request.
    request_id: (n.kind === 'incident.opened' ? undefined : str(d.request_id)) ?? f?.requestId ?? null,
    reason: str(d.reason) ?? (n.incidentId ? (f?.reason ?? null) : null),
  };
}

function instance(i: MessageItem): string {
  if (i.instance_name && i.instance_id) return `${i.instance_name} (${i.instance_id})`;
  return i.instance_name ?? i.instance_id ?? 'unknown instance';
}

/** The one-line description of a notice. */
function headline(n: Notice, i: MessageItem): string {
  const d = n.data;
  const host = i.host ?? 'unknown host';
  const action = i.action ?? 'action';
  switch (n.kind) {
    case 'incident.opened':
      return `incident opened for ${instance(i)}${i.host ? ` on ${i.host}` : ''}: alarm ${str(d.alarm_name) ?? str(d.metric) ?? 'fired'}`;
    case 'incident.ignored':
      return `no action for ${instance(i)}: ${i.reason ?? 'not vmha’s to act on'}`;
    case 'action.started':
      return `${action} started: ${instance(i)} on ${host}`;
    case 'action.succeeded':
      return `${action} succeeded: ${instance(i)} on ${host}`;
    case 'action.failed':
      return `${action} failed: ${instance(i)} on ${host}: ${i.reason ?? 'no reason recorded'}`;
    case 'incident.gave_up':
      return `gave up: ${instance(i)} on ${host}: ${i.reason ?? 'limit reached'}`;
    case 'host.workflow_started': {
      const n2 = count(d.instances);
      return `${host}: host failure, recovery workflow started${n2 ? ` for ${n2} instances` : ''}${i.reason ? `: ${i.reason}` : ''}`;
    }
    case 'host.workflow_finished':
      if (n.event === 'host.workflow_failed') return `${host}: host workflow failed${str(d.step) ? ` at ${str(d.step)}` : ''}: ${i.reason ?? 'no reason recorded'}`;
      if (n.event === 'host.workflow_aborted') return `${host}: host workflow aborted: ${i.reason ?? 'no reason recorded'}`;
      return hostFinished(host, d);
    case 'guard.tripped':
      return `mass-failure guard tripped${i.reason ? `: ${i.reason}` : ''}; automatic recovery is paused`;
    case 'guard.released':
      return `mass-failure guard released${i.reason ? `: ${i.reason}` : ''}; automatic recovery resumes`;
    case 'maintenance.switched':
      return maintenance(d);
  }
}

/** "compute-7: 37 instances evacuated, 2 failed" from the workflow's counts (numbers or lists). */
function hostFinished(host: string, d: Record<string, unknown>): string {
  const evacuated = count(d.evacuated ?? d.succeeded);
  const skipped = count(d.skipped);
  return `${host}: ${evacuated} instance${evacuated === 1 ? '' : 's'} evacuated, ${count(d.failed)} failed${skipped ? `, ${skipped} skipped` : ''}`;
}

function maintenance(d: Record<string, unknown>): string {
  const on = d.on ?? d.enabled ?? d.active;
  const state = on === true ? 'switched on' : on === false ? 'switched off' : str(d.state) ? `switched to ${str(d.state)}` : 'switched';
  const level = str(d.level);
  const target = str(d.target) ?? str(d.host) ?? str(d.scope);
  const scope = level === 'global' || (!level && !target) ? ' (global)' : ` for ${level ? `${level} ` : ''}${target ?? ''}`.trimEnd();
  const by = str(d.by);
  return `maintenance ${state}${scope}${by ? ` by ${by}` : ''}`;
}

function details(i: MessageItem, n: Notice): string[] {
  const lines: string[] = [];
  const add = (label: string, v: string | null | undefined): void => {
    if (v) lines.push(`${(label + ':').padEnd(14)}${v}`);
  };
  if (n.incidentId) {
    add('Instance', instance(i));
    add('Host', i.host);
    add('Action', i.action);
    add('Outcome', i.outcome);
    add('Reason', i.reason);
    add('Incident', i.incident_id);
    add('Nova request', i.request_id);
    add('Alarm', str(n.data.alarm_name));
  } else {
    add('Host', str(n.data.host));
    add('Reason', i.reason);
    for (const key of ['failed', 'skipped'] as const) {
      const v = n.data[key];
      if (Array.isArray(v) && v.length) add(key[0]!.toUpperCase() + key.slice(1), v.map(label).join(', '));
    }
  }
  add('Time', i.at);
  return lines;
}

function single(n: Notice, i: MessageItem, severity: Severity): RenderedMessage {
  const subject = headline(n, i);
  const text = [subject, '', ...details(i, n), ''].join('\n');
  const ids = [i.incident_id && `incident ${i.incident_id}`, i.request_id && `Nova request ${i.request_id}`].filter(Boolean).join(', ');
  return { severity, subject, text, short: ids ? `${subject} (${ids})` : subject, items: [i] };
}

function summary(notices: readonly Notice[], items: MessageItem[], severity: Severity): RenderedMessage {
  // The latest notice of each incident tells where it stands; events without an
  // incident (host, guard, maintenance) are kept as they are.
  const latest = new Map<string, number>();
  notices.forEach((n, k) => {
    if (n.incidentId) latest.set(n.incidentId, k);
  });
  const shown = notices.map((_, k) => k).filter((k) => !notices[k]!.incidentId || latest.get(notices[k]!.incidentId!) === k);
  const headlines: string[] = [];
  // Hosts whose workflow finished in this message: its counts are the summary.
  const finished = new Set<string>();
  for (const k of shown) {
    const n = notices[k]!;
    if (n.kind === 'host.workflow_finished') finished.add(items[k]!.host ?? 'unknown host');
    if (!n.incidentId && n.kind !== 'host.workflow_started') headlines.push(headline(n, items[k]!));
  }
  const perHost = new Map<string, Map<string, number>>();
  for (const k of shown) {
    const n = notices[k]!;
    const i = items[k]!;
    const host = i.host ?? 'unknown host';
    if (!n.incidentId || finished.has(host)) continue;
    const what = outcomeLabel(n.kind, i.action);
    const counts = perHost.get(host) ?? new Map<string, number>();
    counts.set(what, (counts.get(what) ?? 0) + 1);
    perHost.set(host, counts);
  }
  for (const [host, counts] of perHost) {
    const parts = [...counts].map(([what, c]) => (what.startsWith('instances ') ? `${c} ${c === 1 ? 'instance' : 'instances'} ${what.slice(10)}` : `${c} ${what}`));
    headlines.push(`${host}: ${parts.join(', ')}`);
  }
  for (const k of shown) {
    const n = notices[k]!;
    // A workflow that started without finishing in this message: say so.
    if (n.kind === 'host.workflow_started' && !finished.has(items[k]!.host ?? 'unknown host')) headlines.unshift(headline(n, items[k]!));
  }
  const lines = shown.map((k) => {
    const i = items[k]!;
    const n = notices[k]!;
    if (!n.incidentId) return `- ${headline(n, i)}`;
    const ids = [`incident ${i.incident_id}`, i.request_id && `Nova request ${i.request_id}`].filter(Boolean).join(', ');
    return `- ${instance(i)} on ${i.host ?? 'unknown host'}: ${outcomeLine(n.kind, i)} (${ids})`;
  });
  const more = lines.length > MAX_LINES ? [`... and ${lines.length - MAX_LINES} more (vmha incidents list)`] : [];
  const subject = headlines.join('; ');
  const text = [...headlines, '', ...lines.slice(0, MAX_LINES), ...more, ''].join('\n');
  return { severity, subject, text, short: subject, items: shown.map((k) => items[k]!) };
}

/** How an incident counts in a host summary, by its latest notice. */
function outcomeLabel(kind: Notice['kind'], action: string | null): string {
  switch (kind) {
    case 'action.succeeded':
      return `instances ${PAST[action ?? ''] ?? 'recovered'}`;
    case 'action.failed':
      return 'failed';
    case 'incident.gave_up':
      return 'given up';
    case 'incident.ignored':
      return 'not acted on';
    case 'action.started':
      return 'in progress';
    default:
      return 'opened';
  }
}

function outcomeLine(kind: Notice['kind'], i: MessageItem): string {
  const action = i.action ?? 'action';
  switch (kind) {
    case 'action.succeeded':
      return `${action} succeeded`;
    case 'action.failed':
      return `${action} failed: ${i.reason ?? ''}`.trim();
    case 'incident.gave_up':
      return `gave up: ${i.reason ?? ''}`.trim();
    case 'incident.ignored':
      return `no action: ${i.reason ?? ''}`.trim();
    case 'action.started':
      return `${action} started`;
    default:
      return 'incident opened';
  }
}

function label(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const name = str(o.name) ?? str(o.server_name);
    const id = str(o.id) ?? str(o.server_id) ?? str(o.instance_id);
    return name && id ? `${name} (${id})` : (name ?? id ?? JSON.stringify(v));
  }
  return String(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
