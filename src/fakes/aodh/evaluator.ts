// aodh-evaluator and aodh-notifier for the fake cloud: every interval, each enabled
// gnocchi_resources_threshold alarm's rule is evaluated over the fake Gnocchi's measures
// at the rule's granularity (./threshold.ts), the alarm's state changes as Aodh's would
// (history recorded), and the new state's actions are notified exactly as Aodh's REST
// notifier does: one POST per action URL, no retry, the status only logged.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../domain/clock.ts';
import type { TokenStore } from '../common.ts';
import type { FakeGnocchi } from '../gnocchi/index.ts';
import { GnocchiError } from '../gnocchi/errors.ts';
import { SEED_PROJECTS, SEED_USERS, stableId } from '../keystone/seed.ts';
import type { AlarmState } from './alarm-types.ts';
import type { AodhAlarm, FakeAodh } from './index.ts';
import { actionsFor, actionTarget, aodhBody, postLikeAodh, type NotifierPayload, type PostResult } from './notifier.ts';
import { evaluateRule, insufficient, queryWindow, transitionFor, type Evaluation, type ThresholdRule } from './threshold.ts';

/** What the evaluator did, for logs, the demo's narration and tests. */
export type EvaluatorEvent =
  | { kind: 'transition'; at: number; alarm: AodhAlarm; previous: AlarmState; reason: string; reasonData: Record<string, unknown> }
  | {
      kind: 'notification';
      at: number;
      alarmId: string;
      alarmName: string;
      current: AlarmState;
      /** The URL posted to (trust ids removed). */
      url: string;
      requestId: string;
      /** The receiver's status; undefined when the POST failed (then `error`). */
      status?: number;
      error?: string;
      responseBody?: Record<string, unknown>;
    }
  | { kind: 'log-action'; at: number; alarmId: string; alarmName: string; current: AlarmState }
  | { kind: 'skipped'; at: number; alarmId: string; why: string };

export interface EvaluatorOptions {
  aodh: FakeAodh;
  gnocchi: FakeGnocchi;
  /** To issue trust-scoped tokens for trust+http(s) actions. */
  tokens: TokenStore;
  clock: Clock;
  /** Aodh's [DEFAULT] evaluation_interval (upstream default 60 s). */
  intervalMs: number;
  onEvent?: (e: EvaluatorEvent) => void;
  /** The HTTP POST (tests may observe or replace it). */
  post?: typeof postLikeAodh;
}

export class AodhEvaluator {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly o: EvaluatorOptions) {}

  /** Starts evaluating every interval (the first pass at once). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        this.evaluateAll();
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          void this.o.clock.sleep(this.o.intervalMs).then(resolve);
        });
      }
    })();
  }

  /** Stops the loop and waits for notifications on their way. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.settled();
  }

  /** Resolves when every notification sent so far has been answered (or failed). */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  /** One evaluation cycle over every enabled alarm (_evaluate_assigned_alarms). */
  evaluateAll(): void {
    for (const alarm of this.o.aodh.list()) {
      if (!alarm.enabled || alarm.type === 'event') continue;
      try {
        this.evaluate(alarm);
      } catch (err) {
        // Upstream logs "Failed to evaluate alarm" and carries on with the next one.
        this.emit({ kind: 'skipped', at: this.o.clock.now(), alarmId: alarm.alarm_id, why: `evaluation failed: ${(err as Error).message}` });
      }
    }
  }

  /** Evaluates one alarm now; returns the transition made, if any. */
  evaluate(alarm: AodhAlarm): AlarmState | undefined {
    if (alarm.type !== 'gnocchi_resources_threshold') {
      this.emit({ kind: 'skipped', at: this.o.clock.now(), alarmId: alarm.alarm_id, why: `${alarm.type} alarms are not evaluated by this fake` });
      return undefined;
    }
    const rule = alarm.rule as unknown as ThresholdRule;
    const change = transitionFor({ state: alarm.state, repeat_actions: alarm.repeat_actions, evaluation_periods: rule.evaluation_periods }, this.statistics(rule));
    if (!change) return undefined;
    // Evaluator._refresh(): store and record a change, then notify; a repeat only notifies.
    const previous = alarm.state;
    let current = alarm;
    if (change.state !== previous) {
      current = this.o.aodh.setState(alarm.alarm_id, change.state, change.reason);
      this.emit({ kind: 'transition', at: this.o.clock.now(), alarm: current, previous, reason: change.reason, reasonData: change.reasonData });
    }
    this.notify(current, previous, change.reason, change.reasonData);
    return change.state;
  }

  /** GnocchiResourceThresholdEvaluator._statistics() + evaluate_rule(), failures as insufficient data. */
  private statistics(rule: ThresholdRule): Evaluation {
    const { gnocchi } = this.o;
    const rid = rule.resource_id;
    const known = [...gnocchi.indexer.resources.values()].some((r) => r.id === rid || r.originalResourceId === rid);
    if (!known) return insufficient(`resource ${rid} does not exists`);
    const metricId = gnocchi.metricId(rid, rule.metric);
    if (!metricId) return insufficient(`metric ${rule.metric} for resource ${rid} does not exists`);
    const { start, stop } = queryWindow(rule, this.o.clock.now());
    try {
      const points = gnocchi.aggregate(metricId, { granularitySeconds: Number(rule.granularity), method: rule.aggregation_method, start, stop });
      return evaluateRule(rule, points);
    } catch (err) {
      if (err instanceof GnocchiError && err.status === 404) {
        return insufficient(`aggregation ${rule.aggregation_method} does not exist for metric ${rule.metric} of resource ${rid}`);
      }
      return insufficient(`alarm statistics retrieval failed: ${(err as Error).message}`);
    }
  }

  /** AlarmNotifier.notify() and the notifier service: each action of the new state, once. */
  private notify(alarm: AodhAlarm, previous: AlarmState, reason: string, reasonData: Record<string, unknown>): void {
    const payload: NotifierPayload = {
      alarm_name: alarm.name,
      alarm_id: alarm.alarm_id,
      severity: alarm.severity,
      previous,
      current: alarm.state,
      reason,
      reason_data: reasonData,
    };
    for (const action of actionsFor(alarm)) {
      const target = actionTarget(action);
      const base = { at: this.o.clock.now(), alarmId: alarm.alarm_id, alarmName: alarm.name, current: alarm.state };
      if (target.kind === 'log') {
        this.emit({ kind: 'log-action', ...base });
        continue;
      }
      if (target.kind === 'unsupported') {
        this.emit({ kind: 'skipped', at: base.at, alarmId: alarm.alarm_id, why: `${target.scheme} actions are not notified by this fake` });
        continue;
      }
      let authToken: string | undefined;
      if (target.trustId !== undefined) {
        authToken = this.trustToken(target.trustId);
        if (!authToken) {
          this.emit({ kind: 'skipped', at: base.at, alarmId: alarm.alarm_id, why: `trust ${target.trustId} of a trust+ action does not exist` });
          continue;
        }
      }
      const requestId = `req-${randomUUID()}`;
      const post = this.o.post ?? postLikeAodh;
      const sent: Promise<void> = post(target.url, aodhBody(payload), { requestId, verifyTls: target.verifyTls, ...(authToken ? { authToken } : {}) })
        .then(
          (r: PostResult) => this.emit({ kind: 'notification', ...base, url: target.url, requestId, status: r.status, responseBody: r.body }),
          // No retry (rest_notifier_max_retries=0): the receiver must cope with a lost one.
          (err: unknown) => this.emit({ kind: 'notification', ...base, url: target.url, requestId, error: (err as Error).message }),
        )
        .finally(() => this.inFlight.delete(sent));
      this.inFlight.add(sent);
    }
  }

  /** A token scoped by the trust (the trustor's project and delegated roles), as trust.py gets one. */
  private trustToken(trustId: string): string | undefined {
    const trust = this.o.aodh.trust(trustId);
    if (!trust) return undefined;
    const user = Object.values(SEED_USERS).find((u) => u.id === trust.trustorUserId);
    const project = Object.values(SEED_PROJECTS).find((p) => p.id === trust.projectId);
    return this.o.tokens.issue(
      {
        userId: trust.trustorUserId,
        userName: user?.name ?? trust.trustorUserId,
        userDomainId: 'default',
        projectId: trust.projectId,
        projectName: project?.name ?? trust.projectId,
        projectDomainId: 'default',
        roles: trust.roles.map((name) => ({ id: stableId(`role:${name}`), name })),
        methods: ['password'],
      },
      3600,
    ).id;
  }

  private emit(e: EvaluatorEvent): void {
    try {
      this.o.onEvent?.(e);
    } catch {
      // An observer's bug must not stop evaluation.
    }
  }
}
