// A fake cloud with HA and non-HA instances, a clouds.yaml and a vmha.yaml pointing at
// it, and a way to run `vmha` in-process (run()) against them, as the shell would.
import YAML from 'yaml';
import { run } from '../../src/cli/main.ts';
import { cloudsEntry, vmhaAuth, withFakeCloud, type CloudFixture } from './cloud.ts';
import { tmpDir } from './tmp.ts';

export interface AlarmsFixture extends CloudFixture {
  ha: string[];
  nonHa: string[];
  dir: ReturnType<typeof tmpDir>;
  /** Writes vmha.yaml with this `alarms:` section (YAML text, indented by the caller or an object). */
  configure(alarms?: Record<string, unknown>): string;
  vmha(args: string[], opts?: { tty?: boolean }): Promise<{ code: number; stdout: string; stderr: string }>;
}

export const PUBLIC_URL = 'http://127.0.0.1:8780';
export const SECRET = 'very-secret-webhook-key';

/**
 * `ha` HA-enabled instances (metadata HA_Enabled=True, some spelt "true") and `nonHa`
 * others, over two projects. Unless `archivePolicy` is false, `vmha archive-policy
 * ensure` has run, as an operator does before installing alarms.
 */
export async function alarmsFixture(opts: { ha: number; nonHa: number; archivePolicy?: boolean }): Promise<AlarmsFixture> {
  const f = await withFakeCloud();
  f.cloud.nova.model.addHost('compute-1');
  f.cloud.nova.model.addHost('compute-2');
  const ha: string[] = [];
  const nonHa: string[] = [];
  for (let i = 0; i < opts.ha; i++) {
    const metadata = { HA_Enabled: i % 5 === 0 ? 'true' : 'True' };
    const s = f.cloud.nova.model.addServer({ name: `pet-${i}`, host: `compute-${(i % 2) + 1}`, metadata, projectId: i % 2 ? 'project-b' : 'project-a', userId: 'u' });
    ha.push(s.id);
  }
  for (let i = 0; i < opts.nonHa; i++) {
    const metadata: Record<string, string> = i % 2 ? { HA_Enabled: 'False' } : {};
    nonHa.push(f.cloud.nova.model.addServer({ name: `cattle-${i}`, host: 'compute-1', metadata, projectId: 'project-a', userId: 'u' }).id);
  }
  const dir = tmpDir('vmha-alarms-');
  const clouds = dir.write(
    'clouds.yaml',
    YAML.stringify({
      clouds: {
        test: cloudsEntry(f.cloud.authUrl, vmhaAuth(), { region_name: f.cloud.region }),
      },
    }),
  );
  const configure = (alarms: Record<string, unknown> = {}): string =>
    dir.write(
      'vmha.yaml',
      YAML.stringify({ openstack: { cloud: 'test', timeout_seconds: 5 }, webhook: { public_url: PUBLIC_URL, secret: SECRET }, state: { dir: dir.dir }, alarms }),
    );
  configure();
  const fixture: AlarmsFixture = {
    ...f,
    ha,
    nonHa,
    dir,
    configure,
    async vmha(args, o = {}) {
      let stdout = '';
      let stderr = '';
      const code = await run(['--config', `${dir.dir}/vmha.yaml`, ...args], {
        stdout: (t) => (stdout += t),
        stderr: (t) => (stderr += t),
        env: { OS_CLIENT_CONFIG_FILE: clouds },
        cwd: dir.dir,
        isTTY: Boolean(o.tty),
      });
      return { code, stdout, stderr };
    },
    async close() {
      dir.cleanup();
      await f.close();
    },
  };
  if (opts.archivePolicy !== false) {
    const r = await fixture.vmha(['archive-policy', 'ensure']);
    if (r.code !== 0) throw new Error(`archive-policy ensure failed: ${r.stderr}`);
  }
  return fixture;
}
