import { expect } from 'chai';
import { parseTimestamp } from '../../src/openstack/timestamps.ts';

describe('parseTimestamp (OpenStack timestamps)', () => {
  const at = Date.parse('2016-06-23T14:42:02.123Z');

  it('reads a naive time as UTC, with or without microseconds, T or space', () => {
    expect(parseTimestamp('2016-06-23T14:42:02.123456')).to.equal(at);
    expect(parseTimestamp('2016-06-23 14:42:02.123')).to.equal(at);
    expect(parseTimestamp('2016-06-23T14:42:02')).to.equal(at - 123);
  });

  it('honours Z and offsets as given', () => {
    expect(parseTimestamp('2016-06-23T14:42:02.123456Z')).to.equal(at);
    expect(parseTimestamp('2016-06-23T14:42:02.123456+00:00')).to.equal(at);
    expect(parseTimestamp('2016-06-23T16:42:02.123+02:00')).to.equal(at);
    expect(parseTimestamp('2016-06-23T09:12:02.123-0530')).to.equal(at);
  });

  it('is NaN for anything else', () => {
    for (const text of [null, undefined, '', 'yesterday', '2016-06-23', '2016-06-23T14:42:02+00:00Z']) expect(parseTimestamp(text)).to.be.NaN;
  });
});
