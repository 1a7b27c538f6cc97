import { expect } from 'chai';
import { alarmActionUrl } from '../../src/domain/webhook-url.ts';
import { aodhBody, postLikeAodh, thresholdTransition } from '../helpers/aodh-notifier.ts';
import { SECRET, withService, type ServiceFixture } from '../helpers/service.ts';

describe('vmha serve: bad input gets a clear 4xx and nothing is journaled', function () {
  this.timeout(30_000);
  let f: ServiceFixture;
  let s: { serverId: string; alarmId: string; alarmName: string; url: string };
  let good: string;

  before(async () => {
    f = await withService();
    s = await f.seedServer({ name: 'pet', host: 'compute-1', ha: true });
    f.cloud.nova.model.addHost('compute-2');
    good = aodhBody(thresholdTransition(s.alarmName, s.alarmId, 'alarm', 999));
  });
  after(() => f.stop());

  const nothingStored = (): void => {
    expect(f.service.journal.list()).to.deep.equal([]);
    expect(f.cloud.nova.model.actions).to.deep.equal([]);
  };

  const cases: [string, () => Promise<{ status: number; body: Record<string, unknown> }>, number, RegExp][] = [
    ['malformed JSON', () => postLikeAodh(s.url, '{"alarm_name": "x", '), 400, /not valid JSON/],
    ['a JSON array', () => postLikeAodh(s.url, '[1, 2]'), 400, /body must be a JSON object/],
    ['a wrong type', () => postLikeAodh(s.url, good.replace(`"reason_data": {`, `"reason_data": 7, "x": {`)), 400, /reason_data: /],
    ['a missing field', () => postLikeAodh(s.url, good.replace(/"alarm_id": "[^"]+", /, '')), 400, /alarm_id: required field is missing/],
    ['an unknown state', () => postLikeAodh(s.url, good.replace('"current": "alarm"', '"current": "burning"')), 400, /current: /],
    ['an oversized body', () => postLikeAodh(s.url, good.replace('"reason": "', `"reason": "${'x'.repeat(70_000)}`)), 413, /exceeds 65536 bytes/],
    ['a wrong content type', () => postLikeAodh(s.url, good, { contentType: 'text/plain' }), 415, /expected content-type application\/json, got text\/plain/],
    ['no content type', () => postLikeAodh(s.url, good, { contentType: null }), 415, /got none/],
    [
      'an unknown alarm id',
      () => {
        const name = 'vmha:ping-delay:nothing';
        const url = alarmActionUrl(f.service.url, SECRET, name);
        return postLikeAodh(url, aodhBody(thresholdTransition(name, '0b5b9a57-2f0e-4d0a-8a39-9d43f8a9c0a1', 'alarm', 999)));
      },
      404,
      /alarm 0b5b9a57-2f0e-4d0a-8a39-9d43f8a9c0a1 does not exist in Aodh/,
    ],
    ['a missing secret', () => postLikeAodh(`${f.service.url}/v1/aodh`, good), 401, /missing credentials/],
    ['a wrong secret', () => postLikeAodh(alarmActionUrl(f.service.url, 'not-the-secret', s.alarmName), good), 401, /invalid webhook token/],
    [
      "another alarm's token",
      () => postLikeAodh(alarmActionUrl(f.service.url, SECRET, 'vmha:ping-delay:other'), good.replace(s.alarmName, 'vmha:ping-delay:other')),
      401,
      /alarm name does not match/,
    ],
    ['an invalid Keystone token', () => postLikeAodh(`${f.service.url}/v1/aodh`, good, { authToken: 'gAAAAAbogus' }), 401, /Keystone token is not valid/],
  ];

  for (const [what, send, status, message] of cases) {
    it(`${what}: ${status}`, async () => {
      const res = await send();
      expect(res.status, JSON.stringify(res.body)).to.equal(status);
      expect((res.body.error as { message: string }).message).to.match(message);
      nothingStored();
      // Still serving.
      const health = await fetch(`${f.service.url}/healthz`);
      expect(health.status).to.equal(200);
    });
  }

  it('never logs the webhook secret or the URL token', () => {
    const text = JSON.stringify(f.memory.entries);
    expect(text).not.to.contain(SECRET);
    expect(text).not.to.contain(s.url.split('/').pop()!);
  });

  it('a token without a required role is refused (403)', async () => {
    const demo = f.clientsFor({ auth: { type: 'password', username: 'demo', password: 'demo-secret', userDomainName: 'Default', projectName: 'demo', projectDomainName: 'Default' } });
    const token = (await demo.session.getToken()).id;
    const res = await postLikeAodh(`${f.service.url}/v1/aodh`, good, { authToken: token });
    expect(res.status).to.equal(403);
    nothingStored();
  });

  it('a valid Keystone token (trust+http) is accepted', async () => {
    const token = (await f.clients.session.getToken()).id;
    const res = await postLikeAodh(`${f.service.url}/v1/aodh`, good, { authToken: token });
    expect(res.status).to.equal(202);
    expect(res.body.incident_id).to.be.a('string');
  });
});
