// Plain-data builders for decide() tests: a healthy HA server on an up host, an incident,
// a past action. Override any field.
import type { Incident } from '../../src/domain/incident.ts';
import type { ComputeService, Server } from '../../src/openstack/nova-types.ts';
import type { DecisionInput, PastAction } from '../../src/policy/decide.ts';

export const NOW = Date.parse('2026-03-01T12:00:00Z');
export const PING = 'instance.ping.delay';
export const DISK = 'instance.disk.health';

export const server = (over: Partial<Server> = {}): Server => ({
  id: 's1',
  name: 'pet',
  status: 'ACTIVE',
  vmState: 'active',
  taskState: null,
  powerState: 1,
  host: 'compute-1',
  hypervisorHostname: 'compute-1',
  hostStatus: 'UP',
  metadata: { HA_Enabled: 'True' },
  imageId: 'img',
  projectId: 'p',
  locked: false,
  updated: undefined,
  ...over,
});

export const incident = (metrics: string[], over: Partial<Incident> = {}): Incident => ({
  id: 'i1',
  instanceId: 's1',
  state: 'open',
  openedAt: NOW - 1000,
  updatedAt: NOW,
  closedAt: null,
  alarmingMetrics: metrics,
  actions: [],
  attempts: 0,
  nextAttemptAt: NOW,
  reason: '',
  ...over,
});

export const svc = (over: Partial<ComputeService> = {}): ComputeService => ({
  id: 'u',
  binary: 'nova-compute',
  host: 'compute-1',
  zone: 'nova',
  status: 'enabled',
  state: 'up',
  disabledReason: null,
  forcedDown: false,
  updatedAt: null,
  ...over,
});

export const input = (metrics: string[], over: Partial<DecisionInput> = {}): DecisionInput => ({
  incident: incident(metrics),
  server: server(),
  hostService: svc(),
  history: [],
  now: NOW,
  ...over,
});

export const past = (action: PastAction['action'], over: Partial<PastAction> = {}): PastAction => ({
  incidentId: 'old',
  action,
  at: NOW - 10 * 60_000,
  outcome: 'succeeded',
  metrics: [PING],
  ...over,
});
