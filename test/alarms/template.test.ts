import { expect } from 'chai';
import { checkAlarmBody } from '../../src/alarms/aodh-body.ts';
import { alarmName, MANAGED_NOTE, parseAlarmName, render } from '../../src/alarms/render.ts';
import { bundledTemplatesDir, listTemplateNames, loadTemplate, parseTemplate, resolveVariables, type Template } from '../../src/alarms/template.ts';
import { ConfigError } from '../../src/config/errors.ts';
import { alarmActionUrl } from '../../src/domain/webhook-url.ts';

const ACTIONS = { publicUrl: 'http://vmha.example:8780', secret: 'webhook-secret-1', trust: false };
const INSTANCE = '6c1b5a74-4a5f-4e1c-9b8e-0f6a8d7c2b10';

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const GOOD = `
name: t
description: Ping above \${threshold} ms.
variables:
  threshold: {type: number, default: 500}
  periods: {type: integer, default: 3}
alarm:
  type: gnocchi_resources_threshold
  severity: critical
  alarm_actions: ["\${action_url}"]
  ok_actions: ["\${action_url}"]
  gnocchi_resources_threshold_rule:
    metric: instance.ping.delay
    resource_type: instance
    resource_id: \${instance_id}
    aggregation_method: mean
    comparison_operator: gt
    threshold: \${threshold}
    granularity: 10
    evaluation_periods: \${periods}
`;

describe('alarms/template and render', () => {
  it('ships ping-delay, disk-health, agent-down and a composite example', () => {
    expect(listTemplateNames(bundledTemplatesDir())).to.include.members(['ping-delay', 'disk-health', 'agent-down', 'guest-unresponsive']);
  });

  it('renders ping-delay to the exact Aodh body of the issue', () => {
    const t = loadTemplate(bundledTemplatesDir(), 'ping-delay');
    const body = render(t, INSTANCE, resolveVariables(t), ACTIONS);
    const name = `vmha:ping-delay:${INSTANCE}`;
    const url = alarmActionUrl(ACTIONS.publicUrl, ACTIONS.secret, name, false);
    expect(body).to.deep.equal({
      name,
      description: `Mean in-guest ping delay above 500 ms for 3 x 10 s. ${MANAGED_NOTE}`,
      type: 'gnocchi_resources_threshold',
      severity: 'critical',
      enabled: true,
      repeat_actions: false,
      alarm_actions: [url],
      ok_actions: [url],
      insufficient_data_actions: [],
      gnocchi_resources_threshold_rule: {
        metric: 'instance.ping.delay',
        resource_type: 'instance',
        resource_id: INSTANCE,
        aggregation_method: 'mean',
        comparison_operator: 'gt',
        threshold: 500,
        granularity: 10,
        evaluation_periods: 3,
      },
    });
    // The URL carries a per-alarm token, never the secret itself.
    expect(JSON.stringify(body)).not.to.contain(ACTIONS.secret);
  });

  it('renders disk-health (lt 0) and agent-down (lt 1) as the issue specifies', () => {
    const dir = bundledTemplatesDir();
    const rule = (n: string): Record<string, unknown> => {
      const t = loadTemplate(dir, n);
      return (render(t, INSTANCE, resolveVariables(t), ACTIONS) as Record<string, unknown>).gnocchi_resources_threshold_rule as Record<string, unknown>;
    };
    expect(rule('disk-health')).to.include({ metric: 'instance.disk.health', comparison_operator: 'lt', threshold: 0, granularity: 10, evaluation_periods: 3 });
    expect(rule('agent-down')).to.include({ metric: 'instance.agent.up', comparison_operator: 'lt', threshold: 1 });
  });

  it('renders every bundled template to a body that passes the Aodh contract check, with trust URLs too', () => {
    const dir = bundledTemplatesDir();
    for (const n of listTemplateNames(dir)) {
      const t = loadTemplate(dir, n);
      const body = render(t, INSTANCE, resolveVariables(t), { ...ACTIONS, trust: true });
      expect(checkAlarmBody(body).ok, n).to.equal(true);
      expect(body.alarm_actions[0]).to.match(/^trust\+http:\/\/vmha\.example:8780\/v1\/aodh\//);
      expect(body.ok_actions).to.deep.equal(body.alarm_actions);
      expect(body.repeat_actions).to.equal(false);
    }
  });

  it('substitutes with types kept: a threshold stays a number, text is interpolated', () => {
    const t = parseTemplate(GOOD, '/x/t.yaml');
    const body = render(t, INSTANCE, resolveVariables(t, { threshold: 800 }), ACTIONS) as Record<string, any>;
    expect(body.gnocchi_resources_threshold_rule.threshold).to.equal(800);
    expect(body.gnocchi_resources_threshold_rule.evaluation_periods).to.equal(3);
    expect(body.description).to.match(/^Ping above 800 ms\./);
    expect(body.gnocchi_resources_threshold_rule.resource_id).to.equal(INSTANCE);
  });

  it('is pure: the same inputs give the same body', () => {
    const t = parseTemplate(GOOD, '/x/t.yaml');
    const v = resolveVariables(t);
    expect(render(t, INSTANCE, v, ACTIONS)).to.deep.equal(render(t, INSTANCE, v, ACTIONS));
  });

  it('names alarms vmha:<template>:<instance> and parses them back', () => {
    expect(alarmName('ping-delay', INSTANCE)).to.equal(`vmha:ping-delay:${INSTANCE}`);
    expect(parseAlarmName(`vmha:ping-delay:${INSTANCE}`)).to.deep.equal({ template: 'ping-delay', instanceId: INSTANCE });
    expect(parseAlarmName('cpu-high')).to.equal(undefined);
    expect(parseAlarmName('vmha:')).to.equal(undefined);
  });

  describe('bad templates: one error naming the file and the field', () => {
    const renderText = (text: string, file = '/x/t.yaml', overrides = {}): Template => {
      const t = parseTemplate(text, file);
      render(t, INSTANCE, resolveVariables(t, overrides), ACTIONS);
      return t;
    };
    const cases: [string, string, string, RegExp][] = [
      ['a misspelt rule field', GOOD.replace('comparison_operator:', 'comparision_operator:'), 'alarm.gnocchi_resources_threshold_rule.comparision_operator', /unknown field .*Unknown attribute for argument data\.gnocchi_resources_threshold_rule: comparision_operator/],
      ['a misspelt top-level alarm field', GOOD.replace('severity: critical', 'severty: critical'), 'alarm.severty', /unknown field/],
      ['a wrong type', GOOD.replace('granularity: 10', 'granularity: ten'), 'alarm.gnocchi_resources_threshold_rule.granularity', /expected number, got the string "ten"/],
      ['a bad enum', GOOD.replace('comparison_operator: gt', 'comparison_operator: bigger'), 'alarm.gnocchi_resources_threshold_rule.comparison_operator', /Value should be one of: lt, le, eq, ne, ge, gt/],
      ['an unknown variable', GOOD.replace('threshold: ${threshold}', 'threshold: ${treshold}'), 'alarm.gnocchi_resources_threshold_rule.threshold', /unknown variable \$\{treshold\} \(declared: threshold, periods; built-in: instance_id/],
      ['an unknown variable inside text', GOOD.replace('Ping above ${threshold}', 'Ping above ${thresh}'), 'description', /unknown variable \$\{thresh\}/],
      ['a missing mandatory field', GOOD.replace('    aggregation_method: mean\n', ''), 'alarm.gnocchi_resources_threshold_rule.aggregation_method', /mandatory field missing/],
      ['an aggregation Gnocchi does not have', GOOD.replace('aggregation_method: mean', 'aggregation_method: average'), 'alarm.gnocchi_resources_threshold_rule.aggregation_method', /not a Gnocchi aggregation method/],
      ['periods out of range', GOOD.replace('evaluation_periods: ${periods}', 'evaluation_periods: 101'), 'alarm.gnocchi_resources_threshold_rule.evaluation_periods', /100/],
      ['an unsupported action scheme', GOOD.replace('alarm_actions: ["${action_url}"]', 'alarm_actions: ["ftp://x/y"]'), 'alarm.alarm_actions.0', /Unsupported action ftp:\/\/x\/y/],
      ['the wrong rule for the type', GOOD.replace('gnocchi_resources_threshold_rule:', 'composite_rule:'), 'alarm.composite_rule', /cannot be set on a gnocchi_resources_threshold alarm/],
      ['a type vmha does not template', GOOD.replace('type: gnocchi_resources_threshold', 'type: event'), 'alarm.type', /not supported by vmha templates/],
      ['a name in the alarm', GOOD.replace('alarm:\n', 'alarm:\n  name: mine\n'), 'alarm.name', /set by vmha/],
      ['a default of the wrong type', GOOD.replace('default: 500', 'default: high'), 'variables.threshold.default', /expected a number/],
      ['an unknown top-level key', GOOD + 'extra: 1\n', 'extra', /unknown field/],
      ['a missing alarm', GOOD.slice(0, GOOD.indexOf('alarm:')), 'alarm', /required field is missing/],
      ['a redeclared built-in', GOOD.replace('variables:\n', 'variables:\n  instance_id: {type: string, default: x}\n'), 'variables.instance_id', /built-in/],
      ['a name that is not the file name', GOOD.replace('name: t', 'name: other'), 'name', /must equal the file name \(t\)/],
    ];
    for (const [what, text, key, pattern] of cases) {
      it(what, () => {
        const err = errorOf(() => renderText(text));
        expect(err.file).to.equal('/x/t.yaml');
        expect(err.key).to.equal(key);
        expect(err.message).to.match(pattern);
        expect(err.message.split('\n')).to.have.length(1);
      });
    }

    it('invalid YAML', () => {
      const err = errorOf(() => parseTemplate('name: t\nalarm: [\n  type: x\n', '/x/t.yaml'));
      expect(err.message).to.match(/^\/x\/t\.yaml: malformed YAML/);
    });

    it('an override of an undeclared variable, or of the wrong type, names the vmha.yaml key', () => {
      const t = parseTemplate(GOOD, '/x/t.yaml');
      const src = { file: '/etc/vmha/vmha.yaml', key: 'alarms.vars.t' };
      let err = errorOf(() => resolveVariables(t, { treshold: 1 }, src));
      expect(err.message).to.equal('/etc/vmha/vmha.yaml: alarms.vars.t.treshold: template t has no variable treshold (declared: threshold, periods)');
      err = errorOf(() => resolveVariables(t, { periods: 2.5 }, src));
      expect(err.message).to.equal('/etc/vmha/vmha.yaml: alarms.vars.t.periods: expected an integer, got 2.5');
      err = errorOf(() => resolveVariables(t, { threshold: '800' }, src));
      expect(err.key).to.equal('alarms.vars.t.threshold');
    });

    it('an override that makes the body invalid fails at render, naming the template field', () => {
      const text = GOOD.replace('severity: critical', 'severity: ${sev}').replace('variables:\n', 'variables:\n  sev: {type: string, default: critical}\n');
      const err = errorOf(() => renderText(text, '/x/t.yaml', { sev: 'urgent' }));
      expect(err.key).to.equal('alarm.severity');
      expect(err.message).to.match(/low, moderate, critical/);
    });

    it('a missing template file lists the available ones', () => {
      const err = errorOf(() => loadTemplate(bundledTemplatesDir(), 'ping-dealy'));
      expect(err.message).to.match(/ping-dealy\.yaml: no such template \(available: .*ping-delay/);
    });
  });

  it('"$${" is a literal "${"', () => {
    const t = parseTemplate(GOOD.replace('Ping above ${threshold} ms.', () => 'Literal $${x} and ${threshold}.'), '/x/t.yaml');
    expect(render(t, INSTANCE, resolveVariables(t), ACTIONS).description).to.match(/^Literal \$\{x\} and 500\./);
  });
});
