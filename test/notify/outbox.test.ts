import { expect } from 'chai';
import Database from 'better-sqlite3';
import type { Notice } from '../../src/domain/notification.ts';
import { IllegalMessageTransition, Outbox, type Planned } from '../../src/notify/outbox.ts';

const T0 = Date.parse('2026-01-01T10:00:00Z');
const notice = (seq: number): Notice => ({ seq, at: T0, kind: 'guard.tripped', event: 'guard.tripped', severity: 'critical', incidentId: null, data: {} });
const to = (...seqs: number[]): Planned[] => seqs.map((s) => ({ notice: notice(s), targets: [{ channel: 'mail', recipient: 'a@x.org' }, { channel: 'chat', recipient: '' }] }));

describe('notify: outbox (SQLite)', () => {
  let db: Database.Database;
  let outbox: Outbox;
  beforeEach(() => {
    db = new Database(':memory:');
    outbox = new Outbox(db);
    expect(outbox.cursor(0)).to.equal(0);
  });
  afterEach(() => db.close());

  it('groups notices per channel and recipient while a message collects, then starts a new one', () => {
    expect(outbox.ingest(0, 2, to(1, 2), T0, 30_000)).to.deep.equal({ items: 4, messages: 2 });
    expect(outbox.ingest(2, 3, to(3), T0 + 29_999, 30_000)).to.deep.equal({ items: 2, messages: 0 });
    expect(outbox.ingest(3, 4, to(4), T0 + 30_000, 30_000)).to.deep.equal({ items: 2, messages: 2 });
    const mail = outbox.list().filter((r) => r.channel === 'mail');
    expect(mail.map((r) => outbox.notices(r.id).map((n) => n.seq))).to.have.deep.members([[1, 2, 3], [4]]);
    expect(outbox.due('mail', T0 + 29_999, 10)).to.have.length(0);
    expect(outbox.due('mail', T0 + 30_000, 10).map((r) => r.id)).to.deep.equal([mail.find((r) => r.id.startsWith('1.'))!.id]);
  });

  it('with no window, every notice is its own message', () => {
    outbox.ingest(0, 2, to(1, 2), T0, 0);
    expect(outbox.list().filter((r) => r.channel === 'mail')).to.have.length(2);
  });

  it('the cursor moves with the messages, and only from where it was', () => {
    outbox.ingest(0, 5, to(5), T0, 0);
    expect(outbox.cursor(0)).to.equal(5);
    expect(() => outbox.ingest(0, 6, to(6), T0, 0)).to.throw(/cursor moved/);
    expect(outbox.list()).to.have.length(2); // the failed transaction wrote nothing
  });

  it('an event already given to a recipient is never queued again, even if read twice', () => {
    outbox.ingest(0, 1, to(1), T0, 0);
    db.prepare('UPDATE notify_cursor SET seq = 0').run(); // as if the cursor were lost
    expect(outbox.ingest(0, 1, to(1), T0 + 60_000, 0)).to.deep.equal({ items: 0, messages: 0 });
    expect(outbox.list()).to.have.length(2);
  });

  it('a message is pending until sent or failed, and never moves after that', () => {
    outbox.ingest(0, 1, to(1), T0, 0);
    const id = outbox.list().find((r) => r.channel === 'mail')!.id;
    outbox.markRetry(id, 1, T0 + 500, 'server: HTTP 500');
    expect(outbox.due('mail', T0 + 499, 10)).to.have.length(0);
    expect(outbox.due('mail', T0 + 500, 10)[0]).to.include({ id, attempts: 1, lastError: 'server: HTTP 500' });
    outbox.markSent(id, 2, T0 + 600);
    expect(outbox.get(id)).to.include({ status: 'sent', attempts: 2, lastError: null, settledAt: T0 + 600 });
    expect(() => outbox.markSent(id, 3, T0 + 700)).to.throw(IllegalMessageTransition);
    expect(() => outbox.markFailed(id, 3, 'x', T0 + 700)).to.throw(IllegalMessageTransition);
    expect(outbox.pendingByChannel()).to.deep.equal({ chat: 1 });
  });

  it('prunes settled messages past retention, never pending ones', () => {
    outbox.ingest(0, 2, to(1, 2), T0, 0);
    const [a, b] = outbox.list().filter((r) => r.channel === 'mail');
    outbox.markSent(a!.id, 1, T0);
    outbox.markFailed(b!.id, 3, 'auth', T0);
    expect(outbox.prune(T0 + 1)).to.equal(2);
    expect(outbox.list().map((r) => r.channel)).to.deep.equal(['chat', 'chat']);
    expect(db.prepare("SELECT COUNT(*) AS n FROM notify_items WHERE channel = 'mail'").get()).to.deep.equal({ n: 0 });
  });
});
