// The simulated hosts' BMCs (think IPMI or Redfish) on loopback, and the fence command
// vmha serve runs against them: `node fence-bmc.mjs <bmc url> <host>` powers the host
// off and prints what ipmitool would. vmha's fence hook runs it like any other command.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface Bmc {
  url: string;
  /** Hosts powered off through the BMC, in order. */
  readonly powerOffs: { host: string; at: number }[];
  close(): Promise<void>;
}

/** Serves POST /<host>/power/off; `powerOff` does it (false for an unknown host). */
export async function startBmc(powerOff: (host: string) => Promise<boolean>): Promise<Bmc> {
  const powerOffs: { host: string; at: number }[] = [];
  const server = http.createServer((req, res) => {
    const m = /^\/([A-Za-z0-9.-]+)\/power\/off$/.exec(req.url ?? '');
    req.resume();
    if (req.method !== 'POST' || !m) {
      res.writeHead(404).end('Error: unknown BMC command\n');
      return;
    }
    const host = m[1]!;
    powerOff(host).then(
      (known) => {
        if (!known) return void res.writeHead(404).end('Error: Unable to establish IPMI v2 / RMCP+ session\n');
        powerOffs.push({ host, at: Date.now() });
        res.writeHead(200).end('Chassis Power Control: Down/Off\n');
      },
      (err: unknown) => res.writeHead(500).end(`Error: ${(err as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    powerOffs,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const FENCE_SCRIPT = `// vmha demo fence: powers a simulated host off through its BMC.
const [bmc, host] = process.argv.slice(2);
const res = await fetch(bmc + '/' + encodeURIComponent(host) + '/power/off', { method: 'POST' });
const text = await res.text();
(res.ok ? process.stdout : process.stderr).write(text);
process.exit(res.ok ? 0 : 1);
`;

/** Writes the fence script into `dir`; returns the argv of safety.host_failure.fence.command. */
export function fenceCommand(dir: string, bmcUrl: string): string[] {
  const file = path.join(dir, 'fence-bmc.mjs');
  fs.writeFileSync(file, FENCE_SCRIPT, { mode: 0o700 });
  return [process.execPath, file, bmcUrl, '{host}'];
}
