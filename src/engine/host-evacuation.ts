// The host workflow's evacuating step: every HA instance on the failed host is handed to
// the engine (the Evacuator: limits, busy set, verify), each one's outcome is recorded in
// the workflow, and once none is pending the workflow completes; the host stays disabled.
import type { HostWorkflow, HostWorkflowInstance } from '../domain/host-workflow.ts';
import type { IncidentState } from '../domain/incident.ts';
import type { Logger } from '../log.ts';
import type { NovaClient } from '../openstack/nova.ts';
import type { Server } from '../openstack/nova-types.ts';
import { maintenanceFor, type MaintenanceMatch } from '../policy/maintenance.ts';
import type { SafetyStore } from '../safety/store.ts';

/** What the workflow needs from the incident engine (implemented by Engine). */
export interface Evacuator {
  /** The instance's open incident attached to the workflow (one is opened if it had no alarm). */
  attach(serverId: string, wf: HostWorkflow): string;
  /** Evacuates through the limits and verifies; resolves with the incident's state when it settles. */
  evacuate(incidentId: string, wf: HostWorkflow): Promise<IncidentState>;
  /** Settles the incidents attached to a workflow that ends without evacuating them. */
  settleAttached(wf: HostWorkflow, how: 'dry_run' | 'gave_up' | 'detach', reason: string): void;
  /** Suppresses an instance's incident (maintenance) during the evacuation step. */
  suppress(incidentId: string, m: MaintenanceMatch): void;
}

export interface EvacuationStepDeps {
  store: SafetyStore;
  nova: Pick<NovaClient, 'listServers'>;
  logger: Logger;
  isHa: (s: Server) => boolean;
  evacuator: Evacuator | undefined;
  /** True once the workflows are stopping: what is pending stays pending, for the next start. */
  stopped: () => boolean;
}

/** evacuating: every HA instance on the host, through the engine (limits, busy set, verify). */
export async function evacuateHost(d: EvacuationStepDeps, wf: HostWorkflow): Promise<void> {
  const ev = d.evacuator;
  if (!ev) throw new Error('host workflow has no evacuator connected');
  const onHost = (await d.nova.listServers({ host: wf.host })).filter(d.isHa);
  const known = new Set(wf.instances.map((i) => i.serverId));
  const added: HostWorkflowInstance[] = onHost.filter((s) => !known.has(s.id)).map((s) => ({ serverId: s.id, incidentId: null, outcome: 'pending', detail: null }));
  let current = wf;
  if (added.length || !wf.instances.length) {
    current = d.store.update(wf.id, {
      event: 'host.evacuation_started',
      data: { instances: [...wf.instances, ...added].map((i) => i.serverId) },
      patch: { instances: [...wf.instances, ...added] },
    });
  }
  const az = new Map(onHost.map((s) => [s.id, s.availabilityZone]));
  // allSettled: one failure must not leave the others unwatched; the first error is rethrown after.
  const results = await Promise.allSettled(
    current.instances
      .filter((i) => i.outcome === 'pending')
      .map(async (i) => {
        const incidentId = i.incidentId ?? ev.attach(i.serverId, current);
        if (!i.incidentId) setInstance(d.store, wf.id, i.serverId, { incidentId });
        const m = maintenanceFor(d.store.maintenance(), { host: wf.host, az: az.get(i.serverId), instanceId: i.serverId });
        if (m && m.level === 'instance') {
          ev.suppress(incidentId, m);
          setInstance(d.store, wf.id, i.serverId, { outcome: 'skipped', detail: `maintenance on instance ${i.serverId}` });
          return;
        }
        const state = await ev.evacuate(incidentId, d.store.get(wf.id)!);
        if (d.stopped()) return; // interrupted: stays pending, resumed at the next start
        if (state === 'succeeded') setInstance(d.store, wf.id, i.serverId, { outcome: 'succeeded', detail: 'evacuated and verified' });
        else if (state === 'failed' || state === 'gave_up') setInstance(d.store, wf.id, i.serverId, { outcome: 'failed', detail: `incident ${state}` });
        else setInstance(d.store, wf.id, i.serverId, { outcome: 'skipped', detail: `incident ${state}${state === 'waiting' ? ' (no longer on this host)' : ''}` });
      }),
  );
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  if (d.stopped()) return;
  const done = d.store.get(wf.id)!;
  if (done.instances.some((i) => i.outcome === 'pending')) return; // interrupted: the loop comes back
  const by = (o: string): string[] => done.instances.filter((i) => i.outcome === o).map((i) => i.serverId);
  const summary = { succeeded: by('succeeded'), failed: by('failed'), skipped: by('skipped') };
  d.store.update(wf.id, {
    state: 'completed',
    event: 'host.workflow_completed',
    reason: `evacuated ${summary.succeeded.length}, failed ${summary.failed.length}, skipped ${summary.skipped.length}; ${wf.host} stays disabled until \`vmha host enable ${wf.host}\``,
    data: summary,
  });
  d.logger.warn('host workflow completed; the host stays disabled and forced down until an operator runs `vmha host enable`', {
    workflow_id: wf.id,
    host: wf.host,
    ...summary,
  });
}

/** Records one instance's incident or outcome in the workflow. */
function setInstance(store: SafetyStore, id: string, serverId: string, patch: Partial<HostWorkflowInstance>): void {
  const wf = store.get(id)!;
  const instances = wf.instances.map((i) => (i.serverId === serverId ? { ...i, ...patch } : i));
  const changed = instances.find((i) => i.serverId === serverId)!;
  store.update(id, {
    event: patch.outcome ? 'host.instance_settled' : 'host.instance_attached',
    data: { server_id: serverId, incident_id: changed.incidentId, outcome: changed.outcome, detail: changed.detail },
    patch: { instances },
  });
}
