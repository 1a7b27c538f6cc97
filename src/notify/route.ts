// Routing: which channels and recipients hear about a notice. Pure: config in, targets out.
import { severityRank, type Notice, type NoticeKind, type Target } from '../domain/notification.ts';
import type { NotifyConfig } from '../config/notify-schema.ts';

/** True when a route's event pattern ("*", "host.*", "action.failed") covers `kind`. */
export function eventMatches(pattern: string, kind: NoticeKind): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return kind.startsWith(pattern.slice(0, -1));
  return pattern === kind;
}

/** Every (channel, recipient) the routes send `n` to, each once even when several routes match. */
export function targetsFor(n: Notice, config: Pick<NotifyConfig, 'routes' | 'channels'>): Target[] {
  const seen = new Set<string>();
  const out: Target[] = [];
  for (const route of config.routes) {
    if (severityRank(n.severity) < severityRank(route.min_severity)) continue;
    if (!route.events.some((p) => eventMatches(p, n.kind))) continue;
    for (const name of route.channels) {
      const channel = config.channels[name];
      if (!channel) continue; // rejected by the schema; never reached with a loaded config
      const recipients = channel.type === 'webhook' ? [''] : (route.recipients ?? channel.to);
      for (const recipient of recipients) {
        const key = `${name}\u0000${recipient}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ channel: name, recipient });
      }
    }
  }
  return out;
}
