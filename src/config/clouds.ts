// OpenStack credentials the standard way (as openstacksdk/keystoneauth read them):
// a clouds.yaml entry chosen by openstack.cloud or $OS_CLOUD, else the OS_* variables.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from './errors.ts';
import type { Env } from './load.ts';
import { parseYaml } from './load.ts';

export type EndpointInterface = 'public' | 'internal' | 'admin';

export interface PasswordAuth {
  type: 'password';
  username?: string;
  userId?: string;
  password: string;
  userDomainName?: string;
  userDomainId?: string;
  projectName?: string;
  projectId?: string;
  projectDomainName?: string;
  projectDomainId?: string;
}

export interface ApplicationCredentialAuth {
  type: 'v3applicationcredential';
  applicationCredentialId?: string;
  applicationCredentialName?: string;
  applicationCredentialSecret: string;
  /** Needed only when the credential is named rather than identified. */
  username?: string;
  userId?: string;
  userDomainName?: string;
  userDomainId?: string;
}

export interface Credentials {
  /** Where these came from, for messages: "clouds.yaml /etc/openstack/clouds.yaml, cloud 'prod'". */
  source: string;
  authUrl: string;
  auth: PasswordAuth | ApplicationCredentialAuth;
  region?: string;
  interface: EndpointInterface;
  /** false disables TLS verification (OS_INSECURE / verify: false). */
  verify: boolean;
  /** PEM bundle read from cacert / OS_CACERT. */
  caCert?: string;
}

export interface CredentialOptions {
  /** openstack.cloud from vmha.yaml; falls back to $OS_CLOUD. */
  cloud?: string;
  interface?: EndpointInterface;
  region?: string;
  env: Env;
  /** Working directory searched first for clouds.yaml (defaults to process.cwd()). */
  cwd?: string;
  home?: string;
}

/** The clouds.yaml search path, in the order openstacksdk uses. */
export function cloudsYamlCandidates(opts: Pick<CredentialOptions, 'env' | 'cwd' | 'home'>): string[] {
  const home = opts.home ?? os.homedir();
  const list = [
    path.join(opts.cwd ?? process.cwd(), 'clouds.yaml'),
    path.join(home, '.config', 'openstack', 'clouds.yaml'),
    '/etc/openstack/clouds.yaml',
  ];
  return opts.env.OS_CLIENT_CONFIG_FILE ? [opts.env.OS_CLIENT_CONFIG_FILE, ...list] : list;
}

/** Resolves credentials; throws ConfigError naming the file and key on any problem. */
export function resolveCredentials(opts: CredentialOptions): Credentials {
  const cloud = opts.cloud ?? nonEmpty(opts.env.OS_CLOUD);
  if (cloud) return fromCloudsYaml(cloud, opts);
  return fromEnv(opts);
}

function fromCloudsYaml(cloud: string, opts: CredentialOptions): Credentials {
  const candidates = cloudsYamlCandidates(opts);
  const file = candidates.find((f) => fs.existsSync(f));
  if (!file) {
    throw new ConfigError('clouds.yaml', `clouds.${cloud}`, `no clouds.yaml found (looked in ${candidates.join(', ')})`);
  }
  const doc = parseYaml(fs.readFileSync(file, 'utf8'), file) as Record<string, unknown> | null;
  const clouds = doc && typeof doc === 'object' ? (doc.clouds as Record<string, unknown> | undefined) : undefined;
  if (!clouds || typeof clouds !== 'object') throw new ConfigError(file, 'clouds', 'required mapping is missing');
  let entry = clouds[cloud] as Record<string, unknown> | undefined;
  if (!entry || typeof entry !== 'object') {
    const known = Object.keys(clouds).join(', ') || 'none';
    throw new ConfigError(file, `clouds.${cloud}`, `unknown cloud '${cloud}' (known: ${known})`);
  }
  // secure.yaml beside clouds.yaml holds the secrets of the same entries (openstacksdk merges it).
  const secureFile = path.join(path.dirname(file), 'secure.yaml');
  if (fs.existsSync(secureFile)) {
    const secure = parseYaml(fs.readFileSync(secureFile, 'utf8'), secureFile) as Record<string, unknown> | null;
    const extra = (secure?.clouds as Record<string, unknown> | undefined)?.[cloud];
    if (extra && typeof extra === 'object') entry = merge(entry, extra as Record<string, unknown>);
  }
  const auth = (entry.auth ?? {}) as Record<string, unknown>;
  if (typeof auth !== 'object') throw new ConfigError(file, `clouds.${cloud}.auth`, 'expected a mapping');
  const prefix = `clouds.${cloud}`;
  const str = (obj: Record<string, unknown>, key: string, where: string): string | undefined => {
    const v = obj[key];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string' && typeof v !== 'number') throw new ConfigError(file, `${where}.${key}`, 'expected a string');
    return String(v);
  };
  const get = (key: string): string | undefined => str(auth, key, `${prefix}.auth`);
  const authType = str(entry, 'auth_type', prefix) ?? (get('application_credential_secret') ? 'v3applicationcredential' : 'password');
  const verifyRaw = entry.verify;
  const cacertPath = str(entry, 'cacert', prefix);
  return finish(
    {
      file,
      prefix,
      authType,
      authUrl: get('auth_url'),
      get: (k) => get(k) ?? (k === 'user_domain_name' || k === 'project_domain_name' ? get('default_domain') ?? undefined : undefined),
      region: opts.region ?? str(entry, 'region_name', prefix),
      iface: opts.interface ?? (str(entry, 'interface', prefix) as EndpointInterface | undefined),
      verify: verifyRaw === undefined ? true : verifyRaw !== false && verifyRaw !== 'false',
      cacertPath,
    },
    `clouds.yaml ${file}, cloud '${cloud}'`,
  );
}

function fromEnv(opts: CredentialOptions): Credentials {
  const env = opts.env;
  const get = (k: string): string | undefined => nonEmpty(env[`OS_${k.toUpperCase()}`]);
  const appCred = get('application_credential_secret') !== undefined;
  if (!get('auth_url') && !get('username') && !get('user_id') && !appCred) {
    throw new ConfigError(
      'environment',
      'OS_CLOUD',
      'no OpenStack credentials: set openstack.cloud in vmha.yaml, OS_CLOUD, or the OS_* variables (OS_AUTH_URL, ...)',
    );
  }
  return finish(
    {
      file: 'environment',
      prefix: '',
      authType: get('auth_type') ?? (appCred ? 'v3applicationcredential' : 'password'),
      authUrl: get('auth_url'),
      get: (k) => get(k) ?? (k === 'user_domain_name' || k === 'project_domain_name' ? get('default_domain_name') : undefined),
      region: opts.region ?? get('region_name'),
      iface: opts.interface ?? (get('interface') as EndpointInterface | undefined),
      verify: !['1', 'true', 'yes', 'on'].includes((env.OS_INSECURE ?? '').toLowerCase()),
      cacertPath: get('cacert'),
    },
    'OS_* environment variables',
  );
}

interface RawCreds {
  file: string;
  /** Key prefix for messages ('' for the environment, where keys are OS_* names). */
  prefix: string;
  authType: string;
  authUrl: string | undefined;
  get: (key: string) => string | undefined;
  region: string | undefined;
  iface: EndpointInterface | undefined;
  verify: boolean;
  cacertPath: string | undefined;
}

function finish(raw: RawCreds, source: string): Credentials {
  const keyName = (k: string): string => (raw.prefix ? `${raw.prefix}.auth.${k}` : `OS_${k.toUpperCase()}`);
  const need = (k: string): string => {
    const v = raw.get(k);
    if (v === undefined) throw new ConfigError(raw.file, keyName(k), 'required setting is missing');
    return v;
  };
  if (!raw.authUrl) throw new ConfigError(raw.file, keyName('auth_url'), 'required setting is missing');
  try {
    const u = new URL(raw.authUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new ConfigError(raw.file, keyName('auth_url'), 'expected an http(s) URL');
  }
  const iface = raw.iface ?? 'public';
  if (!['public', 'internal', 'admin'].includes(iface)) {
    throw new ConfigError(raw.file, raw.prefix ? `${raw.prefix}.interface` : 'OS_INTERFACE', 'expected public, internal or admin');
  }
  let caCert: string | undefined;
  if (raw.cacertPath) {
    try {
      caCert = fs.readFileSync(raw.cacertPath, 'utf8');
    } catch {
      throw new ConfigError(raw.file, raw.prefix ? `${raw.prefix}.cacert` : 'OS_CACERT', `cannot read ${raw.cacertPath}`);
    }
  }
  let auth: Credentials['auth'];
  const type = raw.authType.replace(/^v3/, '');
  if (type === 'password') {
    const username = raw.get('username');
    const userId = raw.get('user_id');
    if (!username && !userId) throw new ConfigError(raw.file, keyName('username'), 'required setting is missing (or user_id)');
    const projectName = raw.get('project_name');
    const projectId = raw.get('project_id');
    if (!projectName && !projectId) throw new ConfigError(raw.file, keyName('project_name'), 'required setting is missing (or project_id)');
    auth = {
      type: 'password',
      username,
      userId,
      password: need('password'),
      userDomainName: raw.get('user_domain_name'),
      userDomainId: raw.get('user_domain_id'),
      projectName,
      projectId,
      projectDomainName: raw.get('project_domain_name'),
      projectDomainId: raw.get('project_domain_id'),
    };
    // Keystone needs the domain of a user or project named rather than identified.
    if (username && !userId && !auth.userDomainName && !auth.userDomainId) {
      throw new ConfigError(raw.file, keyName('user_domain_name'), 'required with username (or user_domain_id)');
    }
    if (projectName && !projectId && !auth.projectDomainName && !auth.projectDomainId) {
      throw new ConfigError(raw.file, keyName('project_domain_name'), 'required with project_name (or project_domain_id)');
    }
  } else if (type === 'applicationcredential') {
    const id = raw.get('application_credential_id');
    const name = raw.get('application_credential_name');
    if (!id && !name) throw new ConfigError(raw.file, keyName('application_credential_id'), 'required setting is missing (or application_credential_name)');
    auth = {
      type: 'v3applicationcredential',
      applicationCredentialId: id,
      applicationCredentialName: name,
      applicationCredentialSecret: need('application_credential_secret'),
      username: raw.get('username'),
      userId: raw.get('user_id'),
      userDomainName: raw.get('user_domain_name'),
      userDomainId: raw.get('user_domain_id'),
    };
    if (!id && !auth.userId && !(auth.username && (auth.userDomainName || auth.userDomainId))) {
      throw new ConfigError(raw.file, keyName('user_id'), 'a named application credential needs user_id, or username with user_domain_name');
    }
  } else {
    throw new ConfigError(
      raw.file,
      raw.prefix ? `${raw.prefix}.auth_type` : 'OS_AUTH_TYPE',
      `unsupported auth type '${raw.authType}' (supported: password, v3applicationcredential)`,
    );
  }
  return { source, authUrl: raw.authUrl, auth, region: raw.region, interface: iface, verify: raw.verify, caCert };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)
        ? merge(cur as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}
