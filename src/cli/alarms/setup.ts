// What every alarm command needs before touching OpenStack: the alarms settings, the
// templates read and checked (a broken template stops the command here, exit 2,
// before any call), and the instance selection from the flags.
import path from 'node:path';
import type { AlarmBody } from '../../alarms/aodh-body.ts';
import type { InstanceSelector, PreparedTemplate } from '../../alarms/inventory.ts';
import { render, type ActionSettings } from '../../alarms/render.ts';
import { bundledTemplatesDir, listTemplateNames, loadTemplate, resolveVariables } from '../../alarms/template.ts';
import type { AlarmsConfig } from '../../config/alarms-schema.ts';
import { ConfigError } from '../../config/errors.ts';
import type { CliContext } from '../context.ts';

/** Instance id used to check that a template renders, before any real instance is known. */
export const SAMPLE_INSTANCE = '00000000-0000-0000-0000-000000000000';

export interface AlarmSetup {
  alarms: AlarmsConfig;
  configPath: string;
  templatesDir: string;
  actions: ActionSettings;
}

export function alarmSetup(ctx: CliContext): AlarmSetup {
  const config = ctx.config();
  const configPath = ctx.configPath();
  const alarms = config.alarms;
  const templatesDir = alarms.templates_dir ? path.resolve(path.dirname(configPath), alarms.templates_dir) : bundledTemplatesDir();
  const known = new Set(listTemplateNames(templatesDir));
  for (const name of Object.keys(alarms.vars)) {
    if (!known.has(name)) {
      throw new ConfigError(configPath, `alarms.vars.${name}`, `no template ${name} in ${templatesDir} (available: ${[...known].join(', ')})`);
    }
  }
  return {
    alarms,
    configPath,
    templatesDir,
    actions: { publicUrl: config.webhook.public_url, secret: config.webhook.secret, trust: alarms.trust },
  };
}

/**
 * Reads the named templates (default: alarms.templates), applies the vmha.yaml
 * overrides and renders each once, so every template problem surfaces now, naming its
 * file and field.
 */
export function prepareTemplates(setup: AlarmSetup, names?: readonly string[]): PreparedTemplate[] {
  const wanted = names && names.length ? [...new Set(names)] : setup.alarms.templates;
  return wanted.map((name) => {
    const template = loadTemplate(setup.templatesDir, name);
    const vars = resolveVariables(template, setup.alarms.vars[name] ?? {}, { file: setup.configPath, key: `alarms.vars.${name}` });
    render(template, SAMPLE_INSTANCE, vars, setup.actions);
    return { template, vars };
  });
}

/** Renders a prepared template for the sample instance (lint and archive-policy need only the rules). */
export function sampleBody(p: PreparedTemplate, setup: AlarmSetup): AlarmBody {
  return render(p.template, SAMPLE_INSTANCE, p.vars, setup.actions);
}

/** Flags that choose instances. */
export interface SelectorFlags {
  all?: boolean;
  instance?: string[];
  project?: string;
}

/** The selector from --all / --instance / --project; exactly one (or none, with a fallback). */
export function selectorOf(flags: SelectorFlags, fallback?: InstanceSelector): InstanceSelector | { error: string } {
  const given = [flags.all ? 'all' : '', flags.instance?.length ? 'instance' : '', flags.project ? 'project' : ''].filter(Boolean);
  if (given.length > 1) return { error: `choose one of --all, --instance, --project (got ${given.map((g) => `--${g}`).join(' and ')})` };
  if (flags.all) return { kind: 'all' };
  if (flags.instance?.length) return { kind: 'instances', ids: flags.instance };
  if (flags.project) return { kind: 'project', projectId: flags.project };
  return fallback ?? { error: 'say which instances: --all, --instance ID ... or --project ID' };
}

/** commander collector for repeatable options (--instance a --instance b, or --instance a b). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
