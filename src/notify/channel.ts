// The one interface every notification channel implements (email, sms, webhook), and
// the closed set of ways a delivery fails. The sender branches on `retryable`, never
// on message text.
import type { Severity } from '../domain/notification.ts';
import type { MessageItem } from './render.ts';

/** One message for one recipient, rendered and ready for the wire. */
export interface OutgoingMessage {
  /** Stable across attempts and restarts: receivers can deduplicate on it. */
  id: string;
  /** E-mail address, phone number, or '' for a webhook. */
  recipient: string;
  severity: Severity;
  subject: string;
  text: string;
  short: string;
  items: MessageItem[];
}

export interface Channel {
  readonly name: string;
  readonly type: 'email' | 'sms' | 'webhook';
  /** Delivers or throws a DeliveryError; never hangs past the configured timeout. */
  send(message: OutgoingMessage): Promise<void>;
  close(): void;
}

export type DeliveryErrorKind =
  /** Connection refused, DNS, reset: the far end is not there. */
  | 'unreachable'
  | 'timeout'
  /** TLS handshake or certificate. */
  | 'tls'
  /** Credentials refused (SMTP 535, HTTP 401/403). */
  | 'auth'
  /** The far end answered with a temporary failure (SMTP 4xx, HTTP 5xx, 429). */
  | 'server'
  /** The far end refused this message for good (SMTP 5xx on a recipient, HTTP 400/404/422). */
  | 'rejected';

export class DeliveryError extends Error {
  /** Only 'rejected' is final: sending the same message again would get the same answer. */
  readonly retryable: boolean;

  constructor(
    readonly kind: DeliveryErrorKind,
    readonly detail: string,
  ) {
    super(`${kind}: ${detail}`);
    this.name = 'DeliveryError';
    this.retryable = kind !== 'rejected';
  }
}

/** Cuts `text` to `max` characters, marking the cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, Math.max(0, max - 1)) + '…';
}
