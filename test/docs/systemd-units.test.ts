// The systemd units the README deploys with: they parse (systemd-analyze verify, where
// the machine has it), ExecStart is a vmha command whose options exist, and they read
// the configuration from where vmha looks for it.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { DEFAULT_CONFIG_PATH } from '../../src/config/load.ts';
import { runVmha, VMHA_BIN } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const root = (p: string): string => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const UNITS = [
  { file: 'docs/deploy/vmha-serve.service', command: 'serve' },
  { file: 'agents/vmha-probe.service', command: 'probe' },
];
const INSTALLED_BIN = '/usr/bin/vmha';

type Unit = Record<string, Record<string, string[]>>;

/** Sections and their keys (a key may repeat); comments and blank lines skipped. */
function parseUnit(text: string): Unit {
  const unit: Unit = {};
  let section: Record<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[(\w+)\]$/.exec(line);
    if (head) {
      section = unit[head[1]!] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (!section || eq < 1) throw new Error(`not a unit file line: ${raw}`);
    (section[line.slice(0, eq)] ??= []).push(line.slice(eq + 1));
  }
  return unit;
}

async function which(cmd: string): Promise<string | undefined> {
  try {
    return (await promisify(execFile)('sh', ['-c', `command -v ${cmd}`])).stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

describe('systemd units of vmha serve and vmha probe', function () {
  this.timeout(60_000);
  const readme = fs.readFileSync(root('README.md'), 'utf8');

  for (const { file, command } of UNITS) {
    describe(file, () => {
      const text = fs.readFileSync(root(file), 'utf8');
      const unit = parseUnit(text);
      const service = unit.Service ?? {};

      it(`runs ${INSTALLED_BIN} ${command} with the default configuration path, restarts, and is hardened`, () => {
        expect(Object.keys(unit)).to.deep.equal(['Unit', 'Service', 'Install']);
        expect(service.ExecStart).to.deep.equal([`${INSTALLED_BIN} ${command}`]);
        expect(service.Environment).to.deep.equal([`VMHA_CONFIG=${DEFAULT_CONFIG_PATH}`]);
        expect(service).to.deep.include({ Type: ['simple'], Restart: ['always'], KillSignal: ['SIGTERM'], NoNewPrivileges: ['yes'], ProtectHome: ['yes'], PrivateTmp: ['yes'] });
        expect(service.User, 'User=').to.have.length(1);
        expect(unit.Install).to.deep.equal({ WantedBy: ['multi-user.target'] });
      });

      it('its install line names this file, and the README links it', () => {
        const name = path.basename(file);
        expect(text).to.contain(`# Install: cp ${file} /etc/systemd/system/ && systemctl enable --now ${name.replace(/\.service$/, '')}`);
        expect(readme).to.contain(`(${file})`);
      });

      it('ExecStart is a vmha command whose options all exist', async () => {
        const [, ...args] = service.ExecStart![0]!.split(/\s+/);
        const r = await runVmha([...args, '--help']);
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stdout).to.match(new RegExp(`^Usage: vmha ${args[0]} `));
        for (const opt of args.filter((a) => a.startsWith('-'))) expect(r.stdout).to.contain(opt);
      });

      it('systemd-analyze verify finds nothing wrong (ExecStart pointed at this checkout)', async () => {
        const analyze = await which('systemd-analyze');
        // scripts/prereqs.sh installs it (Debian package systemd) before the suite runs.
        if (!analyze) expect.fail('systemd-analyze is missing: install the Debian package systemd (scripts/prereqs.sh does, as root)');
        const t = tmpDir('vmha-unit-');
        try {
          // The installed path does not exist here: verify a copy whose ExecStart is a
          // link named vmha to this checkout's bin/vmha.js.
          const bin = path.join(t.dir, 'vmha');
          fs.symlinkSync(VMHA_BIN, bin);
          const copy = t.write(path.basename(file), text.replaceAll(INSTALLED_BIN, bin));
          let out: string;
          try {
            const r = await promisify(execFile)(analyze!, ['verify', '--man=no', copy]);
            out = r.stdout + r.stderr;
          } catch (err) {
            const e = err as { stdout?: string; stderr?: string };
            out = `${e.stdout ?? ''}${e.stderr ?? ''}`;
            expect.fail(`systemd-analyze verify ${file} failed:\n${out}`);
          }
          // It also reports problems of unrelated units installed on this machine.
          const ours = out.split('\n').filter((l) => l.includes(copy) || l.startsWith(`${path.basename(file)}:`));
          expect(ours).to.deep.equal([]);
        } finally {
          t.cleanup();
        }
      });
    });
  }
});
