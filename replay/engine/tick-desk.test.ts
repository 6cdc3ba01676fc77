import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { StoredEvent } from '../../domain/events/envelope.js';
import type { Instrument } from '../../domain/ledger/instrument.js';
import { binanceUsdm } from '../../domain/ledger/venue.js';
import { zeroLatency } from '../../domain/sim/latency.js';
import { barsFromTrades } from '../../domain/sim/trade-bars.js';
import type { StrategyDefinition, StrategyHandlers } from '../../domain/strategy/sdk.js';
import { handFeeds, testScale } from '../tick/test-feeds.js';
import { defaultEngineSettings, type EngineConfig, type MarketFeeds } from './config.js';
import { Engine } from './engine.js';
import { instrumentBookOnce } from './run.js';

/** Hand-made ticks around 60,000 (BTCUSDT's grid) through the engine: the paths the real capture rarely takes. */
const T0 = Date.UTC(2024, 0, 1);
const PX = 600_000;

const feeds = (): MarketFeeds => {
  const trades = Array.from({ length: 40 }, (_, k) => ({
    t: T0 + k * 250,
    px: k % 2 === 0 ? PX : PX + 1,
    lots: 1,
    sell: k % 2 === 0,
  }));
  // The last message comes after the run's end: the capture covers all of it.
  const depth = Array.from({ length: 21 }, (_, k) => ({
    t: T0 + 100 + k * 500,
    rows: [['bid', PX - 1 - (k % 3), 5 + k] as const],
  }));
  const f = handFeeds({ id: 10, bids: [[PX, 50]], asks: [[PX + 1, 50]] }, depth, trades);
  const capture = { ...f, snapshot: { ...f.snapshot, time: T0 }, scale: testScale };
  const bars = barsFromTrades(capture.trades, testScale, 'BTCUSDT', '1s', { from: T0, to: T0 + 10_000 });
  return { bars: new Map([['BTCUSDT', bars]]), ticks: new Map([['BTCUSDT', capture]]) };
};

let instrument: (symbol: string) => Instrument;
beforeAll(async () => {
  instrument = (await instrumentBookOnce()).get;
});

const engine = (handlers: (log: string[]) => StrategyHandlers, over: Partial<EngineConfig> = {}) => {
  const log: string[] = [];
  const strategy: StrategyDefinition = {
    id: 'hand',
    version: '0.0.1',
    description: 'scripted',
    timeframe: '1s',
    params: z.object({}),
    feeds: { trades: true, book: true },
    create: () => handlers(log),
  };
  const e = new Engine(
    {
      ...defaultEngineSettings,
      runId: 'hand',
      strategy,
      params: {},
      symbols: ['BTCUSDT'],
      from: T0,
      to: T0 + 10_000,
      instrument,
      venueRules: binanceUsdm,
      breaker: null,
      risk: { ...defaultEngineSettings.risk, enabled: false },
      tickLatency: zeroLatency,
      ...over,
    },
    feeds(),
  );
  return { e, log };
};

const orderTypes = (events: readonly StoredEvent[], id: string | null | undefined) =>
  events.filter((x) => x.streamId === `order-${id}`).map((x) => x.type);

const why = { side: 'long' as const, strength: 1, features: {} };

describe('engine with a tick venue, on hand-made ticks', () => {
  it('puts a bar closing at t before the prints stamped t, which open the next bar', () => {
    const { e, log } = engine((log) => ({
      onBar: (b) => log.push(`bar ${b.closeTime - T0}`),
      onTrade: (t) => log.push(`trade ${t.time - T0}`),
    }));
    e.runToEnd();
    expect(log.slice(0, 6)).toEqual([
      'trade 0',
      'trade 250',
      'trade 500',
      'trade 750',
      'bar 1000',
      'trade 1000',
    ]);
    expect(log.filter((x) => x.startsWith('bar'))).toHaveLength(10);
  });

  it('expires an IOC that does not fill on arrival, and a reduce-only fill with nothing to reduce', () => {
    const ids: Record<string, string | null> = {};
    const { e } = engine(() => ({
      onBook(b, ctx) {
        if (b.time < T0 + 3_000 || ids.ioc !== undefined) return;
        ids.ioc = ctx.order(
          {
            symbol: 'BTCUSDT',
            side: 'BUY',
            type: 'LIMIT',
            quantity: 0.01,
            price: b.bestBid,
            timeInForce: 'IOC',
          },
          why,
        );
        ids.reduce = ctx.order(
          { symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: 0.01, reduceOnly: true },
          why,
        );
      },
    }));
    e.runToEnd();
    const events = e.store.raw();
    expect(orderTypes(events, ids.ioc)).toEqual(['OrderRequested', 'OrderAccepted', 'OrderExpired']);
    expect(orderTypes(events, ids.reduce)).toEqual(['OrderRequested', 'OrderAccepted', 'OrderExpired']);
    const reasons = events
      .filter((x) => x.type === 'OrderExpired')
      .map((x) => (x.data as { reason: string }).reason);
    expect(reasons).toEqual(['IOC: remainder not filled on arrival', 'reduce-only: nothing left to reduce']);
    expect(events.filter((x) => x.type === 'FillSettled')).toEqual([]);
    expect(e.position('BTCUSDT')).toBe(0);
  });

  it('cancels only what is open here, and records who asked once the venue confirms', () => {
    const ids: Record<string, string | null | boolean> = {};
    const { e } = engine(() => ({
      onBook(b, ctx) {
        if (b.time < T0 + 3_000 || ids.resting !== undefined) return;
        ids.resting = ctx.order(
          { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.02, price: b.bestBid - 100 },
          why,
        );
        ids.unknown = ctx.cancel('nope');
      },
      onTrade(t, ctx) {
        if (ids.resting && ids.cancelled === undefined && t.time >= T0 + 5_000)
          ids.cancelled = ctx.cancel(String(ids.resting));
      },
    }));
    e.runToEnd();
    expect(ids.unknown).toBe(false);
    expect(ids.cancelled).toBe(true);
    const events = e.store.raw();
    expect(orderTypes(events, String(ids.resting))).toEqual([
      'OrderRequested',
      'OrderAccepted',
      'OrderCancelled',
    ]);
    expect(events.find((x) => x.type === 'OrderCancelled')!.data).toMatchObject({
      reason: 'cancelled by hand',
    });
  });

  it('refuses stops held at the venue for a strategy filled tick by tick: the engine watches the prints', () => {
    const { e } = engine(
      () => ({
        onBar(b, ctx) {
          ctx.target(b.symbol, 1, why, { stopAtrMultiple: 2 });
        },
      }),
      { stops: { ...defaultEngineSettings.stops, holding: 'venue' } },
    );
    expect(() => e.runToEnd()).toThrow(/with trade\/book feeds or a live account the engine holds the stops/);
  });
});
