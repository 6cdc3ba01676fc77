import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../domain/events/envelope.js';
import { binanceUsdm } from '../../domain/ledger/venue.js';
import type { BarSeries } from '../../domain/market/bars.js';
import type { OrderRequest } from '../../domain/strategy/sdk.js';
import { defaultEngineSettings, type MarketFeeds } from './config.js';
import { Engine } from './engine.js';
import { loadFeeds } from './feeds.js';
import { instrumentBookOnce } from './run.js';
import { type PlacerOrders, placer } from './testing/placer.js';

/**
 * Stop-market, take-profit-market, post-only and fill-or-kill orders sent by a strategy, filled from real
 * BTCUSDT 1h bars. What each order must do is worked out here from the bars themselves, not read back
 * from the engine.
 */

const run = async (orders: PlacerOrders, handMade?: { feeds: MarketFeeds; from: number; to: number }) => {
  const { strategy, placed } = placer(orders);
  const ids = placed.ids;
  const book = await instrumentBookOnce();
  const feeds = handMade?.feeds ?? loadFeeds(['BTCUSDT'], '1h').feeds;
  const engine = new Engine(
    {
      ...defaultEngineSettings,
      runId: 'conditional',
      strategy,
      params: {},
      symbols: ['BTCUSDT'],
      from: handMade?.from ?? Date.UTC(2023, 0, 9),
      to: handMade?.to ?? Date.UTC(2023, 0, 25),
      warmupBars: 0,
      instrument: book.get,
      venueRules: binanceUsdm,
      breaker: null,
    },
    feeds,
  );
  engine.runToEnd();
  const events = engine.store.raw();
  const bars = feeds.bars.get('BTCUSDT')!;
  // The bar the orders reach the venue on: the one opening when the placing bar closed.
  const arrival = bars.openTime.indexOf(placed.at);
  const of = (name: string): StoredEvent[] => events.filter((e) => e.streamId === `order-${ids[name]}`);
  const types = (name: string) => of(name).map((e) => e.type);
  const data = (name: string, type: string) =>
    of(name).find((e) => e.type === type)?.data as Record<string, unknown> | undefined;
  return { ids, bars, arrival, types, data, events, close: placed.close };
};

describe('conditional and flagged orders on bars', () => {
  it('a stop-market and a take-profit-market trigger where the bars cross them, at the stop or the gapped open', async () => {
    const r = await run((close) => ({
      entry: { side: 'BUY', type: 'MARKET', quantity: 0.01 },
      stop: { side: 'SELL', type: 'STOP_MARKET', quantity: 0.01, stopPrice: close * 0.98, reduceOnly: true },
      target: {
        side: 'SELL',
        type: 'TAKE_PROFIT_MARKET',
        quantity: 0.01,
        stopPrice: close * 1.02,
        reduceOnly: true,
      },
    }));
    expect(r.types('entry')).toEqual(['OrderRequested', 'OrderAccepted', 'OrderFilled']);
    const stop = Number(r.data('stop', 'OrderRequested')!.stopPrice);
    const target = Number(r.data('target', 'OrderRequested')!.stopPrice);
    // Triggers round away from the market onto the 0.1 tick: the stop down, the take-profit up.
    expect(stop).toBeLessThanOrEqual(r.close * 0.98);
    expect(r.close * 0.98 - stop).toBeLessThan(0.1);
    expect(target).toBeGreaterThanOrEqual(r.close * 1.02);
    expect(target - r.close * 1.02).toBeLessThan(0.1);
    const { bars, arrival } = r;
    // The first bar from arrival on whose range crosses either; the stop was sent first and meets a bar
    // first, so on a bar that crosses both it fills and the take-profit finds nothing left to reduce.
    let k = arrival;
    while (k < bars.low.length && !(bars.low[k]! <= stop || bars.high[k]! >= target)) k++;
    expect(k).toBeLessThan(bars.low.length); // ±2 % within the data's span
    const stopFirst = bars.low[k]! <= stop;
    const [fired, other] = stopFirst ? ['stop', 'target'] : ['target', 'stop'];
    expect(r.types(fired)).toEqual(['OrderRequested', 'OrderAccepted', 'OrderTriggered', 'OrderFilled']);
    const open = bars.open[k]!;
    const base = stopFirst ? Math.min(stop, open) : Math.max(target, open);
    const triggered = Number(r.data(fired, 'OrderTriggered')!.triggerPrice);
    expect(triggered).toBeCloseTo(base, 1);
    const fill = r.data(fired, 'OrderFilled')!;
    expect(fill.liquidity).toBe('taker');
    // A sell pays impact: at most the trigger, and within a basis point of it for 0.01 BTC.
    expect(Number(fill.price)).toBeLessThanOrEqual(triggered);
    expect(Number(fill.price)).toBeGreaterThan(triggered * 0.9999);
    // The other one: still resting at the end, or expired when it fired with nothing left to reduce.
    const otherTypes = r.types(other);
    expect(otherTypes.slice(0, 2)).toEqual(['OrderRequested', 'OrderAccepted']);
    expect(otherTypes.includes('OrderFilled')).toBe(false);
    if (otherTypes.length > 2) {
      expect(otherTypes[2]).toBe('OrderExpired');
      expect(r.data(other, 'OrderExpired')!.reason).toBe('reduce-only: nothing left to reduce');
    }
  });

  it('refuses a stop already crossed on arrival, expires a post-only that would take and a FOK that cannot fill', async () => {
    const r = await run((close) => ({
      crossed: { side: 'BUY', type: 'STOP_MARKET', quantity: 0.01, stopPrice: close * 0.99 },
      taker: { side: 'BUY', type: 'LIMIT', quantity: 0.01, price: close * 1.01, postOnly: true },
      fok: { side: 'BUY', type: 'LIMIT', quantity: 0.01, price: close * 0.985, timeInForce: 'FOK' },
    }));
    const { bars, arrival } = r;
    const open = bars.open[arrival]!;
    const crossedStop = Number(r.data('crossed', 'OrderRequested')!.stopPrice);
    expect(open).toBeGreaterThanOrEqual(crossedStop); // 1 % below the close: already crossed at the open
    expect(r.types('crossed')).toEqual(['OrderRequested', 'OrderRejected']);
    expect(r.data('crossed', 'OrderRejected')!.reason).toMatch(/would immediately trigger/);

    const limit = Number(r.data('taker', 'OrderRequested')!.price);
    expect(r.data('taker', 'OrderRequested')!.postOnly).toBe(true);
    expect(limit).toBeGreaterThanOrEqual(open); // 1 % above: it would take the book
    expect(r.types('taker')).toEqual(['OrderRequested', 'OrderAccepted', 'OrderExpired']);
    expect(r.data('taker', 'OrderExpired')!.reason).toMatch(/^post-only: would take liquidity/);

    const fokPrice = Number(r.data('fok', 'OrderRequested')!.price);
    expect(r.data('fok', 'OrderRequested')!.timeInForce).toBe('FOK');
    const reached = bars.low[arrival]! < fokPrice;
    expect(r.types('fok')).toEqual([
      'OrderRequested',
      'OrderAccepted',
      reached ? 'OrderFilled' : 'OrderExpired',
    ]);
    if (!reached) expect(r.data('fok', 'OrderExpired')!.reason).toBe('FOK: not filled on arrival');
  });

  it('a stop the market gaps through fills at the open, not at its stop (a hand-made gap)', async () => {
    // 30 hourly bars oscillating around 20,000, then one that opens at 19,000: below the 19,600 stop.
    const n = 32;
    const t0 = Date.UTC(2023, 0, 9);
    const col = (f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));
    const mid = (i: number) => (i < 30 ? 20_000 + (i % 2 === 0 ? 20 : -20) : 19_000);
    const bars: BarSeries = {
      symbol: 'BTCUSDT',
      timeframe: '1h',
      openTime: col((i) => t0 + i * 3_600_000),
      open: col(mid),
      high: col((i) => mid(i) + 30),
      low: col((i) => mid(i) - 30),
      close: col(mid),
      volume: col(() => 1_000),
    };
    const r = await run(
      () => ({
        entry: { side: 'BUY', type: 'MARKET', quantity: 0.01 },
        stop: { side: 'SELL', type: 'STOP_MARKET', quantity: 0.01, stopPrice: 19_600, reduceOnly: true },
      }),
      { feeds: { bars: new Map([['BTCUSDT', bars]]) }, from: t0, to: t0 + n * 3_600_000 },
    );
    expect(r.types('stop')).toEqual(['OrderRequested', 'OrderAccepted', 'OrderTriggered', 'OrderFilled']);
    expect(r.data('stop', 'OrderTriggered')!.triggerPrice).toBe('19000');
    const price = Number(r.data('stop', 'OrderFilled')!.price);
    expect(price).toBeLessThanOrEqual(19_000);
    expect(price).toBeGreaterThan(19_000 * 0.9999);
  });

  it.each([
    [{ side: 'SELL', type: 'STOP_MARKET', quantity: 0.01 }, /needs a stopPrice/],
    [{ side: 'SELL', type: 'MARKET', quantity: 0.01, stopPrice: 1 }, /take no stopPrice/],
    [{ side: 'SELL', type: 'STOP_MARKET', quantity: 0.01, stopPrice: 1, price: 1 }, /take no price/],
    [{ side: 'BUY', type: 'MARKET', quantity: 0.01, timeInForce: 'IOC' }, /LIMIT orders only/],
    [
      { side: 'BUY', type: 'LIMIT', quantity: 0.01, price: 1, timeInForce: 'IOC', postOnly: true },
      /postOnly needs a LIMIT order with GTC/,
    ],
  ] as const)('stops the run on a malformed order: %o', async (req, message) => {
    await expect(run(() => ({ bad: req as Omit<OrderRequest, 'symbol'> }))).rejects.toThrow(message);
  });
});
