// The load generator of the intake benchmark: autocannon, with Aodh's request shape
// (python-requests' headers, a new connection per notification unless `keepalive`) and
// every answer's latency kept at full resolution (autocannon's histogram rounds to 1 ms).
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { quantile, round } from './report.ts';

export interface Measured {
  count: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  non202: number;
  errors: number;
  /** CPU milliseconds per answered notification: the server under test, and the fake cloud (Aodh lookups, engine calls). */
  serverCpuMs?: number;
  cloudCpuMs?: number;
  incidents?: Record<string, number>;
  /** Engine only: server listings of its safety census so far (warm-up included). */
  census?: { pages: number; ms: number };
}

/** One bounded load: `bodies[i]` to `paths[i]`, at most `amount` requests and `seconds`. */
export async function load(url: string, connections: number, paths: string[], bodies: string[], amount: number, seconds: number, keepalive = false): Promise<Measured> {
  let next = 0;
  const latencies: number[] = [];
  let non202 = 0;
  let finish: (r: autocannon.Result) => void = () => {};
  const done = new Promise<autocannon.Result>((resolve) => (finish = resolve));
  const inst = autocannon({
    url,
    connections,
    amount,
    timeout: 30,
    reconnectRate: keepalive ? 0 : 1,
    ...(keepalive ? {} : { setupClient: countResponseBeforeReconnect }),
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const i = next++ % paths.length;
          return {
            ...req,
            path: paths[i],
            body: bodies[i],
            // python-requests' headers, as Aodh's notifier sends them.
            headers: {
              'User-Agent': 'python-requests/2.32.3',
              'Accept-Encoding': 'gzip, deflate',
              Accept: '*/*',
              'x-openstack-request-id': `req-bench-${next}`,
              'content-type': 'application/json',
            },
          };
        },
      },
    ],
  }, (err, result) => {
    if (err) throw err;
    finish(result);
  });
  const started = performance.now();
  let last = started;
  inst.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    latencies.push(ms);
    last = performance.now();
    if (status !== 202) non202++;
  });
  const timer = setTimeout(() => inst.stop(), seconds * 1000);
  const result = await done;
  clearTimeout(timer);
  // Up to the last answer: autocannon only notices it is done on its next 1-second tick.
  const elapsed = (last - started) / 1000;
  return {
    count: latencies.length,
    seconds: round(elapsed, 2),
    // No answer at all within the window: 0 per second, and no latency figures.
    rps: latencies.length ? round(latencies.length / elapsed, 0) : 0,
    p50: round(quantile(latencies, 0.5), 2),
    p99: round(quantile(latencies, 0.99), 2),
    non202,
    errors: result.errors + result.timeouts,
  };
}

/**
 * autocannon 9 with reconnectRate drops the response that triggers the reconnect (it
 * returns before emitting 'response'), so with a connection per request nothing would
 * be counted. This emits it before the reconnect, with the duration autocannon measured.
 */
function countResponseBeforeReconnect(client: autocannon.Client): void {
  const c = client as unknown as {
    pipelinedRequests: { terminateRequest: () => { headers: { statusCode: number }; bytes: number; duration: number } | undefined };
    _resetConnection: () => void;
    emit: (event: string, ...args: unknown[]) => void;
    rate?: number;
  };
  const queue = c.pipelinedRequests;
  const terminate = queue.terminateRequest.bind(queue);
  let last: ReturnType<typeof terminate>;
  queue.terminateRequest = () => (last = terminate());
  const reset = c._resetConnection.bind(c);
  c._resetConnection = () => {
    const r = last;
    last = undefined;
    if (r) c.emit('response', r.headers.statusCode, r.bytes, r.duration, c.rate);
    reset();
  };
}
