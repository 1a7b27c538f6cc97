// Broken channels: an SMTP server refusing authentication (its own process), an SMTP
// port nobody listens on, an SMS gateway answering 500. The notifier retries with
// backoff, then records the failure and counts it; the other channels carry on.
import path from 'node:path';
import { expect } from 'chai';
import client from 'prom-client';
import type { NotifyConfig } from '../../src/config/notify-schema.ts';
import { systemClock } from '../../src/domain/clock.ts';
import { Journal } from '../../src/journal/journal.ts';
import { memoryLogger, type MemoryTransport } from '../../src/log.ts';
import { Notifier } from '../../src/notify/notifier.ts';
import type { OutboxRow } from '../../src/notify/outbox.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { until } from '../helpers/wait.ts';
import { closedPort, notifyConfig, SMTP_PASS, SMTP_USER, startGateway, startSmtpSink, type Gateway, type SmtpSink } from './fixtures.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('notify: broken channels are retried, then recorded as failed', function () {
  this.timeout(30_000);
  let refusing: SmtpSink;
  let working: SmtpSink;
  let sms: Gateway;
  let chat: Gateway;
  let t: ReturnType<typeof tmpDir>;
  let journal: Journal;
  let notifier: Notifier | undefined;
  let registry: client.Registry;
  let memory: MemoryTransport;

  before(async () => {
    [refusing, working, sms, chat] = await Promise.all([
      startSmtpSink({ auth: 'refuse' }),
      startSmtpSink({ auth: 'required', user: SMTP_USER, pass: SMTP_PASS }),
      startGateway(201),
      startGateway(200),
    ]);
  });
  after(async () => {
    await Promise.all([refusing.stop(), working.stop(), sms.close(), chat.close()]);
  });
  beforeEach(() => {
    for (const s of [refusing, working]) {
      s.mails.length = 0;
      s.auths.length = 0;
    }
    for (const g of [sms, chat]) {
      g.requests.length = 0;
      g.status = g === sms ? 201 : 200;
      g.script = [];
    }
    t = tmpDir('vmha-notify-fail-');
    journal = new Journal(path.join(t.dir, 'journal.sqlite'), systemClock);
  });
  afterEach(async () => {
    await notifier?.stop();
    notifier = undefined;
    journal.close();
    t.cleanup();
  });

  function start(c: NotifyConfig): Notifier {
    registry = new client.Registry();
    const log = memoryLogger();
    memory = log.memory;
    notifier = new Notifier({ journal, config: c, clock: systemClock, logger: log.logger, registry });
    notifier.start();
    return notifier;
  }

  const rows = (channel: string): OutboxRow[] => notifier!.outbox.list().filter((r) => r.channel === channel);
  const settled = (channel: string, n: number): Promise<OutboxRow[]> =>
    until(`${n} ${channel} messages settled`, () => {
      const r = rows(channel).filter((x) => x.status !== 'pending');
      return r.length >= n ? r : undefined;
    }) as Promise<OutboxRow[]>;

  async function metric(name: string, labels: Record<string, string>): Promise<number> {
    const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
    const v = (m?.values as { labels: Record<string, string>; value: number }[] | undefined)?.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
    return v?.value ?? 0;
  }

  it('SMTP refusing authentication: every attempt logs in, all fail, then the failure is recorded and counted', async () => {
    start(notifyConfig({ smtpPort: refusing.port, smsUrl: sms.url, webhookUrl: chat.url, groupWindowS: 0, attempts: 3 }));
    journal.note(null, 'guard.tripped', { reason: 'auth test' });
    const failed = await settled('mail', 2);
    expect(failed.map((r) => [r.status, r.attempts])).to.deep.equal([
      ['failed', 3],
      ['failed', 3],
    ]);
    for (const r of failed) expect(r.lastError).to.match(/^auth: EAUTH 535/);
    expect(refusing.auths).to.have.length(6);
    expect(refusing.auths.every((a) => a.secure && !a.ok)).to.equal(true);
    expect(refusing.mails).to.have.length(0);
    // The broken e-mail channel held nothing else back.
    expect(sms.requests).to.have.length(1);
    expect(chat.requests).to.have.length(1);
    expect(await metric('vmha_notifications_failed_total', { channel: 'mail' })).to.equal(2);
    expect(await metric('vmha_notification_errors_total', { channel: 'mail', kind: 'auth' })).to.equal(6);
    expect(await metric('vmha_notifications_sent_total', { channel: 'sms' })).to.equal(1);
    const logged = memory.entries.filter((e) => e.level === 'error' && /notification failed for good/.test(String(e.message)));
    expect(logged).to.have.length(2);
    expect(logged[0]).to.include({ channel: 'mail', attempt: 3 });
    expect(String(logged[0]!.message)).to.contain('notify.channels.mail');
    expect(JSON.stringify(memory.entries)).not.to.contain(SMTP_PASS);
  });

  it('an SMTP port nobody listens on: unreachable, retried, recorded', async () => {
    start(notifyConfig({ smtpPort: await closedPort(), smsUrl: sms.url, webhookUrl: chat.url, groupWindowS: 0, attempts: 3 }));
    journal.note(null, 'guard.tripped', { reason: 'port test' });
    const failed = await settled('mail', 2);
    for (const r of failed) {
      expect(r.status).to.equal('failed');
      expect(r.attempts).to.equal(3);
      expect(r.lastError).to.match(/^unreachable: E[A-Z]+: connect ECONNREFUSED 127\.0\.0\.1:\d+/);
    }
    expect(await metric('vmha_notification_errors_total', { channel: 'mail', kind: 'unreachable' })).to.equal(6);
    expect(await metric('vmha_notifications_failed_total', { channel: 'mail' })).to.equal(2);
    expect(chat.requests).to.have.length(1);
  });

  it('an SMS gateway answering 500: retried with backoff up to the cap, then recorded', async () => {
    sms.status = 500;
    start(notifyConfig({ smtpPort: working.port, smsUrl: sms.url, webhookUrl: chat.url, groupWindowS: 0, attempts: 4 }));
    journal.note(null, 'guard.tripped', { reason: 'gateway test' });
    const [row] = await settled('sms', 1);
    expect(row).to.include({ status: 'failed', attempts: 4 });
    expect(row!.lastError).to.equal('server: HTTP 500: {"message":"gateway broken"}');
    expect(sms.requests).to.have.length(4);
    // Every attempt carries the same idempotency key, so a gateway that did take one can drop the rest.
    expect(new Set(sms.requests.map((r) => r.headers['i-twilio-idempotency-token'])).size).to.equal(1);
    expect(await metric('vmha_notification_errors_total', { channel: 'sms', kind: 'server' })).to.equal(4);
    expect(await metric('vmha_notifications_failed_total', { channel: 'sms' })).to.equal(1);
    expect(await working.waitFor(2)).to.have.length(2);
  });

  it('a gateway that recovers: delivered on the third attempt, once', async () => {
    sms.script = [500, 503];
    start(notifyConfig({ smtpPort: working.port, smsUrl: sms.url, webhookUrl: chat.url, groupWindowS: 0, attempts: 4 }));
    journal.note(null, 'guard.tripped', { reason: 'flaky gateway' });
    const [row] = await settled('sms', 1);
    expect(row).to.include({ status: 'sent', attempts: 3, lastError: null });
    expect(sms.requests).to.have.length(3);
    expect(await metric('vmha_notifications_sent_total', { channel: 'sms' })).to.equal(1);
    expect(await metric('vmha_notifications_failed_total', { channel: 'sms' })).to.equal(0);
  });

  it('a message the gateway refuses for good (400) is not retried', async () => {
    sms.status = 400;
    start(notifyConfig({ smtpPort: working.port, smsUrl: sms.url, webhookUrl: chat.url, groupWindowS: 0, attempts: 4 }));
    journal.note(null, 'guard.tripped', { reason: 'bad number' });
    const [row] = await settled('sms', 1);
    expect(row).to.include({ status: 'failed', attempts: 1 });
    expect(row!.lastError).to.match(/^rejected: HTTP 400/);
    expect(sms.requests).to.have.length(1);
  });

  it('after a restart, neither delivered nor failed messages are sent again', async () => {
    sms.status = 500;
    const c = notifyConfig({ smtpPort: working.port, smsUrl: sms.url, webhookUrl: chat.url, groupWindowS: 0, attempts: 2 });
    start(c);
    journal.note(null, 'guard.tripped', { reason: 'before restart' });
    await settled('sms', 1);
    await settled('mail', 2);
    await notifier!.stop();
    journal.close();
    sms.status = 201;
    journal = new Journal(path.join(t.dir, 'journal.sqlite'), systemClock);
    start(c);
    await sleep(500);
    expect(working.mails).to.have.length(2);
    expect(sms.requests).to.have.length(2);
    expect(chat.requests).to.have.length(1);
    expect(rows('sms')[0]).to.include({ status: 'failed', attempts: 2 });
  });
});
