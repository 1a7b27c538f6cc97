// What Aodh's REST notifier posts (aodh/notifier/rest.py; CONTRACTS.md "Aodh REST notifier").

export type AodhAlarmState = 'ok' | 'alarm' | 'insufficient data';

export interface AodhNotification {
  alarm_name: string;
  alarm_id: string;
  severity: string;
  previous: AodhAlarmState;
  current: AodhAlarmState;
  reason: string;
  reason_data: Record<string, unknown>;
}

/** The metrics vmha's probes publish; an alarm on one of these opens an incident. */
export type ProbeMetric = 'instance.ping.delay' | 'instance.disk.health' | 'instance.agent.up';

/** An alarm resolved against Aodh: which instance and metric it watches. */
export interface AlarmTarget {
  alarmId: string;
  alarmName: string;
  instanceId: string;
  metric: string;
  projectId: string;
}
