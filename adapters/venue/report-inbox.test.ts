import { describe, expect, it } from 'vitest';
import { ReportInbox } from './report-inbox.js';
import { HandClock } from './testing/venue-fixtures.js';

describe('ReportInbox', () => {
  it('hands out what was received by t, in arrival order, once; receivedAt never goes back', () => {
    const clock = new HandClock(100);
    let woken = 0;
    const inbox = new ReportInbox(clock, () => woken++);
    const accepted = (id: string) => ({
      kind: 'accepted' as const,
      clientOrderId: id,
      time: 1,
      venueOrderId: id,
    });
    inbox.push(accepted('a'));
    clock.t = 200;
    inbox.push(accepted('b'));
    clock.t = 150; // the clock stepped back: b's successor still arrives no earlier than b
    inbox.push(accepted('c'));
    expect(inbox.take(99)).toEqual([]);
    expect(inbox.take(100).map((r) => [r.clientOrderId, r.receivedAt])).toEqual([['a', 100]]);
    expect(inbox.take(100)).toEqual([]);
    expect(inbox.take(199)).toEqual([]);
    expect(inbox.take(200).map((r) => [r.clientOrderId, r.receivedAt])).toEqual([
      ['b', 200],
      ['c', 200],
    ]);
    expect(inbox.take(1e12)).toEqual([]);
    expect([inbox.received, inbox.waiting, woken]).toEqual([3, 0, 3]);
  });
});
