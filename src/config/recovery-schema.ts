// The `recovery:` and `limits:` sections of vmha.yaml: what `vmha serve` does about an
// alarm, how hard it tries, and how fast it may act.
import { z } from 'zod';
import { matrixSchema } from './matrix-schema.ts';

const action = z.enum(['live-migrate', 'reboot-soft', 'reboot-hard', 'rebuild', 'evacuate', 'none']);

export const recoverySchema = z
  .object({
    /** Action per alarming metric; with several alarming, the strongest on the ladder wins. */
    actions: z
      .record(z.string().min(1), action)
      .default({
        'instance.ping.delay': 'live-migrate',
        'instance.disk.health': 'reboot-hard',
        'instance.agent.up': 'none',
        'composite:guest-unresponsive': 'reboot-hard',
      }),
    /** Escalation order when the same fault comes back after a success. */
    ladder: z.array(action.exclude(['none'])).min(1).default(['live-migrate', 'reboot-hard', 'rebuild']),
    /** Metadata key that opts an instance in to rebuild (it loses local disk state). */
    rebuild_metadata_key: z.string().min(1).default('HA_Rebuild'),
    /** A recurrence within this time after a successful action escalates one step. */
    escalation_window_s: z.number().int().positive().default(3600),
    /** How long to wait for a busy server (task_state) or a down host before giving up. */
    wait_budget_s: z.number().int().positive().default(1800),
    wait_retry_s: z.number().positive().default(10),
    /** How long an action may take to reach its end state. */
    verify_timeout_s: z.number().positive().default(600),
    verify_poll_s: z.number().positive().default(5),
    /**
     * Tolerated difference between vmha's clock and Nova's. After a restart, an action Nova
     * recorded up to this long before vmha journaled issuing it counts as that action (it
     * is verified, never issued twice).
     */
    nova_clock_skew_s: z.number().min(0).default(60),
    /** Attempts of one Nova call on 5xx, timeouts and 409, with exponential backoff and jitter. */
    retry: z
      .object({
        attempts: z.number().int().min(1).max(20).default(5),
        base_ms: z.number().int().min(0).default(1000),
        max_ms: z.number().int().min(0).default(30_000),
      })
      .strict()
      .prefault({}),
    /**
     * The action matrix (ordered rules: conditions -> outcome or ladder of actions). Absent:
     * the default matrix built from `actions` and `ladder`. `matrix_file` (relative to
     * vmha.yaml) is read and validated at load time into `matrix`; give one or the other.
     */
    matrix: matrixSchema.optional(),
    matrix_file: z.string().min(1).optional(),
    /**
     * An incident that waited at least this long (a cooldown, a busy server, a limit)
     * asks Aodh before acting, and closes if every one of its alarms is ok by then.
     */
    recheck_alarm_after_s: z.number().min(0).default(30),
    /** How often to look for alarms whose notification never arrived. */
    reconcile_interval_s: z.number().positive().default(60),
    /** A transition younger than this may still be on its way; the reconciler leaves it. */
    reconcile_grace_s: z.number().min(0).default(30),
  })
  .strict()
  .prefault({});

export const limitsSchema = z
  .object({
    /** All actions together: HaStack ran with 20 at once and 20 per minute. */
    global: z
      .object({
        per_window: z.number().int().min(1).default(20),
        window_s: z.number().int().min(1).default(60),
        concurrency: z.number().int().min(1).default(20),
      })
      .strict()
      .prefault({}),
    per_host: z
      .object({
        concurrency: z.number().int().min(1).default(2),
        per_window: z.number().int().min(1).default(10),
        window_s: z.number().int().min(1).default(60),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

export type RecoveryConfig = z.infer<typeof recoverySchema>;
export type LimitsConfig = z.infer<typeof limitsSchema>;
