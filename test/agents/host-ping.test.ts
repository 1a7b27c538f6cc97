import { expect } from 'chai';
import { delayFromPingResponse, hostPingerFor, NpmHostPinger, SystemHostPinger } from '../../agents/probes/host-ping.ts';

describe('agents/probes/host-ping (npm ping package)', () => {
  it('measures a real round trip to 127.0.0.1', async () => {
    const delay = await new NpmHostPinger().ping('127.0.0.1', 2000, 1);
    expect(delay).to.be.a('number');
    expect(delay!).to.be.greaterThan(0).and.lessThan(2000);
  });

  it('maps a dead or unparsable answer to "no reply"', () => {
    expect(delayFromPingResponse({ alive: false, time: 'unknown' })).to.equal(undefined);
    expect(delayFromPingResponse({ alive: true, time: 'unknown' })).to.equal(undefined);
    expect(delayFromPingResponse({ alive: true, time: 0.042 })).to.equal(0.042);
  });

  it('uses the package for plain ping and the command for a namespace prefix', () => {
    expect(hostPingerFor(['ping'])).to.be.instanceOf(NpmHostPinger);
    expect(hostPingerFor(['ip', 'netns', 'exec', 'qdhcp-x', 'ping'])).to.be.instanceOf(SystemHostPinger);
  });
});
