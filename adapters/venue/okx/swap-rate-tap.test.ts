import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateBudget, type RateCost, type RatePriority } from '../rate-budget.js';
import { RateGate, type RateGateEvent, type Timers } from '../rate-gate.js';
import {
  OkxThrottled,
  okxRateCost,
  okxRatePriority,
  okxSwapDefaultLimits,
  pathOf,
  readOkxRateReply,
} from './swap-rate-tap.js';

const noTimers: Timers = { set: () => 0, clear: () => {} };

const gateAt = (clock: { now: number }, events: RateGateEvent[] = []) =>
  new RateGate({
    budget: new RateBudget(okxSwapDefaultLimits),
    now: () => clock.now,
    timers: noTimers,
    onEvent: (e) => events.push(e),
  });

describe('OKX swap rate limits', () => {
  // ccxt's costs for okx (okx.js `api`): 1/3 = 60 per 2 s, 1 = 20, 2 = 10, 4 = 5.
  it('costs new orders as orders, everything else at 60/N weight for an endpoint of N per 2 s', () => {
    expect(okxRateCost('private', 'POST', 'trade/order', 1 / 3)).toEqual({ weight: 0, orders: 1 });
    expect(okxRateCost('private', 'POST', 'trade/cancel-order', 1 / 3)).toEqual({ weight: 1, orders: 0 });
    expect(okxRateCost('private', 'POST', 'trade/order-algo', 1)).toEqual({ weight: 3, orders: 0 });
    expect(okxRateCost('private', 'GET', 'trade/fills-history', 2)).toEqual({ weight: 6, orders: 0 });
    expect(okxRateCost('private', 'GET', 'account/config', 4)).toEqual({ weight: 12, orders: 0 });
    expect(okxRateCost('public', 'GET', 'public/position-tiers', 2)).toEqual({ weight: 6, orders: 0 });
    expect(okxRateCost('private', 'GET', 'account/bills', Number.NaN)).toEqual({ weight: 3, orders: 0 });
  });

  it('puts reduce-only orders, cancels and lookups first, new exposure next, reads last', () => {
    expect(okxRatePriority('POST', 'trade/order', { reduceOnly: true })).toBe('protect');
    expect(okxRatePriority('POST', 'trade/order-algo', { reduceOnly: true })).toBe('protect');
    expect(okxRatePriority('POST', 'trade/order', { sz: '1' })).toBe('trade');
    for (const [method, path] of [
      ['POST', 'trade/cancel-order'],
      ['POST', 'trade/cancel-algos'],
      ['GET', 'trade/order'],
      ['GET', 'trade/order-algo'],
      ['GET', 'trade/fills'],
      ['GET', 'trade/fills-history'],
    ] as const)
      expect(okxRatePriority(method, path, {})).toBe('protect');
    expect(okxRatePriority('GET', 'account/bills', {})).toBe('read');
  });

  // OKX does not say whether its windows roll; RateBudget counts fixed ones. Half of each limit per fixed
  // window is what keeps every rolling two seconds within the whole.
  it('never lets more than an endpoint’s limit through in any rolling two seconds', () => {
    const calls: readonly [RateCost, number][] = [
      [okxRateCost('private', 'POST', 'trade/order', 1 / 3), 60],
      [okxRateCost('private', 'POST', 'trade/cancel-order', 1 / 3), 60],
      [okxRateCost('private', 'POST', 'trade/order-algo', 1), 20],
      [okxRateCost('private', 'GET', 'account/positions', 2), 10],
      [okxRateCost('private', 'GET', 'account/trade-fee', 4), 5],
    ];
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            gap: fc.integer({ min: 0, max: 600 }),
            call: fc.integer({ min: 0, max: calls.length - 1 }),
            priority: fc.constantFrom<RatePriority>('protect', 'trade', 'read'),
          }),
          { minLength: 1, maxLength: 300 },
        ),
        (attempts) => {
          const budget = new RateBudget(okxSwapDefaultLimits);
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
            const inWindow = sent.filter(([c, t]) => c === call && t > at - 2000 && t <= at).length;
            expect(inWindow).toBeLessThanOrEqual(calls[call]![1]);
          }
        },
      ),
    );
  });

  it('stops the gate for a window on 50011, 50061 in an order’s sCode, or HTTP 429', () => {
    const clock = { now: 1_700_000_000_000 };
    const events: RateGateEvent[] = [];
    const gate = gateAt(clock, events);
    expect(() =>
      readOkxRateReply(gate, 429, 'http://127.0.0.1:9/api/v5/trade/order', {
        code: '50011',
        data: [],
        msg: 'Too Many Requests',
      }),
    ).toThrow(OkxThrottled);
    expect(events[0]).toMatchObject({ kind: 'halted', status: 429, until: clock.now + 2000 });
    expect(events[0]).toMatchObject({ detail: 'okx 50011 Too Many Requests' });
    const second = gateAt(clock, events);
    expect(() =>
      readOkxRateReply(second, 200, 'http://127.0.0.1:9/api/v5/trade/order', {
        code: '1',
        data: [{ sCode: '50061', sMsg: "You've reached the maximum order rate limit for this account." }],
        msg: '',
      }),
    ).toThrow(OkxThrottled);
    // An ordinary reply, or an ordinary refusal, passes.
    expect(() =>
      readOkxRateReply(gate, 200, 'http://x/api/v5/trade/order', { code: '0', data: [] }),
    ).not.toThrow();
    expect(() =>
      readOkxRateReply(gate, 200, 'http://x/api/v5/trade/order', { code: '1', data: [{ sCode: '51008' }] }),
    ).not.toThrow();
    gate.close();
    second.close();
  });

  it('names an endpoint by its path after /api/v5/, a local prefix left out', () => {
    expect(pathOf('https://www.okx.com/api/v5/trade/order?instId=BTC-USDT-SWAP')).toBe('trade/order');
    expect(pathOf('http://127.0.0.1:9/okx/api/v5/account/bills')).toBe('account/bills');
    expect(pathOf('not a url')).toBe('');
  });
});
