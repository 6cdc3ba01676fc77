import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../domain/events/envelope.js';
import { binanceUsdm } from '../../domain/ledger/venue.js';
import type { BarSeries } from '../../domain/market/bars.js';
import { defaultBreakerParams } from '../../domain/risk/breaker.js';
import type { OrderRequest } from '../../domain/strategy/sdk.js';
import { defaultEngineSettings, type EngineConfig } from './config.js';
import { Engine } from './engine.js';
import { instrumentBookOnce } from './run.js';
import { placer } from './testing/placer.js';

/**
 * Orders the engine stops working on its own — entries when the breaker flattens, reduce-only orders
 * once a liquidation has closed the position — end in the ledger with a cancel and its reason. Before,
 * they were dropped from the engine's book and stayed open in the ledger for good. Hand-made hourly
 * bars: 30 around 20,000, then a fall.
 */

const HOUR = 3_600_000;
const t0 = Date.UTC(2023, 0, 9);

const barsFrom = (mids: readonly number[], range: (i: number) => number): BarSeries => {
  const col = (f: (i: number) => number) => Float64Array.from({ length: mids.length }, (_, i) => f(i));
  return {
    symbol: 'BTCUSDT',
    timeframe: '1h',
    openTime: col((i) => t0 + i * HOUR),
    open: col((i) => mids[i]!),
    high: col((i) => mids[i]! + 30),
    low: col((i) => mids[i]! - range(i)),
    close: col((i) => mids[i]!),
    volume: col(() => 1_000),
  };
};

const run = async (
  bars: BarSeries,
  orders: Record<string, Omit<OrderRequest, 'symbol'>>,
  over: Partial<EngineConfig>,
) => {
  const { strategy, placed } = placer(() => orders);
  const ids = placed.ids;
  const book = await instrumentBookOnce();
  const n = bars.openTime.length;
  const engine = new Engine(
    {
      ...defaultEngineSettings,
      runId: 'dropped',
      strategy,
      params: {},
      symbols: ['BTCUSDT'],
      from: t0,
      to: t0 + n * HOUR,
      warmupBars: 0,
      instrument: book.get,
      venueRules: binanceUsdm,
      // Sized by hand here: the risk check would (rightly) refuse these positions.
      risk: { ...defaultEngineSettings.risk, enabled: false },
      ...over,
    },
    { bars: new Map([['BTCUSDT', bars]]) },
  );
  engine.runToEnd();
  const events = engine.store.raw();
  const of = (name: string): StoredEvent[] => events.filter((e) => e.streamId === `order-${ids[name]}`);
  return { ids, events, of, types: (name: string) => of(name).map((e) => e.type) };
};

const reasonOf = (events: StoredEvent[], type: string) =>
  (events.find((e) => e.type === type)?.data as { reason?: string } | undefined)?.reason;

describe('orders the engine stops working, or cannot fill, end in the ledger', () => {
  it('a breaker flatten cancels resting entries, with the reason, and closes the position', async () => {
    // A 10 % fall costs the 1 BTC long 2,000 of the 10,000 account: the 20 % drawdown that flattens.
    const mids = Array.from({ length: 60 }, (_, i) =>
      i < 30 ? 20_000 + (i % 2 ? -20 : 20) : 20_000 * (1 - 0.01 * (i - 29)),
    );
    const r = await run(
      barsFrom(mids, () => 30),
      {
        entry: { side: 'BUY', type: 'MARKET', quantity: 1 },
        resting: { side: 'BUY', type: 'LIMIT', quantity: 0.1, price: 10_000 },
      },
      { breaker: defaultBreakerParams },
    );
    expect(r.types('entry')).toEqual(['OrderRequested', 'OrderAccepted', 'OrderFilled']);
    expect(
      r.events.some((e) => e.type === 'BreakerLevelChanged' && (e.data as { to: string }).to === 'flatten'),
    ).toBe(true);
    expect(r.types('resting')).toEqual(['OrderRequested', 'OrderAccepted', 'OrderCancelled']);
    expect(reasonOf(r.of('resting'), 'OrderCancelled')).toBe('breaker flatten: entries cancelled');
    const exits = r.events.filter((e) => {
      const d = e.data as { reduceOnly?: boolean; type?: string; side?: string; quantity?: string };
      return e.type === 'OrderRequested' && d.reduceOnly && d.type === 'MARKET' && d.side === 'SELL';
    });
    expect(exits.map((e) => (e.data as { quantity: string }).quantity)).toEqual(['1']);
  });

  it('a liquidation cancels the reduce-only orders left on the closed position, with the reason', async () => {
    // 2.2 BTC at 20,000 on 10,000 of margin: 4.4× leverage, liquidated by a bar that trades 25 % lower.
    const mids = Array.from({ length: 40 }, (_, i) => (i < 30 ? 20_000 + (i % 2 ? -20 : 20) : 19_500));
    const r = await run(
      barsFrom(mids, (i) => (i === 31 ? 5_000 : 30)),
      {
        entry: { side: 'BUY', type: 'MARKET', quantity: 2.2 },
        target: { side: 'SELL', type: 'LIMIT', quantity: 2.2, price: 25_000, reduceOnly: true },
      },
      { breaker: null },
    );
    expect(r.events.some((e) => e.type === 'PositionLiquidated')).toBe(true);
    expect(r.types('target')).toEqual(['OrderRequested', 'OrderAccepted', 'OrderCancelled']);
    expect(reasonOf(r.of('target'), 'OrderCancelled')).toBe(
      'liquidation closed the position: reduce-only cancelled',
    );
  });

  it('a reduce-only market order with nothing left to reduce on arrival expires instead of stopping the run', async () => {
    // The sell was sent with a position (stop and exit on the same close); the stop took it first.
    const mids = Array.from({ length: 40 }, (_, i) => (i < 30 ? 20_000 + (i % 2 ? -20 : 20) : 20_000));
    const r = await run(
      barsFrom(mids, () => 30),
      { exit: { side: 'SELL', type: 'MARKET', quantity: 0.01, reduceOnly: true } },
      { breaker: null },
    );
    expect(r.types('exit')).toEqual(['OrderRequested', 'OrderAccepted', 'OrderExpired']);
    expect(reasonOf(r.of('exit'), 'OrderExpired')).toBe('reduce-only: nothing left to reduce');
  });
});
