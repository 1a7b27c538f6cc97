// What a decision reads: the server and its compute service from Nova (an unreadable Nova
// makes the incident wait, with backoff), and the instance's recent actions from the journal.
import type { Incident } from '../domain/incident.ts';
import type { Journal } from '../journal/journal.ts';
import { NotFound, OpenStackError } from '../openstack/errors.ts';
import type { ComputeService, Server } from '../openstack/nova-types.ts';
import type { PastAction } from '../policy/decide.ts';
import type { EngineOptions } from './engine-options.ts';
import { backoffDelay } from './retry.ts';
import type { IncidentTransitions } from './transitions.ts';

export interface Snapshot {
  /** null: the server no longer exists. */
  server: Server | null;
  hostService: ComputeService | null;
}

/** The server and its host's compute service; undefined when Nova could not be read (the incident waits). */
export async function snapshot(o: Pick<EngineOptions, 'nova' | 'backoff' | 'random'>, t: IncidentTransitions, incident: Incident): Promise<Snapshot | undefined> {
  try {
    let server: Server | null;
    try {
      server = await o.nova.getServer(incident.instanceId);
    } catch (err) {
      if (err instanceof NotFound) server = null;
      else throw err;
    }
    let hostService: ComputeService | null = null;
    if (server?.host) {
      try {
        hostService = await o.nova.computeService(server.host);
      } catch (err) {
        if (!(err instanceof NotFound)) throw err;
      }
    }
    return { server, hostService };
  } catch (err) {
    if (!(err instanceof OpenStackError)) throw err;
    const retry = backoffDelay(Math.min(incident.attempts + 2, 6), o.backoff, o.random);
    t.transition(incident.id, {
      state: 'waiting',
      event: 'snapshot.failed',
      reason: `could not read the server from Nova: ${err.message}`,
      retryInMs: retry,
      patch: { attempts: incident.attempts + 1 },
    });
    return undefined;
  }
}

/** Actions on this instance in its recent incidents, for escalation. */
export function history(journal: Journal, incident: Incident): PastAction[] {
  const out: PastAction[] = [];
  for (const inc of journal.list({ instanceId: incident.instanceId, limit: 20 })) {
    for (const a of inc.actions) {
      out.push({ incidentId: inc.id, action: a.action, at: a.at, outcome: a.outcome, metrics: inc.alarmingMetrics });
    }
  }
  return out.sort((a, b) => a.at - b.at);
}
