import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../domain/events/envelope.js';
import { binanceUsdm } from '../../domain/ledger/venue.js';
import type { BarSeries } from '../../domain/market/bars.js';
import { type BreakerParams, defaultBreakerParams } from '../../domain/risk/breaker.js';
import { defaultEngineSettings } from './config.js';
import { Engine } from './engine.js';
import { instrumentBookOnce } from './run.js';
import { placer } from './testing/placer.js';

/**
 * The breaker's margin ratio (design §14, account level): a position the price walks towards its
 * liquidation is flattened at 90 %, at a market exit, before the venue would liquidate it at 100 %.
 * Hand-made hourly bars: 30 around 20,000, then a fall of 5 USD a bar. 30 BTC bought at 20,000 on a
 * 10,000 USDT account at 75× (bracket 2: 0.5 % less 50): maintenance 2,950, a ratio of 0.3 at the entry;
 * about 235 USD lower the equity is down to the maintenance margin.
 */
const HOUR = 3_600_000;
const t0 = Date.UTC(2023, 0, 9);

const bars = (): BarSeries => {
  const mids = Array.from({ length: 120 }, (_, i) =>
    i < 30 ? 20_000 + (i % 2 ? -2 : 2) : 20_000 - 5 * (i - 29),
  );
  const col = (f: (i: number) => number) => Float64Array.from({ length: mids.length }, (_, i) => f(i));
  return {
    symbol: 'BTCUSDT',
    timeframe: '1h',
    openTime: col((i) => t0 + i * HOUR),
    open: col((i) => mids[i]! + (i < 30 ? 0 : 5)),
    high: col((i) => mids[i]! + (i < 30 ? 3 : 5)),
    low: col((i) => mids[i]! - 3),
    close: col((i) => mids[i]!),
    volume: col(() => 1_000),
  };
};

const run = async (breaker: BreakerParams | null) => {
  const { strategy } = placer(() => ({ entry: { side: 'BUY', type: 'MARKET', quantity: 30 } }));
  const book = await instrumentBookOnce();
  const b = bars();
  const engine = new Engine(
    {
      ...defaultEngineSettings,
      runId: 'margin-ratio',
      strategy,
      params: {},
      symbols: ['BTCUSDT'],
      from: t0,
      to: t0 + b.openTime.length * HOUR,
      warmupBars: 0,
      instrument: book.get,
      venueRules: binanceUsdm,
      leverage: 75,
      // Sized by hand: the risk check would (rightly) refuse a position this close to its liquidation.
      risk: { ...defaultEngineSettings.risk, enabled: false },
      breaker,
    },
    { bars: new Map([['BTCUSDT', b]]) },
  );
  engine.runToEnd();
  return engine.store.raw();
};

const ofType = (events: readonly StoredEvent[], type: string) => events.filter((e) => e.type === type);

describe('the breaker reads the margin ratio', () => {
  const finalMark = (events: readonly StoredEvent[]) =>
    ofType(events, 'EquityMarked').at(-1)!.data as { equity: number; exposure: number };

  it('without it the fall liquidates the position', async () => {
    const events = await run(null);
    expect(ofType(events, 'PositionLiquidated')).toHaveLength(1);
  });

  it('the margin ratio alone flattens the position at 90 %, before the venue would liquidate it', async () => {
    // Only the margin ratio on the ladder: the drawdown (20 % flattens) would act long before.
    const onlyMargin: BreakerParams = {
      thresholds: { marginRatio: defaultBreakerParams.thresholds.marginRatio! },
      cooldownMs: defaultBreakerParams.cooldownMs,
    };
    const events = await run(onlyMargin);
    expect(ofType(events, 'PositionLiquidated')).toEqual([]);
    // The account's ladder and the strategy's each step up on the same measurements.
    const steps = ofType(events, 'BreakerLevelChanged').map((e) => {
      const d = e.data as {
        scope: string;
        to: string;
        measured: { marginRatio: number };
        triggers: { metric: string }[];
      };
      return {
        scope: d.scope,
        to: d.to,
        ratio: d.measured.marginRatio,
        metrics: d.triggers.map((t) => t.metric),
      };
    });
    for (const scope of ['account', 'strategy'])
      expect(steps.filter((s) => s.scope === scope).map((s) => s.to)).toEqual([
        'warn',
        'reduce',
        'halt',
        'flatten',
      ]);
    for (const s of steps) expect(s.metrics).toEqual(['marginRatio']);
    const flatten = steps.at(-1)!;
    expect(flatten.ratio).toBeGreaterThanOrEqual(0.9);
    expect(flatten.ratio).toBeLessThan(1);
    // The whole position goes at market, reduce-only, and the account is flat with money left.
    const exits = ofType(events, 'OrderRequested').filter((e) => {
      const d = e.data as { reduceOnly: boolean; side: string };
      return d.reduceOnly && d.side === 'SELL';
    });
    expect(exits.map((e) => (e.data as { quantity: string }).quantity)).toEqual(['30']);
    const flat = finalMark(events);
    const liquidated = finalMark(await run(null));
    expect(flat.exposure).toBe(0);
    // The liquidation leaves nothing (the maintenance margin goes with it). The flatten's market exit pays
    // the taker fee and the impact of a 600,000 USDT order (about 2,600 of the ~3,300 left at 90 %), and
    // keeps the rest: 516 USDT.
    expect(liquidated.equity).toBe(0);
    expect(flat.equity).toBeGreaterThan(500);
  });
});
