import { expect } from 'chai';
import {
  defaultGatewayFromProcRoute,
  execPollDelayMs,
  parseExecStatus,
  parsePingOutput,
  pingableAddresses,
  pingDelayMs,
} from '../../agents/probes/parse.ts';

// Outputs captured from iputils 20221126 (Debian 12), busybox 1.35 and Windows 10.
const IPUTILS_OK = `PING 10.251.3.1 (10.251.3.1) 56(84) bytes of data.
64 bytes from 10.251.3.1: icmp_seq=1 ttl=64 time=0.061 ms
64 bytes from 10.251.3.1: icmp_seq=2 ttl=64 time=0.139 ms

--- 10.251.3.1 ping statistics ---
2 packets transmitted, 2 received, 0% packet loss, time 1001ms
rtt min/avg/max/mdev = 0.061/0.100/0.139/0.039 ms
`;
const IPUTILS_LOST = `PING 10.251.3.77 (10.251.3.77) 56(84) bytes of data.
From 10.251.3.2 icmp_seq=1 Destination Host Unreachable

--- 10.251.3.77 ping statistics ---
1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms
`;
const BUSYBOX_OK = `PING 10.0.2.2 (10.0.2.2): 56 data bytes
64 bytes from 10.0.2.2: seq=0 ttl=255 time=1.234 ms

--- 10.0.2.2 ping statistics ---
1 packets transmitted, 1 packets received, 0% packet loss
round-trip min/avg/max = 1.234/1.234/1.234 ms
`;
const BUSYBOX_LOST = `PING 10.0.2.9 (10.0.2.9): 56 data bytes

--- 10.0.2.9 ping statistics ---
1 packets transmitted, 0 packets received, 100% packet loss
`;
const WINDOWS_OK = `Pinging 10.0.0.1 with 32 bytes of data:
Reply from 10.0.0.1: bytes=32 time<1ms TTL=128
Reply from 10.0.0.1: bytes=32 time=3ms TTL=128

Ping statistics for 10.0.0.1:
    Packets: Sent = 2, Received = 2, Lost = 0 (0% loss),
`;

describe('agents/probes/parse', () => {
  const cases: [string, string, number | undefined][] = [
    ['iputils, two replies', IPUTILS_OK, 0.1],
    ['iputils, host unreachable', IPUTILS_LOST, undefined],
    ['busybox, one reply', BUSYBOX_OK, 1.234],
    ['busybox, lost', BUSYBOX_LOST, undefined],
    ['windows, <1ms and 3ms', WINDOWS_OK, 2],
    ['a decimal comma locale', '64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=0,5 ms\n', 0.5],
    ['empty output', '', undefined],
    ['an error that mentions time= but is no reply', 'ping: sendmsg: time=3 ms? Network is unreachable\n', undefined],
  ];
  for (const [what, text, expected] of cases) {
    it(`ping delay: ${what}`, () => {
      expect(pingDelayMs(parsePingOutput(text))).to.equal(expected);
    });
  }

  it('ping summary counts packets', () => {
    expect(parsePingOutput(IPUTILS_LOST)).to.deep.equal({ rttsMs: [], transmitted: 1, received: 0 });
    expect(parsePingOutput(BUSYBOX_OK)).to.deep.include({ transmitted: 1, received: 1 });
  });

  it('finds the default gateway in /proc/net/route (lowest metric, up and gateway flags)', () => {
    const route = [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'eth1\t00000000\t0102000A\t0003\t0\t0\t200\t00000000\t0\t0\t0',
      'eth0\t00000000\t01FBFB0A\t0003\t0\t0\t100\t00000000\t0\t0\t0',
      'eth0\t00FBFB0A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
      'eth2\t00000000\t0103000A\t0002\t0\t0\t1\t00000000\t0\t0\t0', // not up
    ].join('\n');
    expect(defaultGatewayFromProcRoute(route)).to.equal('10.251.251.1');
    expect(defaultGatewayFromProcRoute(route.split('\n').slice(0, 1).join('\n'))).to.equal(undefined);
    expect(defaultGatewayFromProcRoute('garbage')).to.equal(undefined);
  });

  it('picks pingable guest addresses: IPv4 first, no loopback or link-local, tolerant of junk', () => {
    const reply = [
      { name: 'lo', 'ip-addresses': [{ 'ip-address-type': 'ipv4', 'ip-address': '127.0.0.1', prefix: 8 }] },
      {
        name: 'eth0',
        'ip-addresses': [
          { 'ip-address-type': 'ipv6', 'ip-address': 'fe80::1', prefix: 64 },
          { 'ip-address-type': 'ipv6', 'ip-address': '2001:db8::5', prefix: 64 },
          { 'ip-address-type': 'ipv4', 'ip-address': '169.254.3.3', prefix: 16 },
          { 'ip-address-type': 'ipv4', 'ip-address': '10.251.3.2', prefix: 24 },
          null,
          { 'ip-address-type': 'ipv4' },
        ],
      },
      { name: 'eth1' },
      'junk',
    ];
    expect(pingableAddresses(reply).map((a) => a.address)).to.deep.equal(['10.251.3.2', '2001:db8::5']);
    expect(pingableAddresses({ not: 'a list' })).to.deep.equal([]);
  });

  it('validates guest-exec-status replies and decodes output', () => {
    expect(parseExecStatus({ exited: true, exitcode: 1, 'out-data': Buffer.from('hi').toString('base64') })).to.deep.equal({
      exited: true,
      exitCode: 1,
      signal: undefined,
      stdout: 'hi',
      stderr: '',
      truncated: false,
    });
    expect(parseExecStatus({ exited: false })).to.include({ exited: false });
    expect(parseExecStatus({ pid: 3 })).to.equal(undefined);
    expect(parseExecStatus('exited')).to.equal(undefined);
  });

  it('polls guest-exec-status quickly at first, then every 50 ms', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 20].map(execPollDelayMs)).to.deep.equal([1, 2, 4, 8, 16, 32, 50, 50]);
  });
});
