// Aodh's notifier posts once and never retries: a notification lost on the way (vmha
// restarting, a network blip) would leave an alarm firing with nobody acting. The
// reconciler lists vmha's alarms that are in state `alarm` and admits any whose
// latest transition never reached us.
import type { Clock } from '../domain/clock.ts';
import type { Journal } from '../journal/journal.ts';
import type { Logger } from '../log.ts';
import type { AodhClient } from '../openstack/aodh.ts';
import { parseTimestamp } from '../openstack/timestamps.ts';
import type { AlarmResolver } from '../webhook/resolve.ts';

export interface ReconcilerOptions {
  aodh: Pick<AodhClient, 'list'>;
  resolver: AlarmResolver;
  journal: Journal;
  clock: Clock;
  logger: Logger;
  onAdmitted: (incidentId: string, receivedAt: number) => void;
  /** Name prefix of the alarms vmha owns. */
  ownedPrefix: string;
  /** A transition younger than this may still be on its way through the notifier. */
  graceMs: number;
  /** Tolerated clock difference between Aodh and vmha. */
  skewMs: number;
}

export class Reconciler {
  constructor(private readonly o: ReconcilerOptions) {}

  /** One pass; returns the ids of the incidents it opened or attached to. */
  async runOnce(): Promise<string[]> {
    const now = this.o.clock.now();
    const alarms = await this.o.aodh.list({ all_projects: true, state: 'alarm' });
    const admitted: string[] = [];
    for (const alarm of alarms) {
      if (!alarm.name.startsWith(this.o.ownedPrefix) || !alarm.enabled) continue;
      const changed = parseTimestamp(alarm.state_timestamp);
      if (!Number.isFinite(changed) || now - changed < this.o.graceMs) continue;
      const seen = this.o.journal.lastDeliveryAt(alarm.alarm_id);
      if (seen !== undefined && seen >= changed - this.o.skewMs) continue;
      const target = this.o.resolver.remember(alarm);
      if (!target) continue;
      const result = this.o.journal.admit({
        // One admission per transition, however many passes see it.
        key: `reconcile:${alarm.alarm_id}:${alarm.state_timestamp}`,
        alarmId: alarm.alarm_id,
        alarmName: alarm.name,
        instanceId: target.instanceId,
        metric: target.metric,
        previous: 'unknown',
        current: 'alarm',
        reason: `reconciler: alarm in state alarm since ${alarm.state_timestamp} but its notification never arrived`,
        via: 'reconciler',
      });
      if (result.incident && !result.duplicate) {
        this.o.logger.warn('missed notification found by the reconciler', {
          alarm_id: alarm.alarm_id,
          alarm_name: alarm.name,
          server_id: target.instanceId,
          incident_id: result.incident.id,
        });
        this.o.onAdmitted(result.incident.id, now);
        admitted.push(result.incident.id);
      }
    }
    return admitted;
  }
}
