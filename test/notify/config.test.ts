import fs from 'node:fs';
import { expect } from 'chai';
import YAML from 'yaml';
import { ConfigError } from '../../src/config/errors.ts';
import { maskSecrets, parseConfig } from '../../src/config/load.ts';
import { resolveSms } from '../../src/notify/sms.ts';
import { runVmha } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { notifyInput, SMS_TOKEN, SMTP_PASS } from './fixtures.ts';

const BASE = {
  openstack: { cloud: 'mycloud' },
  webhook: { listen: '127.0.0.1:0', public_url: 'http://127.0.0.1:8780', secret: 'webhook-secret-123' },
};

const valid = (): Record<string, unknown> => notifyInput({ smtpPort: 2525, smsUrl: 'http://127.0.0.1:9', webhookUrl: 'http://127.0.0.1:9' });

function parse(notify: unknown): ReturnType<typeof parseConfig> {
  return parseConfig(YAML.stringify({ ...BASE, notify }), 'vmha.yaml');
}

function problem(notify: unknown): ConfigError {
  try {
    parse(notify);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected the configuration to be rejected');
}

/** `valid()` with one change applied. */
function changed(edit: (n: any) => void): Record<string, unknown> {
  const n = valid();
  edit(n);
  return n;
}

describe('notify: configuration', () => {
  it('is disabled when the section is absent', () => {
    const c = parseConfig(YAML.stringify(BASE), 'vmha.yaml');
    expect(c.notify.enabled).to.equal(false);
    expect(c.notify.routes).to.deep.equal([]);
  });

  it('accepts email, sms (twilio preset) and webhook channels with defaults filled in', () => {
    const c = parse(valid());
    expect(c.notify.enabled).to.equal(true);
    const mail = c.notify.channels.mail!;
    expect(mail.type).to.equal('email');
    expect(mail.rate).to.deep.equal({ per_window: 20, window_s: 60 });
    const sms = c.notify.channels.sms!;
    if (sms.type !== 'sms') throw new Error('sms expected');
    const req = resolveSms(sms);
    expect(req.format).to.equal('form');
    expect(req.body).to.deep.equal({ To: '{to}', From: '{from}', Body: '{message}' });
    const bare = resolveSms({ ...sms, url: undefined });
    expect(bare.url).to.equal('https://api.twilio.com/2010-04-01/Accounts/AC0123456789/Messages.json');
  });

  it('the documented example section, switched on, is valid and routes as its comments say', () => {
    const text = fs.readFileSync(new URL('../../vmha.example.yaml', import.meta.url), 'utf8').replace(/^  enabled: false$/m, '  enabled: true');
    const c = parseConfig(text, 'vmha.example.yaml');
    expect(c.notify.enabled).to.equal(true);
    expect(Object.keys(c.notify.channels)).to.deep.equal(['oncall-mail', 'oncall-sms', 'ops-chat']);
    expect(c.notify.routes[1]!.min_severity).to.equal('warning');
  });

  it('masks SMTP passwords, SMS tokens, webhook headers and URLs', () => {
    const masked = JSON.stringify(maskSecrets(parse(valid())));
    expect(masked).not.to.contain(SMTP_PASS);
    expect(masked).not.to.contain(SMS_TOKEN);
    expect(masked).not.to.contain('chat-token-1');
    expect(masked).not.to.contain('/hooks/ops');
    expect(masked).to.contain('"user":"vmha"');
  });

  const cases: [string, (n: any) => void, string, RegExp][] = [
    ['a route naming an unknown channel', (n) => (n.routes[0].channels = ['mail', 'pager']), 'notify.routes.0.channels.1', /unknown channel "pager" \(defined: mail, sms, chat\)/],
    ['an unknown event', (n) => (n.routes[0].events = ['action.exploded']), 'notify.routes.0.events.0', /unknown event "action\.exploded"/],
    ['an email channel and route without recipients', (n) => (n.channels.mail.to = []), 'notify.routes.0.recipients', /channel "mail" has no recipients/],
    ['a phone number given to an email channel', (n) => (n.routes = [{ channels: ['mail'], recipients: ['+33612345678'] }]), 'notify.routes.0.recipients', /not an e-mail address/],
    ['recipients on a webhook route', (n) => (n.routes = [{ channels: ['chat'], recipients: ['a@b.c'] }]), 'notify.routes.0.recipients', /webhook and takes no recipients/],
    ['a password over plain SMTP', (n) => (n.channels.mail.security = 'none'), 'notify.channels.mail.auth', /refusing to send a password without TLS/],
    ['a misspelt email setting', (n) => (n.channels.mail.pasword = 'x'), 'notify.channels.mail.pasword', /unknown setting/],
    ['an unknown channel type', (n) => (n.channels.mail.type = 'pager'), 'notify.channels.mail.type', /Invalid discriminator/],
    ['an SMTP port out of range', (n) => (n.channels.mail.port = 70000), 'notify.channels.mail.port', /65535/],
    ['the twilio preset without credentials', (n) => delete n.channels.sms.auth, 'notify.channels.sms.auth', /twilio preset needs auth/],
    ['an SMS gateway without a URL', (n) => (n.channels.sms = { type: 'sms', body: { text: '{message}' }, to: ['+33612345678'] }), 'notify.channels.sms.url', /required setting is missing/],
    ['an SMS body without {message}', (n) => (n.channels.sms.body = { To: '{to}', Body: 'hello' }), 'notify.channels.sms.body', /no field uses \{message\}/],
    ['an unknown placeholder', (n) => (n.channels.sms.body = { To: '{to}', Body: '{mesage}' }), 'notify.channels.sms.body.Body', /unknown placeholder \{mesage\}/],
    ['a bad phone number', (n) => (n.channels.sms.to = ['call me']), 'notify.channels.sms.to.0', /expected a phone number/],
    ['a webhook URL that is not http(s)', (n) => (n.channels.chat.url = 'ftp://x'), 'notify.channels.chat.url', /expected an http\(s\) URL/],
    ['an upper-case channel name', (n) => (n.channels.Mail = n.channels.mail), 'notify.channels.Mail', /lowercase/],
    ['enabled without routes', (n) => (n.routes = []), 'notify.routes', /no routes: nothing would be sent/],
  ];
  for (const [what, edit, key, message] of cases) {
    it(`rejects ${what}, naming ${key}`, () => {
      const err = problem(changed(edit));
      expect(err.message).to.contain(key);
      expect(err.message).to.match(message);
      expect(err.message).not.to.contain(SMTP_PASS);
      expect(err.message).not.to.contain(SMS_TOKEN);
    });
  }

  it('vmha serve refuses to start on an invalid channel, with the key and the reason', async () => {
    const t = tmpDir('vmha-notify-cfg-');
    try {
      const file = t.write('vmha.yaml', YAML.stringify({ ...BASE, state: { dir: t.dir }, notify: changed((n) => (n.routes[0].channels = ['pager'])) }));
      const r = await runVmha(['--config', file, 'serve']);
      expect(r.code).to.not.equal(0);
      expect(r.stderr).to.match(/vmha\.yaml: notify\.routes\.0\.channels\.0: unknown channel "pager"/);
      expect(r.stderr).not.to.match(/listening/);
    } finally {
      t.cleanup();
    }
  });
});
