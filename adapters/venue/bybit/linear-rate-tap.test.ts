import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateBudget, type RateCost, type RatePriority } from '../rate-budget.js';
import { RateGate, type RateGateEvent, type Timers } from '../rate-gate.js';
import {
  BybitThrottled,
  bybitLinearDefaultLimits,
  bybitRateCost,
  bybitRatePriority,
  readBybitRateReply,
} from './linear-rate-tap.js';

const noTimers: Timers = { set: () => 0, clear: () => {} };

const gateAt = (clock: { now: number }, events: RateGateEvent[] = []) =>
  new RateGate({
    budget: new RateBudget(bybitLinearDefaultLimits),
    now: () => clock.now,
    timers: noTimers,
    onEvent: (e) => events.push(e),
  });

describe('Bybit linear rate limits', () => {
  it('costs order creates as orders, cancels at their 10/s, public data per IP, the rest by ccxt’s table', () => {
    expect(bybitRateCost('private', 'POST', 'v5/order/create', 2.5)).toEqual({ weight: 0, orders: 1 });
    expect(bybitRateCost('private', 'POST', 'v5/order/cancel', 2.5)).toEqual({ weight: 5, orders: 0 });
    expect(bybitRateCost('public', 'GET', 'v5/market/risk-limit', 5)).toEqual({ weight: 1, orders: 0 });
    expect(bybitRateCost('private', 'GET', 'v5/execution/list', 5)).toEqual({ weight: 5, orders: 0 });
    expect(bybitRateCost('private', 'GET', 'v5/account/transaction-log', Number.NaN)).toEqual({
      weight: 1,
      orders: 0,
    });
  });

  it('puts reduce-only orders, cancels and lookups first, new exposure next, reads last', () => {
    expect(bybitRatePriority('POST', 'v5/order/create', { reduceOnly: true })).toBe('protect');
    expect(bybitRatePriority('POST', 'v5/order/create', { qty: '1' })).toBe('trade');
    for (const path of ['v5/order/cancel', 'v5/order/realtime', 'v5/order/history', 'v5/execution/list'])
      expect(bybitRatePriority(path === 'v5/order/cancel' ? 'POST' : 'GET', path, {})).toBe('protect');
    expect(bybitRatePriority('GET', 'v5/account/transaction-log', {})).toBe('read');
  });

  // Bybit counts in a rolling second; RateBudget in fixed ones. Half the limit per fixed window is what
  // keeps every rolling second within the whole.
  it('never lets more than Bybit’s limit through in any rolling second', () => {
    const calls: readonly [RateCost, number][] = [
      [{ weight: 0, orders: 1 }, 10],
      [{ weight: 5, orders: 0 }, 10],
      [{ weight: 1, orders: 0 }, 50],
    ];
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            gap: fc.integer({ min: 0, max: 400 }),
            call: fc.integer({ min: 0, max: calls.length - 1 }),
            priority: fc.constantFrom<RatePriority>('protect', 'trade', 'read'),
          }),
          { minLength: 1, maxLength: 300 },
        ),
        (attempts) => {
          const budget = new RateBudget(bybitLinearDefaultLimits);
          const sent: [number, number][] = [];
          let now = 1_700_000_000_000;
          for (const a of attempts) {
            now += a.gap;
            const [cost] = calls[a.call]!;
            if (budget.shortfall(cost, a.priority, now) !== null) continue;
            budget.take(cost, now);
            sent.push([a.call, now]);
          }
          for (const [call, at] of sent) {
            const inSecond = sent.filter(([c, t]) => c === call && t > at - 1000 && t <= at).length;
            expect(inSecond).toBeLessThanOrEqual(calls[call]![1]);
          }
        },
      ),
    );
  });

  it('raises the budget’s count by what Bybit says was used of an endpoint', () => {
    const clock = { now: 1_700_000_000_100 };
    const gate = gateAt(clock);
    // 8 of order create's 10 used this second (another client of the account): no more orders this window.
    readBybitRateReply(
      gate,
      200,
      'http://127.0.0.1:9/v5/order/create',
      { 'X-Bapi-Limit': '10', 'X-Bapi-Limit-Status': '2' },
      { retCode: 0 },
    );
    expect(gate.budget.shortfall({ weight: 0, orders: 1 }, 'protect', clock.now)).not.toBeNull();
    // 45 of the execution list's 50: 45 weight, past the 25 a window holds.
    readBybitRateReply(
      gate,
      200,
      'http://127.0.0.1:9/v5/execution/list',
      { 'x-bapi-limit': '50', 'x-bapi-limit-status': '5' },
      { retCode: 0 },
    );
    expect(gate.budget.shortfall({ weight: 1, orders: 0 }, 'protect', clock.now)).not.toBeNull();
    gate.close();
  });

  it('stops the gate on "Too many visits" until Bybit’s reset, and on a 403 for the usual ban', () => {
    const clock = { now: 1_700_000_000_000 };
    const events: RateGateEvent[] = [];
    const gate = gateAt(clock, events);
    expect(() =>
      readBybitRateReply(
        gate,
        200,
        'http://127.0.0.1:9/v5/order/create',
        { 'X-Bapi-Limit-Reset-Timestamp': String(clock.now + 700) },
        { retCode: 10006, retMsg: 'Too many visits!' },
      ),
    ).toThrow(BybitThrottled);
    expect(events[0]).toMatchObject({ kind: 'halted', status: 429, until: clock.now + 700 });
    expect(events[0]).toMatchObject({ detail: 'bybit 10006 Too many visits!' });
    const banned = gateAt(clock, events);
    expect(() =>
      readBybitRateReply(banned, 403, 'http://127.0.0.1:9/v5/order/realtime', {}, undefined),
    ).toThrow(BybitThrottled);
    expect(events[1]).toMatchObject({ kind: 'halted', status: 418, until: clock.now + 30 * 60_000 });
    // An ordinary reply passes.
    expect(() => readBybitRateReply(gate, 200, 'http://x/v5/order/create', {}, { retCode: 0 })).not.toThrow();
    gate.close();
    banned.close();
  });
});
