// Prometheus metrics of `vmha serve` (prom-client), one registry per service instance
// so tests can run several side by side.
import client from 'prom-client';

export class ServiceMetrics {
  readonly registry = new client.Registry();
  readonly alarmsReceived = new client.Counter({
    name: 'vmha_alarms_received_total',
    help: 'Aodh notifications received, by outcome (accepted, duplicate, rejected_*)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly actions = new client.Counter({
    name: 'vmha_actions_total',
    help: 'Recovery actions by kind and outcome (accepted, succeeded, failed, retried)',
    labelNames: ['action', 'outcome'],
    registers: [this.registry],
  });
  readonly alarmToAction = new client.Histogram({
    name: 'vmha_alarm_to_action_seconds',
    help: 'Time from the notification arriving to the Nova action call being sent',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly incidents = new client.Gauge({
    name: 'vmha_incidents',
    help: 'Incidents by state',
    labelNames: ['state'],
    registers: [this.registry],
  });

  /** Sets the incidents gauge from the journal's counts. */
  setIncidentCounts(counts: Record<string, number>): void {
    this.incidents.reset();
    for (const [state, n] of Object.entries(counts)) this.incidents.set({ state }, n);
  }
}
