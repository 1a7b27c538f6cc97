// The `alarms:` section of vmha.yaml: which alarm templates `vmha alarms install`
// puts on which instances, and the settings `vmha alarms lint` checks them against.
import { z } from 'zod';

/** Template names double as a segment of alarm names (vmha:<template>:<instance>): no colons. */
export const TEMPLATE_NAME = /^[a-z0-9][a-z0-9-]*$/;
/** Variable names as written in templates: ${threshold}. */
export const VARIABLE_NAME = /^[a-z_][a-z0-9_]*$/;

const templateName = z.string().regex(TEMPLATE_NAME, 'expected a template name such as ping-delay (a-z, 0-9, -)');
const variableName = z.string().regex(VARIABLE_NAME, 'expected a variable name such as threshold (a-z, 0-9, _)');

export const DEFAULT_TEMPLATES = ['ping-delay', 'disk-health', 'agent-down'] as const;

export const alarmsSchema = z
  .object({
    /** Nova metadata key that marks an instance as HA-enabled (Masakari's convention). */
    ha_metadata_key: z.string().min(1).default('HA_Enabled'),
    /** Value of that key meaning "enabled", compared case-insensitively as Masakari does. */
    ha_metadata_value: z.string().min(1).default('True'),
    /** Templates installed on every HA-enabled instance. */
    templates: z.array(templateName).min(1).default([...DEFAULT_TEMPLATES]),
    /** Directory of the template files (<name>.yaml); relative to this file. Default: the bundled alarms/. */
    templates_dir: z.string().min(1).optional(),
    /** true: trust+http(s):// action URLs (Aodh sends a Keystone token); false: the per-alarm token URL only. */
    trust: z.boolean().default(false),
    /** Aodh's [DEFAULT] evaluation_interval in seconds; 60 is upstream Aodh's default. */
    evaluation_interval_s: z.number().int().positive().default(60),
    /** Longest acceptable time from failure to alarm; `vmha alarms lint` warns above it. */
    detection_target_s: z.number().positive().default(120),
    /** Gnocchi archive policy that `vmha archive-policy ensure` creates for vmha's metrics. */
    archive_policy: z.string().min(1).default('vmha-10s'),
    /** Per-template variable overrides, e.g. {ping-delay: {threshold: 800}}. */
    vars: z.record(templateName, z.record(variableName, z.union([z.number(), z.string(), z.boolean()]))).default({}),
    /** Parallel Aodh calls during install and remove. */
    concurrency: z.number().int().min(1).max(64).default(8),
  })
  .strict()
  // prefault: an absent section is parsed as {}, so every default above applies.
  .prefault({});

export type AlarmsConfig = z.infer<typeof alarmsSchema>;
