// The schema of an action matrix (recovery.matrix inline, or the file recovery.matrix_file
// names). Strict like the rest of vmha.yaml: a misspelt condition must be an error,
// never a rule that silently matches everything.
import { z } from 'zod';
import type { Matrix } from '../policy/matrix.ts';

const ACTIONS = ['live-migrate', 'reboot-soft', 'reboot-hard', 'rebuild', 'evacuate'] as const;
const action = z.enum(ACTIONS);
const outcome = z.enum(['ignore', 'wait', 'give-up', 'host-failure']);
const metricList = z.array(z.string().min(1)).min(1);
const count = z.number().int().min(0);

const range = z
  .object({ min: count.optional(), max: count.optional() })
  .strict()
  .refine((r) => r.min !== undefined || r.max !== undefined, 'give min, max or both')
  .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, 'min must not exceed max');

const conditions = z
  .object({
    server: z.enum(['present', 'gone']).optional(),
    ha_enabled: z.boolean().optional(),
    alarms: z
      .object({ any: metricList.optional(), all: metricList.optional(), none: z.array(z.string().min(1)).optional() })
      .strict()
      .refine((a) => a.any || a.all || a.none, 'give any, all or none (lists of metric names)')
      .optional(),
    host_service: z.array(z.enum(['up', 'down', 'forced_down', 'enabled', 'disabled', 'unknown'])).min(1).optional(),
    host_alarming: range.optional(),
    host_failure: z.boolean().optional(),
    vm_state: z.array(z.string().min(1)).min(1).optional(),
    task_running: z.boolean().optional(),
    recent_actions: z
      .object({
        window_s: z.number().int().positive(),
        min: count.optional(),
        max: count.optional(),
        actions: z.array(action).min(1).optional(),
        outcome: z.enum(['succeeded', 'failed']).optional(),
      })
      .strict()
      .refine((r) => r.min !== undefined || r.max !== undefined, 'give min, max or both')
      .optional(),
    metadata: z.record(z.string().min(1), z.string()).optional(),
  })
  .strict();

const THEN_HELP = `expected one of ignore, wait, give-up, host-failure, or an action or list of actions from ${ACTIONS.join(', ')}`;

const then = z.union(
  [
    outcome,
    action.transform((a) => [a]),
    z
      .array(action)
      .min(1, 'a ladder needs at least one action')
      .refine((l) => new Set(l).size === l.length, 'an action appears twice in the ladder'),
  ],
  { error: THEN_HELP },
);

const rule = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, 'expected a rule name such as ping-delay (letters, digits, . _ + -)'),
    when: conditions.default({}),
    then,
    escalate: z.boolean().optional(),
    retry_s: z.number().positive().optional(),
    reason: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const ladder = Array.isArray(r.then);
    if (r.escalate !== undefined && !ladder) ctx.addIssue({ code: 'custom', path: ['escalate'], message: 'escalate applies only to a ladder of actions' });
    if (r.retry_s !== undefined && r.then !== 'wait') ctx.addIssue({ code: 'custom', path: ['retry_s'], message: 'retry_s applies only to then: wait' });
    if (r.when.server === 'gone' && Object.keys(r.when).length > 1) {
      ctx.addIssue({ code: 'custom', path: ['when'], message: 'server: gone cannot be combined with other conditions (there is no server to look at)' });
    }
    if (r.when.server === 'gone' && (ladder || r.then === 'host-failure')) {
      ctx.addIssue({ code: 'custom', path: ['then'], message: 'a gone server can only be ignored, waited on or given up' });
    }
  });

export const matrixSchema = z
  .object({ rules: z.array(rule).min(1, 'a matrix needs at least one rule') })
  .strict()
  .superRefine((m, ctx) => {
    const seen = new Map<string, number>();
    m.rules.forEach((r, i) => {
      if (seen.has(r.name)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `rule name ${r.name} is also used by rule ${seen.get(r.name)}` });
      else seen.set(r.name, i);
    });
  });

export type MatrixInput = z.input<typeof matrixSchema>;

/** The validated matrix as the policy uses it. */
export function toMatrix(parsed: z.output<typeof matrixSchema>): Matrix {
  return parsed;
}
