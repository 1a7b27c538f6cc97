// `vmha alarms render`: print the exact body install would send to Aodh for one
// template and instance. Offline: reads the configuration and the template only.
import { article, matchesType, type VariableValue } from '../../../alarms/schema.ts';
import { render } from '../../alarms/render.ts';
import { loadTemplate, resolveVariables } from '../../alarms/template.ts';
import { ConfigError } from '../../config/errors.ts';
import { guard, type CliContext } from '../context.ts';
import { EXIT } from '../io.ts';
import { alarmSetup } from './setup.ts';

export interface RenderFlags {
  template: string;
  instance: string;
  set?: string[];
}

export async function renderAlarm(ctx: CliContext, flags: RenderFlags): Promise<number> {
  return guard(ctx.io, async () => {
    const setup = alarmSetup(ctx);
    const template = loadTemplate(setup.templatesDir, flags.template);
    const configured = resolveVariables(template, setup.alarms.vars[template.name] ?? {}, {
      file: setup.configPath,
      key: `alarms.vars.${template.name}`,
    });
    const overrides: Record<string, VariableValue> = {};
    for (const s of flags.set ?? []) {
      const eq = s.indexOf('=');
      if (eq <= 0) throw new ConfigError('--set', s, 'expected NAME=VALUE');
      const name = s.slice(0, eq);
      const decl = template.variables[name];
      const value = decl ? coerce(s.slice(eq + 1), decl.type) : s.slice(eq + 1);
      if (decl && !matchesType(value, decl.type)) throw new ConfigError('--set', name, `expected ${article(decl.type)}, got ${s.slice(eq + 1)}`);
      overrides[name] = value;
    }
    const vars = resolveVariables(template, { ...configured, ...overrides }, { file: '--set', key: template.name });
    const body = render(template, flags.instance, vars, setup.actions);
    ctx.io.stdout(JSON.stringify(body, null, 2) + '\n');
    return EXIT.OK;
  });
}

/** A --set value read as the declared type: "800" is a number for a number variable. */
function coerce(raw: string, type: string): VariableValue {
  if ((type === 'number' || type === 'integer') && raw.trim() !== '' && Number.isFinite(Number(raw))) return Number(raw);
  if (type === 'boolean' && (raw === 'true' || raw === 'false')) return raw === 'true';
  return raw;
}
