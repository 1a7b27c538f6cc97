import { expect } from 'chai';
import { render } from '../../src/alarms/render.ts';
import { bundledTemplatesDir, loadTemplate, resolveVariables } from '../../src/alarms/template.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Alarm } from '../../src/openstack/aodh.ts';
import { targetOf } from '../../src/webhook/resolve.ts';

const ID = '5a0f43f5-0b76-4a40-9d3d-2a52c07cdd38';
const ACTIONS = { publicUrl: 'http://127.0.0.1:8780', secret: 's3cret', trust: false };

/** The bundled template rendered for ID, as Aodh would return it. */
function installed(template: string): Alarm {
  const t = loadTemplate(bundledTemplatesDir(), template);
  const body = render(t, ID, resolveVariables(t, {}), ACTIONS);
  return { ...(body as unknown as Alarm), alarm_id: `alarm-${template}`, state: 'alarm', project_id: 'p1', user_id: 'u1' };
}

describe('targetOf: which instance and signal an alarm watches', () => {
  it('a threshold alarm: its instance and metric', () => {
    expect(targetOf(installed('ping-delay'))).to.deep.include({ instanceId: ID, metric: 'instance.ping.delay', alarmId: 'alarm-ping-delay', projectId: 'p1' });
  });

  it('the composite guest-unresponsive: one signal named after its template, for every instance', () => {
    expect(targetOf(installed('guest-unresponsive'))).to.deep.include({ instanceId: ID, metric: 'composite:guest-unresponsive' });
  });

  it('the default recovery.actions act on the composite (hard reboot), so installing it is enough', () => {
    const config = parseConfig('webhook: {public_url: "http://127.0.0.1:8780", secret: s3cret-webhook}\n', 'vmha.yaml');
    expect(config.recovery.actions['composite:guest-unresponsive']).to.equal('reboot-hard');
  });

  it("a foreign composite alarm keeps its own name as the signal; one over two instances watches none", () => {
    const foreign = { ...installed('guest-unresponsive'), name: 'ops-hang-check' };
    expect(targetOf(foreign)?.metric).to.equal('composite:ops-hang-check');
    const two = structuredClone(foreign) as Alarm & { composite_rule: { and: { resource_id: string }[] } };
    two.composite_rule.and[1]!.resource_id = 'another-instance';
    expect(targetOf(two)).to.equal(undefined);
  });
});
