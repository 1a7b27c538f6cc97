import { expect } from 'chai';
import { applyActions, mapLimit, type AlarmAction } from '../../src/alarms/apply.ts';
import type { Alarm, AodhClient } from '../../src/openstack/aodh.ts';
import { NotFound, Transient } from '../../src/openstack/errors.ts';

const action = (i: number, kind: AlarmAction['kind'] = 'create'): AlarmAction => ({
  kind,
  name: `vmha:ping-delay:i-${i}`,
  template: 'ping-delay',
  instanceId: `i-${i}`,
  alarmId: kind === 'create' ? undefined : `a-${i}`,
  body: { name: `vmha:ping-delay:i-${i}` },
});

describe('alarms/apply', () => {
  it('never has more than `concurrency` calls in flight and keeps the input order', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([...Array(40).keys()], 8, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 1 + (i % 3)));
      inFlight--;
      return i * 2;
    });
    expect(peak).to.equal(8);
    expect(out).to.deep.equal([...Array(40).keys()].map((i) => i * 2));
  });

  it("records a failure with Aodh's message and request id and goes on with the rest", async () => {
    const aodh: Pick<AodhClient, 'create' | 'update' | 'delete'> = {
      create: async (body) => {
        if (body.name === 'vmha:ping-delay:i-3') {
          throw new Transient({ service: 'aodh', method: 'POST', url: '/v2/alarms', status: 503, requestId: 'req-1', detail: 'Service Unavailable' });
        }
        return { alarm_id: `new-${String(body.name)}` } as Alarm;
      },
      update: async () => {
        throw new NotFound({ service: 'aodh', method: 'PUT', url: '/v2/alarms/a-5', status: 404, detail: 'Alarm a-5 not found' });
      },
      delete: async () => {
        throw new NotFound({ service: 'aodh', method: 'DELETE', url: '/v2/alarms/a-6', status: 404, detail: 'Alarm a-6 not found' });
      },
    };
    const seen: string[] = [];
    const results = await applyActions([action(1), action(3), action(5, 'update'), action(6, 'delete')], aodh, {
      concurrency: 2,
      onResult: (r) => seen.push(r.action.name),
    });
    expect(seen).to.have.length(4);
    expect(results.map((r) => r.ok)).to.deep.equal([true, false, true, true]);
    expect(results[1]!.error).to.deep.equal({ status: 503, message: 'Service Unavailable', requestId: 'req-1' });
    // An alarm deleted since the listing is created again; one already gone counts as removed.
    expect(results[2]!.alarmId).to.equal('new-vmha:ping-delay:i-5');
  });
});
