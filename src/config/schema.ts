// The schema of vmha.yaml. Unknown keys are errors: a typo in a safety setting must
// not silently fall back to a default.
import { z } from 'zod';
import { alarmsSchema } from './alarms-schema.ts';
import { defaultProbeConfig, probeSchema } from './probe-schema.ts';
import { limitsSchema, recoverySchema } from './recovery-schema.ts';
import { safetySchema } from './safety-schema.ts';
import { NOTIFY_SECRET_PATHS, notifySchema } from './notify-schema.ts';

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/, 'expected host:port, e.g. 127.0.0.1:8780')
  .refine((v) => {
    const port = Number(v.slice(v.lastIndexOf(':') + 1));
    return port >= 0 && port < 65536;
  }, 'port must be between 0 (any free port) and 65535');

const httpUrl = z
  .string()
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password;
    } catch {
      return false;
    }
  }, 'expected an http(s) URL without credentials, e.g. http://127.0.0.1:8780');

export const configSchema = z
  .object({
    openstack: z
      .object({
        /** Entry in clouds.yaml; default $OS_CLOUD; else the OS_* variables. */
        cloud: z.string().min(1).optional(),
        /** Endpoint interface to pick from the catalog; overrides the cloud's own. */
        interface: z.enum(['public', 'internal', 'admin']).optional(),
        region: z.string().min(1).optional(),
        /** Per-request timeout toward OpenStack APIs. */
        timeout_seconds: z.number().positive().max(600).default(30),
      })
      .strict()
      .default({ timeout_seconds: 30 }),
    webhook: z
      .object({
        listen: hostPort.default('127.0.0.1:8780'),
        public_url: httpUrl,
        secret: z.string().min(8, 'must be at least 8 characters'),
        /** Roles accepted on an X-Auth-Token (trust+http notifications and the admin API). */
        keystone_roles: z.array(z.string().min(1)).min(1).default(['admin']),
        /** Largest notification body accepted; Aodh's are well under 4 KiB. */
        body_limit_bytes: z.number().int().min(1024).max(1_048_576).default(65_536),
      })
      .strict(),
    state: z
      .object({
        dir: z.string().min(1).default('/var/lib/vmha'),
      })
      .strict()
      .default({ dir: '/var/lib/vmha' }),
    log: z
      .object({
        level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
        format: z.enum(['json', 'text']).default('json'),
      })
      .strict()
      .default({ level: 'info', format: 'json' }),
    alarms: alarmsSchema,
    recovery: recoverySchema,
    limits: limitsSchema,
    safety: safetySchema,
    notify: notifySchema,
    probe: probeSchema.default(defaultProbeConfig()),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;

/** Dotted paths of settings whose values are never printed or logged. */
export const SECRET_PATHS: readonly string[] = ['webhook.secret', ...NOTIFY_SECRET_PATHS];
