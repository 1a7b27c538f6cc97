import { expect } from 'chai';
import { encodeCommand, encodeSync, isSyncReply, parseReply, ReplyScanner } from '../../agents/transport/framing.ts';

describe('agents/transport/framing', () => {
  it('splits replies into lines and sentinels across arbitrary chunk boundaries', () => {
    // What qemu-ga sends after "\xff guest-sync-delimited": a parse error for the 0xFF,
    // then 0xFF and the sync reply, then the command reply.
    const stream = Buffer.concat([
      Buffer.from('{"error": {"class": "GenericError", "desc": "JSON parse error, stray"}}\n'),
      Buffer.from([0xff]),
      Buffer.from('{"return": 42}\n{"return": {}}\n'),
    ]);
    for (const size of [1, 2, 7, stream.length]) {
      const s = new ReplyScanner();
      const events = [];
      for (let i = 0; i < stream.length; i += size) events.push(...s.feed(stream.subarray(i, i + size)));
      expect(events).to.deep.equal([
        { type: 'line', text: '{"error": {"class": "GenericError", "desc": "JSON parse error, stray"}}' },
        { type: 'sentinel' },
        { type: 'line', text: '{"return": 42}' },
        { type: 'line', text: '{"return": {}}' },
      ]);
      expect(s.pendingBytes).to.equal(0);
    }
  });

  it('drops a half reply cut off by a sentinel and keeps multi-byte UTF-8 intact', () => {
    const s = new ReplyScanner();
    const text = '{"return": "héllo ☃"}\n';
    const bytes = Buffer.concat([Buffer.from('{"return": {"pid"'), Buffer.from([0xff]), Buffer.from(text)]);
    const events = [];
    for (let i = 0; i < bytes.length; i++) events.push(...s.feed(bytes.subarray(i, i + 1))); // splits inside é and ☃
    expect(events).to.deep.equal([{ type: 'sentinel' }, { type: 'line', text: text.trim() }]);
  });

  it('encodes the sync as a parser reset byte then guest-sync-delimited', () => {
    const b = encodeSync(7);
    expect(b[0]).to.equal(0xff);
    expect(JSON.parse(b.subarray(1).toString())).to.deep.equal({ execute: 'guest-sync-delimited', arguments: { id: 7 } });
    expect(b.at(-1)).to.equal(0x0a);
    expect(encodeCommand('guest-ping').toString()).to.equal('{"execute":"guest-ping"}\n');
  });

  it('classifies replies without throwing', () => {
    expect(parseReply('{"return": {"pid": 5}}')).to.deep.equal({ type: 'return', value: { pid: 5 } });
    expect(parseReply('{"error": {"class": "CommandNotFound", "desc": "Command guest-exec has been disabled"}}')).to.deep.equal({
      type: 'error',
      errorClass: 'CommandNotFound',
      desc: 'Command guest-exec has been disabled',
    });
    expect(parseReply('{"retur')).to.include({ type: 'malformed' });
    expect(parseReply('[1,2]')).to.include({ type: 'malformed' });
    expect(parseReply('{"hello": 1}')).to.include({ type: 'malformed' });
    expect(parseReply('null')).to.include({ type: 'malformed' });
    expect(isSyncReply('{"return": 9}', 9)).to.equal(true);
    expect(isSyncReply('{"return": 8}', 9)).to.equal(false);
    expect(isSyncReply('{"return": "9"}', 9)).to.equal(false);
  });
});
