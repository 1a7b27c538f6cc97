// vmha's own alarm for an instance, rendered from the bundled template exactly as
// `vmha alarms install` would create it (so tests exercise the real alarm shapes).
import type { AlarmBody } from '../../src/alarms/aodh-body.ts';
import { render } from '../../src/alarms/render.ts';
import { bundledTemplatesDir, loadTemplate, resolveVariables } from '../../src/alarms/template.ts';

export function renderedAlarm(template: string, instanceId: string, publicUrl: string, secret: string): AlarmBody {
  const t = loadTemplate(bundledTemplatesDir(), template);
  return render(t, instanceId, resolveVariables(t), { publicUrl, secret, trust: false });
}
