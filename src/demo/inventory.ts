// The simulated cloud's machines, as data: compute hosts and the instances on them.
// Scenarios pick their victims from here by name.

export interface GuestSpec {
  name: string;
  host: string;
  /** Nova metadata HA_Enabled=True: vmha installs alarms on it and may recover it. */
  ha: boolean;
}

export interface Inventory {
  hosts: string[];
  guests: GuestSpec[];
}

/** Four hosts, two HA instances and one ordinary instance on each. */
export const DEMO_INVENTORY: Inventory = {
  hosts: ['compute-1', 'compute-2', 'compute-3', 'compute-4'],
  guests: [
    { name: 'web-1', host: 'compute-1', ha: true },
    { name: 'db-1', host: 'compute-1', ha: true },
    { name: 'batch-1', host: 'compute-1', ha: false },
    { name: 'web-2', host: 'compute-2', ha: true },
    { name: 'db-2', host: 'compute-2', ha: true },
    { name: 'batch-2', host: 'compute-2', ha: false },
    { name: 'web-3', host: 'compute-3', ha: true },
    { name: 'legacy-1', host: 'compute-3', ha: true },
    { name: 'batch-3', host: 'compute-3', ha: false },
    { name: 'app-1', host: 'compute-4', ha: true },
    { name: 'app-2', host: 'compute-4', ha: true },
    { name: 'batch-4', host: 'compute-4', ha: false },
  ],
};
