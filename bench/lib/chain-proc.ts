// Child process: the baseline of the decision-latency benchmark. It makes the calls a
// recovery cannot do without, with vmha's own OpenStack clients and nothing else:
// read the alarm from Aodh (cached, like vmha's resolver), answer 202, read the server
// and its host's nova-compute service from Nova, send the live migration. No journal,
// no log lines, no policy, no limits.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Credentials } from '../../src/config/clouds.ts';
import { memoryLogger } from '../../src/log.ts';
import { createClients } from '../../src/openstack/index.ts';
import { targetOf } from '../../src/webhook/resolve.ts';
import { childInput, serveParent } from './child.ts';

const { creds } = childInput<{ creds: Credentials }>();
const clients = createClients(creds, { logger: memoryLogger('error').logger, timeoutMs: 30_000 });
const targets = new Map<string, string>();
let failures = 0;

const app = express();
app.post('/v1/aodh/:token', express.json(), async (req, res) => {
  const n = req.body as { alarm_id: string; current: string };
  let instance = targets.get(n.alarm_id);
  if (!instance) {
    instance = targetOf(await clients.aodh.get(n.alarm_id))!.instanceId;
    targets.set(n.alarm_id, instance);
  }
  res.status(202).json({ incident_id: null });
  if (n.current !== 'alarm') return;
  try {
    const server = await clients.nova.getServer(instance);
    await clients.nova.computeService(server.host!);
    await clients.nova.liveMigrate(server.id);
  } catch {
    failures++;
  }
});
const server = http.createServer(app);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
const { port } = server.address() as AddressInfo;
serveParent({ url: `http://127.0.0.1:${port}` }, { failures: () => failures }, () => {
  server.closeAllConnections();
  server.close();
});
