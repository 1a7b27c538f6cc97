// A real SMTP server (smtp-server) as its own process on 127.0.0.1, for the notifier's
// tests. Usage: node --import tsx smtp-sink.ts '<json options>'. Prints one JSON object
// per line on stdout: {"listening": port}, then {"auth": ...} per login attempt and
// {"mail": ...} per message received, decoded (headers, subject, text).
//
// Options: auth "none" (no AUTH offered), "required" (user/pass must match) or
// "refuse" (every login gets 535); STARTTLS is offered with smtp-server's own
// self-signed certificate.
import { SMTPServer } from 'smtp-server';

interface Options {
  auth: 'none' | 'required' | 'refuse';
  user?: string;
  pass?: string;
}

const opts = JSON.parse(process.argv[2] ?? '{"auth":"none"}') as Options;
const out = (o: unknown): void => {
  process.stdout.write(JSON.stringify(o) + '\n');
};

const server = new SMTPServer({
  authOptional: opts.auth === 'none',
  disabledCommands: opts.auth === 'none' ? ['AUTH'] : [],
  logger: false,
  onAuth(auth, session, cb) {
    const ok = opts.auth === 'required' && auth.username === opts.user && auth.password === opts.pass;
    out({ auth: { user: auth.username, ok, secure: session.secure } });
    if (!ok) {
      const err = new Error('Authentication credentials invalid') as Error & { responseCode: number };
      err.responseCode = 535;
      cb(err);
      return;
    }
    cb(null, { user: auth.username });
  },
  onData(stream, session, cb) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      out({
        mail: {
          ...parseMessage(raw),
          envelope: { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null, to: session.envelope.rcptTo.map((r) => r.address) },
          secure: session.secure,
          user: session.user ?? null,
        },
      });
      cb();
    });
  },
});

server.listen(0, '127.0.0.1', () => {
  const addr = server.server.address();
  out({ listening: typeof addr === 'object' && addr ? addr.port : 0 });
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

/** Headers (lower-cased, unfolded, RFC 2047 decoded) and the decoded text body of a single-part message. */
function parseMessage(raw: string): { headers: Record<string, string>; subject: string; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const body = raw.slice(split + 4);
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = decodeWords(line.slice(i + 1).trim());
  }
  const cte = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  let text = body;
  if (cte === 'base64') text = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  else if (cte === 'quoted-printable') text = decodeQp(body);
  return { headers, subject: headers.subject ?? '', text: text.replace(/\r\n/g, '\n') };
}

function decodeQp(s: string): string {
  const src = s.replace(/=\r\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < src.length; i++) {
    const hex = src[i] === '=' ? src.slice(i + 1, i + 3) : '';
    if (/^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(src[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeWords(s: string): string {
  return s
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, _charset: string, enc: string, data: string) =>
      enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : decodeQp(data.replace(/_/g, ' ')),
    );
}
