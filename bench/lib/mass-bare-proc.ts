// Child process: the baseline of the mass-failure benchmark. The same evacuations with
// vmha's own Nova client and vmha's own Limits, with the settings of vmha's vmha.yaml
// (limitsFromConfig: one global pool, by default 20 at once and 100 per 60 s, per-host
// limits out of the way, every evacuation held from issue to verification), and nothing else: it is
// told which hosts failed the moment they fail, forces each down, lists its HA servers,
// and evacuates and polls each until ACTIVE elsewhere, at vmha's poll interval. No
// webhook, journal, decision, guard, fence, settle time or log lines.
import type { Credentials } from '../../src/config/clouds.ts';
import { Limits, type LimitSettings } from '../../src/limits/limits.ts';
import { memoryLogger } from '../../src/log.ts';
import { createClients } from '../../src/openstack/index.ts';
import { isHaEnabled } from '../../src/policy/decide.ts';
import { childInput, serveParent } from './child.ts';

const input = childInput<{ creds: Credentials; limits: LimitSettings; pollMs: number }>();
const clients = createClients(input.creds, { logger: memoryLogger('error').logger, timeoutMs: 30_000 });
const nova = clients.nova;
const limits = new Limits(input.limits);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface BareOutcome {
  serverId: string;
  host: string;
  /** When the limits let it start, and when the poll saw it ACTIVE elsewhere (ms since the epoch); null: failed. */
  startedAt: number;
  verifiedAt: number | null;
  error: string | null;
}

const ha = { haMetadataKey: 'HA_Enabled', haMetadataValue: 'True' };

/** Evacuates the HA servers of `hosts`; resolves when every one has settled. */
async function run(a: { hosts: string[] }): Promise<BareOutcome[]> {
  // Warm the session and the microversion before the clock matters.
  await nova.version();
  const perHost = await Promise.all(
    a.hosts.map(async (host) => {
      await nova.forceDown(host, true);
      return (await nova.listServers({ host })).filter((s) => isHaEnabled(s, ha)).map((s) => ({ id: s.id, host }));
    }),
  );
  return Promise.all(
    perHost.flat().map(({ id, host }) =>
      limits.run(host, async (): Promise<BareOutcome> => {
        const startedAt = Date.now();
        try {
          await nova.evacuate(id);
          for (;;) {
            await sleep(input.pollMs);
            const s = await nova.getServer(id);
            if (s.status === 'ERROR') return { serverId: id, host, startedAt, verifiedAt: null, error: 'ERROR' };
            if (s.status === 'ACTIVE' && !s.taskState && s.host && s.host !== host) return { serverId: id, host, startedAt, verifiedAt: Date.now(), error: null };
          }
        } catch (err) {
          return { serverId: id, host, startedAt, verifiedAt: null, error: String((err as Error)?.message ?? err) };
        }
      }),
    ),
  );
}

serveParent({}, { run }, () => limits.stop());
