// Reads the action matrix file that recovery.matrix_file names and validates it, so that
// `vmha config check` and `vmha serve` refuse a bad matrix with the file, the rule and
// the key at fault, before anything runs. Config is the only reader of files.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { ConfigError } from './errors.ts';
import { matrixSchema, toMatrix } from './matrix-schema.ts';
import type { Matrix } from '../policy/matrix.ts';

/** Parses and validates matrix YAML text; `file` names it in errors (ConfigError). */
export function parseMatrix(text: string, file: string): Matrix {
  let doc: unknown;
  try {
    doc = YAML.parse(text, { prettyErrors: true, uniqueKeys: true, maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError(file, '', `malformed YAML: ${String((err as Error).message).split('\n')[0]}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(file, '', 'expected a mapping with `rules:` at the top level');
  const result = matrixSchema.safeParse(doc);
  if (!result.success) {
    const problems = result.error.issues.map((i) => describe(i, doc));
    const err = new ConfigError(file, problems[0]!.key, problems[0]!.problem);
    if (problems.length > 1) err.message = problems.map((p) => `${file}: ${p.key ? p.key + ': ' : ''}${p.problem}`).join('\n');
    throw err;
  }
  return toMatrix(result.data);
}

/** Reads `recovery.matrix_file` (relative to the config file) into `recovery.matrix`. */
export function resolveMatrixFile<T extends { recovery: { matrix?: unknown; matrix_file?: string } }>(config: T, configFile: string): T {
  const rel = config.recovery.matrix_file;
  if (rel === undefined) return config;
  if (config.recovery.matrix !== undefined) {
    throw new ConfigError(configFile, 'recovery.matrix_file', 'give recovery.matrix or recovery.matrix_file, not both');
  }
  const file = path.resolve(path.dirname(configFile), rel);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(configFile, 'recovery.matrix_file', `cannot read ${file} (${code === 'ENOENT' ? 'file not found' : code ?? 'error'})`);
  }
  return { ...config, recovery: { ...config.recovery, matrix: parseMatrix(text, file) } };
}

/** "rules.2.then" plus a message naming the rule, for people. */
function describe(issue: z.core.$ZodIssue, doc: unknown): { key: string; problem: string } {
  const key = issue.path.map(String).join('.');
  let where = '';
  if (issue.path[0] === 'rules' && typeof issue.path[1] === 'number') {
    const name = ((doc as { rules?: { name?: unknown }[] }).rules?.[issue.path[1]] ?? {}).name;
    if (typeof name === 'string') where = ` (rule ${name})`;
  }
  if (issue.code === 'unrecognized_keys') {
    return { key: issue.keys.map((k) => (key ? `${key}.${k}` : k)).join(', '), problem: `unknown key${where} (check the spelling; see docs/action-matrix.md)` };
  }
  if (issue.code === 'invalid_type' && valueAt(doc, issue.path) === undefined) return { key, problem: `required key is missing${where}` };
  return { key, problem: `${issue.message}${where}` };
}

function valueAt(doc: unknown, p: readonly PropertyKey[]): unknown {
  let cur: unknown = doc;
  for (const k of p) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}
