import { expect } from 'chai';
import { AgentCommandFailed, AgentProtocolError, AgentTimeout, AgentUnavailable } from '../../agents/transport/errors.ts';
import { SocketTransport } from '../../agents/transport/socket.ts';
import { rejectionOf } from '../helpers/wait.ts';
import { FakeQga } from './harness/fake-qga.ts';
import { createNetPair, destroyAllNetPairs, type NetPair } from './harness/netns.ts';
import { killAllQga, startQga } from './harness/qga.ts';

describe('agents/transport/socket against a real qemu-ga', function () {
  this.timeout(15000);
  let net: NetPair;
  const transports: SocketTransport[] = [];
  const open = (path: string): SocketTransport => {
    const t = new SocketTransport(path);
    transports.push(t);
    return t;
  };

  before(() => {
    net = createNetPair();
  });
  afterEach(async () => {
    await Promise.all(transports.splice(0).map((t) => t.close()));
    await killAllQga();
  });
  after(() => destroyAllNetPairs());

  it('runs commands, one at a time, in call order', async () => {
    const q = await startQga({ net });
    const t = open(q.socket);
    const replies = await Promise.all([
      t.command('guest-ping', undefined, { timeoutMs: 2000 }),
      t.command('guest-info', undefined, { timeoutMs: 2000 }),
      t.command('guest-ping', undefined, { timeoutMs: 2000 }),
    ]);
    expect(replies[0]).to.deep.equal({});
    expect(replies[1]).to.have.property('version').that.is.a('string');
    expect(replies[2]).to.deep.equal({});
  });

  it('maps an agent error reply to AgentCommandFailed with its class', async () => {
    const q = await startQga({ net, block: ['guest-exec'] });
    const t = open(q.socket);
    const err = await rejectionOf(t.command('guest-exec', { path: 'true' }, { timeoutMs: 2000 }));
    expect(err).to.be.instanceOf(AgentCommandFailed);
    expect((err as AgentCommandFailed).errorClass).to.equal('CommandNotFound');
    // The connection is still usable afterwards.
    expect(await t.command('guest-ping', undefined, { timeoutMs: 2000 })).to.deep.equal({});
  });

  it('times out on a stopped agent and, after SIGCONT, drops the late replies', async () => {
    const q = await startQga({ net });
    const t = open(q.socket);
    await t.command('guest-ping', undefined, { timeoutMs: 2000 });
    q.stop();
    const started = Date.now();
    const err = await rejectionOf(t.command('guest-info', undefined, { timeoutMs: 300 }));
    expect(err).to.be.instanceOf(AgentTimeout);
    expect(Date.now() - started).to.be.within(250, 1500);
    expect(await rejectionOf(t.command('guest-ping', undefined, { timeoutMs: 200 }))).to.be.instanceOf(AgentTimeout);
    q.cont();
    // The agent now answers the two abandoned syncs first; they must not be taken for ours.
    const reply = await t.command('guest-get-time', undefined, { timeoutMs: 2000 });
    expect(reply).to.be.a('number');
    expect(t.discarded).to.be.greaterThan(0);
  });

  it('reports a dead agent as unavailable', async () => {
    const q = await startQga({ net });
    const t = open(q.socket);
    await t.command('guest-ping', undefined, { timeoutMs: 2000 });
    await q.kill();
    const err = await rejectionOf(t.command('guest-ping', undefined, { timeoutMs: 1000 }));
    expect(err).to.be.instanceOf(AgentUnavailable);
    expect(String((err as Error).message)).to.match(/ENOENT|ECONNREFUSED|closed/);
  });
});

describe('agents/transport/socket against a misbehaving agent', () => {
  let fake: FakeQga | undefined;
  let t: SocketTransport | undefined;
  afterEach(async () => {
    await t?.close();
    await fake?.close();
  });

  it('rejects malformed replies as AgentProtocolError and stays usable', async () => {
    const answers = ['{"return": {}', '[1, 2, 3]', '{"hello": "world"}', '{"return": {"ok": true}}'];
    fake = await FakeQga.start(() => ({ raw: answers.shift() }));
    t = new SocketTransport(fake.socket);
    for (let i = 0; i < 3; i++) {
      const err = await rejectionOf(t.command('guest-ping', undefined, { timeoutMs: 1000 }));
      expect(err, `answer ${i}`).to.be.instanceOf(AgentProtocolError);
    }
    expect(await t.command('guest-ping', undefined, { timeoutMs: 1000 })).to.deep.equal({ ok: true });
  });

  it('never takes a late reply for the answer to the next command', async () => {
    let n = 0;
    fake = await FakeQga.start((execute) => {
      n++;
      // The first command is answered after its timeout; the second at once.
      return n === 1 ? { raw: '{"return": "late reply to guest-info"}', delayMs: 300 } : { raw: `{"return": "reply to ${execute}"}` };
    });
    t = new SocketTransport(fake.socket);
    expect(await rejectionOf(t.command('guest-info', undefined, { timeoutMs: 100 }))).to.be.instanceOf(AgentTimeout);
    await new Promise((r) => setTimeout(r, 350)); // the late reply is now in the socket
    expect(await t.command('guest-ping', undefined, { timeoutMs: 1000 })).to.equal('reply to guest-ping');
    expect(t.discarded).to.equal(1);
  });

  it('drops the connection when a reply grows past the limit', async () => {
    fake = await FakeQga.start(() => ({ raw: `{"return": "${'x'.repeat(200_000)}"}` }));
    t = new SocketTransport(fake.socket, { maxReplyBytes: 50_000 });
    const err = await rejectionOf(t.command('guest-ping', undefined, { timeoutMs: 1000 }));
    expect(err).to.be.instanceOf(AgentProtocolError);
  });

  it('reconnects after the agent closed the connection', async () => {
    fake = await FakeQga.start(() => ({ raw: '{"return": {}}' }));
    t = new SocketTransport(fake.socket);
    expect(await t.command('guest-ping', undefined, { timeoutMs: 1000 })).to.deep.equal({});
    fake.dropConnections();
    await new Promise((r) => setTimeout(r, 50));
    expect(await t.command('guest-ping', undefined, { timeoutMs: 1000 })).to.deep.equal({});
    expect(fake.received.filter((c) => c === 'guest-ping')).to.have.length(2);
  });

  it('reports a socket nobody listens on as unavailable', async () => {
    t = new SocketTransport('/nonexistent/vmha/qga.sock');
    expect(await rejectionOf(t.command('guest-ping', undefined, { timeoutMs: 500 }))).to.be.instanceOf(AgentUnavailable);
  });
});
