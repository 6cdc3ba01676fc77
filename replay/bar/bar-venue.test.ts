import { describe, expect, it } from 'vitest';
import { fixed } from '../../domain/ledger/fixed.js';
import { instrument } from '../../domain/ledger/test-fixtures.js';
import type { VenueOrder, VenueReport } from '../../domain/ledger/venue-port.js';
import { BarVenue } from './bar-venue.js';

/**
 * The bar venue through the Venue port alone: submit, meet a bar, poll. Hand-made BTCUSDT bars (tick
 * 0.1) and no impact unless a test sets it, so every price below is worked out from the bar.
 */

const T = Date.UTC(2023, 0, 1);
const MIN = 60_000;
const venue = (impact = 0) =>
  new BarVenue({ instrument, impact: () => impact, latencyMs: { min: 100, max: 100 }, seed: 1 });

let n = 0;
const order = (over: Partial<VenueOrder>): VenueOrder =>
  ({
    clientOrderId: `c${++n}`,
    symbol: 'BTCUSDT',
    side: 'BUY',
    positionSide: 'BOTH',
    type: 'MARKET',
    quantity: '0.01',
    price: null,
    stopPrice: null,
    reduceOnly: false,
    ...over,
  }) as VenueOrder;

/** Meets one bar, booking nothing in between; returns the reports. */
const meet = (v: BarVenue, open: number, high: number, low: number, position = '0', at = T + MIN) => {
  for (const _ of v.meetBar('BTCUSDT', at, open, high, low, fixed(position)));
  return v.poll(at);
};

const kinds = (rs: readonly VenueReport[]) => rs.map((r) => `${r.clientOrderId}:${r.kind}`);

describe('BarVenue', () => {
  it('accepts on the first bar after the latency and fills a market order at the open, as taker', () => {
    const v = venue();
    const o = order({});
    v.submit(o, T);
    expect(v.poll(T)).toEqual([]);
    const rs = meet(v, 20_000, 20_100, 19_900);
    expect(kinds(rs)).toEqual([`${o.clientOrderId}:accepted`, `${o.clientOrderId}:fill`]);
    // Reaches the venue 100 ms after it was sent, which is before this bar opened: stamped at the open.
    expect(rs[0]!.time).toBe(T + MIN);
    expect(rs[1]).toMatchObject({ price: '20000', quantity: '0.01', liquidity: 'taker', remaining: '0' });
    expect(v.has(o.clientOrderId)).toBe(false);
  });

  it('moves a taker price against the trader by impact, onto the tick grid on the worse side', () => {
    const v = venue(0.001); // 0.1 % at a notional of 1 (√1): 200 USDT at 20,000 → 20,000 × (1 + 0.001 √200)
    const buy = order({ quantity: '0.01' });
    v.submit(buy, T);
    const fill = meet(v, 20_000, 20_100, 19_900).find((r) => r.kind === 'fill')!;
    const raw = 20_000 * (1 + 0.001 * Math.sqrt(200));
    expect(Number((fill as { price: string }).price)).toBeCloseTo(Math.ceil(raw * 10) / 10, 6);
  });

  it('fills a limit only when the bar trades through it, as maker; a GTC rests and can be cancelled', () => {
    const v = venue();
    const touch = order({ type: 'LIMIT', price: '19900', timeInForce: 'GTC' });
    const through = order({ type: 'LIMIT', price: '19950', timeInForce: 'GTC' });
    v.submit(touch, T);
    v.submit(through, T);
    expect(kinds(meet(v, 20_000, 20_100, 19_900))).toEqual([
      `${touch.clientOrderId}:accepted`,
      `${through.clientOrderId}:accepted`,
      `${through.clientOrderId}:fill`,
    ]);
    expect(v.openOrders('BTCUSDT').map((o) => o.clientOrderId)).toEqual([touch.clientOrderId]);
    v.cancel(touch.clientOrderId, T + 2 * MIN);
    expect(kinds(v.poll(T + 2 * MIN))).toEqual([`${touch.clientOrderId}:cancelled`]);
    v.cancel(touch.clientOrderId, T + 2 * MIN);
    expect(kinds(v.poll(T + 2 * MIN))).toEqual([`${touch.clientOrderId}:cancel-rejected`]);
  });

  it('expires an IOC that does not fill, and a post-only order that would take liquidity', () => {
    const v = venue();
    const ioc = order({ type: 'LIMIT', price: '19000', timeInForce: 'IOC' });
    const taker = order({ type: 'LIMIT', price: '20050', timeInForce: 'GTC', postOnly: true });
    v.submit(ioc, T);
    v.submit(taker, T);
    const rs = meet(v, 20_000, 20_100, 19_900);
    expect(kinds(rs)).toEqual([
      `${ioc.clientOrderId}:accepted`,
      `${ioc.clientOrderId}:expired`,
      `${taker.clientOrderId}:accepted`,
      `${taker.clientOrderId}:expired`,
    ]);
    expect((rs[1] as { reason: string }).reason).toBe('IOC: not filled on arrival');
    expect((rs[3] as { reason: string }).reason).toBe('post-only: would take liquidity at 20000 on arrival');
  });

  it('rejects a stop already crossed on arrival, triggers one the bar crosses, fills a gap at the open', () => {
    const v = venue();
    const gapped = order({ side: 'SELL', type: 'STOP_MARKET', stopPrice: '19800', reduceOnly: true });
    v.submit(gapped, T);
    // Long 0.02. The first bar stays above the stop: accepted, resting.
    expect(kinds(meet(v, 20_000, 20_100, 19_900, '0.02'))).toEqual([`${gapped.clientOrderId}:accepted`]);
    const crossed = order({ side: 'SELL', type: 'STOP_MARKET', stopPrice: '20500', reduceOnly: true });
    v.submit(crossed, T + MIN);
    // The next bar opens at 19,700: below the resting stop (a gap) and below the new one on arrival.
    const rs = meet(v, 19_700, 19_750, 19_600, '0.02', T + 2 * MIN);
    expect(kinds(rs)).toEqual([
      `${gapped.clientOrderId}:triggered`,
      `${gapped.clientOrderId}:fill`,
      `${crossed.clientOrderId}:rejected`,
    ]);
    expect(rs[0]).toMatchObject({ triggerPrice: '19700' });
    expect(rs[1]).toMatchObject({ price: '19700', liquidity: 'taker' });
    expect((rs[2] as { reason: string }).reason).toBe(
      'order would immediately trigger: stop 20500 already crossed at 19700',
    );
  });

  it('knows the position: a reduce-only order that would not reduce what the fills before it left expires', () => {
    const v = venue();
    const first = order({ side: 'SELL', quantity: '0.01', reduceOnly: true });
    const second = order({ side: 'SELL', quantity: '0.01', reduceOnly: true });
    v.submit(first, T);
    v.submit(second, T);
    const rs = meet(v, 20_000, 20_100, 19_900, '0.015');
    expect(kinds(rs)).toEqual([
      `${first.clientOrderId}:accepted`,
      `${first.clientOrderId}:fill`,
      `${second.clientOrderId}:accepted`,
      `${second.clientOrderId}:expired`,
    ]);
    expect((rs[3] as { reason: string }).reason).toBe('reduce-only: nothing left to reduce');
  });

  it('hands a bar over one order at a time: a cancel between them finds only the orders already worked', () => {
    const v = venue();
    const a = order({ type: 'LIMIT', price: '19000', timeInForce: 'GTC' });
    const b = order({});
    const c = order({ type: 'LIMIT', price: '19000', timeInForce: 'GTC' });
    for (const o of [a, b, c]) v.submit(o, T);
    const seen: boolean[] = [];
    for (const _ of v.meetBar('BTCUSDT', T + MIN, 20_000, 20_100, 19_900, 0n)) {
      // After each order: is c (the last) cancellable yet, and is a (the first, resting)?
      seen.push(v.has(c.clientOrderId), v.has(a.clientOrderId));
    }
    expect(seen).toEqual([false, true, false, true, true, true]);
    expect(v.nextEventAt()).toBe(Number.POSITIVE_INFINITY);
    expect(() => v.submit(a, T)).toThrow(/already in use/);
  });
});
