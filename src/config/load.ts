// Reads and validates vmha.yaml. This module and clouds.ts are the only readers of
// process.env and configuration files; everything else receives a frozen Config.
import fs from 'node:fs';
import YAML from 'yaml';
import type { z } from 'zod';
import { ConfigError } from './errors.ts';
import { resolveMatrixFile } from './matrix-file.ts';
import { configSchema, SECRET_PATHS, type Config } from './schema.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_CONFIG_PATH = '/etc/vmha/vmha.yaml';

/** --config, else $VMHA_CONFIG, else /etc/vmha/vmha.yaml. */
export function resolveConfigPath(flag: string | undefined, env: Env): string {
  return flag ?? env.VMHA_CONFIG ?? DEFAULT_CONFIG_PATH;
}

/** Reads, parses and validates the configuration file; throws ConfigError. */
export function loadConfig(file: string): Readonly<Config> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : `cannot read (${code ?? 'error'})`;
    throw new ConfigError(file, '', why);
  }
  return parseConfig(text, file);
}

/** Parses YAML text as a vmha configuration; `file` names it in errors. */
export function parseConfig(text: string, file: string): Readonly<Config> {
  const doc = parseYaml(text, file);
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError(file, '', 'expected a YAML mapping at the top level');
  }
  const result = configSchema.safeParse(doc);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => describeIssue(issue, doc));
    const first = problems[0] ?? { key: '', problem: 'invalid' };
    const err = new ConfigError(file, first.key, first.problem);
    if (problems.length > 1) {
      err.message = problems.map((p) => `${file}: ${p.key ? p.key + ': ' : ''}${p.problem}`).join('\n');
    }
    throw err;
  }
  return deepFreeze(resolveMatrixFile(result.data, file));
}

/**
 * Parses YAML into plain data. Only the first line of the parser's message is kept:
 * the rest quotes the offending source line, which may hold a secret.
 */
export function parseYaml(text: string, file: string): unknown {
  try {
    return YAML.parse(text, { prettyErrors: true, uniqueKeys: true, maxAliasCount: 100 });
  } catch (err) {
    const first = String((err as Error).message).split('\n')[0] ?? 'invalid YAML';
    throw new ConfigError(file, '', `malformed YAML: ${first.replace(/:$/, '')}`);
  }
}

function describeIssue(issue: z.core.$ZodIssue, doc: unknown): { key: string; problem: string } {
  const key = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (key ? `${key}.${k}` : k));
    return { key: keys.join(', '), problem: 'unknown setting (check the spelling; see vmha.example.yaml)' };
  }
  if (valueAt(doc, issue.path) === undefined && issue.code === 'invalid_type') {
    return { key, problem: 'required setting is missing' };
  }
  return { key, problem: issue.message };
}

function valueAt(doc: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = doc;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

/** A copy of the configuration with every secret replaced by "***". */
export function maskSecrets(config: Readonly<Config>): unknown {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  for (const path of SECRET_PATHS) mask(copy, path.split('.'));
  return copy;
}

/** Replaces the value at `parts` ("*" matches every key) with "***". */
function mask(node: unknown, parts: readonly string[]): void {
  if (!node || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  const [head, ...rest] = parts;
  const keys = head === '*' ? Object.keys(obj) : head !== undefined && head in obj ? [head] : [];
  for (const key of keys) {
    if (rest.length) mask(obj[key], rest);
    else if (obj[key] !== undefined) obj[key] = '***';
  }
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
