// The notifier against a real SMTP server in its own process, a loopback SMS gateway
// and a chat webhook, fed by journal events written as the engine and the host
// workflow write them.
import path from 'node:path';
import { expect } from 'chai';
import client from 'prom-client';
import type { NotifyConfig } from '../../src/config/notify-schema.ts';
import { systemClock } from '../../src/domain/clock.ts';
import { Journal } from '../../src/journal/journal.ts';
import { memoryLogger } from '../../src/log.ts';
import { Notifier } from '../../src/notify/notifier.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { until } from '../helpers/wait.ts';
import { notifyConfig, openIncident, recover, SID, SMS_TOKEN, SMTP_PASS, SMTP_USER, startGateway, startSmtpSink, type Gateway, type SmtpSink } from './fixtures.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('notify: delivery (real SMTP process, loopback SMS gateway and webhook)', function () {
  this.timeout(30_000);
  let smtp: SmtpSink;
  let sms: Gateway;
  let chat: Gateway;
  let t: ReturnType<typeof tmpDir>;
  let journal: Journal;
  let notifier: Notifier | undefined;
  let registry: client.Registry;

  before(async () => {
    [smtp, sms, chat] = await Promise.all([startSmtpSink({ auth: 'required', user: SMTP_USER, pass: SMTP_PASS }), startGateway(201), startGateway(200)]);
  });
  after(async () => {
    await Promise.all([smtp.stop(), sms.close(), chat.close()]);
  });
  beforeEach(() => {
    smtp.mails.length = 0;
    smtp.auths.length = 0;
    sms.requests.length = 0;
    chat.requests.length = 0;
    sms.status = 201;
    t = tmpDir('vmha-notify-');
    journal = new Journal(path.join(t.dir, 'journal.sqlite'), systemClock);
  });
  afterEach(async () => {
    await notifier?.stop();
    notifier = undefined;
    journal.close();
    t.cleanup();
  });

  const config = (over: Partial<Parameters<typeof notifyConfig>[0]> = {}): NotifyConfig =>
    notifyConfig({ smtpPort: smtp.port, smsUrl: sms.url, webhookUrl: chat.url, ...over });

  function start(c: NotifyConfig): Notifier {
    registry = new client.Registry();
    notifier = new Notifier({ journal, config: c, clock: systemClock, logger: memoryLogger().logger, registry });
    notifier.start();
    return notifier;
  }

  async function metric(name: string, labels: Record<string, string>): Promise<number> {
    const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
    const v = (m?.values as { labels: Record<string, string>; value: number }[] | undefined)?.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
    return v?.value ?? 0;
  }

  it('each event, alone in its window: the right message, with the facts, on every channel', async () => {
    start(config({ groupWindowS: 0, rate: { per_window: 1000, window_s: 1 } }));
    const ok = openIncident(journal, 'uuid-ok');
    recover(journal, ok, { name: 'web-1', host: 'compute-1', action: 'live-migrate', requestId: 'req-nova-ok', outcome: 'succeeded' });
    const bad = openIncident(journal, 'uuid-bad');
    recover(journal, bad, { name: 'db-1', host: 'compute-2', action: 'reboot-hard', requestId: 'req-nova-bad', outcome: 'failed' });
    const cattle = openIncident(journal, 'uuid-cattle');
    journal.update(cattle, { state: 'ignored', event: 'decision.ignore', reason: 'not HA-enabled (metadata HA_Enabled=True not set)', data: { rule: 'not-ha', server_name: 'cattle-1', host: 'compute-3' } });
    const tired = openIncident(journal, 'uuid-tired');
    journal.update(tired, { state: 'gave_up', event: 'decision.give_up', reason: '3 actions in 3600 s: giving up', data: { rule: 'budget', server_name: 'flappy', host: 'compute-4' } });
    // Host workflow, guard and maintenance events as issue 7's SafetyStore journals them.
    journal.note(null, 'host.workflow_started', { workflow_id: 'wf-1', host: 'compute-7', state: 'disabling', reason: 'nova-compute down', trigger: 'alarms' });
    journal.note(null, 'host.workflow_completed', { workflow_id: 'wf-1', host: 'compute-7', state: 'completed', succeeded: ['u1', 'u2'], failed: ['u3'], skipped: [] });
    journal.note(null, 'guard.tripped', { reason: '12 hosts down in 60 s', by: 'automatic', hosts: 0.4, instances: 0.3 });
    journal.note(null, 'guard.released', { reason: 'resumed by operator alice', by: 'alice' });
    journal.note(null, 'maintenance.switched', { level: 'host', target: 'compute-9', on: true, by: 'bob' });
    // 3 + 3 + 2 + 2 incident notices, 5 others: 15, each to 2 mail recipients, 1 number, 1 webhook.
    const mails = await smtp.waitFor(30);
    await sms.waitFor(15);
    await chat.waitFor(15);

    const mail = (subject: RegExp, to = 'oncall@example.org') => {
      const found = mails.filter((m) => subject.test(m.subject) && m.envelope.to.includes(to));
      expect(found, `one mail to ${to} matching ${subject}; got:\n${mails.map((m) => m.subject).join('\n')}`).to.have.length(1);
      return found[0]!;
    };
    const opened = mail(/incident opened for web-1 \(uuid-ok\) on compute-1: alarm vmha:ping-delay:uuid-ok/);
    expect(opened.text).to.match(new RegExp(`Incident:\\s+${ok}`));
    const started = mail(/^\[vmha\] live-migrate started: web-1 \(uuid-ok\) on compute-1$/);
    expect(started.text).to.match(/Nova request:\s+req-nova-ok/);
    const done = mail(/^\[vmha\] live-migrate succeeded: web-1 \(uuid-ok\) on compute-1$/);
    for (const line of [/Instance:\s+web-1 \(uuid-ok\)/, /Host:\s+compute-1/, /Action:\s+live-migrate/, /Outcome:\s+succeeded/, new RegExp(`Incident:\\s+${ok}`), /Nova request:\s+req-nova-ok/]) {
      expect(done.text).to.match(line);
    }
    expect(done.headers['message-id']).to.match(/^<\d+\.mail\.[0-9a-f]{12}@vmha>$/);
    expect(done.headers['x-vmha-incident']).to.equal(ok);
    expect(done.secure, 'STARTTLS was used').to.equal(true);
    expect(done.user).to.equal(SMTP_USER);
    const failed = mail(/^\[vmha\] CRITICAL: reboot-hard failed: db-1 \(uuid-bad\) on compute-2: reboot-hard failed \(not retryable\): Invalid 400 No valid host was found$/);
    expect(failed.text).to.match(/Nova request:\s+req-nova-bad/);
    expect(failed.text).to.match(/Outcome:\s+failed/);
    mail(/^\[vmha\] no action for cattle-1 \(uuid-cattle\): not HA-enabled/);
    mail(/^\[vmha\] CRITICAL: gave up: flappy \(uuid-tired\) on compute-4: 3 actions in 3600 s: giving up$/);
    mail(/^\[vmha\] WARNING: compute-7: host failure, recovery workflow started: nova-compute down$/);
    const hostDone = mail(/^\[vmha\] CRITICAL: compute-7: 2 instances evacuated, 1 failed$/, 'lead@example.org');
    expect(hostDone.text).to.match(/Failed:\s+u3/);
    mail(/^\[vmha\] CRITICAL: mass-failure guard tripped: 12 hosts down in 60 s; automatic recovery is paused$/);
    mail(/^\[vmha\] mass-failure guard released: resumed by operator alice; automatic recovery resumes$/);
    mail(/^\[vmha\] maintenance switched on for host compute-9 by bob$/);

    // SMS: Twilio's form, basic auth SID:token, one short text per event.
    const texts = sms.requests.map((r) => String(r.fields.Body));
    const sent = sms.requests.find((r) => /live-migrate succeeded/.test(String(r.fields.Body)))!;
    expect(sent.method).to.equal('POST');
    expect(sent.url).to.equal(`/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(sent.headers['content-type']).to.equal('application/x-www-form-urlencoded');
    expect(sent.headers.authorization).to.equal(`Basic ${Buffer.from(`${SID}:${SMS_TOKEN}`).toString('base64')}`);
    expect(sent.fields).to.include({ To: '+33612345678', From: '+15005550006' });
    expect(sent.fields.Body).to.equal(`[vmha] live-migrate succeeded: web-1 (uuid-ok) on compute-1 (incident ${ok}, Nova request req-nova-ok)`);
    expect(texts.filter((b) => b.startsWith('[vmha CRITICAL]'))).to.have.length(4);
    expect(texts.every((b) => b.length <= 320)).to.equal(true);

    // Webhook: Slack-style text plus structured events.
    const posted = chat.requests.find((r) => r.fields.subject === 'live-migrate succeeded: web-1 (uuid-ok) on compute-1')!;
    expect(posted.url).to.equal('/hooks/ops');
    expect(posted.headers['x-chat-token']).to.equal('chat-token-1');
    expect(posted.fields.text).to.match(/^\*vmha\* live-migrate succeeded/);
    expect((posted.fields.events as Record<string, unknown>[])[0]).to.include({
      kind: 'action.succeeded',
      incident_id: ok,
      instance_id: 'uuid-ok',
      instance_name: 'web-1',
      host: 'compute-1',
      action: 'live-migrate',
      outcome: 'succeeded',
      request_id: 'req-nova-ok',
    });
    await notifier!.settled();
    expect(mails).to.have.length(30);
    expect(await metric('vmha_notifications_sent_total', { channel: 'mail' })).to.equal(30);
    expect(await metric('vmha_notifications_sent_total', { channel: 'sms' })).to.equal(15);
  });

  it('a host failure (39 instances, 2 failed): one message per channel and recipient, not one per instance', async () => {
    start(config({ groupWindowS: 0.5 }));
    journal.note(null, 'host.workflow_started', { workflow_id: 'wf-7', host: 'compute-7', state: 'disabling', reason: 'nova-compute down', trigger: 'alarms' });
    for (let i = 0; i < 39; i++) {
      const id = openIncident(journal, `uuid-${i}`);
      recover(journal, id, { name: `pet-${i}`, host: 'compute-7', action: 'evacuate', requestId: `req-ev-${i}`, outcome: i < 37 ? 'succeeded' : 'failed' });
    }
    const ids = Array.from({ length: 39 }, (_, i) => `uuid-${i}`);
    journal.note(null, 'host.workflow_completed', { workflow_id: 'wf-7', host: 'compute-7', state: 'completed', succeeded: ids.slice(0, 37), failed: ids.slice(37), skipped: [] });
    const mails = await smtp.waitFor(2);
    await sms.waitFor(1);
    await chat.waitFor(1);
    await sleep(700); // longer than the window: nothing else follows
    expect(mails.map((m) => m.envelope.to[0]).sort()).to.deep.equal(['lead@example.org', 'oncall@example.org']);
    expect(sms.requests).to.have.length(1);
    expect(chat.requests).to.have.length(1);
    const m = mails[0]!;
    expect(m.subject).to.equal('[vmha] CRITICAL: compute-7: 37 instances evacuated, 2 failed');
    expect(m.text.split('\n').filter((l) => l.startsWith('- pet-'))).to.have.length(39);
    expect(m.text).to.match(/- pet-38 \(uuid-38\) on compute-7: evacuate failed: evacuate failed \(not retryable\): Invalid 400 No valid host was found \(incident [0-9a-f-]{36}, Nova request req-ev-38\)/);
    expect(String(sms.requests[0]!.fields.Body)).to.equal('[vmha CRITICAL] compute-7: 37 instances evacuated, 2 failed');
    expect((chat.requests[0]!.fields.events as unknown[]).length).to.equal(41);
  });

  it('a per-channel rate limit spaces messages out and loses none', async () => {
    start(config({ groupWindowS: 0, rate: { per_window: 2, window_s: 1 } }));
    for (const n of [1, 2]) journal.note(null, 'guard.tripped', { reason: `burst ${n}` });
    await smtp.waitFor(4, 5000); // 2 events x 2 recipients: two now, two a window later
    await until('all settled', () => notifier!.outbox.list().every((r) => r.status === 'sent'));
    const rows = notifier!.outbox.list().filter((r) => r.channel === 'mail');
    const settled = rows.map((r) => r.settledAt!).sort((a, b) => a - b);
    expect(settled).to.have.length(4);
    // The window is 1 s from the first send's start; settle times also carry each send's own
    // duration, so only half the window is asserted (unlimited, all four settle within ~100 ms).
    expect(settled[2]! - settled[0]!, 'the third message waited for the window').to.be.greaterThanOrEqual(500);
    expect(sms.requests).to.have.length(2); // the other channels were not held back
  });

  it('restarting does not resend what was delivered, and delivers what was still pending exactly once', async () => {
    const c = config({ groupWindowS: 0.4 });
    start(c);
    const id = openIncident(journal, 'uuid-r');
    recover(journal, id, { name: 'pet-r', host: 'compute-1', action: 'reboot-soft', requestId: 'req-r', outcome: 'succeeded' });
    await smtp.waitFor(2);
    await sms.waitFor(1);
    await notifier!.stop();
    // A new event, then a stop before its group is due: it is in the outbox, not yet sent.
    start(c);
    journal.note(null, 'guard.tripped', { reason: 'restart test' });
    await until('queued', () => notifier!.outbox.list().some((r) => r.status === 'pending'));
    expect(await metric('vmha_notifications_pending', { channel: 'mail' })).to.equal(2);
    await notifier!.stop();
    journal.close();
    journal = new Journal(path.join(t.dir, 'journal.sqlite'), systemClock);
    start(c);
    await smtp.waitFor(4);
    await sleep(800);
    const subjects = smtp.mails.map((m) => m.subject);
    expect(subjects).to.have.length(4);
    expect(subjects.filter((x) => x === '[vmha] compute-1: 1 instance rebooted (soft)')).to.have.length(2);
    expect(subjects.filter((x) => x === '[vmha] CRITICAL: mass-failure guard tripped: restart test; automatic recovery is paused')).to.have.length(2);
    expect(sms.requests).to.have.length(2);
    expect(chat.requests).to.have.length(2);
    expect(new Set(smtp.mails.map((m) => m.headers['message-id'])).size).to.equal(4);
    // The cursor is at the journal's end: nothing will be read twice.
    expect(notifier!.outbox.cursor(0)).to.equal(journal.lastSeq());
  });
});
