import path from 'node:path';
import { expect } from 'chai';
import YAML from 'yaml';
import { systemClock } from '../../src/domain/clock.ts';
import { isTerminal } from '../../src/domain/incident.ts';
import { alarmActionUrl } from '../../src/domain/webhook-url.ts';
import { Journal } from '../../src/journal/journal.ts';
import { aodhBody, postLikeAodh, thresholdTransition } from '../helpers/aodh-notifier.ts';
import { cloudsEntry, withFakeCloud, type CloudFixture } from '../helpers/cloud.ts';
import { startServeProcess } from '../helpers/serve-process.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { until } from '../helpers/wait.ts';

const SECRET = 'crash-test-secret-xyz';
const N = 200;

describe('vmha serve: SIGKILL right after a burst of 200 notifications', function () {
  this.timeout(120_000);
  let f: CloudFixture;
  const t = tmpDir('vmha-crash-');

  before(async () => {
    f = await withFakeCloud({ novaTimings: { liveMigrate: 300, reboot: 100, rebuild: 100, evacuate: 300 } });
  });
  after(async () => {
    await f.close();
    t.cleanup();
  });

  it('every incident reaches a terminal state with exactly one Nova action, none lost', async () => {
    const { projectId } = await f.clients.session.getToken();
    for (let h = 1; h <= 10; h++) f.cloud.nova.model.addHost(`compute-${h}`);
    const seeded: { serverId: string; alarmId: string; alarmName: string }[] = [];
    for (let i = 0; i < N; i++) {
      const s = f.cloud.nova.model.addServer({ name: `pet-${i}`, host: `compute-${(i % 10) + 1}`, metadata: { HA_Enabled: 'True' }, projectId, userId: 'u' });
      const alarmName = `vmha:ping-delay:${s.id}`;
      const alarm = await f.clients.aodh.create({
        name: alarmName,
        type: 'gnocchi_resources_threshold',
        alarm_actions: [alarmActionUrl('http://127.0.0.1:8780', SECRET, alarmName)],
        gnocchi_resources_threshold_rule: {
          metric: 'instance.ping.delay',
          resource_type: 'instance',
          resource_id: s.id,
          aggregation_method: 'mean',
          comparison_operator: 'gt',
          threshold: 500,
          granularity: 10,
          evaluation_periods: 3,
        },
      });
      seeded.push({ serverId: s.id, alarmId: alarm.alarm_id, alarmName });
    }
    const clouds = t.write(
      'clouds.yaml',
      YAML.stringify({
        clouds: { fake: cloudsEntry(f.cloud.authUrl) },
      }),
    );
    const stateDir = path.join(t.dir, 'state');
    const config = t.write(
      'vmha.yaml',
      YAML.stringify({
        openstack: { cloud: 'fake' },
        webhook: { listen: '127.0.0.1:0', public_url: 'http://127.0.0.1:8780', secret: SECRET },
        state: { dir: stateDir },
        log: { level: 'warn', format: 'json' },
        recovery: { verify_poll_s: 0.05, verify_timeout_s: 30, wait_retry_s: 0.1, retry: { base_ms: 10, max_ms: 50 }, reconcile_interval_s: 3600 },
        limits: { global: { per_window: 100000, window_s: 60 }, per_host: { concurrency: 100, per_window: 100000, window_s: 60 } },
        // 200 of 200 HA instances alarming at once is exactly what the mass-failure guard
        // stops; this test is about crash recovery, so the guard is off here.
        safety: { guard: { enabled: false } },
      }),
    );
    const env = { OS_CLIENT_CONFIG_FILE: clouds };

    const first = await startServeProcess(config, env);
    // In waves of 20, so that when the kill comes some actions are done, some in flight
    // (sent to Nova, answer not yet read), some verifying and some not yet decided.
    const answers: Awaited<ReturnType<typeof postLikeAodh>>[] = [];
    for (let i = 0; i < N; i += 20) {
      const wave = seeded.slice(i, i + 20).map((s) => {
        const url = alarmActionUrl(first.url, SECRET, s.alarmName);
        return postLikeAodh(url, aodhBody(thresholdTransition(s.alarmName, s.alarmId, 'alarm', 999)));
      });
      answers.push(...(await Promise.all(wave)));
    }
    await first.kill('SIGKILL');
    expect(answers.map((a) => a.status)).to.deep.equal(Array(N).fill(202));
    const incidentIds = new Set(answers.map((a) => a.body.incident_id as string));
    expect(incidentIds.size).to.equal(N);
    const before = f.cloud.nova.model.actions.length;

    const second = await startServeProcess(config, env);
    if (process.env.VMHA_TEST_DEBUG) console.log('actions before kill', before);
    const journal = new Journal(path.join(stateDir, 'journal.sqlite'), systemClock);
    try {
      await until(
        'every incident terminal after the restart',
        () => [...incidentIds].every((id) => {
          const i = journal.get(id);
          return i !== undefined && isTerminal(i.state);
        }),
        90_000,
        200,
      );
      const states = [...incidentIds].map((id) => journal.get(id)!.state);
      if (process.env.VMHA_TEST_DEBUG) console.log('resume events', [...incidentIds].flatMap((id) => journal.timeline(id).filter((e) => e.type.startsWith('resume')).map((e) => e.type)).reduce((m: Record<string, number>, t) => ((m[t] = (m[t] ?? 0) + 1), m), {}));
      expect(states.filter((s) => s !== 'succeeded'), 'non-succeeded incidents').to.deep.equal([]);
    } finally {
      journal.close();
      await second.kill('SIGTERM');
    }
    const perServer = new Map<string, number>();
    for (const a of f.cloud.nova.model.actions) perServer.set(a.serverId, (perServer.get(a.serverId) ?? 0) + 1);
    expect(seeded.filter((s) => perServer.get(s.serverId) !== 1).map((s) => [s.serverId, perServer.get(s.serverId) ?? 0])).to.deep.equal([]);
    // The kill really interrupted work in progress (otherwise this test proves little).
    expect(before, 'actions issued before the kill').to.be.greaterThan(0).and.lessThan(N);
  });
});
