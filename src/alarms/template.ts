// Alarm templates: reading alarms/<name>.yaml into a checked Template, and the typed
// variables it is rendered with. Every problem is one ConfigError naming the file and
// the field, raised before anything is sent to Aodh.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { article, matchesType, templateFileSchema, type VariableDecl, type VariableValue } from '../../alarms/schema.ts';
import { ConfigError } from '../config/errors.ts';
import { parseYaml } from '../config/load.ts';

export interface Template {
  name: string;
  /** The file it was read from, for error messages. */
  file: string;
  description: string;
  variables: Record<string, VariableDecl>;
  /** The alarm body with ${variables}, without name and description. */
  alarm: Record<string, unknown>;
}

/** Variables vmha provides for every alarm; templates cannot redeclare them. */
export const BUILTIN_VARIABLES = ['instance_id', 'alarm_name', 'action_url', 'template'] as const;

/** Fields of the alarm body that vmha sets itself. */
const RESERVED_ALARM_FIELDS: Record<string, string> = {
  name: 'set by vmha (vmha:<template>:<instance>); remove it from the template',
  description: "set by vmha from the template's top-level description; move it there",
  state: 'the state belongs to Aodh; remove it from the template',
};

/** Parses a template file's text; `file` names it in errors. Pure. */
export function parseTemplate(text: string, file: string): Template {
  const doc = parseYaml(text, file);
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError(file, '', 'expected a YAML mapping with name, description, variables and alarm');
  }
  const r = templateFileSchema.safeParse(doc, { reportInput: true });
  if (!r.success) {
    const issue = [...r.error.issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'))[0]!;
    const key = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      throw new ConfigError(file, issue.keys.map((k) => (key ? `${key}.${k}` : k)).join(', '), 'unknown field (a template has name, description, variables, alarm)');
    }
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    throw new ConfigError(file, key, missing ? 'required field is missing' : issue.message);
  }
  const t = r.data;
  const base = path.basename(file).replace(/\.ya?ml$/, '');
  if (t.name !== base) throw new ConfigError(file, 'name', `must equal the file name (${base})`);
  for (const v of Object.keys(t.variables)) {
    if ((BUILTIN_VARIABLES as readonly string[]).includes(v)) {
      throw new ConfigError(file, `variables.${v}`, `${v} is a built-in variable (${BUILTIN_VARIABLES.join(', ')}); choose another name`);
    }
  }
  for (const [k, why] of Object.entries(RESERVED_ALARM_FIELDS)) {
    if (k in t.alarm) throw new ConfigError(file, `alarm.${k}`, why);
  }
  return { name: t.name, file, description: t.description, variables: t.variables, alarm: t.alarm };
}

/** The bundled templates: alarms/ at the repository root (also when running from dist/). */
export function bundledTemplatesDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../../alarms'), path.resolve(here, '../../../alarms')];
  return candidates.find((d) => fs.existsSync(path.join(d, 'ping-delay.yaml'))) ?? candidates[0]!;
}

/** Reads and parses <dir>/<name>.yaml. */
export function loadTemplate(dir: string, name: string): Template {
  const file = path.join(dir, `${name}.yaml`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const known = listTemplateNames(dir);
    const why =
      code === 'ENOENT'
        ? `no such template${known.length ? ` (available: ${known.join(', ')})` : ''}`
        : `cannot read (${code ?? 'error'})`;
    throw new ConfigError(file, '', why);
  }
  return parseTemplate(text, file);
}

/** Names of the templates in a directory (files <name>.yaml), sorted. */
export function listTemplateNames(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.slice(0, -'.yaml'.length))
      .sort();
  } catch {
    return [];
  }
}

/** Where variable overrides came from, to name it in errors (e.g. vmha.yaml, alarms.vars.ping-delay). */
export interface OverrideSource {
  file: string;
  key: string;
}

/**
 * The template's variables with overrides applied, type-checked against the declarations:
 * an override of an undeclared variable or of the wrong type is an error naming its source.
 */
export function resolveVariables(
  template: Template,
  overrides: Readonly<Record<string, VariableValue>> = {},
  source: OverrideSource = { file: template.file, key: 'variables' },
): Record<string, VariableValue> {
  const out: Record<string, VariableValue> = {};
  for (const [name, decl] of Object.entries(template.variables)) out[name] = decl.default;
  for (const [name, value] of Object.entries(overrides)) {
    const decl = template.variables[name];
    if (!decl) {
      const declared = Object.keys(template.variables);
      throw new ConfigError(
        source.file,
        `${source.key}.${name}`,
        `template ${template.name} has no variable ${name} (declared: ${declared.join(', ') || 'none'})`,
      );
    }
    if (!matchesType(value, decl.type)) {
      throw new ConfigError(source.file, `${source.key}.${name}`, `expected ${article(decl.type)}, got ${JSON.stringify(value)}`);
    }
    out[name] = value;
  }
  return out;
}
