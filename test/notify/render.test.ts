import { expect } from 'chai';
import { notifySchema } from '../../src/config/notify-schema.ts';
import type { IncidentFacts, Notice } from '../../src/domain/notification.ts';
import type { JournalEvent } from '../../src/journal/journal.ts';
import { noticeOf } from '../../src/notify/events.ts';
import { incidentFacts } from '../../src/notify/facts.ts';
import { renderMessage } from '../../src/notify/render.ts';
import { targetsFor } from '../../src/notify/route.ts';

const AT = Date.parse('2026-01-01T10:00:00Z');
let seq = 0;
const ev = (type: string, data: Record<string, unknown> = {}, incidentId: string | null = 'inc-1'): JournalEvent => ({ seq: ++seq, incidentId, at: AT, type, data });

describe('notify: journal events to notices (pure)', () => {
  const table: [string, Record<string, unknown>, string | null, string | null][] = [
    ['incident.opened', {}, 'incident.opened', 'info'],
    ['decision.ignore', { state: 'ignored' }, 'incident.ignored', 'info'],
    ['decision.suppressed', { state: 'suppressed' }, 'incident.ignored', 'info'],
    ['decision.dry_run', { state: 'dry_run' }, 'incident.ignored', 'info'],
    ['action.refused_unsafe', { state: 'failed' }, 'action.failed', 'critical'],
    ['decision.held', {}, null, null],
    ['action.issuing', { action: 'evacuate' }, 'action.started', 'info'],
    ['verify.succeeded', {}, 'action.succeeded', 'info'],
    ['verify.failed', { state: 'waiting' }, 'action.failed', 'warning'],
    ['verify.failed', { state: 'failed' }, 'action.failed', 'critical'],
    ['action.failed', {}, 'action.failed', 'critical'],
    ['decision.give_up', {}, 'incident.gave_up', 'critical'],
    ['host.workflow_started', { host: 'c7' }, 'host.workflow_started', 'warning'],
    ['host.workflow_completed', { host: 'c7', succeeded: ['a', 'b'], failed: [], skipped: [] }, 'host.workflow_finished', 'warning'],
    ['host.workflow_completed', { host: 'c7', succeeded: ['a'], failed: ['b', 'c'], skipped: [] }, 'host.workflow_finished', 'critical'],
    ['host.workflow_finished', { host: 'c7', evacuated: 3, failed: 0 }, 'host.workflow_finished', 'warning'],
    ['host.workflow_failed', { host: 'c7', step: 'fence' }, 'host.workflow_finished', 'critical'],
    ['host.workflow_aborted', { host: 'c7' }, 'host.workflow_finished', 'info'],
    ['host.failure_detected', { host: 'c7' }, null, null],
    ['host.evacuation_started', { host: 'c7' }, null, null],
    ['host.instance_settled', { host: 'c7' }, null, null],
    ['guard.override_cleared', {}, null, null],
    ['guard.tripped', {}, 'guard.tripped', 'critical'],
    ['guard.released', {}, 'guard.released', 'info'],
    ['maintenance.switched', { enabled: true }, 'maintenance.switched', 'info'],
    ['host.fence_requested', {}, null, null],
    ['alarm.attached', {}, null, null],
    ['action.accepted', {}, null, null],
    ['delivery.duplicate', {}, null, null],
    ['decision.wait', {}, null, null],
  ];
  for (const [type, data, kind, severity] of table) {
    it(`${type}${Object.keys(data).length ? ' ' + JSON.stringify(data) : ''} -> ${kind ?? 'nothing'}`, () => {
      const n = noticeOf(ev(type, data));
      expect(n?.kind ?? null).to.equal(kind);
      expect(n?.severity ?? null).to.equal(severity);
    });
  }
});

describe('notify: routing (pure)', () => {
  const config = notifySchema.parse({
    channels: {
      mail: { type: 'email', host: 'smtp', from: 'vmha@x.org', to: ['ops@x.org'] },
      pager: { type: 'sms', url: 'http://gw/send', body: { to: '{to}', text: '{message}' }, to: ['+3361'] },
      chat: { type: 'webhook', url: 'http://chat/hook' },
    },
    routes: [
      { events: ['*'], channels: ['mail', 'chat'] },
      { events: ['host.*', 'incident.gave_up', 'action.failed'], min_severity: 'warning', channels: ['pager'], recipients: ['+3362', '+3363'] },
      { events: ['action.failed'], channels: ['mail'] },
    ],
  });
  const targets = (type: string, data: Record<string, unknown> = {}): string[] => targetsFor(noticeOf(ev(type, data))!, config).map((t) => `${t.channel}:${t.recipient}`);

  it('sends info to the catch-all route only', () => {
    expect(targets('verify.succeeded')).to.deep.equal(['mail:ops@x.org', 'chat:']);
  });
  it('adds the pager for a matching kind at or above its severity, to the route’s recipients', () => {
    expect(targets('decision.give_up')).to.deep.equal(['mail:ops@x.org', 'chat:', 'pager:+3362', 'pager:+3363']);
    expect(targets('host.workflow_started', { host: 'c7' })).to.include('pager:+3362');
  });
  it('leaves out the pager below its minimum severity, even when the kind matches', () => {
    expect(targets('host.workflow_aborted', { host: 'c7' })).to.deep.equal(['mail:ops@x.org', 'chat:']);
    expect(targets('host.workflow_completed', { host: 'c7', succeeded: ['a'], failed: [] })).to.include('pager:+3362');
  });
  it('never targets one recipient twice when several routes match', () => {
    expect(targets('action.failed')).to.deep.equal(['mail:ops@x.org', 'chat:', 'pager:+3362', 'pager:+3363']);
  });
});

describe('notify: message text (pure)', () => {
  const facts = (id: string, over: Partial<IncidentFacts> = {}): IncidentFacts => ({
    incidentId: id,
    instanceId: `uuid-${id}`,
    instanceName: `pet-${id}`,
    host: 'compute-7',
    action: 'evacuate',
    requestId: `req-${id}`,
    state: 'succeeded',
    reason: 'evacuate verified',
    ...over,
  });
  const notice = (kind: Notice['kind'], incidentId: string | null, data: Record<string, unknown> = {}, severity: Notice['severity'] = 'info', event: string = kind): Notice => ({
    seq: ++seq,
    at: AT,
    kind,
    event,
    severity,
    incidentId,
    data,
  });

  it('one notice: a detailed message with every fact an operator needs', () => {
    const m = renderMessage([notice('action.succeeded', 'a', { state: 'succeeded', reason: 'live-migrate verified: compute-7 -> compute-2' })], (id) =>
      facts(id, { action: 'live-migrate' }),
    );
    expect(m.subject).to.equal('live-migrate succeeded: pet-a (uuid-a) on compute-7');
    expect(m.text).to.match(/Instance:\s+pet-a \(uuid-a\)/);
    expect(m.text).to.match(/Host:\s+compute-7/);
    expect(m.text).to.match(/Action:\s+live-migrate/);
    expect(m.text).to.match(/Outcome:\s+succeeded/);
    expect(m.text).to.match(/Incident:\s+a/);
    expect(m.text).to.match(/Nova request:\s+req-a/);
    expect(m.short).to.equal('live-migrate succeeded: pet-a (uuid-a) on compute-7 (incident a, Nova request req-a)');
  });

  it('a host failure: one summary from the workflow’s counts, then one line per instance', () => {
    const notices: Notice[] = [notice('host.workflow_started', null, { host: 'compute-7', instances: 39 }, 'warning')];
    for (let i = 0; i < 39; i++) {
      const id = `i${i}`;
      notices.push(notice('incident.opened', id), notice('action.started', id, { action: 'evacuate', source_host: 'compute-7' }));
      notices.push(i < 37 ? notice('action.succeeded', id, { state: 'succeeded' }) : notice('action.failed', id, { state: 'failed', reason: 'No valid host' }, 'critical'));
    }
    const ids = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, k) => `uuid-i${from + k}`);
    notices.push(notice('host.workflow_finished', null, { host: 'compute-7', succeeded: ids(0, 37), failed: ids(37, 39), skipped: [] }, 'critical', 'host.workflow_completed'));
    const m = renderMessage(notices, (id) => facts(id));
    expect(m.subject).to.equal('compute-7: 37 instances evacuated, 2 failed');
    expect(m.severity).to.equal('critical');
    expect(m.text.split('\n').filter((l) => l.startsWith('- pet-'))).to.have.length(39);
    expect(m.text).to.contain('- pet-i38 (uuid-i38) on compute-7: evacuate failed: No valid host (incident i38, Nova request req-i38)');
    expect(m.items).to.have.length(41); // one per instance plus the workflow's two
  });

  it('the host workflow’s own events, as issue 7 journals them', () => {
    const f = (): undefined => undefined;
    const wf = { workflow_id: 'wf-1', host: 'compute-7', state: 'disabling', reason: 'nova-compute down for 120 s and 5 instances alarming', trigger: 'alarms' };
    expect(renderMessage([notice('host.workflow_started', null, wf, 'warning')], f).subject).to.equal(
      'compute-7: host failure, recovery workflow started: nova-compute down for 120 s and 5 instances alarming',
    );
    const done = renderMessage([notice('host.workflow_finished', null, { host: 'compute-7', succeeded: ['a', 'b', 'c'], failed: ['d'], skipped: ['e'] }, 'critical', 'host.workflow_completed')], f);
    expect(done.subject).to.equal('compute-7: 3 instances evacuated, 1 failed, 1 skipped');
    expect(done.text).to.match(/Failed:\s+d\n/);
    expect(done.text).to.match(/Skipped:\s+e\n/);
    const failed = renderMessage([notice('host.workflow_finished', null, { host: 'compute-7', step: 'fence', reason: 'fence hook exited 1' }, 'critical', 'host.workflow_failed')], f);
    expect(failed.subject).to.equal('compute-7: host workflow failed at fence: fence hook exited 1');
    expect(renderMessage([notice('guard.tripped', null, { reason: '40% of hosts failing', by: 'automatic', hosts: 0.4 }, 'critical')], f).subject).to.equal(
      'mass-failure guard tripped: 40% of hosts failing; automatic recovery is paused',
    );
    expect(renderMessage([notice('maintenance.switched', null, { level: 'host', target: 'compute-9', on: true, by: 'alice' })], f).subject).to.equal(
      'maintenance switched on for host compute-9 by alice',
    );
    expect(renderMessage([notice('maintenance.switched', null, { level: 'global', on: false })], f).subject).to.equal('maintenance switched off (global)');
  });

  it('a burst without a host workflow: counted per host from each incident’s latest notice', () => {
    const notices: Notice[] = [];
    for (const [id, host] of [['a', 'c1'], ['b', 'c1'], ['c', 'c2']] as const) {
      notices.push(notice('incident.opened', id), notice('action.started', id, { action: 'live-migrate', source_host: host }));
      if (id !== 'c') notices.push(notice('action.succeeded', id, { state: 'succeeded' }));
    }
    const m = renderMessage(notices, (id) => facts(id, { action: 'live-migrate', host: id === 'c' ? 'c2' : 'c1' }));
    expect(m.subject).to.equal('c1: 2 instances live-migrated; c2: 1 in progress');
  });

  it('facts come from the timeline: the name and host the engine journaled, the accepted request id', () => {
    const incident = { id: 'x', instanceId: 'uuid-x', state: 'succeeded', openedAt: AT, updatedAt: AT, closedAt: AT, alarmingMetrics: [], actions: [{ action: 'rebuild', at: AT }], attempts: 1, nextAttemptAt: null, reason: 'rebuild verified' } as const;
    const f = incidentFacts({ ...incident, actions: [...incident.actions], alarmingMetrics: [] }, [
      ev('incident.opened', { alarm_name: 'vmha:disk-health:uuid-x', metric: 'instance.disk.health', request_id: 'req-aodh' }, 'x'),
      ev('decision.act', { action: 'rebuild', server_name: 'db-1', host: 'compute-3' }, 'x'),
      ev('action.issuing', { action: 'rebuild', source_host: 'compute-3', server_name: 'db-1' }, 'x'),
      ev('action.accepted', { action: 'rebuild', request_id: 'req-nova-9' }, 'x'),
    ]);
    expect(f).to.include({ instanceName: 'db-1', host: 'compute-3', action: 'rebuild', requestId: 'req-nova-9', alarmName: 'vmha:disk-health:uuid-x' });
  });
});
