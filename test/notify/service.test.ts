// Notifications from the real `vmha serve` (fake cloud): an alarm posted as Aodh posts
// it, a real recovery, and the messages it gives; broken channels that must not slow
// the recovery down; a restart that sends nothing twice.
import { expect } from 'chai';
import { aodhBody, postLikeAodh, thresholdTransition } from '../helpers/aodh-notifier.ts';
import { withService, type ServiceFixture } from '../helpers/service.ts';
import { until } from '../helpers/wait.ts';
import { closedPort, notifyInput, SMTP_PASS, SMTP_USER, startGateway, startSilentServer, startSmtpSink, type Gateway, type SmtpSink } from './fixtures.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const TERMINAL = ['succeeded', 'failed', 'ignored', 'gave_up', 'closed'];

async function alarmAndRecover(f: ServiceFixture, name: string): Promise<{ id: string; serverId: string; elapsedMs: number }> {
  const s = await f.seedServer({ name, host: 'compute-1', ha: true });
  if (!f.cloud.nova.model.hostRecord('compute-2')) f.cloud.nova.model.addHost('compute-2');
  const started = Date.now();
  const res = await postLikeAodh(s.url, aodhBody(thresholdTransition(s.alarmName, s.alarmId, 'alarm', 999)));
  expect(res.status).to.equal(202);
  const id = res.body.incident_id as string;
  const state = await until(`incident ${id} terminal`, () => {
    const st = f.service.journal.get(id)?.state;
    return st && TERMINAL.includes(st) ? st : undefined;
  }, 15_000);
  expect(state).to.equal('succeeded');
  return { id, serverId: s.serverId, elapsedMs: Date.now() - started };
}

describe('notify: through vmha serve', function () {
  this.timeout(40_000);
  let f: ServiceFixture | undefined;
  afterEach(async () => {
    await f?.stop();
    f = undefined;
  });

  describe('working channels', () => {
    let smtp: SmtpSink;
    let sms: Gateway;
    let chat: Gateway;
    before(async () => {
      [smtp, sms, chat] = await Promise.all([startSmtpSink({ auth: 'required', user: SMTP_USER, pass: SMTP_PASS }), startGateway(201), startGateway(200)]);
    });
    after(async () => {
      await Promise.all([smtp.stop(), sms.close(), chat.close()]);
    });

    it('a recovery’s outcome reaches mail, SMS and chat with the facts, and a restart sends nothing twice', async () => {
      const notify = { ...notifyInput({ smtpPort: smtp.port, smsUrl: sms.url, webhookUrl: chat.url }), routes: [{ events: ['action.succeeded', 'action.failed', 'incident.gave_up'], channels: ['mail', 'sms', 'chat'] }] };
      f = await withService({ overrides: { notify } });
      const { id, serverId } = await alarmAndRecover(f, 'pet-web');
      const requestId = f.service.journal.timeline(id).find((e) => e.type === 'action.accepted')!.data.request_id as string;
      expect(requestId).to.match(/^req-/);

      const mails = await smtp.waitFor(2);
      const mail = mails.find((m) => m.envelope.to[0] === 'oncall@example.org')!;
      expect(mail.subject).to.equal(`[vmha] live-migrate succeeded: pet-web (${serverId}) on compute-1`);
      for (const line of [`Instance:     pet-web (${serverId})`, 'Host:         compute-1', 'Action:       live-migrate', 'Outcome:      succeeded', `Incident:     ${id}`, `Nova request: ${requestId}`]) {
        expect(mail.text).to.contain(line);
      }
      const [text] = await sms.waitFor(1);
      expect(text!.fields.Body).to.equal(`[vmha] live-migrate succeeded: pet-web (${serverId}) on compute-1 (incident ${id}, Nova request ${requestId})`);
      const [post] = await chat.waitFor(1);
      expect((post!.fields.events as Record<string, unknown>[])[0]).to.include({ incident_id: id, instance_id: serverId, instance_name: 'pet-web', request_id: requestId });

      const metrics = await (await fetch(`${f.service.url}/metrics`)).text();
      expect(metrics).to.contain('vmha_notifications_sent_total{channel="mail"} 2');

      await f.restart();
      await sleep(600);
      expect(smtp.mails).to.have.length(2);
      expect(sms.requests).to.have.length(1);
      expect(chat.requests).to.have.length(1);
      // What happens after the restart is sent, once.
      await alarmAndRecover(f, 'pet-db');
      await smtp.waitFor(4);
      await sms.waitFor(2);
      await sleep(400);
      expect(smtp.mails.map((m) => m.subject.replace(/\(.*\)/, '()'))).to.have.members([
        '[vmha] live-migrate succeeded: pet-web () on compute-1',
        '[vmha] live-migrate succeeded: pet-web () on compute-1',
        '[vmha] live-migrate succeeded: pet-db () on compute-1',
        '[vmha] live-migrate succeeded: pet-db () on compute-1',
      ]);
      expect(sms.requests).to.have.length(2);
    });
  });

  describe('broken channels', () => {
    let refusing: SmtpSink;
    let silent: Awaited<ReturnType<typeof startSilentServer>>;
    let failing: Gateway;
    before(async () => {
      [refusing, silent, failing] = await Promise.all([startSmtpSink({ auth: 'refuse' }), startSilentServer(), startGateway(500)]);
    });
    after(async () => {
      await Promise.all([refusing.stop(), silent.close(), failing.close()]);
    });

    it('auth refused, a closed SMTP port, a hanging relay, a gateway answering 500: the recovery finishes on time; failures are recorded and in /metrics', async () => {
      const base = notifyInput({ smtpPort: refusing.port, smsUrl: failing.url, webhookUrl: `http://127.0.0.1:${await closedPort()}`, groupWindowS: 0, attempts: 2 }) as {
        channels: Record<string, unknown>;
        delivery: Record<string, unknown>;
      };
      const plain = { type: 'email', host: '127.0.0.1', security: 'none', from: 'vmha@example.org', to: ['oncall@example.org'] };
      const notify = {
        ...base,
        delivery: { ...base.delivery, timeout_s: 2 },
        channels: { ...base.channels, 'mail-down': { ...plain, port: await closedPort() }, 'mail-hang': { ...plain, port: silent.port } },
        routes: [
          { events: ['*'], channels: ['mail', 'mail-down', 'sms', 'chat'] },
          { events: ['incident.opened'], channels: ['mail-hang'] },
        ],
      };
      f = await withService({ overrides: { notify } });
      const { elapsedMs } = await alarmAndRecover(f, 'pet');
      const notifier = f.service.notifier!;
      const byChannel = (ch: string) => notifier.outbox.list().filter((r) => r.channel === ch);
      // The recovery finished while the first attempt on the hanging relay was still
      // waiting for a greeting: it did not wait for any notification.
      expect(elapsedMs).to.be.lessThan(2000);
      expect(silent.connections()).to.equal(1);
      expect(byChannel('mail-hang').map((r) => [r.status, r.attempts])).to.deep.equal([['pending', 0]]);

      await until(
        'every message settled',
        () => {
          const rows = notifier.outbox.list();
          return rows.length >= 5 && rows.every((r) => r.status !== 'pending');
        },
        20_000,
      );
      const metrics = await (await fetch(`${f.service.url}/metrics`)).text();
      const expectKinds: Record<string, string> = { mail: 'auth', 'mail-down': 'unreachable', 'mail-hang': 'timeout', sms: 'server', chat: 'unreachable' };
      for (const [ch, kind] of Object.entries(expectKinds)) {
        const rows = byChannel(ch);
        expect(rows.length, ch).to.be.greaterThan(0);
        expect(rows.every((r) => r.status === 'failed' && r.attempts === 2), `${ch}: ${JSON.stringify(rows)}`).to.equal(true);
        expect(rows[0]!.lastError, ch).to.match(new RegExp(`^${kind}: `));
        expect(metrics, ch).to.contain(`vmha_notifications_failed_total{channel="${ch}"} ${rows.length}`);
        expect(metrics, ch).to.contain(`vmha_notification_errors_total{channel="${ch}",kind="${kind}"} ${rows.length * 2}`);
      }
      expect(silent.connections()).to.equal(byChannel('mail-hang').length * 2);
      expect(failing.requests).to.have.length(byChannel('sms').length * 2);

      // Recorded failures stay recorded: a restart does not try them again.
      const before = { auths: refusing.auths.length, sms: failing.requests.length, hang: silent.connections() };
      await f.restart();
      await sleep(500);
      expect({ auths: refusing.auths.length, sms: failing.requests.length, hang: silent.connections() }).to.deep.equal(before);
    });
  });
});
