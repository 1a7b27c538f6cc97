import { expect } from 'chai';
import { alarmsFixture, type AlarmsFixture } from '../helpers/alarms.ts';

const POST_ALARMS = /^\/v2\/alarms$/;

describe('vmha alarms install when Aodh refuses or fails part of the run', function () {
  this.timeout(60_000);
  let f: AlarmsFixture;
  beforeEach(async () => {
    f = await alarmsFixture({ ha: 20, nonHa: 2 });
  });
  afterEach(() => f.close());

  const ownedCount = async () => (await f.clients.aodh.list({ all_projects: true })).filter((a) => a.name.startsWith('vmha:')).length;

  for (const status of [400, 503]) {
    it(`a ${status} on one alarm mid-run: reported with Aodh's message, the rest done, exit 1; a re-run completes`, async () => {
      // The first 25 POSTs pass, the 26th gets the fault.
      f.cloud.faults.add({ service: 'alarming', method: 'POST', path: POST_ALARMS, times: 25 });
      f.cloud.faults.add({ service: 'alarming', method: 'POST', path: POST_ALARMS, status, times: 1 });
      const r = await f.vmha(['alarms', 'install', '--all']);
      expect(r.code).to.equal(1);
      expect(r.stdout).to.contain('59 created, 0 updated, 0 unchanged, 0 removed, 1 failed');
      const failed = r.stdout.split('\n').filter((l) => l.startsWith('FAILED'));
      expect(failed).to.have.length(1);
      expect(failed[0]).to.match(new RegExp(`^FAILED   vmha:[a-z-]+:(\\S+)  instance \\1: create refused by Aodh ${status}: Injected fault ${status}`));
      expect(r.stderr).to.match(/^vmha: 1 alarm failed \(see above\); fix the cause and re-run: install is idempotent\n$/);
      expect(await ownedCount()).to.equal(59);

      const again = await f.vmha(['alarms', 'install', '--all']);
      expect(again.code, again.stderr).to.equal(0);
      expect(again.stdout).to.contain('1 created, 0 updated, 59 unchanged, 0 removed, 0 failed');
      expect(await ownedCount()).to.equal(60);
    });
  }

  it('--json reports the failed alarm with status, message and request id', async () => {
    f.cloud.faults.add({ service: 'alarming', method: 'POST', path: POST_ALARMS, times: 3 });
    f.cloud.faults.add({ service: 'alarming', method: 'POST', path: POST_ALARMS, status: 400, times: 1 });
    const r = await f.vmha(['alarms', 'install', '--all', '--json']);
    expect(r.code).to.equal(1);
    const out = JSON.parse(r.stdout);
    const bad = out.results.filter((x: { ok: boolean }) => !x.ok);
    expect(bad).to.have.length(1);
    expect(bad[0].error).to.include({ status: 400, message: 'Injected fault 400' });
    // Injected faults answer before the fake's request-id middleware, so there is none here.
    expect(bad[0].error).to.have.property('request_id');
    expect(f.ha).to.include(bad[0].instance_id);
  });

  it('an update refused by Aodh leaves the old alarm, reports it, and is retried by the next run', async () => {
    expect((await f.vmha(['alarms', 'install', '--all'])).code).to.equal(0);
    f.configure({ vars: { 'agent-down': { periods: 6 } } });
    f.cloud.faults.add({ service: 'alarming', method: 'PUT', path: /^\/v2\/alarms\/[^/]+$/, status: 503, times: 2 });
    const r = await f.vmha(['alarms', 'install', '--all']);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.contain('18 updated, 40 unchanged, 0 removed, 2 failed');
    expect(r.stdout).to.match(/FAILED   vmha:agent-down:\S+  instance \S+: update refused by Aodh 503: Injected fault 503/);
    const again = await f.vmha(['alarms', 'install', '--all']);
    expect(again.code).to.equal(0);
    expect(again.stdout).to.contain('0 created, 2 updated, 58 unchanged');
  });

  it('Aodh unreachable for the listing: one error line, exit 3, nothing written', async () => {
    f.cloud.faults.add({ service: 'alarming', method: 'GET', path: POST_ALARMS, status: 503 });
    const r = await f.vmha(['alarms', 'install', '--all']);
    expect(r.code).to.equal(3);
    expect(r.stderr.trimEnd().split('\n')).to.have.length(1);
    expect(r.stderr).to.match(/^vmha: aodh GET .*503: Injected fault 503/);
    expect(f.cloud.aodh.list()).to.have.length(0);
  });
});
