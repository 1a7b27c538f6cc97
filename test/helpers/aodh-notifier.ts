// Posts a notification exactly as Aodh's REST notifier does. The notifier itself lives in
// src/fakes/aodh/notifier.ts (the demo's simulated Aodh sends through it); tests import
// it from here, plus a ready-made threshold transition.
import { pythonJsonDumps, type NotifierPayload } from '../../src/fakes/aodh/notifier.ts';

export { aodhBody, postLikeAodh, pythonJsonDumps, type NotifierPayload, type PostResult } from '../../src/fakes/aodh/notifier.ts';

/** A threshold evaluator's alarm transition, as aodh/evaluator/threshold.py words it. */
export function thresholdTransition(alarmName: string, alarmId: string, current: 'alarm' | 'ok', value: number): NotifierPayload {
  const disposition = current === 'alarm' ? 'outside' : 'inside';
  return {
    alarm_name: alarmName,
    alarm_id: alarmId,
    severity: 'critical',
    previous: current === 'alarm' ? 'ok' : 'alarm',
    current,
    reason: `Transition to ${current} due to 3 samples ${disposition} threshold, most recent: ${pythonJsonDumps(value)}`,
    reason_data: { type: 'threshold', disposition, count: 3, most_recent: value },
  };
}
