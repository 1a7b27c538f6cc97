// A contract-faithful fake of Aodh's alarms API (/alarming/v2/alarms), following
// ../shared/openstack/CONTRACTS.md ("Aodh") and upstream aodh where it is silent.
// It stores and validates alarms; it does not evaluate them (an evaluator can hook
// onStateChange and drive setState()).
import type express from 'express';
import type { Clock } from '../../domain/clock.ts';
import type { TokenStore } from '../common.ts';
import { SEED_PROJECTS } from '../keystone/seed.ts';
import type { AlarmState } from './alarm-types.ts';
import { pyIso, type AlarmChange, type StoredAlarm } from './model.ts';
import { aodhRouter } from './routes.ts';
import { AlarmStore, type StateChangeCause, type Trust } from './store.ts';

export type { AlarmState, AlarmType } from './alarm-types.ts';
export type { StateChangeCause, Trust } from './store.ts';
export { scrubAction } from './actions.ts';

/**
 * An alarm in Aodh's storage shape (as the evaluator and notifier see it): the
 * stored `rule`, actions with their trust ids, timestamps as Python isoformat().
 */
export interface AodhAlarm extends Omit<StoredAlarm, 'timestamp' | 'state_timestamp'> {
  timestamp: string;
  state_timestamp: string;
}

export interface FakeAodhOptions {
  clock: Clock;
  tokens: TokenStore;
  identityUrl: () => string;
}

export class FakeAodh {
  private readonly store: AlarmStore;
  /** Called after every state transition (API or setState) with the new alarm and the previous state. */
  onStateChange?: (alarm: AodhAlarm, previous: AlarmState, cause: StateChangeCause) => void;
  /** Project owning Ceilometer's Gnocchi resources (scopes resources-threshold queries of non-admins). */
  externalProjectOwner: string | undefined = SEED_PROJECTS.service.id;

  constructor(private readonly opts: FakeAodhOptions) {
    this.store = new AlarmStore(opts.clock);
    this.store.onStateChange = (alarm, previous, cause) => this.onStateChange?.(view(alarm), previous, cause);
  }

  /** Every alarm, newest first. */
  list(): AodhAlarm[] {
    return [...this.store.alarms.values()].reverse().sort((a, b) => b.timestamp - a.timestamp).map(view);
  }

  get(id: string): AodhAlarm | undefined {
    const alarm = this.store.alarms.get(id);
    return alarm ? view(alarm) : undefined;
  }

  /** An evaluator's state transition: records history; sends no notification. Throws for an unknown id. */
  setState(id: string, state: AlarmState, reason?: string): AodhAlarm {
    return view(this.store.setState(id, state, reason === undefined ? {} : { reason }));
  }

  /** History entries of an alarm, newest first (detail is JSON text). */
  history(id: string): AlarmChange[] {
    return this.store.changes.filter((c) => c.alarm_id === id).reverse().sort((a, b) => b.timestamp - a.timestamp).map((c) => ({ ...c }));
  }

  /** The trust Aodh made for a trust+ action (trust id as embedded in the stored URL). */
  trust(id: string): Trust | undefined {
    return this.store.trusts.get(id);
  }

  router(): express.Router {
    return aodhRouter({
      store: this.store,
      tokens: this.opts.tokens,
      identityUrl: this.opts.identityUrl,
      externalProjectOwner: () => this.externalProjectOwner,
    });
  }
}

function view(a: StoredAlarm): AodhAlarm {
  return {
    ...structuredClone(a),
    timestamp: pyIso(a.timestamp),
    state_timestamp: pyIso(a.state_timestamp),
  };
}
