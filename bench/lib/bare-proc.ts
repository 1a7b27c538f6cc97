// Child process: the baseline server. Express with express.json() answering 202 on the
// webhook's route, nothing else: no auth, no Aodh lookup, no journal, no log line.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { serveParent } from './child.ts';
import { selfMemory } from './proc.ts';

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
const answer = { incident_id: null, state: null, duplicate: false };
app.post('/v1/aodh/:token', express.json({ limit: 65_536 }), (_req, res) => {
  res.status(202).json(answer);
});
const server = http.createServer(app);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
const { port } = server.address() as AddressInfo;
serveParent({ url: `http://127.0.0.1:${port}` }, { memory: selfMemory }, () => {
  server.closeAllConnections();
  server.close();
});
