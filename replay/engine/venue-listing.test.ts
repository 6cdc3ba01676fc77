import { describe, expect, it } from 'vitest';
import { openStore } from '../../adapters/eventstore/open-store.js';
import { instrumentBook } from '../../adapters/instruments/binance-files.js';
import { instrumentRecord } from '../../domain/backtest/instrument-record.js';
import { fixed, isMultipleOf } from '../../domain/ledger/fixed.js';
import type { Instrument } from '../../domain/ledger/instrument.js';
import { persistRun } from '../audit/persist.js';
import { requestFromInputs, rerun } from '../audit/rerun.js';
import { instrumentBookOnce, RunRequestError, runBacktest } from './run.js';

/**
 * A run that trades by a venue's own listing (a Bybit or OKX feed's, a real account's of today) records
 * it in its RunStarted: its orders and fills are on that listing's grid, and a re-run from the log trades
 * by the same, not by the recorded Binance metadata.
 */
const request = {
  strategyId: 'ema-cross',
  symbols: ['BTCUSDT'],
  from: '2023-03-01',
  to: '2023-03-08',
  params: { fast: 5, slow: 20 },
  venue: 'bybit',
};

/** BTCUSDT as another venue might list it: a coarser tick, a dearer first tier. */
const venueListing = async (): Promise<Map<string, Instrument>> => {
  const btc = (await instrumentBookOnce()).get('BTCUSDT');
  const [first, ...rest] = btc.brackets;
  return new Map([
    [
      'BTCUSDT',
      {
        ...btc,
        venue: 'bybit',
        tickSize: fixed('0.5'),
        brackets: [{ ...first!, maintMarginRatio: fixed('0.01') }, ...rest],
      },
    ],
  ]);
};

const prices = (events: readonly { type: string; data: unknown }[]) =>
  events.filter((e) => e.type === 'OrderFilled').map((e) => (e.data as { price: string }).price);

describe('a run on a venue’s own listing', () => {
  it('trades on its grid and records it, for its own symbols only', async () => {
    const listed = await venueListing();
    const out = await runBacktest({ ...request, instruments: instrumentBook(listed) });
    const events = out.engine.store.raw();
    const started = events.find((e) => e.type === 'RunStarted')!;
    const config = (started.data as { config: { instruments?: Record<string, unknown> } }).config;
    expect(config.instruments).toEqual({ BTCUSDT: instrumentRecord(listed.get('BTCUSDT')!) });
    const filled = prices(events);
    expect(filled.length).toBeGreaterThan(5);
    for (const p of filled) expect(isMultipleOf(fixed(p), fixed('0.5')), p).toBe(true);
    // On the recorded metadata's finer tick the same strategy fills off the coarse grid.
    const recorded = prices((await runBacktest(request)).engine.store.raw());
    expect(recorded.some((p) => !isMultipleOf(fixed(p), fixed('0.5')))).toBe(true);
  });

  it('records nothing on the recorded metadata, as before', async () => {
    const out = await runBacktest({ ...request, to: '2023-03-02' });
    const started = out.engine.store.raw().find((e) => e.type === 'RunStarted')!;
    expect(Object.keys((started.data as { config: object }).config)).not.toContain('instruments');
  });

  it('is re-run from the log on the listing it recorded', async () => {
    const fresh = await openStore({ dataDir: ':memory:' });
    try {
      const out = await runBacktest({ ...request, instruments: instrumentBook(await venueListing()) });
      await persistRun(out.engine.store.raw(), fresh.store);
      expect(await rerun(fresh.store, out.engine.config.runId)).toMatchObject({
        identical: true,
        divergence: null,
      });
    } finally {
      await fresh.close();
    }
  });

  it('refuses to re-run a recorded listing it cannot read, saying which', async () => {
    const out = await runBacktest({ ...request, instruments: instrumentBook(await venueListing()) });
    const started = out.engine.store.raw().find((e) => e.type === 'RunStarted')!;
    const inputs = started.data as Parameters<typeof requestFromInputs>[0];
    const btc = (inputs.config.instruments as Record<string, Record<string, unknown>>).BTCUSDT!;
    const bad = {
      ...inputs,
      config: { ...inputs.config, instruments: { BTCUSDT: { ...btc, stepSize: 'lots' } } },
    };
    expect(() => requestFromInputs(bad)).toThrow(RunRequestError);
    expect(() => requestFromInputs(bad)).toThrow(
      /config.instruments.BTCUSDT: not an instrument listing: stepSize/,
    );
  });

  it('records an order the listing refuses, with its rule, in the chain of the decision it followed', async () => {
    const btc = (await venueListing()).get('BTCUSDT')!;
    const halted = instrumentBook(new Map([['BTCUSDT', { ...btc, status: 'Settling' }]]));
    const out = await runBacktest({ ...request, instruments: halted });
    const events = out.engine.store.raw();
    const refused = events.filter((e) => e.type === 'OrderRefused');
    expect(refused.length).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === 'OrderRequested')).toEqual([]);
    const first = refused[0]!;
    expect(first.streamId).toBe(`run-${out.engine.config.runId}`);
    expect(first.data).toMatchObject({
      symbol: 'BTCUSDT',
      type: 'MARKET',
      reduceOnly: false,
      rule: 'symbol-not-trading',
      reason: 'symbol-not-trading: BTCUSDT status is Settling',
    });
    // Caused by the risk decision that approved it, in the same chain.
    const cause = events.find((e) => e.eventId === first.metadata.causationId)!;
    expect(cause.type).toBe('RiskDecided');
    expect(cause.metadata.correlationId).toBe(first.metadata.correlationId);
    // The breaker counts them as venue errors: what halted the run is in its log.
    const breaker = events.find((e) => e.type === 'BreakerLevelChanged')!;
    expect((breaker.data as { measured: { errorRate: number } }).measured.errorRate).toBeGreaterThan(0);
    expect(breaker.globalPosition).toBeGreaterThan(first.globalPosition);
  });
});
