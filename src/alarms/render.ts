// Rendering a template for one instance into the exact body Aodh's API accepts. Pure:
// the same template, instance and settings always give the same body.
import type { VariableValue } from '../../alarms/schema.ts';
import { ConfigError } from '../config/errors.ts';
import { alarmActionUrl } from '../domain/webhook-url.ts';
import { checkAlarmBody, type AlarmBody } from './aodh-body.ts';
import { BUILTIN_VARIABLES, type Template } from './template.ts';

/** vmha owns every alarm whose name starts with this. */
export const OWNED_PREFIX = 'vmha:';

/** What the action URLs are built from (config `webhook` and `alarms.trust`). */
export interface ActionSettings {
  publicUrl: string;
  secret: string;
  trust: boolean;
}

/** vmha:<template>:<instance-id>: the name by which vmha finds its alarms again. */
export function alarmName(template: string, instanceId: string): string {
  return `${OWNED_PREFIX}${template}:${instanceId}`;
}

/** The template and instance of an owned alarm name; undefined for any other name. */
export function parseAlarmName(name: string): { template: string; instanceId: string } | undefined {
  const m = /^vmha:([a-z0-9][a-z0-9-]*):(.+)$/.exec(name);
  return m ? { template: m[1]!, instanceId: m[2]! } : undefined;
}

/** Marks the alarm as vmha's in Aodh, for whoever looks at it there. */
export const MANAGED_NOTE = "Managed by vmha: changes made here are overwritten by 'vmha alarms install'.";

/**
 * Renders `template` for one instance with resolved variables (see resolveVariables).
 * Throws a ConfigError naming the template file and field if the result is not a body
 * Aodh accepts, or if the template uses an unknown ${variable}.
 */
export function render(template: Template, instanceId: string, vars: Readonly<Record<string, VariableValue>>, actions: ActionSettings): AlarmBody {
  const name = alarmName(template.name, instanceId);
  const all: Record<string, VariableValue> = {
    ...vars,
    instance_id: instanceId,
    alarm_name: name,
    action_url: alarmActionUrl(actions.publicUrl, actions.secret, name, actions.trust),
    template: template.name,
  };
  const sub = new Substituter(template, all);
  const description = `${String(sub.value(template.description, 'description'))} ${MANAGED_NOTE}`;
  const alarm = sub.value(template.alarm, 'alarm') as Record<string, unknown>;
  // Fields Aodh would default are made explicit: PUT replaces the whole alarm, and an
  // explicit body is what the comparison with Aodh's echo relies on.
  const body = {
    name,
    description,
    enabled: true,
    repeat_actions: false,
    alarm_actions: [],
    ok_actions: [],
    insufficient_data_actions: [],
    ...alarm,
  };
  const checked = checkAlarmBody(body);
  if (!checked.ok) {
    const first = checked.issues[0]!;
    throw new ConfigError(template.file, first.path ? `alarm.${first.path}` : 'alarm', first.message);
  }
  return checked.body;
}

/** ${name} substitution that keeps types: a value that is exactly "${threshold}" becomes the number. */
class Substituter {
  constructor(
    private readonly template: Template,
    private readonly vars: Readonly<Record<string, VariableValue>>,
  ) {}

  value(v: unknown, path: string): unknown {
    if (typeof v === 'string') return this.string(v, path);
    if (Array.isArray(v)) return v.map((x, i) => this.value(x, `${path}.${i}`));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = this.value(x, `${path}.${k}`);
      return out;
    }
    return v;
  }

  private string(s: string, path: string): unknown {
    const whole = /^\$\{([^}]*)\}$/.exec(s);
    if (whole) return this.lookup(whole[1]!, path);
    // "$${" is a literal "${".
    return s.replace(/\$\$\{|\$\{([^}]*)\}/g, (m, name: string | undefined) => (name === undefined ? '${' : String(this.lookup(name, path))));
  }

  private lookup(name: string, path: string): VariableValue {
    const v = this.vars[name];
    if (v !== undefined && Object.hasOwn(this.vars, name)) return v;
    const declared = Object.keys(this.template.variables);
    throw new ConfigError(
      this.template.file,
      path,
      `unknown variable \${${name}} (declared: ${declared.join(', ') || 'none'}; built-in: ${BUILTIN_VARIABLES.join(', ')})`,
    );
  }
}
