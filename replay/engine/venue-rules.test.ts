import { describe, expect, it } from 'vitest';
import { openStore } from '../../adapters/eventstore/open-store.js';
import { accountStreamId } from '../../domain/ledger/account-state.js';
import { fixed, roundedProduct, toText } from '../../domain/ledger/fixed.js';
import { persistRun } from '../audit/persist.js';
import { rerun } from '../audit/rerun.js';
import { prepareRun, RunRequestError, runBacktest } from './run.js';

/**
 * A run books by the rules of the venue it names: its fee tiers and rounding (domain/ledger/venue.ts). The
 * market is the recorded Binance one either way; what changes is what the fills cost.
 */
const request = {
  strategyId: 'ema-cross',
  symbols: ['BTCUSDT'],
  from: '2023-03-01',
  to: '2023-04-01',
  params: { fast: 5, slow: 20 },
};

const fees = (events: readonly { type: string; data: unknown }[]) =>
  events
    .filter((e) => e.type === 'FeeCharged')
    .map((e) => e.data as { reason: string; notional: string; rate: string; amount: string });

describe('a backtest on another venue’s rules', () => {
  it('charges Bybit’s taker and maker rates on the same fills, in an account of Bybit’s', async () => {
    const binance = await runBacktest(request);
    const bybit = await runBacktest({ ...request, venue: 'bybit' });
    const a = fees(binance.engine.store.raw());
    const b = fees(bybit.engine.store.raw());
    expect(b.length).toBeGreaterThan(5);
    // The first entry is sized on the same balance, so its notional is Binance's; later sizes follow
    // equity, which the fees moved.
    expect(b[0]!.notional).toBe(a[0]!.notional);
    for (const f of b) {
      // Bybit's Non-VIP rates: 0.055 % taker, 0.02 % maker.
      expect(['0.00055', '0.0002']).toContain(f.rate);
      // Exact to Bybit's 8 places: the notional times the rate, rounded half-up.
      expect(f.amount).toBe(toText(roundedProduct([fixed(f.notional), fixed(f.rate)], 8, 'half-up')));
    }
    expect(a.every((f) => f.rate === '0.0005' || f.rate === '0.0002')).toBe(true);
    expect(b.some((f) => f.rate === '0.00055')).toBe(true);
    const accounts = new Set(
      bybit.engine.store
        .raw()
        .map((e) => e.streamId)
        .filter((s) => s.startsWith('account-')),
    );
    expect([...accounts]).toEqual([accountStreamId('bybit', bybit.engine.config.accountId)]);
    // Dearer taker fees cost the run more.
    expect(bybit.results.kpis().fees).toBeGreaterThan(binance.results.kpis().fees);
  });

  it('is re-run on the venue it was recorded on', async () => {
    const fresh = await openStore({ dataDir: ':memory:' });
    try {
      const out = await runBacktest({ ...request, venue: 'bybit', to: '2023-03-10' });
      const started = out.engine.store.raw().find((e) => e.type === 'RunStarted')!;
      expect((started.data as { config: { venue?: string } }).config.venue).toBe('bybit');
      await persistRun(out.engine.store.raw(), fresh.store);
      expect(await rerun(fresh.store, out.engine.config.runId)).toMatchObject({
        identical: true,
        divergence: null,
      });
    } finally {
      await fresh.close();
    }
  });

  it('says nothing of the venue in a Binance run’s inputs, as before other venues’ rules existed', async () => {
    const out = await runBacktest({ ...request, to: '2023-03-03' });
    const started = out.engine.store.raw().find((e) => e.type === 'RunStarted')!;
    expect(Object.keys((started.data as { config: object }).config)).not.toContain('venue');
  });

  it('refuses a venue whose rules the ledger does not know, and a tier the venue does not have', async () => {
    await expect(prepareRun({ ...request, venue: 'kraken' })).rejects.toThrow(
      /venue "kraken" is not one whose rules the ledger knows: binance, bybit, okx/,
    );
    await expect(prepareRun({ ...request, venue: 'constructor' })).rejects.toThrow(RunRequestError);
    await expect(prepareRun({ ...request, venue: 'bybit', engine: { feeTier: 'VIP3' } })).rejects.toThrow(
      /fee tier "VIP3" is not one of bybit's: VIP0/,
    );
  });
});
