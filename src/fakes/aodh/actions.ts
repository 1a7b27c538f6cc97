// Alarm action URLs as Aodh handles them: Python's urlsplit()/geturl() semantics
// (oslo netutils.urlsplit), the notifier schemes of setup.cfg, trust ids embedded
// into trust+ URLs on store (alarms.py update_actions) and scrubbed on output.

/** Schemes with an aodh.notifier entry point. */
export const ACTION_SCHEMES = ['log', 'test', 'http', 'https', 'trust+http', 'trust+https', 'zaqar', 'trust+zaqar', 'trust+heat'] as const;

export interface SplitUrl {
  scheme: string;
  netloc: string;
  path: string;
  query: string;
  fragment: string;
}

const SCHEME_CHARS = /^[A-Za-z0-9+\-.]+$/;
/** urllib's uses_netloc: only these keep "//" when the netloc is empty. */
const USES_NETLOC = new Set(['', 'ftp', 'http', 'gopher', 'nntp', 'telnet', 'imap', 'wais', 'file', 'mms', 'https', 'shttp', 'snews', 'prospero', 'rtsp', 'rtsps', 'rtspu', 'rsync', 'svn', 'svn+ssh', 'sftp', 'nfs', 'git', 'git+ssh', 'ws', 'wss', 'itms-services']);

/** urllib.parse.urlsplit (Python 3.11); throws on an unbalanced IPv6 bracket, as upstream does. */
export function urlsplit(input: string): SplitUrl {
  // eslint-disable-next-line no-control-regex
  let url = input.replace(/^[\x00-\x20]+/, '').replace(/[\t\r\n]/g, '');
  let scheme = '';
  let netloc = '';
  let query = '';
  let fragment = '';
  const i = url.indexOf(':');
  if (i > 0 && /^[A-Za-z]/.test(url) && SCHEME_CHARS.test(url.slice(0, i))) {
    scheme = url.slice(0, i).toLowerCase();
    url = url.slice(i + 1);
  }
  if (url.startsWith('//')) {
    let end = url.length;
    for (const c of '/?#') {
      const at = url.indexOf(c, 2);
      if (at >= 0) end = Math.min(end, at);
    }
    netloc = url.slice(2, end);
    url = url.slice(end);
    if (netloc.includes('[') !== netloc.includes(']')) throw new Error('Invalid IPv6 URL');
  }
  const hash = url.indexOf('#');
  if (hash >= 0) {
    fragment = url.slice(hash + 1);
    url = url.slice(0, hash);
  }
  const q = url.indexOf('?');
  if (q >= 0) {
    query = url.slice(q + 1);
    url = url.slice(0, q);
  }
  return { scheme, netloc, path: url, query, fragment };
}

/** SplitResult.geturl(): note that "log://" comes back as "log:", exactly as from Aodh. */
export function urlunsplit(u: SplitUrl): string {
  let url = u.path;
  if (u.netloc || (u.scheme && USES_NETLOC.has(u.scheme) && !url.startsWith('//'))) {
    if (url && !url.startsWith('/')) url = '/' + url;
    url = '//' + u.netloc + url;
  }
  if (u.scheme) url = `${u.scheme}:${url}`;
  if (u.query) url += `?${u.query}`;
  if (u.fragment) url += `#${u.fragment}`;
  return url;
}

const isTrust = (u: SplitUrl): boolean => u.scheme.startsWith('trust+');

/** Alarm._scrub_action_url(): drops "<trust id>:delete@" from trust URLs; every URL goes through geturl(). */
export function scrubAction(action: string): string {
  const u = urlsplit(action);
  if (isTrust(u)) u.netloc = u.netloc.slice(u.netloc.lastIndexOf('@') + 1);
  return urlunsplit(u);
}

/** The trust ids a stored alarm owns (user part of trust URLs whose password is "delete"). */
export function ownedTrustIds(actions: readonly string[]): string[] {
  const ids: string[] = [];
  for (const action of actions) {
    const u = urlsplit(action);
    if (!isTrust(u) || !u.netloc.includes('@')) continue;
    const userinfo = u.netloc.slice(0, u.netloc.lastIndexOf('@'));
    const [user, password] = userinfo.split(':');
    if (user && password === 'delete' && !ids.includes(user)) ids.push(user);
  }
  return ids;
}

export class TrustUrlError extends Error {}

/**
 * Alarm.update_actions(): every trust+ URL gets a trust id, the first one with
 * ":delete" (Aodh deletes that trust with the alarm). A trust kept from the
 * previous version of the alarm is reused; otherwise `createTrust` makes one.
 */
export function embedTrusts(
  lists: string[][],
  previousTrustIds: string[],
  createTrust: () => string,
): { unusedTrustIds: string[] } {
  const prev = [...previousTrustIds];
  let trustId = prev.pop();
  let used = false;
  for (const actions of lists) {
    actions.forEach((action, index) => {
      const u = urlsplit(action);
      if (!isTrust(u)) return;
      if (u.netloc.includes('@')) throw new TrustUrlError('trust URL cannot contain a trust ID.');
      if (trustId === undefined) trustId = createTrust();
      const pw = used ? '' : ':delete';
      used = true;
      actions[index] = urlunsplit({ ...u, netloc: `${trustId}${pw}@${u.netloc}` });
    });
  }
  if (trustId !== undefined && !used) prev.push(trustId);
  return { unusedTrustIds: prev };
}
