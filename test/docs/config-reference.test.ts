// docs/configuration.md against the schema of vmha.yaml: every setting is documented,
// nothing documented is gone, and every default printed is the one vmha applies.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import YAML from 'yaml';
import { parseConfig } from '../../src/config/load.ts';
import { configSchema } from '../../src/config/schema.ts';
import { settingPaths } from './schema-paths.ts';

const root = (p: string): string => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const DOC = 'docs/configuration.md';

interface Row {
  key: string;
  type: string;
  default: string;
  line: number;
}

/** The rows of the doc's tables whose first cell is a `key`. */
function rows(markdown: string): Row[] {
  const out: Row[] = [];
  markdown.split('\n').forEach((text, i) => {
    if (!text.startsWith('| `')) return;
    // Cells are separated by | not escaped as \|.
    const cells = text.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim());
    expect(cells, `${DOC}:${i + 1}: expected | key | type | default | meaning |`).to.have.length(4);
    out.push({ key: cells[0]!.replace(/^`|`$/g, ''), type: cells[1]!, default: cells[2]!, line: i + 1 });
  });
  return out;
}

// Defaults are read from parsed files, as vmha applies them. The smallest valid file:
const MINIMAL = { webhook: { public_url: 'http://127.0.0.1:8780', secret: 'reference-secret' } };
// Reaches the defaults inside maps and lists: one channel of each type (named after the
// type, so `<email>` reads `email`), one route, one socket, a fence.
const RICH = {
  ...MINIMAL,
  safety: { host_failure: { fence: { command: ['true'] } } },
  probe: { sockets: [{ uuid: '0a0a0a0a-0000-4000-8000-00000000000a', path: '/run/qga.sock' }] },
  notify: {
    channels: {
      email: { type: 'email', host: 'smtp.example.org', from: 'vmha@example.org' },
      sms: { type: 'sms', preset: 'twilio', auth: { type: 'basic', user: 'AC0', pass: 'x' }, from: '+15005550006' },
      webhook: { type: 'webhook', url: 'https://chat.example.org/hooks/x' },
    },
    routes: [{ channels: ['webhook'] }],
  },
};

/** The value at a documented key in a parsed config; `found` is false when its parent is absent. */
function lookup(config: unknown, key: string): { found: boolean; value?: unknown } {
  const parts = key.replace(/\[\]/g, '.0').replace(/<([a-z]+)>/g, '$1').split('.');
  let cur: unknown = config;
  for (const [i, p] of parts.entries()) {
    if (cur === null || typeof cur !== 'object') return { found: false };
    if (i === parts.length - 1) return { found: true, value: (cur as Record<string, unknown>)[p] };
    cur = (cur as Record<string, unknown>)[p];
  }
  return { found: false };
}

/** A documented key as a pattern over concrete paths (alarms.vars covers alarms.vars.ping-delay.threshold). */
function keyPattern(key: string): RegExp {
  const body = key
    .split(/(<[a-z]+>|\[\])/)
    .map((part) => (part === '[]' ? '\\.\\d+' : /^<[a-z]+>$/.test(part) ? '[^.]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}(\\..*)?$`);
}

/** Dotted paths of every scalar (or empty map/list) in a parsed YAML document; list items as .0, .1 ... */
function leafPaths(node: unknown, prefix = ''): string[] {
  if (node !== null && typeof node === 'object') {
    const entries = Array.isArray(node) ? node.map((v, i) => [String(i), v] as const) : Object.entries(node);
    if (entries.length) return entries.flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
  }
  return [prefix];
}

describe('docs/configuration.md (the configuration reference)', () => {
  const markdown = fs.readFileSync(root(DOC), 'utf8');
  const documented = rows(markdown);
  const schema = settingPaths(configSchema);

  it('documents every setting of the schema, once, and nothing else', () => {
    const keys = documented.map((r) => r.key);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i), 'documented twice').to.deep.equal([]);
    const want = schema.map((p) => p.path);
    expect(want.filter((k) => !keys.includes(k)), `settings missing from ${DOC}`).to.deep.equal([]);
    expect(keys.filter((k) => !want.includes(k)), `rows in ${DOC} for settings the schema does not have`).to.deep.equal([]);
  });

  it('prints the defaults vmha applies; "required" and "none" exactly where the schema has no default', () => {
    const minimal = parseConfig(YAML.stringify(MINIMAL), 'minimal.yaml');
    const rich = parseConfig(YAML.stringify(RICH), 'rich.yaml');
    const presence = new Map(schema.map((p) => [p.path, p.presence]));
    const wrong: string[] = [];
    for (const row of documented) {
      const where = `${DOC}:${row.line} ${row.key}`;
      const schemaSays = presence.get(row.key);
      const docSays = row.default.startsWith('required') ? 'required' : row.default.startsWith('none') ? 'optional' : 'defaulted';
      if (schemaSays !== docSays) {
        wrong.push(`${where}: the schema makes it ${schemaSays}, the doc says "${row.default}"`);
        continue;
      }
      if (docSays !== 'defaulted') continue;
      const inMinimal = lookup(minimal, row.key);
      const actual = inMinimal.found ? inMinimal.value : lookup(rich, row.key).value;
      const m = /^`([^`]*)`/.exec(row.default);
      if (!m) {
        wrong.push(`${where}: the default cell must start with \`value\`, "required" or "none", got "${row.default}"`);
        continue;
      }
      const printed: unknown = YAML.parse(m[1]!);
      try {
        expect(printed).to.deep.equal(actual);
      } catch {
        wrong.push(`${where}: documented default ${m[1]}, vmha applies ${JSON.stringify(actual)}`);
      }
    }
    expect(wrong).to.deep.equal([]);
  });

  it('covers every key vmha.example.yaml sets, and the example is valid', () => {
    const text = fs.readFileSync(root('vmha.example.yaml'), 'utf8');
    expect(() => parseConfig(text, 'vmha.example.yaml')).to.not.throw();
    const patterns = documented.map((r) => keyPattern(r.key));
    const uncovered = leafPaths(YAML.parse(text)).filter((p) => !patterns.some((re) => re.test(p)));
    expect(uncovered, `keys of vmha.example.yaml missing from ${DOC}`).to.deep.equal([]);
  });

  it('is linked from the README', () => {
    expect(fs.readFileSync(root('README.md'), 'utf8')).to.contain(`(${DOC})`);
  });
});
