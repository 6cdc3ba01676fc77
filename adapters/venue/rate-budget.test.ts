import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  RateBudget,
  type RateCost,
  type RateLimit,
  type RatePriority,
  rateLimitsFromExchangeInfo,
} from './rate-budget.js';
import { exchangeInfoPath } from './testing/fake-binance.js';

const limits: RateLimit[] = [
  { kind: 'weight', windowMs: 60_000, limit: 100, label: '1M' },
  { kind: 'orders', windowMs: 10_000, limit: 10, label: '10S' },
];
const order: RateCost = { weight: 0, orders: 1 };
const read = (weight: number): RateCost => ({ weight, orders: 0 });

describe('rateLimitsFromExchangeInfo', () => {
  it('reads the recorded exchangeInfo: weight per minute, orders per minute and per ten seconds', () => {
    const info = JSON.parse(readFileSync(exchangeInfoPath, 'utf8')) as { rateLimits: unknown };
    expect(rateLimitsFromExchangeInfo(info.rateLimits)).toEqual({
      limits: [
        { kind: 'weight', windowMs: 60_000, limit: 6_000, label: '1M' },
        { kind: 'orders', windowMs: 60_000, limit: 1_200, label: '1M' },
        { kind: 'orders', windowMs: 10_000, limit: 300, label: '10S' },
      ],
      ignored: [],
    });
  });

  it('sets aside a type it does not know, and refuses a list it cannot read', () => {
    const raw = { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61_000 };
    expect(rateLimitsFromExchangeInfo([raw]).ignored).toEqual(['RAW_REQUESTS 61000 per 5M']);
    expect(() => rateLimitsFromExchangeInfo([{ ...raw, interval: 'WEEK' }])).toThrow(/0.interval/);
    expect(() => rateLimitsFromExchangeInfo({})).toThrow(/rateLimits cannot be read/);
  });
});

describe('RateBudget', () => {
  it('counts in fixed windows on the clock: the count starts again when the window turns', () => {
    const b = new RateBudget(limits, 1, 0);
    for (let i = 0; i < 10; i++) {
      expect(b.shortfall(order, 'trade', 12_000 + i)).toBeNull();
      b.take(order, 12_000 + i);
    }
    expect(b.shortfall(order, 'trade', 19_999)).toEqual({
      waitMs: 1,
      reason: 'new orders per 10S at 10 of 10; the window ends in 1 s',
    });
    // 20,000 starts a new ten-second window, though the orders are less than ten seconds old.
    expect(b.shortfall(order, 'trade', 20_000)).toBeNull();
  });

  it("holds a window's count a guard past its end: the exchange's clock is known to a round trip", () => {
    const b = new RateBudget(limits, 1, 250);
    for (let i = 0; i < 10; i++) b.take(order, 19_000);
    expect(b.shortfall(order, 'trade', 20_100)?.waitMs).toBe(150);
    expect(b.shortfall(order, 'trade', 20_250)).toBeNull();
    expect(() => new RateBudget(limits, 1, -1)).toThrow(/guardMs/);
  });

  it('keeps the last part of each limit for what protects money', () => {
    const b = new RateBudget(limits, 0.8, 0);
    for (let i = 0; i < 8; i++) b.take(order, 0);
    expect(b.shortfall(order, 'trade', 0)?.reason).toBe(
      'new orders per 10S at 8 of 10 (trade calls may use 8); the window ends in 10 s',
    );
    expect(b.shortfall(order, 'protect', 0)).toBeNull();
    b.take(read(80), 0);
    expect(b.shortfall(read(1), 'read', 0)?.waitMs).toBe(60_000);
    expect(b.shortfall(read(1), 'protect', 0)).toBeNull();
    // An order placement carries no IP weight, so reads do not hold it back.
    expect(b.shortfall({ weight: 0, orders: 1 }, 'protect', 0)).toBeNull();
  });

  it("takes the exchange's count when it is higher: other clients on the IP used it", () => {
    const b = new RateBudget(limits, 1, 0);
    b.take(read(5), 61_000);
    b.observe('weight', '1M', 99, 61_500);
    expect(b.shortfall(read(2), 'read', 62_000)?.waitMs).toBe(58_000);
    // A lower count is an older reply's.
    b.observe('weight', '1M', 3, 62_000);
    expect(b.usage(62_000)[0]?.used).toBe(99);
    expect(b.shortfall(read(1), 'read', 62_000)).toBeNull();
  });

  it('holds everything while the exchange said stop', () => {
    const b = new RateBudget(limits, 1, 0);
    b.halt(5_000, 'the exchange asked to slow down');
    expect(b.shortfall(order, 'protect', 1_000)).toEqual({
      waitMs: 4_000,
      reason: 'the exchange asked to slow down; waiting 4 s',
    });
    expect(b.shortfall(order, 'protect', 5_000)).toBeNull();
  });

  it('lets a call larger than its whole limit go alone in an empty window', () => {
    const b = new RateBudget(limits, 0.8, 0);
    expect(b.shortfall(read(150), 'read', 0)).toBeNull();
    b.take(read(150), 0);
    expect(b.shortfall(read(1), 'read', 0)?.waitMs).toBe(60_000);
  });

  it('carries the counts over when the exchange lists its limits', () => {
    const b = new RateBudget(limits, 1, 0);
    b.take(read(90), 0);
    b.setLimits([{ kind: 'weight', windowMs: 60_000, limit: 1_000, label: '1M' }]);
    expect(b.usage(0)).toEqual([{ limit: b.limits[0], used: 90, endsAt: 60_000 }]);
    expect(b.shortfall(order, 'trade', 0)).toBeNull();
  });

  it('property: no window ever counts more than its limit, nor a shared priority more than its share; a wait ends with a window', () => {
    const step = fc.record({
      dt: fc.integer({ min: 0, max: 4_000 }),
      weight: fc.integer({ min: 0, max: 30 }),
      orders: fc.integer({ min: 0, max: 2 }),
      priority: fc.constantFrom<RatePriority>('protect', 'trade', 'read'),
      seen: fc.option(fc.integer({ min: 0, max: 120 }), { nil: null }),
    });
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 300 }),
        fc.integer({ min: 0, max: 200_000 }),
        fc.constantFrom(0, 250),
        (steps, t0, guard) => {
          const b = new RateBudget(limits, 0.8, guard);
          let now = t0;
          // Units taken by this process in each window, by window start.
          const taken = limits.map(() => new Map<number, number>());
          // The exchange's weight counts, by window (observe keeps the higher of it and this process's).
          const seenIn = new Map<number, number>();
          for (const s of steps) {
            now += s.dt;
            if (s.seen !== null) {
              b.observe('weight', '1M', s.seen, now);
              const own = Math.floor(now / 60_000) * 60_000;
              for (const w of [
                own,
                ...(now - own < guard ? [own - 60_000] : []),
                ...(own + 60_000 - now <= guard ? [own + 60_000] : []),
              ])
                seenIn.set(w, Math.max(seenIn.get(w) ?? 0, s.seen));
            }
            const cost = { weight: s.weight, orders: s.orders };
            const short = b.shortfall(cost, s.priority, now);
            if (short !== null) {
              // Until a window ends, when its count starts again (a call goes alone in an empty window).
              expect(short.waitMs).toBeGreaterThan(0);
              expect(limits.some((l) => (now + short.waitMs - guard) % l.windowMs === 0)).toBe(true);
              continue;
            }
            limits.forEach((l, i) => {
              const amount = l.kind === 'weight' ? cost.weight : cost.orders;
              if (amount === 0) return;
              const shared =
                (l.kind === 'weight' && s.priority === 'read') ||
                (l.kind === 'orders' && s.priority === 'trade');
              const cap = shared ? Math.floor(l.limit * 0.8) : l.limit;
              // Every window the call may land in at the exchange (its own, a neighbour within the guard)
              // has room for it, or the call is alone in it.
              const own = Math.floor(now / l.windowMs) * l.windowMs;
              const windows = [own];
              if (now - own < guard) windows.push(own - l.windowMs);
              if (own + l.windowMs - now <= guard) windows.push(own + l.windowMs);
              for (const w of windows) {
                const before = Math.max(
                  taken[i]!.get(w) ?? 0,
                  l.kind === 'weight' ? (seenIn.get(w) ?? 0) : 0,
                );
                expect(before === 0 || before + amount <= cap).toBe(true);
                taken[i]!.set(w, (taken[i]!.get(w) ?? 0) + amount);
              }
            });
            b.take(cost, now);
          }
          limits.forEach((l, i) => {
            for (const units of taken[i]!.values())
              expect(units).toBeLessThanOrEqual(Math.max(l.limit, l.kind === 'weight' ? 30 : 2));
          });
        },
      ),
    );
  });
});
