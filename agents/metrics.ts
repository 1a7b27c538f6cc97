// Prometheus metrics of the probe agent (GET /metrics): last values per instance,
// probe latency, errors by kind, publishing state. One registry per agent instance.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import client from 'prom-client';
import type { CycleReport } from './runner.ts';
import type { Publisher } from './publish/publisher.ts';
import { measuresOf } from './probes/result.ts';

export class AgentMetrics {
  readonly registry = new client.Registry();
  readonly lastValue = new client.Gauge({
    name: 'vmha_probe_last_value',
    help: 'Last value measured per instance and metric (instance.ping.delay, instance.disk.health, instance.agent.up)',
    labelNames: ['instance', 'metric'],
    registers: [this.registry],
  });
  readonly probeSeconds = new client.Histogram({
    name: 'vmha_probe_duration_seconds',
    help: 'Time to probe one guest (agent check, ping, disk)',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly cycleSeconds = new client.Gauge({
    name: 'vmha_probe_cycle_duration_seconds',
    help: 'Wall time of the last probe cycle',
    registers: [this.registry],
  });
  readonly guests = new client.Gauge({ name: 'vmha_probe_guests', help: 'Guests probed in the last cycle', registers: [this.registry] });
  readonly errors = new client.Counter({
    name: 'vmha_probe_errors_total',
    help: 'Problems met while probing, by kind (agent_timeout, disk_failed, ...; list_failed when the guest list could not be had)',
    labelNames: ['kind'],
    registers: [this.registry],
  });

  private readonly series = new Map<string, Set<string>>();

  constructor(publisher?: Publisher) {
    if (publisher) {
      const p = publisher;
      new client.Gauge({ name: 'vmha_publish_buffered', help: 'Measures waiting for Gnocchi', registers: [this.registry], collect() { this.set(p.buffer.size); } });
      new client.Gauge({ name: 'vmha_publish_dropped', help: 'Measures dropped since start because the buffer was full', registers: [this.registry], collect() { this.set(p.buffer.dropped); } });
      new client.Gauge({ name: 'vmha_publish_sent', help: 'Measures delivered to Gnocchi since start', registers: [this.registry], collect() { this.set(p.totals.sent); } });
      new client.Gauge({ name: 'vmha_publish_rejected', help: 'Measures Gnocchi refused as invalid since start', registers: [this.registry], collect() { this.set(p.totals.rejected); } });
      new client.Gauge({ name: 'vmha_publish_failed_flushes', help: 'Flushes that left measures buffered (Gnocchi unreachable) since start', registers: [this.registry], collect() { this.set(p.totals.failedFlushes); } });
    }
  }

  /** Records one cycle's outcome. */
  observe(report: CycleReport): void {
    this.cycleSeconds.set(report.durationMs / 1000);
    this.guests.set(report.results.length);
    if (report.listError !== undefined) this.errors.inc({ kind: 'list_failed' });
    for (const r of report.results) {
      this.probeSeconds.observe(r.durationMs / 1000);
      for (const p of r.problems) this.errors.inc({ kind: p.kind });
      for (const m of measuresOf(r)) {
        this.lastValue.set({ instance: r.uuid, metric: m.metric }, m.value);
        let set = this.series.get(r.uuid);
        if (!set) this.series.set(r.uuid, (set = new Set()));
        set.add(m.metric);
      }
    }
  }

  /** Forgets instances no longer on this host (keeps the series count bounded). */
  retain(uuids: ReadonlySet<string>): void {
    for (const [instance, metrics] of this.series) {
      if (uuids.has(instance)) continue;
      for (const metric of metrics) this.lastValue.remove({ instance, metric });
      this.series.delete(instance);
    }
  }
}

/** Serves GET /metrics on host:port; resolves with the bound address. */
export async function serveMetrics(metrics: AgentMetrics, listen: string): Promise<{ url: string; close(): Promise<void> }> {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(listen.slice(i + 1));
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      metrics.registry.metrics().then(
        (body) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(body);
        },
        (err: unknown) => {
          res.writeHead(500).end(String(err));
        },
      );
      return;
    }
    res.writeHead(404).end('not found; try /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
