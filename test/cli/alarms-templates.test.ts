import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { bundledTemplatesDir } from '../../src/alarms/template.ts';
import { alarmsFixture, type AlarmsFixture } from '../helpers/alarms.ts';
import { runVmha } from '../helpers/cli.ts';

const PING = fs.readFileSync(path.join(bundledTemplatesDir(), 'ping-delay.yaml'), 'utf8');

describe('vmha alarms with a bad template or setting: one clear error, exit 2, nothing written', function () {
  this.timeout(60_000);
  let f: AlarmsFixture;
  before(async () => {
    f = await alarmsFixture({ ha: 3, nonHa: 1 });
  });
  after(() => f.close());

  const cases: [string, string, RegExp][] = [
    ['a wrong field', PING.replace('comparison_operator: gt', 'comparison_op: gt'), /ping-delay\.yaml: alarm\.gnocchi_resources_threshold_rule\.comparison_op: unknown field/],
    ['a wrong type', PING.replace('aggregation_method: mean', 'aggregation_method: [mean]'), /ping-delay\.yaml: alarm\.gnocchi_resources_threshold_rule\.aggregation_method: expected string, got a list/],
    ['an unknown variable', PING.replace('threshold: ${threshold}', 'threshold: ${limit}'), /ping-delay\.yaml: alarm\.gnocchi_resources_threshold_rule\.threshold: unknown variable \$\{limit\}/],
    ['invalid YAML', PING.replace('alarm:\n', 'alarm: [\n'), /ping-delay\.yaml: malformed YAML/],
  ];
  for (const [what, text, pattern] of cases) {
    it(what, async () => {
      const dir = path.join(f.dir.dir, `templates-${what.replace(/\W+/g, '-')}`);
      for (const name of ['disk-health', 'agent-down']) f.dir.write(path.join(path.basename(dir), `${name}.yaml`), fs.readFileSync(path.join(bundledTemplatesDir(), `${name}.yaml`), 'utf8'));
      f.dir.write(path.join(path.basename(dir), 'ping-delay.yaml'), text);
      f.configure({ templates_dir: path.basename(dir) });
      for (const args of [['alarms', 'install', '--all'], ['alarms', 'render', '--template', 'ping-delay', '--instance', 'x'], ['alarms', 'lint']]) {
        const r = await f.vmha(args);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(2);
        expect(r.stdout).to.equal('');
        const lines = r.stderr.trimEnd().split('\n');
        expect(lines, r.stderr).to.have.length(1);
        expect(lines[0]).to.match(/^vmha: \//);
        expect(lines[0]).to.match(pattern);
      }
      expect(f.cloud.aodh.list()).to.have.length(0);
    });
  }

  it('an override of an undeclared variable or of the wrong type names the vmha.yaml key', async () => {
    f.configure({ vars: { 'ping-delay': { treshold: 800 } } });
    let r = await f.vmha(['alarms', 'install', '--all']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/vmha\.yaml: alarms\.vars\.ping-delay\.treshold: template ping-delay has no variable treshold \(declared: threshold, granularity, periods, severity\)\n$/);
    f.configure({ vars: { 'ping-delay': { severity: 'urgent' } } });
    r = await f.vmha(['alarms', 'install', '--all']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/ping-delay\.yaml: alarm\.severity: Value should be one of: low, moderate, critical\n$/);
    f.configure({ vars: { 'ping-dleay': { threshold: 1 } } });
    r = await f.vmha(['alarms', 'install', '--all']);
    expect(r.stderr).to.match(/alarms\.vars\.ping-dleay: no template ping-dleay/);
    f.configure({ templates: ['ping-delay', 'nope'] });
    r = await f.vmha(['alarms', 'install', '--all']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/nope\.yaml: no such template \(available: agent-down, disk-health, guest-unresponsive, ping-delay\)/);
    expect(f.cloud.aodh.list()).to.have.length(0);
  });
});

describe('vmha alarms (the real executable)', function () {
  this.timeout(30_000);
  let f: AlarmsFixture;
  before(async () => {
    f = await alarmsFixture({ ha: 0, nonHa: 0 });
  });
  after(() => f.close());

  it('--help on every command, exit 0', async () => {
    // In-process (same code path as the executable), to keep the suite fast.
    for (const args of [['alarms'], ['alarms', 'render'], ['alarms', 'install'], ['alarms', 'list'], ['alarms', 'diff'], ['alarms', 'remove'], ['alarms', 'lint'], ['archive-policy', 'ensure']]) {
      const r = await f.vmha([...args, '--help']);
      expect(r.code, args.join(' ')).to.equal(0);
      expect(r.stdout).to.match(/^Usage: vmha /);
    }
    const install = await runVmha(['alarms', 'install', '--help']);
    expect(install.code).to.equal(0);
    expect(install.stdout).to.contain('--dry-run').and.contain('--all').and.contain('Exit codes: 0 done; 1 some alarms');
  });

  it('render prints the Aodh body offline; --set overrides a variable with its type', async () => {
    const r = await runVmha(['--config', `${f.dir.dir}/vmha.yaml`, 'alarms', 'render', '--template', 'ping-delay', '--instance', 'abc', '--set', 'threshold=750']);
    expect(r.code, r.stderr).to.equal(0);
    const body = JSON.parse(r.stdout);
    expect(body.name).to.equal('vmha:ping-delay:abc');
    expect(body.gnocchi_resources_threshold_rule.threshold).to.equal(750);
    const bad = await runVmha(['--config', `${f.dir.dir}/vmha.yaml`, 'alarms', 'render', '--template', 'ping-delay', '--instance', 'abc', '--set', 'periods=many']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/^vmha: --set: periods: expected an integer, got many\n$/);
  });
});
