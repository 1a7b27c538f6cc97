// The schema of an alarm template file (alarms/<name>.yaml). A template is data: the
// Aodh alarm body with ${variables}, plus the variables it declares with their types
// and defaults. The shape of `alarm` is checked after substitution, against what
// Aodh's API accepts (src/alarms/aodh-body.ts), so a wrong field fails at load time.
import { z } from 'zod';
import { TEMPLATE_NAME, VARIABLE_NAME } from '../src/config/alarms-schema.ts';

export type VariableType = 'number' | 'integer' | 'string' | 'boolean';
export type VariableValue = number | string | boolean;

const variable = z
  .object({
    type: z.enum(['number', 'integer', 'string', 'boolean']),
    default: z.union([z.number(), z.string(), z.boolean()]),
    description: z.string().optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (!matchesType(v.default, v.type)) {
      ctx.addIssue({ code: 'custom', path: ['default'], message: `expected ${article(v.type)} (the declared type)` });
    }
  });

export const templateFileSchema = z
  .object({
    /** Equal to the file name without .yaml; a segment of the alarm names. */
    name: z.string().regex(TEMPLATE_NAME, 'expected a template name such as ping-delay (a-z, 0-9, -)'),
    /** What the alarm detects; becomes the start of the alarm's description in Aodh. */
    description: z.string().min(1),
    variables: z.record(z.string().regex(VARIABLE_NAME, 'expected a variable name (a-z, 0-9, _)'), variable).default({}),
    /** The Aodh alarm body without name (vmha names its alarms). */
    alarm: z.record(z.string(), z.unknown()),
  })
  .strict();

export type TemplateFile = z.infer<typeof templateFileSchema>;
export type VariableDecl = TemplateFile['variables'][string];

/** True when a value fits a declared variable type. */
export function matchesType(value: unknown, type: VariableType): value is VariableValue {
  switch (type) {
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
  }
}

export function article(type: VariableType): string {
  return type === 'integer' ? 'an integer' : `a ${type}`;
}
