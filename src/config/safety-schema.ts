// The `safety:` section of vmha.yaml: what keeps vmha from making an outage bigger.
// Per-instance budget, host failure workflow with its fence hook, mass-failure guard,
// dry run. See vmha.example.yaml for every key with its reason.
import { z } from 'zod';

/** Placeholders a fence command may use besides host_vars: {host} and {workflow}. */
export const FENCE_PLACEHOLDER = /\{([a-z_][a-z0-9_]*)\}/g;

const fenceSchema = z
  .object({
    /**
     * The command, as an argv list (no shell): e.g. [ipmitool, -I, lanplus, -H, "{bmc}",
     * -U, admin, -f, /etc/vmha/ipmi.pw, chassis, power, off]. {host} and {workflow} are
     * filled in, and any {name} from host_vars of the host.
     */
    command: z.array(z.string().min(1)).min(1),
    /** The fence fails (and the workflow stops) if the command runs longer. */
    timeout_s: z.number().positive().max(3600).default(60),
    /** Optional: success also requires stdout to match this regular expression. */
    expect_stdout: z
      .string()
      .min(1)
      .refine((v) => {
        try {
          new RegExp(v);
          return true;
        } catch {
          return false;
        }
      }, 'not a valid regular expression')
      .optional(),
    /** Per-host values for placeholders, e.g. {compute-1: {bmc: 10.0.0.11}}. */
    host_vars: z.record(z.string().min(1), z.record(z.string().regex(/^[a-z_][a-z0-9_]*$/), z.string())).default({}),
  })
  .strict();

export const safetySchema = z
  .object({
    /** Decide and journal what would be done; call nothing that changes Nova, run no fence. */
    dry_run: z.boolean().default(false),

    /** Per instance: a cooldown after each action, and at most max_actions per window_s; beyond: give up. */
    instance: z
      .object({
        cooldown_s: z.number().min(0).default(300),
        max_actions: z.number().int().min(1).default(3),
        window_s: z.number().int().positive().default(3600),
      })
      .strict()
      .prefault({}),
    host_failure: z
      .object({
        /** The host workflow needs a fence hook; without one, instances on a down host only wait. */
        enabled: z.boolean().default(false),
        /** K: HA instances of one host alarming within window_s make it a host failure ... */
        min_instances: z.number().int().min(2).default(3),
        /** ... or X % of the host's HA instances, when at least min_instances_for_share alarm. */
        min_share_pct: z.number().gt(0).max(100).default(50),
        min_instances_for_share: z.number().int().min(2).default(2),
        window_s: z.number().positive().default(120),
        /** Wait this long after detection before the first change (a blip may pass; the guard may trip). */
        settle_s: z.number().min(0).default(30),
        /**
         * A new incident waits this long before its first action, so that alarms firing
         * together (a failed host, a storage outage) are judged together, by the host
         * workflow and by the guard, rather than acted on one by one. 0 turns it off.
         */
        correlate_s: z.number().min(0).max(600).default(5),
        fence: fenceSchema.optional(),
      })
      .strict()
      .prefault({})
      .refine((h) => !h.enabled || h.fence !== undefined, { message: 'host_failure.enabled needs host_failure.fence.command', path: ['fence'] }),
    guard: z
      .object({
        enabled: z.boolean().default(true),
        /** Trip when at least this share (%) of hosts or of HA instances fails within window_s (HaStack: 50). */
        trip_pct: z.number().gt(0).max(100).default(50),
        /** Resume automatically once both shares are below this (HaStack: 70 % restored). */
        resume_pct: z.number().min(0).max(100).default(30),
        window_s: z.number().positive().default(300),
        /** Shares of tiny numbers mean nothing: trip only with at least this many hosts failing ... */
        min_hosts: z.number().int().min(1).default(2),
        /** ... or this many HA instances alarming. */
        min_instances: z.number().int().min(1).default(3),
        /** How often vmha reads the population (compute services, HA servers) from Nova. */
        census_interval_s: z.number().positive().default(30),
      })
      .strict()
      .prefault({})
      .refine((g) => g.resume_pct < g.trip_pct, { message: 'resume_pct must be lower than trip_pct', path: ['resume_pct'] }),
  })
  .strict()
  .prefault({});

export type SafetyConfig = z.infer<typeof safetySchema>;
export type FenceConfig = z.infer<typeof fenceSchema>;
