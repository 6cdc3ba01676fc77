import { describe, expect, it } from 'vitest';
import { RateBudget, type RateCost, type RateLimit } from './rate-budget.js';
import { RateGate, type RateGateEvent, RateRefusal, type Timers } from './rate-gate.js';

/** A clock and timers moved by hand: the gate's waits run in no time. */
class HandTimers implements Timers {
  now = 1_000_000;
  private pending = new Map<number, { at: number; fn: () => void }>();
  private next = 1;
  set(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { at: this.now + ms, fn });
    return id;
  }
  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  /** Moves the clock, firing each timer at its time; lets promises settle between them. */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      const due = [...this.pending.entries()]
        .filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      this.pending.delete(due[0]);
      this.now = Math.max(this.now, due[1].at);
      due[1].fn();
      await flush();
    }
    this.now = end;
    await flush();
  }
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

const limits: RateLimit[] = [
  { kind: 'weight', windowMs: 60_000, limit: 100, label: '1M' },
  { kind: 'orders', windowMs: 10_000, limit: 10, label: '10S' },
];
const order: RateCost = { weight: 0, orders: 1 };
const cancel: RateCost = { weight: 1, orders: 0 };

const gateOn = (t: HandTimers, events: RateGateEvent[] = [], maxWaitMs = {}) =>
  new RateGate({
    budget: new RateBudget(limits, 0.8, 0),
    now: () => t.now,
    timers: t,
    onEvent: (e) => events.push(e),
    maxWaitMs,
  });

/** Admits in the background, recording the order in which calls went out. */
const track = (
  gate: RateGate,
  cost: RateCost,
  p: 'protect' | 'trade' | 'read',
  name: string,
  out: string[],
) =>
  gate.admit(cost, p).then(
    () => out.push(name),
    (e: unknown) => out.push(`${name} refused: ${(e as RateRefusal).reason}`),
  );

describe('RateGate', () => {
  it('lets calls through at once while the budget has room, then holds them to the next window', async () => {
    const t = new HandTimers();
    const events: RateGateEvent[] = [];
    const gate = gateOn(t, events);
    const out: string[] = [];
    for (let i = 0; i < 10; i++) void track(gate, order, 'trade', `o${i}`, out);
    await flush();
    // Eight: the trade share of ten orders per ten seconds.
    expect(out).toEqual(['o0', 'o1', 'o2', 'o3', 'o4', 'o5', 'o6', 'o7']);
    expect(gate.waiting.trade).toBe(2);
    await t.advance(10_001);
    expect(out.slice(8)).toEqual(['o8', 'o9']);
    expect(events.filter((e) => e.kind === 'waited').map((e) => (e as { ms: number }).ms)).toEqual([
      10_001, 10_001,
    ]);
  });

  it('serves what protects money before the orders that were waiting first', async () => {
    const t = new HandTimers();
    t.now = 0;
    const gate = gateOn(t);
    const out: string[] = [];
    for (let i = 0; i < 12; i++) void track(gate, order, 'trade', `entry${i}`, out);
    await flush();
    expect(out).toHaveLength(8);
    // Reduce-only orders may use the last two of the window at once; entries wait for the next.
    void track(gate, order, 'protect', 'stop1', out);
    void track(gate, order, 'protect', 'stop2', out);
    void track(gate, order, 'protect', 'stop3', out);
    void track(gate, cancel, 'protect', 'cancel', out);
    await flush();
    expect(out.slice(8)).toEqual(['stop1', 'stop2']);
    await t.advance(10_001);
    // In the new window the waiting reduce-only order goes first, then a cancel (weight only) and the entries.
    expect(out.slice(10)).toEqual(['stop3', 'cancel', 'entry8', 'entry9', 'entry10', 'entry11']);
  });

  it('stops everything for Retry-After when the exchange answers 429, and says when it is over', async () => {
    const t = new HandTimers();
    const events: RateGateEvent[] = [];
    const gate = gateOn(t, events);
    const out: string[] = [];
    const since = t.now;
    gate.throttled(429, 3_000, 'binance -1003 too many requests');
    void track(gate, cancel, 'protect', 'cancel', out);
    void track(gate, order, 'trade', 'entry', out);
    await t.advance(2_999);
    expect(out).toEqual([]);
    await t.advance(2);
    expect(out).toEqual(['cancel', 'entry']);
    expect(events.filter((e) => e.kind !== 'waited')).toEqual([
      {
        kind: 'halted',
        status: 429,
        at: since,
        since,
        until: since + 3_000,
        detail: 'binance -1003 too many requests',
      },
      { kind: 'resumed', since, at: since + 3_001 },
    ]);
  });

  it('refuses unsent what would wait beyond its limit: an order during a ban', async () => {
    const t = new HandTimers();
    const events: RateGateEvent[] = [];
    const gate = gateOn(t, events);
    gate.throttled(418, 120_000, 'binance -1003 way too many requests');
    await expect(gate.admit(order, 'trade')).rejects.toThrow(
      /the exchange banned this IP \(418: binance -1003 way too many requests\) until .*; waiting 120 s/,
    );
    await expect(gate.admit(cancel, 'protect')).rejects.toBeInstanceOf(RateRefusal);
    expect(
      events.filter((e) => e.kind === 'refused').map((e) => (e as { priority: string }).priority),
    ).toEqual(['trade', 'protect']);
    // A read waits out up to 65 s, not a two-minute ban either.
    await expect(gate.admit(cancel, 'read')).rejects.toBeInstanceOf(RateRefusal);
  });

  it('refuses a queued call once its wait would pass its deadline', async () => {
    const t = new HandTimers();
    const gate = gateOn(t, [], { trade: 15_000 });
    const out: string[] = [];
    for (let i = 0; i < 8; i++) void track(gate, order, 'trade', `o${i}`, out);
    void track(gate, order, 'trade', 'late', out);
    await flush();
    expect(out).toHaveLength(8);
    // The 429 moves its wait past fifteen seconds from when it was asked.
    gate.throttled(429, 20_000, 'too many');
    await flush();
    expect(out[8]).toMatch(/^late refused: the exchange asked to slow down/);
  });

  it('a 418 during a 429 makes the stop a ban; the episode is reported once it is over', async () => {
    const t = new HandTimers();
    const events: RateGateEvent[] = [];
    const gate = gateOn(t, events);
    gate.throttled(429, 1_000, 'slow down');
    gate.throttled(429, 1_000, 'slow down');
    gate.throttled(418, 5_000, 'banned');
    await t.advance(6_000);
    expect(events.map((e) => [e.kind, 'status' in e ? e.status : null])).toEqual([
      ['halted', 429],
      ['halted', 418],
      ['resumed', null],
    ]);
  });

  it('refuses what waits when it closes', async () => {
    const t = new HandTimers();
    const gate = gateOn(t);
    gate.throttled(429, 5_000, 'slow down');
    const waiting = gate.admit(cancel, 'protect');
    gate.close();
    await expect(waiting).rejects.toThrow('the venue is closing');
    await expect(gate.admit(cancel, 'protect')).rejects.toThrow('the venue is closing');
  });
});
