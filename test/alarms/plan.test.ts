import { expect } from 'chai';
import { ownedView } from '../../src/alarms/aodh-body.ts';
import { actionsOf } from '../../src/alarms/apply.ts';
import { desiredAlarms } from '../../src/alarms/inventory.ts';
import { isNoop, plan, type DesiredAlarm } from '../../src/alarms/plan.ts';
import { bundledTemplatesDir, loadTemplate, resolveVariables } from '../../src/alarms/template.ts';
import type { Alarm } from '../../src/openstack/aodh.ts';

const ACTIONS = { publicUrl: 'http://127.0.0.1:8780', secret: 'webhook-secret-1', trust: false };
const A = 'aaaaaaaa-0000-4000-8000-000000000001';
const B = 'bbbbbbbb-0000-4000-8000-000000000002';

function prepared(name: string, overrides = {}) {
  const template = loadTemplate(bundledTemplatesDir(), name);
  return { template, vars: resolveVariables(template, overrides) };
}

/** What Aodh stores and echoes for a body: ids, state, defaults, threshold as a float, actions deduplicated. */
function echo(d: DesiredAlarm, id: string, extra: Partial<Alarm> = {}): Alarm {
  const body = JSON.parse(JSON.stringify(d.body)) as Record<string, any>;
  return {
    ...body,
    alarm_id: id,
    state: 'insufficient data',
    state_reason: 'Not evaluated yet',
    project_id: 'p',
    user_id: 'u',
    time_constraints: [],
    timestamp: '2026-01-01T00:00:00.000000',
    state_timestamp: '2026-01-01T00:00:00.000000',
    alarm_actions: [...body.alarm_actions].reverse(),
    ...extra,
  } as Alarm;
}

describe('alarms/plan', () => {
  const templates = [prepared('ping-delay'), prepared('agent-down')];
  const desired = desiredAlarms([{ id: A }, { id: B }], templates, ACTIONS);
  const scope = { templates: new Set(['ping-delay', 'agent-down']) };

  it('creates everything on an empty Aodh', () => {
    const p = plan(desired, [], scope);
    expect(p.create.map((d) => d.name)).to.deep.equal([
      `vmha:agent-down:${A}`,
      `vmha:agent-down:${B}`,
      `vmha:ping-delay:${A}`,
      `vmha:ping-delay:${B}`,
    ]);
    expect(p.update).to.have.length(0);
    expect(isNoop(p, true)).to.equal(false);
  });

  it("finds Aodh's echo of each body unchanged (second run changes nothing)", () => {
    const existing = desired.map((d, i) => echo(d, `id-${i}`));
    const p = plan(desired, existing, scope);
    expect(p.unchanged).to.have.length(4);
    expect(p.create.length + p.update.length + p.remove.length).to.equal(0);
    expect(isNoop(p, true)).to.equal(true);
  });

  it('treats rule fields Aodh fills with defaults as equal to the explicit values', () => {
    const d = desired[0]!;
    const rule = { ...(d.body as any).gnocchi_resources_threshold_rule };
    const aodhSide = { ...d.body, gnocchi_resources_threshold_rule: { ...rule, threshold: 1.0 * rule.threshold } } as Record<string, unknown>;
    expect(ownedView(aodhSide)).to.deep.equal(ownedView(d.body as any));
    const noDefaults = { ...rule };
    delete noDefaults.comparison_operator;
    expect(ownedView({ ...d.body, gnocchi_resources_threshold_rule: noDefaults } as any).rule).to.include({ comparison_operator: 'eq' });
  });

  it('updates in place when a threshold changes, naming the field', () => {
    const existing = desired.map((d, i) => echo(d, `id-${i}`));
    const changed = desiredAlarms([{ id: A }, { id: B }], [prepared('ping-delay', { threshold: 800 }), prepared('agent-down')], ACTIONS);
    const p = plan(changed, existing, scope);
    expect(p.update.map((u) => u.desired.name).sort()).to.deep.equal([`vmha:ping-delay:${A}`, `vmha:ping-delay:${B}`]);
    const changes = p.update[0]!.changes;
    expect(changes).to.deep.include({ path: 'gnocchi_resources_threshold_rule.threshold', from: 500, to: 800 });
    expect(changes.map((c) => c.path)).to.include('description');
    expect(p.update[0]!.existing.alarm_id).to.match(/^id-/);
    expect(p.unchanged).to.have.length(2);
  });

  it("carries the alarm's current state into the PUT body (Aodh's PUT would reset it)", () => {
    const existing = desired.map((d, i) => echo(d, `id-${i}`, { state: 'alarm' }));
    const changed = desiredAlarms([{ id: A }], [prepared('ping-delay', { threshold: 800 })], ACTIONS);
    const p = plan(changed, existing, { templates: new Set(['ping-delay']), instances: new Set([A]) });
    const [update] = actionsOf(p, { removals: false });
    expect(update).to.include({ kind: 'update' });
    expect(update!.body).to.include({ state: 'alarm' });
  });

  it('marks alarms of instances in scope that are no longer wanted as stale, and leaves others alone', () => {
    const existing = desired.map((d, i) => echo(d, `id-${i}`));
    existing.push({ ...existing[0]!, alarm_id: 'other', name: 'cpu-high' });
    // Only A is still HA-enabled; scope is every instance.
    const p = plan(desiredAlarms([{ id: A }], templates, ACTIONS), existing, scope);
    expect(p.remove.map((r) => [r.existing.name, r.reason])).to.deep.equal([
      [`vmha:agent-down:${B}`, 'stale'],
      [`vmha:ping-delay:${B}`, 'stale'],
    ]);
    // With --instance A the alarms of B are out of scope.
    const q = plan(desiredAlarms([{ id: A }], templates, ACTIONS), existing, { ...scope, instances: new Set([A]) });
    expect(q.remove).to.have.length(0);
    // With --template ping-delay, agent-down alarms are out of scope.
    const r = plan(desiredAlarms([{ id: A }], [templates[0]!], ACTIONS), existing, { templates: new Set(['ping-delay']) });
    expect(r.remove.map((x) => x.existing.name)).to.deep.equal([`vmha:ping-delay:${B}`]);
    expect(actionsOf(r, { removals: false }).filter((a) => a.kind === 'delete')).to.have.length(0);
    expect(actionsOf(r, { removals: true }).filter((a) => a.kind === 'delete')).to.have.length(1);
  });

  it('keeps one of two alarms with the same name (a lost POST answer) and removes the other', () => {
    const d = desired[0]!;
    const p = plan([d], [echo(d, 'id-2', { severity: 'low' }), echo(d, 'id-1')], { templates: new Set([d.template]) });
    expect(p.unchanged.map((u) => u.existing.alarm_id)).to.deep.equal(['id-1']);
    expect(p.remove.map((r) => [r.existing.alarm_id, r.reason])).to.deep.equal([['id-2', 'duplicate']]);
  });
});
