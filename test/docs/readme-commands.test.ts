// Every command in the README, run as written (issue 9: "every command in the README
// works as written"). The commands run through the real executable against the fake
// cloud, with a vmha.yaml made from vmha.example.yaml, a real `vmha serve` and a guest
// agent on a unix socket. Only the placeholders ID, HOST, A and NAME are filled in.
// A README command line this file neither runs nor lists in NOT_RUN_HERE fails the
// first test, and so does a step here whose line is no longer in the README.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import YAML from 'yaml';
import type { Alarm } from '../../src/openstack/aodh.ts';
import { SimGuest } from '../../src/demo/guest.ts';
import { aodhBody, postLikeAodh, thresholdTransition } from '../helpers/aodh-notifier.ts';
import { runVmha, VMHA_BIN, type CliResult } from '../helpers/cli.ts';
import { cloudsEntry, vmhaAuth, withFakeCloud, type CloudFixture } from '../helpers/cloud.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { until } from '../helpers/wait.ts';
import { serveAgent, type AgentSocket } from './guest-socket.ts';
import { inlineVmha, shCommands, shellWords } from './readme.ts';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../vmha.example.yaml', import.meta.url));

/** README command lines this test does not run, and why. Keep it short. */
const NOT_RUN_HERE: Readonly<Record<string, string>> = {
  'npm ci && npm run demo': '`npm ci` is how CI starts (.ci/run); `vmha demo` in full is test/demo/cli.test.ts',
  'npm ci && npm test': 'this is CI itself (.ci/run runs exactly this)',
  'vmha demo': 'every scenario, its narration and its table: test/demo/cli.test.ts (`vmha demo --scenario NAME` runs here)',
  ...Object.fromEntries(
    [
      'cd /opt/vmha && npm ci --omit=dev && ln -s /opt/vmha/bin/vmha.js /usr/bin/vmha',
      'useradd --system --home-dir /var/lib/vmha --shell /usr/sbin/nologin vmha',
      'cp docs/deploy/vmha-serve.service /etc/systemd/system/ && systemctl enable --now vmha-serve',
      'bash scripts/build-native.sh && cp agents/vmha-probe.service /etc/systemd/system/ && systemctl enable --now vmha-probe',
    ].map((line) => [line, 'installs on the host (users, /usr/bin, systemd): the unit files are checked by test/docs/systemd-units.test.ts, the build by npm test'] as const),
  ),
};

interface World {
  f: CloudFixture;
  dir: ReturnType<typeof tmpDir>;
  env: Record<string, string>;
  serviceUrl: string;
  metricsUrl: string;
  guest: AgentSocket;
  /** HA-enabled servers by name, e.g. pet-1-a (host compute-1). */
  pets: Map<string, string>;
  serve?: Daemon;
  incidentId?: string;
  failedHost?: string;
}

interface Step {
  /** The README line, placeholders included. */
  line: string;
  /** Placeholder values. */
  vars?: (w: World) => Record<string, string>;
  /** What has to have happened first (a failure, an incident). */
  before?: (w: World) => Promise<unknown>;
  /** Expected exit code; 0 unless given. */
  code?: number;
  /** Assertions on the output (its value is ignored; a promise is awaited). */
  check?: (r: CliResult, w: World) => unknown;
  /** Long-running: start it, check it, and (unless it stays up) stop it. */
  daemon?: (d: Daemon, w: World) => Promise<'keep' | 'stop'>;
}

const STEPS: Step[] = [
  // Install the alarms on every HA instance.
  { line: 'vmha config check --offline', check: (r) => expect(r.stdout).to.match(/secret: "\*\*\*"/) },
  { line: 'vmha config check', check: (r) => expect(r.stdout).to.match(/authenticated: true/) },
  { line: 'vmha archive-policy ensure', check: (r) => expect(r.stdout).to.contain('vmha-10s') },
  { line: 'vmha alarms lint' },
  {
    line: 'vmha alarms render --template ping-delay --instance ID',
    vars: (w) => ({ ID: w.pets.get('pet-1-a')! }),
    check: (r, w) => expect(r.stdout).to.contain(`vmha:ping-delay:${w.pets.get('pet-1-a')}`),
  },
  { line: 'vmha alarms install --all --dry-run', check: (r) => expect(r.stdout).to.match(/Plan: 24 to create, 0 to update, 0 to remove, 0 unchanged\./) },
  { line: 'vmha alarms install --all', check: (r) => expect(r.stdout).to.contain('8 instances x 3 templates (ping-delay, disk-health, agent-down): 24 created') },
  { line: 'vmha alarms diff --exit-code', check: (r) => expect(r.stdout).to.match(/No changes: 24 alarms on 8 instances up to date\./) },
  { line: 'vmha alarms diff' },
  { line: 'vmha alarms list', check: (r) => expect(r.stdout).to.match(/ ping-delay +insufficient data +/).and.match(/\n24 alarms: 24 insufficient data\n$/) },
  {
    line: 'vmha alarms remove --orphans',
    before: async (w) => {
      w.f.cloud.nova.model.removeServer(w.pets.get('pet-4-b')!);
      w.pets.delete('pet-4-b');
    },
    check: async (r, w) => expect((await vmhaAlarms(w)).length).to.equal(21),
  },
  {
    line: 'vmha alarms install --all --prune',
    before: async (w) => {
      // One pet is no longer HA-enabled: --prune takes its alarms away.
      const s = w.f.cloud.nova.model.serverRecord(w.pets.get('pet-4-a')!)!;
      s.metadata.HA_Enabled = 'False';
      w.f.cloud.nova.model.touch(s);
      w.pets.delete('pet-4-a');
    },
    check: async (_r, w) => expect((await vmhaAlarms(w)).length).to.equal(18),
  },

  // The probe agent, on one guest whose qemu-ga listens on a unix socket.
  { line: 'vmha probe --once', check: (r) => expect(r.stdout).to.match(/^pet-1-a instance\.ping\.delay=0\.\d+ instance\.disk\.health=0 instance\.agent\.up=1\n$/) },
  {
    line: 'vmha probe --once --publish',
    check: (_r, w) => expect(w.f.cloud.gnocchi.measures(w.pets.get('pet-1-a')!, 'instance.agent.up').map((m) => m.value)).to.deep.equal([1]),
  },
  {
    line: 'vmha probe',
    daemon: async (_d, w) => {
      const body = await until('the probe agent /metrics', async () => {
        const text = await (await fetch(w.metricsUrl)).text();
        return text.includes(`vmha_probe_last_value{instance="${w.pets.get('pet-1-a')}",metric="instance.agent.up"} 1`) && text;
      }, 20_000, 200);
      expect(body).to.contain('vmha_probe_cycle_duration_seconds');
      return 'stop';
    },
  },

  // The service. The dry run first: the journal in state.dir is one service's at a time.
  {
    line: 'vmha serve --dry-run',
    daemon: async (d) => {
      expect(await health(d.url)).to.include({ status: 'ok' });
      return 'stop';
    },
  },
  {
    line: 'vmha serve',
    daemon: async (d, w) => {
      expect(await health(d.url)).to.include({ status: 'ok' });
      w.serve = d;
      return 'keep';
    },
  },

  // Set limits at runtime.
  { line: 'vmha limits show', check: (r) => expect(YAML.parse(r.stdout).settings.global).to.deep.equal({ perWindow: 20, windowSeconds: 60, concurrency: 20 }) },
  { line: 'vmha limits set --global-per-window 5 --global-window 60 --global-concurrency 10', check: (r) => expect(YAML.parse(r.stdout).settings.global).to.deep.equal({ perWindow: 5, windowSeconds: 60, concurrency: 10 }) },
  {
    line: 'vmha limits set --host-concurrency 1 --host-per-window 4 --host-window 60',
    check: (r) => expect(YAML.parse(r.stdout).settings.perHost).to.deep.equal({ concurrency: 1, perWindow: 4, windowSeconds: 60 }),
  },
  {
    line: 'vmha limits set --global-per-window 20 --host-concurrency 2',
    check: (r) => expect(YAML.parse(r.stdout).settings).to.deep.equal({ global: { perWindow: 20, windowSeconds: 60, concurrency: 10 }, perHost: { concurrency: 2, perWindow: 4, windowSeconds: 60 } }),
  },

  // Maintenance.
  { line: 'vmha maintenance on --host HOST --reason "replacing DIMMs"', vars: () => ({ HOST: 'compute-2' }), check: (r) => expect(r.stdout).to.equal('maintenance of host compute-2 on\n') },
  { line: 'vmha maintenance on --host HOST', vars: () => ({ HOST: 'compute-2' }), check: (r) => expect(r.stdout).to.equal('maintenance of host compute-2 on (it already was)\n') },
  { line: 'vmha maintenance status', check: (r) => expect(r.stdout).to.match(/^LEVEL +TARGET +BY +SINCE +REASON\nhost +compute-2 +\S+ +\S+ +replacing DIMMs\n$/) },
  { line: 'vmha maintenance off --host HOST', vars: () => ({ HOST: 'compute-2' }), check: (r) => expect(r.stdout).to.equal('maintenance of host compute-2 off\n') },
  { line: 'vmha maintenance on --az A --reason "storage upgrade"', vars: () => ({ A: 'az-2' }), check: (r) => expect(r.stdout).to.equal('maintenance of az az-2 on\n') },
  { line: 'vmha maintenance off --az A', vars: () => ({ A: 'az-2' }), check: (r) => expect(r.stdout).to.equal('maintenance of az az-2 off\n') },
  { line: 'vmha maintenance on --instance ID', vars: (w) => ({ ID: w.pets.get('pet-3-a')! }), check: (r, w) => expect(r.stdout).to.equal(`maintenance of instance ${w.pets.get('pet-3-a')} on\n`) },
  { line: 'vmha maintenance off --instance ID', vars: (w) => ({ ID: w.pets.get('pet-3-a')! }), check: (r) => expect(r.stdout).to.match(/ off\n$/) },
  { line: 'vmha maintenance on --reason "control plane upgrade"', check: (r) => expect(r.stdout).to.equal('global maintenance on\n') },
  { line: 'vmha maintenance off', check: (r) => expect(r.stdout).to.equal('global maintenance off\n') },

  // Read an incident: a guest loses its network, vmha live-migrates it.
  {
    line: 'vmha incidents list',
    before: async (w) => {
      await fire(w, 'pet-1-a');
      w.incidentId = await until('the incident to succeed', async () => (await admin<{ incidents: { id: string; state: string }[] }>(w, 'GET', '/incidents')).incidents.find((i) => i.state === 'succeeded')?.id, 30_000, 100);
    },
    check: (r, w) => expect(r.stdout).to.match(new RegExp(`^INCIDENT +SERVER +STATE +OPENED +ACTIONS +REASON\\n${w.incidentId} +${w.pets.get('pet-1-a')} +succeeded +\\S+ +live-migrate:succeeded +`)),
  },
  { line: 'vmha incidents list --state failed', check: (r) => expect(r.stdout).to.match(/^INCIDENT +SERVER +STATE +OPENED +ACTIONS +REASON\n$/) },
  {
    line: 'vmha incidents show ID',
    vars: (w) => ({ ID: w.incidentId! }),
    check: (r, w) => {
      expect(r.stdout).to.match(new RegExp(`^incident ${w.incidentId}\\nserver +${w.pets.get('pet-1-a')}\\nstate +succeeded\\n`));
      expect(r.stdout).to.match(/\n\S+ +decision\.act +action=live-migrate rule=metric-instance\.ping\.delay /);
      expect(r.stdout).to.match(/\n\S+ +action\.accepted +action=live-migrate attempt=1 request_id=req-[0-9a-f-]{36} /);
      expect(r.stdout).to.match(/\n\S+ +verify\.succeeded +state=succeeded reason=live-migrate verified: ACTIVE on compute-\d \(was compute-1\)\n$/);
    },
  },
  {
    line: 'vmha --json incidents show ID',
    vars: (w) => ({ ID: w.incidentId! }),
    check: (r) => expect(JSON.parse(r.stdout).incident).to.include({ state: 'succeeded' }),
  },

  // Re-enable a host after a host failure: compute-3 dies, is fenced and evacuated.
  {
    line: 'vmha host status',
    before: async (w) => {
      w.failedHost = 'compute-3';
      w.f.cloud.nova.model.setHostAlive(w.failedHost, false);
      await until('the host workflow to complete', async () => (await admin<{ workflows: { host: string; state: string }[] }>(w, 'GET', '/hosts')).workflows.some((x) => x.host === w.failedHost && x.state === 'completed'), 30_000, 100);
    },
    check: (r) => expect(r.stdout).to.match(/^WORKFLOW +HOST +STATE +DETECTED +FENCE +INSTANCES +REASON\n\S+ +compute-3 +completed +\S+ +ok +\S+:succeeded,\S+:succeeded +/),
  },
  { line: 'vmha host status HOST', vars: (w) => ({ HOST: w.failedHost! }), check: (r) => expect(r.stdout).to.match(/\n\S+ +compute-3 +completed /) },
  { line: 'vmha host enable HOST --dry-run', vars: (w) => ({ HOST: w.failedHost! }), check: (r) => expect(r.stdout).to.match(/^would lift force-down of the compute service on compute-3\n/) },
  {
    line: 'vmha host enable HOST',
    vars: (w) => ({ HOST: w.failedHost! }),
    // Repaired: nova-compute heartbeats again.
    before: async (w) => w.f.cloud.nova.model.setHostAlive(w.failedHost!, true),
    check: (r, w) => {
      expect(r.stdout).to.match(/^done: lift force-down of the compute service on compute-3\ndone: enable the compute service on compute-3\n/);
      expect(w.f.cloud.nova.model.computeService('compute-3')).to.include({ disabled: false, forcedDown: false });
    },
  },

  // Resume the mass-failure guard: most HA instances alarm at once.
  {
    line: 'vmha guard status',
    before: async (w) => {
      await Promise.all(['pet-1-b', 'pet-2-a', 'pet-2-b', 'pet-3-a'].map((name) => fire(w, name)));
      await until('the guard to trip', async () => (await admin<{ state: { tripped: boolean } }>(w, 'GET', '/guard')).state.tripped, 20_000, 100);
    },
    check: (r) => expect(r.stdout).to.match(/^TRIPPED since \S+: mass failure: /),
  },
  {
    line: 'vmha guard resume',
    check: async (r, w) => {
      expect(r.stdout).to.equal('automatic actions resume\n');
      expect((await admin<{ state: { tripped: boolean } }>(w, 'GET', '/guard')).state.tripped).to.equal(false);
    },
  },

  { line: 'vmha demo --scenario NAME', vars: () => ({ NAME: 'not-ha' }), check: (r) => expect(r.stdout).to.match(/^Every scenario ended as expected/m) },
];

interface Daemon {
  url: string;
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<number | null>;
}

/** Starts a long-running command and resolves once it is up (serve: its listener; probe: at once). */
function startDaemon(args: string[], env: Record<string, string>, ready: RegExp | null): Promise<Daemon> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VMHA_BIN, ...args], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stdout!.resume();
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const daemon = (url: string): Daemon => ({
      url,
      child,
      stderr: () => err,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        return exited;
      },
    });
    const timer = setTimeout(() => reject(new Error(`vmha ${args.join(' ')} did not start:\n${err}`)), 30_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = ready?.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(daemon(m[1]!));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`vmha ${args.join(' ')} exited with ${code}:\n${err}`));
    });
    if (!ready) {
      clearTimeout(timer);
      resolve(daemon(''));
    }
  });
}

async function health(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/healthz`);
  expect(res.status).to.equal(200);
  return (await res.json()) as Record<string, unknown>;
}

async function admin<T>(w: World, method: string, p: string): Promise<T> {
  const token = await w.f.clients.session.getToken();
  const res = await fetch(`${w.serviceUrl}/v1/admin${p}`, { method, headers: { 'X-Auth-Token': token.id } });
  expect(res.status, `${method} ${p}`).to.equal(200);
  return (await res.json()) as T;
}

async function vmhaAlarms(w: World): Promise<Alarm[]> {
  return (await w.f.clients.aodh.list({ all_projects: true })).filter((a) => a.name.startsWith('vmha:'));
}

/** The ping-delay alarm of a pet goes to alarm: Aodh posts to the URL `vmha alarms install` gave it. */
async function fire(w: World, pet: string): Promise<void> {
  const name = `vmha:ping-delay:${w.pets.get(pet)}`;
  const alarm = (await vmhaAlarms(w)).find((a) => a.name === name)!;
  const r = await postLikeAodh(alarm.alarm_actions[0]!, aodhBody(thresholdTransition(name, alarm.alarm_id, 'alarm', 999)));
  expect(r.status, `notification for ${pet}`).to.equal(202);
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Fills in the placeholders: only whole words equal to one are replaced. */
function argv(line: string, vars: Record<string, string>): string[] {
  const words = shellWords(line);
  expect(words[0], line).to.equal('vmha');
  return words.slice(1).map((word) => (Object.hasOwn(vars, word) ? vars[word]! : word));
}

describe('README commands, run as written', function () {
  this.timeout(120_000);
  const markdown = fs.readFileSync(README, 'utf8');
  const w = {} as World;

  before(async () => {
    w.f = await withFakeCloud();
    w.dir = tmpDir('vmha-readme-');
    const { projectId } = await w.f.clients.session.getToken();
    w.pets = new Map();
    for (let h = 1; h <= 4; h++) {
      const host = `compute-${h}`;
      w.f.cloud.nova.model.addHost(host, { zone: h <= 2 ? 'az-1' : 'az-2' });
      for (const x of ['a', 'b']) {
        const s = w.f.cloud.nova.model.addServer({ name: `pet-${h}-${x}`, host, metadata: { HA_Enabled: 'True' }, projectId, userId: 'u' });
        w.pets.set(s.name, s.id);
      }
      w.f.cloud.nova.model.addServer({ name: `cattle-${h}`, host, metadata: {}, projectId, userId: 'u' });
    }
    // Ceilometer creates each instance's Gnocchi resource; the probe only adds measures.
    const pet = w.pets.get('pet-1-a')!;
    w.f.cloud.gnocchi.addResource('instance', { id: pet, display_name: 'pet-1-a', flavor_id: '1', image_ref: 'cirros', host: 'compute-1', project_id: projectId, user_id: 'u' });
    const model = w.f.cloud.nova.model;
    const guest = new SimGuest(pet, 'pet-1-a', { server: () => model.serverRecord(pet), restarts: () => 0, hostAlive: (h) => model.computeAlive(h) });
    w.guest = await serveAgent(guest.agent);

    const port = await freePort();
    const metricsPort = await freePort();
    w.serviceUrl = `http://127.0.0.1:${port}`;
    w.metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const fence = w.dir.write('fence.sh', '#!/bin/sh\necho "Chassis Power Control: Down/Off"\n');
    fs.chmodSync(fence, 0o755);
    // vmha.example.yaml, pointed at the fake cloud, with the waits shortened.
    const config = YAML.parse(fs.readFileSync(EXAMPLE, 'utf8')) as Record<string, Record<string, unknown>>;
    config.openstack = { ...config.openstack, cloud: 'readme' };
    config.webhook = { ...config.webhook, listen: `127.0.0.1:${port}`, public_url: w.serviceUrl, secret: 'readme-test-secret' };
    config.state = { dir: path.join(w.dir.dir, 'state') };
    config.log = { level: 'warn', format: 'text' };
    config.recovery = { ...config.recovery, verify_poll_s: 0.1, wait_retry_s: 0.2, retry: { attempts: 5, base_ms: 10, max_ms: 50 }, reconcile_interval_s: 3600 };
    config.safety = {
      ...config.safety,
      instance: { cooldown_s: 0, max_actions: 3, window_s: 3600 },
      host_failure: {
        ...(config.safety!.host_failure as object),
        enabled: true,
        settle_s: 0,
        // Long enough that the guard's four alarms below are all open before any acts.
        correlate_s: 2,
        // Host failures here come from Nova only, so that the guard's storm below is not one.
        min_instances: 10,
        min_instances_for_share: 10,
        fence: { command: [fence, '{host}'], expect_stdout: 'Down/Off', timeout_s: 10 },
      },
      guard: { ...(config.safety!.guard as object), census_interval_s: 0.5 },
    };
    config.probe = {
      ...config.probe,
      sockets: [{ uuid: pet, path: w.guest.socket, name: 'pet-1-a' }],
      interval_s: 1,
      jitter_s: 0,
      metrics_listen: `127.0.0.1:${metricsPort}`,
    };
    const configFile = w.dir.write('vmha.yaml', YAML.stringify(config));
    const clouds = w.dir.write(
      'clouds.yaml',
      YAML.stringify({
        clouds: {
          readme: cloudsEntry(w.f.cloud.authUrl, vmhaAuth(), { region_name: w.f.cloud.region }),
        },
      }),
    );
    w.env = { VMHA_CONFIG: configFile, OS_CLIENT_CONFIG_FILE: clouds };
  });

  after(async () => {
    await w.serve?.stop();
    await w.guest?.close();
    await w.f?.close();
    w.dir?.cleanup();
  });

  it('runs every command line of the README (or NOT_RUN_HERE says why not), and nothing the README lost', () => {
    const inReadme = shCommands(markdown);
    const steps = new Set(STEPS.map((s) => s.line));
    expect(steps.size, 'a line is listed twice in STEPS').to.equal(STEPS.length);
    const unrun = inReadme.filter((c) => !steps.has(c.text) && !(c.text in NOT_RUN_HERE)).map((c) => `README.md:${c.line}: ${c.text}`);
    expect(unrun, 'README commands neither run by this test nor in NOT_RUN_HERE').to.deep.equal([]);
    const texts = new Set(inReadme.map((c) => c.text));
    const stale = [...steps, ...Object.keys(NOT_RUN_HERE)].filter((l) => !texts.has(l));
    expect(stale, 'lines here that are no longer in the README').to.deep.equal([]);
  });

  it('every `vmha ...` quoted in the prose is (the start of) a command run here', () => {
    const runs = STEPS.map((s) => s.line);
    const loose = inlineVmha(markdown)
      .filter((c) => !runs.some((r) => r === c.text || r.startsWith(`${c.text} `)))
      .map((c) => `README.md:${c.line}: ${c.text}`);
    expect(loose).to.deep.equal([]);
  });

  for (const step of STEPS) {
    it(step.line, async () => {
      await step.before?.(w);
      const args = argv(step.line, step.vars?.(w) ?? {});
      if (step.daemon) {
        const isServe = args[0] === 'serve';
        const d = await startDaemon(args, w.env, isServe ? /vmha serve: listening on (\S+)/ : null);
        let outcome: 'keep' | 'stop' = 'stop';
        try {
          outcome = await step.daemon(d, w);
        } catch (err) {
          throw new Error(`${(err as Error).message}\nstderr of vmha ${args.join(' ')}:\n${d.stderr()}`);
        } finally {
          if (outcome === 'stop') expect(await d.stop(), `exit code of vmha ${args.join(' ')} after SIGTERM; stderr:\n${d.stderr()}`).to.equal(0);
        }
        return;
      }
      const r = await runVmha(args, { env: w.env, cwd: w.dir.dir });
      if (process.env.VMHA_TEST_DEBUG) console.log(`$ vmha ${args.join(' ')}\n${r.stdout}${r.stderr}`);
      expect(r.code, `vmha ${args.join(' ')}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).to.equal(step.code ?? 0);
      await step.check?.(r, w);
    });
  }
});
