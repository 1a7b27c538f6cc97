// What the recovery engine is built from (engine.ts wires its parts with it).
import type { Clock } from '../domain/clock.ts';
import type { Incident } from '../domain/incident.ts';
import type { Journal } from '../journal/journal.ts';
import type { Limits } from '../limits/limits.ts';
import type { Logger } from '../log.ts';
import type { ServiceMetrics } from '../metrics.ts';
import type { PolicyConfig } from '../policy/decide.ts';
import type { AlarmRecheckOptions } from './alarm-recheck.ts';
import type { BackoffConfig } from './retry.ts';
import type { EngineSafety } from './safety-gate.ts';
import type { NovaPort } from './verify.ts';

export interface EngineOptions {
  journal: Journal;
  nova: NovaPort;
  limits: Limits;
  clock: Clock;
  logger: Logger;
  policy: PolicyConfig;
  backoff: BackoffConfig;
  verifyTimeoutMs: number;
  verifyPollMs: number;
  /** Tolerated clock difference with Nova when a restart looks up an action in flight (default 60 s). */
  novaClockSkewMs?: number;
  metrics?: ServiceMetrics;
  random?: () => number;
  /** Called after every incident transition (notifications hook in here). */
  onTransition?: (incident: Incident, event: string) => void;
  /** Asks Aodh before acting on an incident that waited; without it, the notification is enough. */
  alarmRecheck?: AlarmRecheckOptions;
  /** Maintenance, guard, host workflows, dry run. Without it, evacuate is always refused. */
  safety?: EngineSafety;
}
