import { expect } from 'chai';
import { diffOwned, ownedView } from '../../src/alarms/aodh-body.ts';
import { render } from '../../src/alarms/render.ts';
import { bundledTemplatesDir, listTemplateNames, loadTemplate, resolveVariables } from '../../src/alarms/template.ts';
import { withFakeCloud, type CloudFixture } from '../helpers/cloud.ts';

const INSTANCE = '6c1b5a74-4a5f-4e1c-9b8e-0f6a8d7c2b10';

describe('alarms: every bundled template against the fake Aodh', () => {
  let f: CloudFixture;
  before(async () => {
    f = await withFakeCloud();
  });
  after(() => f.close());

  for (const trust of [false, true]) {
    it(`is accepted (201) and echoed back unchanged in the owned fields${trust ? ', with trust+http actions' : ''}`, async () => {
      for (const name of listTemplateNames(bundledTemplatesDir())) {
        const t = loadTemplate(bundledTemplatesDir(), name);
        const body = render(t, `${INSTANCE}-${String(trust)}`, resolveVariables(t), { publicUrl: 'http://127.0.0.1:8780', secret: 'webhook-secret-1', trust });
        const created = await f.clients.aodh.create(body);
        const fetched = await f.clients.aodh.get(created.alarm_id);
        expect(diffOwned(ownedView(fetched), ownedView(body as unknown as Record<string, unknown>)), name).to.deep.equal([]);
        // The PUT body install sends for an update is accepted too, and keeps the state.
        await f.clients.aodh.setState(created.alarm_id, 'alarm');
        const updated = await f.clients.aodh.update(created.alarm_id, { ...body, state: 'alarm' });
        expect(updated.state, name).to.equal('alarm');
        expect(diffOwned(ownedView(updated), ownedView(body as unknown as Record<string, unknown>)), name).to.deep.equal([]);
      }
    });
  }
});
