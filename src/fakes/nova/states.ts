// Server states and the status nova derives from them: the table is
// nova/api/openstack/common.py _STATE_MAP, copied as data.

export type VmState =
  | 'active'
  | 'building'
  | 'paused'
  | 'suspended'
  | 'stopped'
  | 'rescued'
  | 'resized'
  | 'soft-delete'
  | 'deleted'
  | 'error'
  | 'shelved'
  | 'shelved_offloaded';

/** nova.compute.task_states values the fake uses, or null (no task). */
export type TaskState = string | null;

export const TASK = {
  rebooting: 'rebooting',
  rebootPending: 'reboot_pending',
  rebootStarted: 'reboot_started',
  rebootingHard: 'rebooting_hard',
  rebootPendingHard: 'reboot_pending_hard',
  rebootStartedHard: 'reboot_started_hard',
  rebuilding: 'rebuilding',
  migrating: 'migrating',
  resuming: 'resuming',
  unpausing: 'unpausing',
  pausing: 'pausing',
  suspending: 'suspending',
} as const;

/** nova.compute.power_state */
export const POWER = { nostate: 0, running: 1, paused: 3, shutdown: 4, crashed: 6, suspended: 7 } as const;

const REBUILD = { rebuilding: 'REBUILD', rebuild_block_device_mapping: 'REBUILD', rebuild_spawning: 'REBUILD' };
const RESIZE = { resize_prep: 'RESIZE', resize_migrating: 'RESIZE', resize_migrated: 'RESIZE', resize_finish: 'RESIZE' };

const STATE_MAP: Record<string, Record<string, string>> = {
  active: {
    default: 'ACTIVE',
    rebooting: 'REBOOT',
    reboot_pending: 'REBOOT',
    reboot_started: 'REBOOT',
    rebooting_hard: 'HARD_REBOOT',
    reboot_pending_hard: 'HARD_REBOOT',
    reboot_started_hard: 'HARD_REBOOT',
    updating_password: 'PASSWORD',
    ...REBUILD,
    migrating: 'MIGRATING',
    ...RESIZE,
  },
  building: { default: 'BUILD' },
  stopped: { default: 'SHUTOFF', ...RESIZE, ...REBUILD },
  resized: { default: 'VERIFY_RESIZE', resize_reverting: 'REVERT_RESIZE' },
  paused: { default: 'PAUSED', migrating: 'MIGRATING' },
  suspended: { default: 'SUSPENDED' },
  rescued: { default: 'RESCUE' },
  error: { default: 'ERROR', ...REBUILD },
  deleted: { default: 'DELETED' },
  'soft-delete': { default: 'SOFT_DELETED' },
  shelved: { default: 'SHELVED' },
  shelved_offloaded: { default: 'SHELVED_OFFLOADED' },
};

/** common.status_from_state */
export function statusFromState(vmState: string, taskState: TaskState): string {
  const taskMap = STATE_MAP[vmState] ?? { default: 'UNKNOWN' };
  return taskMap[taskState ?? 'default'] ?? taskMap.default ?? 'UNKNOWN';
}

/** common.task_and_vm_state_from_status: the (vm, task) states a status filter stands for. */
export function statesFromStatuses(statuses: string[]): { vmStates: Set<string>; taskStates: Set<string> } {
  const wanted = new Set(statuses.map((s) => s.toLowerCase()));
  const vmStates = new Set<string>();
  const taskStates = new Set<string>();
  for (const [vm, taskMap] of Object.entries(STATE_MAP)) {
    for (const [task, status] of Object.entries(taskMap)) {
      if (wanted.has(status.toLowerCase())) {
        vmStates.add(vm);
        taskStates.add(task);
      }
    }
  }
  return { vmStates, taskStates };
}

/** vm_states.ALLOW_SOFT_REBOOT / ALLOW_HARD_REBOOT and task_states.ALLOW_REBOOT */
export const ALLOW_SOFT_REBOOT: readonly string[] = ['active'];
export const ALLOW_HARD_REBOOT: readonly string[] = ['active', 'stopped', 'paused', 'suspended', 'error'];
export const ALLOW_REBOOT_TASKS: readonly (string | null)[] = [
  null,
  TASK.rebooting,
  TASK.rebootPending,
  TASK.rebootStarted,
  TASK.resuming,
  TASK.rebootingHard,
  TASK.unpausing,
  TASK.pausing,
  TASK.suspending,
];
/** The task states compute API.reboot lets through before picking soft or hard. */
export const REBOOT_OUTER_TASKS: readonly (string | null)[] = [
  null,
  TASK.rebooting,
  TASK.rebootPending,
  TASK.rebootStarted,
  TASK.rebootingHard,
  TASK.resuming,
  TASK.unpausing,
  TASK.pausing,
  TASK.suspending,
];

export function powerStateFor(vm: VmState): number {
  switch (vm) {
    case 'active':
      return POWER.running;
    case 'paused':
      return POWER.paused;
    case 'suspended':
      return POWER.suspended;
    case 'stopped':
    case 'shelved':
      return POWER.shutdown;
    default:
      return POWER.nostate;
  }
}
