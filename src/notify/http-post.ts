// The one place notification channels send HTTP: a timeout, no redirects, and every
// answer or network failure mapped to the closed set of delivery errors.
import axios from 'axios';
import { DeliveryError } from './channel.ts';

export interface HttpDelivery {
  url: string;
  method: 'POST' | 'PUT';
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  auth?: { username: string; password: string };
}

/** Sends one request; resolves on 2xx, throws a DeliveryError otherwise. */
export async function deliverHttp(d: HttpDelivery): Promise<void> {
  let status: number;
  let text: string;
  try {
    const res = await axios.request<string>({
      url: d.url,
      method: d.method,
      headers: d.headers,
      data: d.body,
      auth: d.auth,
      timeout: d.timeoutMs,
      maxRedirects: 0,
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      transitional: { clarifyTimeoutError: true },
    });
    status = res.status;
    text = typeof res.data === 'string' ? res.data : '';
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'ERROR';
    if (code === 'ETIMEDOUT' || code === 'ECONNABORTED') throw new DeliveryError('timeout', `no answer within ${d.timeoutMs} ms`);
    if (/CERT|SSL|TLS/.test(code)) throw new DeliveryError('tls', code);
    throw new DeliveryError('unreachable', `connection failed (${code})`);
  }
  if (status >= 200 && status < 300) return;
  const detail = `HTTP ${status}${text ? `: ${text.replace(/\s+/g, ' ').slice(0, 200)}` : ''}`;
  if (status === 401 || status === 403) throw new DeliveryError('auth', detail);
  if (status === 408 || status === 429 || status >= 500) throw new DeliveryError('server', detail);
  // Other 4xx (a malformed number, a body the gateway refuses) and 3xx: the same request fails again.
  throw new DeliveryError('rejected', detail);
}
