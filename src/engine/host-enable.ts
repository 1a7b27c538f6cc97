// `vmha host enable HOST`: the operator's end of a host workflow. Lift force-down,
// enable the compute service, release the workflow. Nova refuses the force-up while
// `done` evacuations remain (the host has not restarted since it was fenced, nova bug
// 1922053): that refusal is passed on and nothing else is changed.
import { RUNNING_STATES } from '../domain/host-workflow.ts';
import type { Logger } from '../log.ts';
import { OpenStackError } from '../openstack/errors.ts';
import type { NovaClient } from '../openstack/nova.ts';
import type { SafetyStore } from '../safety/store.ts';

export type EnableOutcome = { ok: true; steps: string[] } | { ok: false; status: number; message: string };

export async function enableHost(
  d: { store: SafetyStore; nova: Pick<NovaClient, 'computeService' | 'forceDown' | 'enableService'>; logger: Logger },
  host: string,
  by: string,
  dryRun: boolean,
): Promise<EnableOutcome> {
  const wf = d.store.holding(host);
  if (wf && RUNNING_STATES.has(wf.state) && wf.state !== 'detected') {
    return { ok: false, status: 409, message: `host workflow ${wf.id} is still ${wf.state} on ${host}; wait for it to finish` };
  }
  let svc;
  try {
    svc = await d.nova.computeService(host);
  } catch (err) {
    if (!(err instanceof OpenStackError)) throw err;
    return { ok: false, status: err.kind === 'NotFound' ? 404 : 502, message: err.message };
  }
  const steps: string[] = [];
  if (svc.forcedDown) steps.push(`lift force-down of the compute service on ${host}`);
  if (svc.status === 'disabled') steps.push(`enable the compute service on ${host}`);
  if (wf) steps.push(`release host workflow ${wf.id} (${wf.state})`);
  if (dryRun) return { ok: true, steps: steps.map((s) => `would ${s}`) };
  try {
    // Force-up first: if Nova refuses it, the host stays out of scheduling.
    if (svc.forcedDown) await d.nova.forceDown(host, false);
    if (svc.status === 'disabled') await d.nova.enableService(host);
  } catch (err) {
    if (!(err instanceof OpenStackError)) throw err;
    const hint = err.kind === 'Invalid' ? ' (restart nova-compute on the host first, so that Nova completes its evacuation records)' : '';
    d.store.event('host.enable_refused', { host, by, error: err.detail ?? err.message, request_id: err.requestId ?? null });
    return { ok: false, status: 409, message: `Nova refused: ${err.detail ?? err.message}${hint}` };
  }
  if (wf) {
    if (wf.state === 'detected') d.store.update(wf.id, { state: 'aborted', event: 'host.workflow_aborted', reason: `host enabled by ${by} before the workflow started` });
    else d.store.update(wf.id, { state: 'released', event: 'host.enabled', reason: `enabled by ${by}`, data: { by, steps } });
  } else {
    d.store.event('host.enabled', { host, by, steps, workflow_id: null });
  }
  d.logger.warn('host enabled by an operator', { host, by, steps, workflow_id: wf?.id });
  return { ok: true, steps };
}
