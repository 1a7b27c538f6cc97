// Starts everything the demo (and its tests) run against: the simulated cloud, the real
// `vmha serve` on loopback with the demo's vmha.yaml, the alarms installed by the real
// `vmha archive-policy ensure` and `vmha alarms install --all`, the probe agents and
// Aodh's evaluator; then waits until every alarm has been evaluated ok.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import winston from 'winston';
import YAML from 'yaml';
import { CliContext } from '../cli/context.ts';
import type { CliIO } from '../cli/io.ts';
import type { Config } from '../config/schema.ts';
import type { Clock } from '../domain/clock.ts';
import { createLogger, type Logger } from '../log.ts';
import { createClients } from '../openstack/index.ts';
import { OWNED_PREFIX, startService, type RunningService } from '../service/serve.ts';
import { fenceCommand } from './bmc.ts';
import { EventLog } from './events.ts';
import { DEMO_INVENTORY, type Inventory } from './inventory.ts';
import { commandOutput } from './narrate.ts';
import { DEMO_SETTINGS, demoConfigDoc, type DemoSettings } from './settings.ts';
import { SimCloud, simCredentials } from './sim-cloud.ts';
import { watchJournal, watchNova, type Names } from './watch.ts';

/** Runs `vmha <argv>` in-process (src/cli/main.ts run()); injected so this module does not import the CLI. */
export type RunCli = (argv: string[], io: CliIO) => Promise<number>;

export interface StartDemoOptions {
  runCli: RunCli;
  settings?: DemoSettings;
  inventory?: Inventory;
  events?: EventLog;
}

export interface InstalledAlarm {
  alarmId: string;
  name: string;
  template: string;
  serverId: string;
}

export interface DemoHarness {
  /** Temporary directory with clouds.yaml, vmha.yaml, the journal and the log. */
  dir: string;
  configPath: string;
  logFile: string;
  settings: DemoSettings;
  sim: SimCloud;
  service: RunningService;
  config: Readonly<Config>;
  events: EventLog;
  alarms: InstalledAlarm[];
  names: Names;
  /** Stops everything; removes the directory unless keepDir. */
  close(opts?: { keepDir?: boolean }): Promise<void>;
}

const CLOUD = 'demo';

/** The demo could not start; its files (log, journal, configuration) are kept in `dir`. */
export class DemoStartError extends Error {
  constructor(
    message: string,
    readonly dir: string,
    cause: unknown,
  ) {
    super(message, { cause });
  }
}

/**
 * The system clock, but a pending sleep does not keep the process alive: after close(),
 * a limit window (60 s) or a verification sleep still running must not delay the exit
 * of `vmha demo` (vmha serve's command exits explicitly for the same reason).
 */
export const demoClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)).unref()),
};

export async function startDemo(o: StartDemoOptions): Promise<DemoHarness> {
  const settings = o.settings ?? DEMO_SETTINGS;
  const inventory = o.inventory ?? DEMO_INVENTORY;
  const events = o.events ?? new EventLog();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmha-demo-'));
  const logFile = path.join(dir, 'vmha-demo.log');
  const logTransport = new winston.transports.File({ filename: logFile });
  const logger: Logger = createLogger({ level: 'info', format: 'json', transports: [logTransport] });
  const say = (text: string, data?: Record<string, unknown>): void => events.add({ at: Date.now(), source: 'demo', text, ...(data ? { data } : {}) });
  const cleanups: (() => Promise<void> | void)[] = [];
  const close = async (opts: { keepDir?: boolean } = {}): Promise<void> => {
    for (const c of cleanups.splice(0).reverse()) await c();
    // Everything logged is in the file before it is kept (or removed).
    await new Promise<void>((resolve) => {
      const done = setTimeout(resolve, 2000);
      logTransport.once('finish', () => {
        clearTimeout(done);
        resolve();
      });
      // A straggler logging after the end must not crash the demo ("write after end").
      logger.on('error', () => undefined);
      logger.end();
    });
    if (!opts.keepDir) fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    const sim = await SimCloud.start({ inventory, novaTimings: settings.novaTimings, logger, events, clock: demoClock });
    cleanups.push(() => sim.close());
    const haCount = inventory.guests.filter((g) => g.ha).length;
    say(
      `simulated OpenStack (Keystone, Nova, Aodh, Gnocchi) on ${sim.url}: ${inventory.hosts.length} compute hosts, ` +
        `${inventory.guests.length} instances (${haCount} with HA_Enabled=True), a Gnocchi resource for each; the hosts' BMCs on ${sim.bmc.url}`,
    );

    const creds = simCredentials(sim.cloud);
    const auth = creds.auth as { username: string; password: string; projectName: string };
    const clouds = path.join(dir, 'clouds.yaml');
    fs.writeFileSync(
      clouds,
      YAML.stringify({
        clouds: {
          [CLOUD]: {
            auth: { auth_url: creds.authUrl, username: auth.username, password: auth.password, project_name: auth.projectName, user_domain_name: 'Default', project_domain_name: 'Default' },
            region_name: creds.region,
          },
        },
      }),
      { mode: 0o600 },
    );
    const configPath = path.join(dir, 'vmha.yaml');
    const secret = randomBytes(18).toString('base64url');
    const fence = fenceCommand(dir, sim.bmc.url);
    const writeConfig = (listen: string, publicUrl: string): void =>
      fs.writeFileSync(configPath, YAML.stringify(demoConfigDoc({ stateDir: dir, listen, publicUrl, secret, cloud: CLOUD, settings, fence })), { mode: 0o600 });
    const io = (out: string[] = [], err: string[] = []): CliIO => ({
      stdout: (t) => void out.push(t),
      stderr: (t) => void err.push(t),
      env: { OS_CLIENT_CONFIG_FILE: clouds },
      cwd: dir,
      isTTY: false,
    });

    // vmha serve reads everything but webhook.public_url, which only alarm installation
    // uses; the port is known once it listens, so the file is completed afterwards.
    writeConfig('127.0.0.1:0', 'http://127.0.0.1:8780');
    const ctx = new CliContext(io(), { config: configPath });
    const config = ctx.config();
    const clients = createClients(ctx.credentials(), { logger, clock: demoClock, timeoutMs: config.openstack.timeout_seconds * 1000 });
    const service = await startService({ config, clients, logger, clock: sim.clock });
    cleanups.push(() => service.close());
    writeConfig(new URL(service.url).host, service.url);
    say(`vmha serve listening on ${service.url} (journal ${path.join(dir, 'journal.sqlite')}, config ${configPath})`);

    for (const argv of [['archive-policy', 'ensure'], ['alarms', 'install', '--all']]) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await o.runCli(['--config', configPath, ...argv], io(out, err));
      if (code !== 0) throw new Error(`vmha ${argv.join(' ')} exited ${code}: ${err.join('').trim()}`);
      say(`$ vmha ${argv.join(' ')}\n${commandOutput(out.join(''))}`);
    }

    const alarms: InstalledAlarm[] = sim.cloud.aodh
      .list()
      .filter((a) => a.name.startsWith(OWNED_PREFIX))
      .map((a) => ({ alarmId: a.alarm_id, name: a.name, template: a.name.split(':')[1] ?? '', serverId: String((a.rule as { resource_id?: unknown }).resource_id) }));
    const names: Names = {
      nameOf: (id) => sim.guestById(id)?.name ?? id,
      serverOfAlarm: (id) => alarms.find((a) => a.alarmId === id)?.serverId,
    };

    const stopJournal = watchJournal(service.journal, events, names);
    cleanups.push(stopJournal);
    const stopNova = watchNova(sim.cloud.nova, sim.guests().map((g) => g.id), events, names);
    cleanups.push(stopNova);

    sim.startProbes(config.probe, settings.probeIntervalS * 1000);
    const evaluator = sim.startEvaluator(settings.evaluationIntervalS * 1000);
    say(
      `probe agents running on ${inventory.hosts.join(', ')} (in-process qemu-ga per guest, the real probes and publisher); ` +
        `Aodh evaluating ${alarms.length} alarms every ${settings.evaluationIntervalS} s`,
    );

    const deadline = Date.now() + 30_000;
    for (;;) {
      const states = alarms.map((a) => sim.cloud.aodh.get(a.alarmId)?.state);
      if (states.every((s) => s === 'ok')) break;
      if (Date.now() > deadline) {
        const stuck = alarms.filter((a) => sim.cloud.aodh.get(a.alarmId)?.state !== 'ok').map((a) => `${a.name} (${sim.cloud.aodh.get(a.alarmId)?.state})`);
        throw new Error(`alarms did not all become ok within 30 s: ${stuck.join(', ')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    // The ok notifications of the first evaluation are answered before any scenario starts.
    await evaluator.settled();
    say(`all ${alarms.length} alarms evaluated ok: every guest is healthy, measured from inside`);

    return { dir, configPath, logFile, settings, sim, service, config, events, alarms, names, close };
  } catch (err) {
    await close({ keepDir: true });
    throw new DemoStartError((err as Error)?.message ?? String(err), dir, err);
  }
}
