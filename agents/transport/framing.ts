// Pure framing of the qemu-ga wire protocol (no I/O): requests are JSON objects, one per
// line; replies are JSON objects each ended by "\n". A 0xFF byte sent by the client
// resets the agent's parser; the agent answers guest-sync-delimited with 0xFF right
// before the reply. 0xFF never occurs in UTF-8 JSON, so it is an unambiguous marker.
// Replies carry no id: after a timeout the only safe way back is to sync again and
// drop everything up to our own sync reply.

export type WireEvent = { type: 'sentinel' } | { type: 'line'; text: string };

const SENTINEL = 0xff;
const NEWLINE = 0x0a;

/** Splits the reply byte stream into sentinel markers and complete lines. */
export class ReplyScanner {
  private pending: Buffer[] = [];

  /** Feeds bytes; returns the events they complete, in stream order. */
  feed(chunk: Buffer): WireEvent[] {
    const events: WireEvent[] = [];
    let start = 0;
    // indexOf runs natively: replies of guest-file-read are hundreds of KiB.
    let nl = chunk.indexOf(NEWLINE, start);
    let ff = chunk.indexOf(SENTINEL, start);
    while (nl >= 0 || ff >= 0) {
      const i = ff >= 0 && (nl < 0 || ff < nl) ? ff : nl;
      const part = chunk.subarray(start, i);
      const text = this.pending.length ? Buffer.concat([...this.pending, part]).toString('utf8') : part.toString('utf8');
      this.pending = [];
      start = i + 1;
      if (i === ff) {
        // Bytes before a sentinel are the tail of an abandoned reply: drop them.
        events.push({ type: 'sentinel' });
        ff = chunk.indexOf(SENTINEL, start);
      } else {
        if (text.trim() !== '') events.push({ type: 'line', text });
        nl = chunk.indexOf(NEWLINE, start);
      }
    }
    if (start < chunk.length) this.pending.push(chunk.subarray(start));
    return events;
  }

  /** Bytes received but not yet ended by a newline (for bounding memory). */
  get pendingBytes(): number {
    return this.pending.reduce((n, b) => n + b.length, 0);
  }

  reset(): void {
    this.pending = [];
  }
}

/** The bytes of a sync request: parser reset (0xFF), then guest-sync-delimited. */
export function encodeSync(id: number): Buffer {
  return Buffer.concat([Buffer.from([SENTINEL]), encodeCommand('guest-sync-delimited', { id })]);
}

/** The QMP-style request a guest agent takes: {"execute", "arguments"?}. */
export function agentRequestJson(execute: string, args?: Record<string, unknown>): string {
  return JSON.stringify(args === undefined ? { execute } : { execute, arguments: args });
}

export function encodeCommand(execute: string, args?: Record<string, unknown>): Buffer {
  return Buffer.from(agentRequestJson(execute, args) + '\n', 'utf8');
}

export type ParsedReply =
  | { type: 'return'; value: unknown }
  | { type: 'error'; errorClass: string; desc: string }
  | { type: 'malformed'; reason: string };

/** Interprets one reply line; never throws. */
export function parseReply(text: string): ParsedReply {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { type: 'malformed', reason: `not JSON: ${preview(text)}` };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return { type: 'malformed', reason: `not a JSON object: ${preview(text)}` };
  }
  const obj = value as Record<string, unknown>;
  if ('return' in obj) return { type: 'return', value: obj.return };
  if (obj.error && typeof obj.error === 'object') {
    const err = obj.error as Record<string, unknown>;
    return {
      type: 'error',
      errorClass: typeof err.class === 'string' ? err.class : 'GenericError',
      desc: typeof err.desc === 'string' ? err.desc : JSON.stringify(err),
    };
  }
  return { type: 'malformed', reason: `neither "return" nor "error": ${preview(text)}` };
}

/** True when a line after a sentinel is the reply to our sync with this id. */
export function isSyncReply(text: string, id: number): boolean {
  const r = parseReply(text);
  return r.type === 'return' && r.value === id;
}

function preview(text: string): string {
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
