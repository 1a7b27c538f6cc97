// The host workflow's fencing step: run the fence hook, journal its full result, and move
// on to forcing down only on success. A fence already known good is not re-run; one whose
// outcome was lost (the process died while it ran) is run again: powering off is idempotent.
import type { Clock } from '../domain/clock.ts';
import type { HostWorkflow } from '../domain/host-workflow.ts';
import type { Logger } from '../log.ts';
import type { FenceHook } from '../safety/fence.ts';
import type { SafetyStore } from '../safety/store.ts';

export interface FenceStepDeps {
  store: SafetyStore;
  fence: FenceHook | null;
  clock: Clock;
  logger: Logger;
}

/** fencing: run the hook; success is required. Returns why the workflow fails, or null when it moved on. */
export async function fenceHost(d: FenceStepDeps, wf: HostWorkflow): Promise<{ wf: HostWorkflow; reason: string } | null> {
  if (wf.fence?.ok === true) {
    d.store.update(wf.id, { state: 'forcing_down', event: 'host.fence_already_done', data: { fenced_at: wf.fence.finishedAt } });
    return null;
  }
  if (!d.fence) return { wf, reason: 'no fence hook is configured' };
  if (wf.fence && wf.fence.finishedAt === null) {
    // The process died while the fence ran: its outcome is unknown, so run it again
    // (powering off is idempotent) rather than assume anything.
    d.store.event('host.fence_rerun', { workflow_id: wf.id, host: wf.host, previous_start: wf.fence.startedAt });
  }
  const startedAt = d.clock.now();
  d.store.update(wf.id, { event: 'host.fence_started', data: { hook: d.fence.name }, patch: { fence: { startedAt, finishedAt: null, ok: null, detail: null } } });
  const r = await d.fence.fence(wf.host, { workflowId: wf.id });
  const data = {
    hook: d.fence.name,
    ok: r.ok,
    detail: r.detail,
    exit_code: r.exitCode,
    signal: r.signal,
    timed_out: r.timedOut,
    duration_ms: r.durationMs,
    stdout_tail: r.stdoutTail,
    stderr_tail: r.stderrTail,
  };
  const fence = { startedAt, finishedAt: d.clock.now(), ok: r.ok, detail: r.detail };
  const line = { workflow_id: wf.id, host: wf.host, ...data };
  if (r.ok) d.logger.warn('fence succeeded', line);
  else d.logger.error('fence FAILED: the workflow stops; nothing is evacuated; check the fence device and the host', line);
  if (r.ok) {
    d.store.update(wf.id, { state: 'forcing_down', event: 'host.fence_succeeded', data, patch: { fence } });
    return null;
  }
  const failed = d.store.update(wf.id, { event: 'host.fence_failed', data, patch: { fence } });
  return { wf: failed, reason: `fence failed: ${r.detail}` };
}
