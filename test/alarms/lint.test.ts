import { expect } from 'chai';
import { detectionSeconds, effectiveRule, fnmatch, formatTimespan, leavesOf, lintAlarm, neededArchivePolicy, neededRules, parseTimespan, policyGaps } from '../../src/alarms/lint.ts';
import { render } from '../../src/alarms/render.ts';
import { bundledTemplatesDir, loadTemplate, resolveVariables } from '../../src/alarms/template.ts';
import type { ArchivePolicy, ArchivePolicyRule } from '../../src/openstack/gnocchi.ts';

const ACTIONS = { publicUrl: 'http://127.0.0.1:8780', secret: 'webhook-secret-1', trust: false };
const body = (name: string, overrides = {}) => {
  const t = loadTemplate(bundledTemplatesDir(), name);
  return render(t, 'i-1', resolveVariables(t, overrides), ACTIONS);
};

// Gnocchi's defaults: rule "default" maps * to low (5 minutes).
const LOW: ArchivePolicy = { name: 'low', back_window: 0, aggregation_methods: ['mean', 'min', 'max', 'sum', 'std', 'count'], definition: [{ granularity: '0:05:00', points: 8640, timespan: '30 days, 0:00:00' }] };
const VMHA: ArchivePolicy = { name: 'vmha-10s', back_window: 0, aggregation_methods: ['last', 'max', 'mean', 'min'], definition: [{ granularity: '0:00:10', points: 8640, timespan: '1 day, 0:00:00' }] };
const DEFAULT_RULE: ArchivePolicyRule = { name: 'default', metric_pattern: '*', archive_policy_name: 'low' };

describe('alarms/lint', () => {
  it("reads Gnocchi's timespans", () => {
    expect(parseTimespan('0:00:10')).to.equal(10);
    expect(parseTimespan('0:05:00')).to.equal(300);
    expect(parseTimespan('1 day, 0:00:00')).to.equal(86400);
    expect(parseTimespan('30 days, 0:00:00')).to.equal(30 * 86400);
    expect(parseTimespan('0:00:00.500000')).to.equal(0.5);
    expect(parseTimespan(60)).to.equal(60);
    expect(parseTimespan('60.0')).to.equal(60);
    expect(parseTimespan('soon')).to.equal(undefined);
    expect(formatTimespan(10)).to.equal('0:00:10');
    expect(formatTimespan(3600)).to.equal('1:00:00');
    expect(formatTimespan(90000)).to.equal('1 day, 1:00:00');
  });

  it("matches archive-policy rules as Gnocchi does (fnmatch, pattern descending, first wins)", () => {
    expect(fnmatch('instance.ping.delay', '*')).to.equal(true);
    expect(fnmatch('instance.ping.delay', 'instance.*')).to.equal(true);
    expect(fnmatch('instanceXping', 'instance.*')).to.equal(false);
    expect(fnmatch('disk.read', 'disk.[rw]*')).to.equal(true);
    expect(fnmatch('disk.read', 'disk.[!r]*')).to.equal(false);
    const rules = [DEFAULT_RULE, { name: 'vmha-instance.ping.delay', metric_pattern: 'instance.ping.delay', archive_policy_name: 'vmha-10s' }];
    expect(effectiveRule(rules, 'instance.ping.delay')?.name).to.equal('vmha-instance.ping.delay');
    expect(effectiveRule(rules, 'cpu')?.name).to.equal('default');
    expect(effectiveRule([], 'cpu')).to.equal(undefined);
  });

  it('computes detection as granularity x periods + evaluation interval (and: slowest leaf, or: fastest)', () => {
    expect(detectionSeconds(body('ping-delay'), 60)).to.equal(90);
    expect(detectionSeconds(body('ping-delay', { granularity: 60, periods: 5 }), 10)).to.equal(310);
    expect(detectionSeconds(body('guest-unresponsive'), 60)).to.equal(90);
    expect(leavesOf(body('guest-unresponsive')).map((l) => l.path)).to.deep.equal(['composite_rule.and.0', 'composite_rule.and.1']);
  });

  it("catches a granularity the metric's archive policy does not have (Gnocchi's default: low, 5 min)", () => {
    const r = lintAlarm(body('ping-delay'), { rules: [DEFAULT_RULE], policies: new Map([['low', LOW]]), evaluationIntervalS: 60, detectionTargetS: 120 });
    expect(r.findings).to.have.length(1);
    expect(r.findings[0]).to.include({ level: 'error', path: 'gnocchi_resources_threshold_rule.granularity' });
    expect(r.findings[0]!.message).to.match(/archive policy 'low' \(rule 'default', pattern '\*'\) for metric instance\.ping\.delay keeps granularities 300 s, not 10 s: the alarm would stay in 'insufficient data' forever/);
  });

  it('passes once the vmha rule and policy exist; warns when detection exceeds the target', () => {
    const rules = [DEFAULT_RULE, ...neededRules('vmha-10s', [body('ping-delay')])];
    const input = { rules, policies: new Map([['low', LOW], ['vmha-10s', VMHA]]), evaluationIntervalS: 60, detectionTargetS: 120 };
    const ok = lintAlarm(body('ping-delay'), input);
    expect(ok.findings).to.deep.equal([]);
    expect(ok.leaves[0]).to.include({ archivePolicy: 'vmha-10s', rule: 'vmha-instance.ping.delay' });
    const slow = lintAlarm(body('ping-delay', { periods: 10 }), input);
    expect(slow.findings).to.have.length(1);
    expect(slow.findings[0]).to.include({ level: 'warning', path: 'detection' });
    expect(slow.findings[0]!.message).to.match(/160 s .* above alarms\.detection_target_s 120 s/);
  });

  it('catches a missing aggregation method, too few points, no matching rule and a missing policy', () => {
    const rules = neededRules('vmha-10s', [body('ping-delay')]);
    const base = { evaluationIntervalS: 60, detectionTargetS: 1000 };
    const noMean = { ...VMHA, aggregation_methods: ['max'] };
    expect(lintAlarm(body('ping-delay'), { ...base, rules, policies: new Map([['vmha-10s', noMean]]) }).findings[0]!.path).to.equal('gnocchi_resources_threshold_rule.aggregation_method');
    const tiny = { ...VMHA, definition: [{ granularity: '0:00:10', points: 2 }] };
    expect(lintAlarm(body('ping-delay'), { ...base, rules, policies: new Map([['vmha-10s', tiny]]) }).findings[0]!.path).to.equal('gnocchi_resources_threshold_rule.evaluation_periods');
    expect(lintAlarm(body('ping-delay'), { ...base, rules: [], policies: new Map() }).findings[0]!.message).to.match(/no archive-policy rule matches metric instance\.ping\.delay/);
    expect(lintAlarm(body('ping-delay'), { ...base, rules, policies: new Map() }).findings[0]!.message).to.match(/does not exist in Gnocchi/);
  });

  it('lints each leaf of a composite', () => {
    const r = lintAlarm(body('guest-unresponsive'), { rules: [DEFAULT_RULE], policies: new Map([['low', LOW]]), evaluationIntervalS: 60, detectionTargetS: 120 });
    expect(r.findings.map((f) => f.path)).to.deep.equal(['composite_rule.and.0.granularity', 'composite_rule.and.1.granularity']);
  });

  it('sizes the archive policy and rules from the templates', () => {
    const bodies = ['ping-delay', 'disk-health', 'agent-down'].map((n) => body(n));
    const p = neededArchivePolicy('vmha-10s', bodies);
    expect(p.definition).to.deep.equal([{ granularity: '0:00:10', points: 8640 }]);
    expect(p.aggregation_methods).to.deep.equal(['last', 'max', 'mean', 'min']);
    expect(neededRules('vmha-10s', bodies).map((r) => r.metric_pattern)).to.deep.equal(['instance.agent.up', 'instance.disk.health', 'instance.ping.delay']);
    expect(policyGaps(VMHA, p)).to.deep.equal([]);
    expect(policyGaps(LOW, p)).to.deep.equal(['granularity 10 s', 'aggregation method last']);
  });
});
