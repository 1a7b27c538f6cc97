// Carries out an alarm plan against Aodh with bounded concurrency. Each alarm succeeds
// or fails on its own: a refusal (400) or an outage (503) is recorded with Aodh's
// message and request id, and the run goes on. Nothing is retried here: a lost answer
// to a POST may still have created the alarm, and the next run (idempotent by name)
// completes the job safely, removing a duplicate if one was made.
import type { AodhClient } from '../openstack/aodh.ts';
import { NotFound, OpenStackError } from '../openstack/errors.ts';
import type { Plan } from './plan.ts';

export type ActionKind = 'create' | 'update' | 'delete';

/** One call to make; `template` and `instanceId` say which instance the outcome concerns. */
export interface AlarmAction {
  kind: ActionKind;
  name: string;
  template: string;
  instanceId: string;
  alarmId?: string;
  body?: Record<string, unknown>;
}

export interface ActionError {
  /** HTTP status when Aodh answered. */
  status?: number;
  /** Aodh's own message (faultstring), else what went wrong. */
  message: string;
  requestId?: string;
}

export interface ActionResult {
  action: AlarmAction;
  ok: boolean;
  alarmId?: string;
  error?: ActionError;
}

/** The calls a plan needs; removals only when asked (install --prune, remove). */
export function actionsOf(p: Plan, opts: { removals: boolean }): AlarmAction[] {
  const out: AlarmAction[] = [];
  for (const d of p.create) out.push({ kind: 'create', name: d.name, template: d.template, instanceId: d.instanceId, body: d.body });
  for (const u of p.update) {
    out.push({
      kind: 'update',
      name: u.desired.name,
      template: u.desired.template,
      instanceId: u.desired.instanceId,
      alarmId: u.existing.alarm_id,
      // Aodh's PUT replaces the whole alarm and a missing state means "insufficient data":
      // carry the current state over, or every update would re-arm open incidents.
      body: { ...u.desired.body, state: u.existing.state },
    });
  }
  if (opts.removals) {
    for (const r of p.remove) {
      out.push({ kind: 'delete', name: r.existing.name, template: r.template, instanceId: r.instanceId, alarmId: r.existing.alarm_id });
    }
  }
  return out;
}

/** Runs the actions, at most `concurrency` at a time; reports each result as it lands. */
export async function applyActions(
  actions: readonly AlarmAction[],
  aodh: Pick<AodhClient, 'create' | 'update' | 'delete'>,
  opts: { concurrency: number; onResult?: (r: ActionResult) => void },
): Promise<ActionResult[]> {
  return mapLimit(actions, opts.concurrency, async (action) => {
    const result = await applyOne(action, aodh);
    opts.onResult?.(result);
    return result;
  });
}

async function applyOne(action: AlarmAction, aodh: Pick<AodhClient, 'create' | 'update' | 'delete'>): Promise<ActionResult> {
  try {
    switch (action.kind) {
      case 'create':
        return { action, ok: true, alarmId: (await aodh.create(action.body!)).alarm_id };
      case 'update':
        try {
          return { action, ok: true, alarmId: (await aodh.update(action.alarmId!, action.body!)).alarm_id };
        } catch (err) {
          // Deleted since we listed it: create it instead (the state we carried is moot).
          if (!(err instanceof NotFound)) throw err;
          const { state: _state, ...body } = action.body!;
          return { action, ok: true, alarmId: (await aodh.create(body)).alarm_id };
        }
      case 'delete':
        try {
          await aodh.delete(action.alarmId!);
        } catch (err) {
          // Already gone is what we wanted.
          if (!(err instanceof NotFound)) throw err;
        }
        return { action, ok: true, alarmId: action.alarmId };
    }
  } catch (err) {
    return { action, ok: false, alarmId: action.alarmId, error: describeError(err) };
  }
}

/** The operator-facing part of a failure: Aodh's message, status and request id. */
export function describeError(err: unknown): ActionError {
  if (err instanceof OpenStackError) {
    return { status: err.status, message: err.detail ?? err.message, requestId: err.requestId };
  }
  return { message: err instanceof Error ? err.message : String(err) };
}

/** Maps over items with at most `limit` promises in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
