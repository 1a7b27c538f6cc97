import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { CommandFence, renderFenceArgv } from '../../src/safety/fence.ts';
import { fenceScripts, type FenceScripts } from './fixture.ts';

describe('fence hook: a command template run without a shell', function () {
  this.timeout(20_000);
  let s: FenceScripts;
  beforeEach(() => {
    s = fenceScripts();
  });
  afterEach(() => s.cleanup());

  it('success: exit 0; placeholders filled inside argv elements; the call is recorded', async () => {
    const fence = new CommandFence({ command: [s.ok, s.log, '{host}', 'wf={workflow}'], timeout_s: 5, host_vars: {} });
    const r = await fence.fence('compute-1', { workflowId: 'w-1' });
    expect(r).to.include({ ok: true, exitCode: 0, timedOut: false, signal: null });
    expect(r.argv).to.deep.equal([s.ok, s.log, 'compute-1', 'wf=w-1']);
    expect(r.stdoutTail).to.equal('Chassis Power Control: Down/Off');
    expect(s.calls()).to.deep.equal(['compute-1 wf=w-1']);
  });

  it('host_vars give per-host values (e.g. the BMC address)', async () => {
    const fence = new CommandFence({ command: [s.ok, s.log, '{bmc}', '{host}'], timeout_s: 5, host_vars: { 'compute-1': { bmc: '10.0.0.11' } } });
    expect((await fence.fence('compute-1', { workflowId: 'w' })).ok).to.equal(true);
    expect(s.calls()).to.deep.equal(['10.0.0.11 compute-1']);
    const missing = await fence.fence('compute-2', { workflowId: 'w' });
    expect(missing.ok).to.equal(false);
    expect(missing.detail).to.equal('fence command uses {bmc}, but no value is set for it (host_vars of this host)');
    expect(s.calls()).to.have.length(1);
  });

  it('failure: a non-zero exit fails, with the exit code and the tail of stderr', async () => {
    const r = await new CommandFence({ command: [s.fail, s.log, '{host}', '{workflow}'], timeout_s: 5, host_vars: {} }).fence('compute-1', { workflowId: 'w' });
    expect(r).to.include({ ok: false, exitCode: 1, timedOut: false, detail: 'fence command failed (exit 1)' });
    expect(r.stderrTail).to.equal('Error: Unable to establish IPMI v2 / RMCP+ session');
  });

  it('a hanging command is killed at the timeout, with what it started, and fails', async () => {
    const started = Date.now();
    const r = await new CommandFence({ command: [s.hang, s.log, '{host}', '{workflow}'], timeout_s: 0.5, host_vars: {} }).fence('compute-1', { workflowId: 'w' });
    const took = Date.now() - started;
    expect(r).to.include({ ok: false, timedOut: true });
    expect(r.detail).to.equal('fence command timed out after 0.5 s and was killed');
    expect(took).to.be.within(400, 1900);
  });

  it('exit 0 is not enough when expect_stdout does not match', async () => {
    const r = await new CommandFence({ command: [s.ok, s.log, '{host}', '{workflow}'], timeout_s: 5, expect_stdout: 'Power is off', host_vars: {} }).fence('compute-1', { workflowId: 'w' });
    expect(r).to.include({ ok: false, exitCode: 0 });
    expect(r.detail).to.match(/does not match \/Power is off\//);
  });

  it('a command that does not exist fails clearly', async () => {
    const r = await new CommandFence({ command: [path.join(s.dir, 'no-such-fence')], timeout_s: 5, host_vars: {} }).fence('compute-1', { workflowId: 'w' });
    expect(r.ok).to.equal(false);
    expect(r.detail).to.match(/^fence command could not run: ENOENT/);
  });

  it('untrusted values never reach a shell, and odd host names are refused', async () => {
    const marker = path.join(s.dir, 'pwned');
    const fence = new CommandFence({ command: [s.ok, s.log, '{host}', '{workflow}'], timeout_s: 5, host_vars: {} });
    // A workflow id full of shell syntax is one argv element, printed verbatim.
    const r = await fence.fence('compute-1', { workflowId: `$(touch ${marker}); touch ${marker}` });
    expect(r.ok).to.equal(true);
    expect(fs.existsSync(marker)).to.equal(false);
    for (const host of ['-oProxyCommand=x', 'compute 1', 'a;b', '']) {
      const bad = await fence.fence(host, { workflowId: 'w' });
      expect(bad.ok, host).to.equal(false);
      expect(bad.detail).to.match(/^refusing to fence: host name/);
    }
    expect(s.calls()).to.have.length(1);
  });

  it('renderFenceArgv substitutes within elements and refuses unknown names', () => {
    expect(renderFenceArgv(['ipmitool', '-H', '{host}-ipmi', 'chassis', 'power', 'off'], { host: 'c1' })).to.deep.equal(['ipmitool', '-H', 'c1-ipmi', 'chassis', 'power', 'off']);
    expect(() => renderFenceArgv(['{nope}'], { host: 'c1' })).to.throw(/uses \{nope\}/);
  });
});
