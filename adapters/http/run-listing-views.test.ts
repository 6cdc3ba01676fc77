import { uuidv7 } from 'uuidv7';
import { describe, expect, it } from 'vitest';
import { instrumentBook } from '../../adapters/instruments/binance-files.js';
import { openPositionsOf } from '../../domain/ledger/account-state.js';
import { fixed, toText } from '../../domain/ledger/fixed.js';
import type { Instrument } from '../../domain/ledger/instrument.js';
import { instrumentListing } from '../../domain/ledger/instrument-changes.js';
import { marginReport } from '../../domain/ledger/margin-report.js';
import { entryPrice } from '../../domain/ledger/position.js';
import { binanceUsdm, bybitLinear } from '../../domain/ledger/venue.js';
import { allProjections } from '../../projections/index.js';
import { readLedgerAccountState } from '../../projections/ledger/projection.js';
import { readRunInstruments } from '../../projections/run-instruments/projection.js';
import { ProjectionRunner } from '../../projections/runner.js';
import { persistRun } from '../../replay/audit/persist.js';
import { instrumentBookOnce, runBacktest } from '../../replay/engine/run.js';
import { openStore } from '../eventstore/open-store.js';
import { account } from './schemas.js';
import { readAccounts, readPositions } from './views.js';

/**
 * The account views margin each account as its run's ledger does: by the listing the run recorded (a
 * Bybit or OKX run trades by its venue's) and by its venue's rules, not by the recorded Binance metadata
 * the node falls back on.
 */
describe('GET /api/accounts of a run on its venue’s listing', () => {
  it('reports the margin its own listing and rules give', async () => {
    const recorded = await instrumentBookOnce();
    const btc = recorded.get('BTCUSDT');
    const listed = new Map<string, Instrument>([
      [
        'BTCUSDT',
        {
          ...btc,
          venue: 'bybit',
          brackets: btc.brackets.map((b, i) => (i === 0 ? { ...b, maintMarginRatio: fixed('0.02') } : b)),
        },
      ],
    ]);
    const out = await runBacktest({
      strategyId: 'ema-cross',
      symbols: ['BTCUSDT'],
      from: '2023-03-01',
      to: '2023-03-05',
      params: { fast: 5, slow: 20 },
      venue: 'bybit',
      instruments: instrumentBook(listed),
    });
    const opened = await openStore({ dataDir: ':memory:' });
    try {
      const runner = new ProjectionRunner(opened.store, opened.db, allProjections());
      await runner.prepare();
      await persistRun(out.engine.store.raw(), opened.store);
      await runner.catchUpAll();
      const accountId = out.engine.config.accountId;
      const stream = `account-bybit:${accountId}`;
      const state = (await readLedgerAccountState(opened.db, stream))!;
      const held = openPositionsOf(state);
      expect(held.length).toBe(1);
      const mark = 22_000;
      const marks = Object.fromEntries(held.map((p) => [p.symbol, String(mark)]));
      const own = marginReport(state, marks, { instrument: (s) => listed.get(s)!, rules: bybitLinear });
      const binances = marginReport(state, marks, { instrument: recorded.get, rules: binanceUsdm });
      expect(own.crossMarginRatio).not.toBe(binances.crossMarginRatio);

      const fallback = { instrument: recorded.get, rules: binanceUsdm };
      const [row] = (await readAccounts(opened.db, fallback, () => mark)).filter(
        (a) => a.accountId === accountId,
      );
      const a = account.parse(row);
      expect(a.venue).toBe('bybit');
      expect(a.marginRatio).toBe(Number(toText(own.crossMarginRatio!)));
      const [p] = await readPositions(opened.db, fallback, () => mark, accountId);
      expect(p).toMatchObject({ symbol: 'BTCUSDT', entryPrice: toText(entryPrice(held[0]!)) });
    } finally {
      await opened.close();
    }
  });

  it('follows the listings the run took since (InstrumentUpdated), and rebuilds to the same rows', async () => {
    const recorded = await instrumentBookOnce();
    const btc = recorded.get('BTCUSDT');
    const out = await runBacktest({
      strategyId: 'ema-cross',
      symbols: ['BTCUSDT', 'ETHUSDT'],
      from: '2023-03-01',
      to: '2023-03-02',
      venue: 'bybit',
      instruments: instrumentBook(
        new Map([
          ['BTCUSDT', { ...btc, venue: 'bybit' }],
          ['ETHUSDT', recorded.get('ETHUSDT')],
        ]),
      ),
    });
    const plain = await runBacktest({
      strategyId: 'ema-cross',
      symbols: ['BTCUSDT'],
      from: '2023-03-01',
      to: '2023-03-02',
    });
    const opened = await openStore({ dataDir: ':memory:' });
    try {
      const runner = new ProjectionRunner(opened.store, opened.db, allProjections());
      await runner.prepare();
      await persistRun(out.engine.store.raw(), opened.store);
      await persistRun(plain.engine.store.raw(), opened.store);
      const runId = out.engine.config.runId;
      const started = (await opened.store.readStream(`run-${runId}`, { limit: 1 }))[0]!;
      const { recordedAt: _r, ...metadata } = started.metadata;
      const relisted = (maint: string) => ({
        eventId: uuidv7(),
        type: 'InstrumentUpdated',
        data: {
          venue: 'bybit',
          symbol: 'BTCUSDT',
          prompt: 'scheduled',
          changes: [
            `BTCUSDT bracket 1 maintMarginRatio ${toText(btc.brackets[0]!.maintMarginRatio)} → ${maint}`,
          ],
          instrument: instrumentListing({
            ...btc,
            brackets: btc.brackets.map((b, i) => (i === 0 ? { ...b, maintMarginRatio: fixed(maint) } : b)),
          }),
        },
        metadata: { ...metadata, causationId: null },
      });
      await opened.store.append(`run-${runId}`, 'any', [relisted('0.03')]);
      await opened.store.append(`run-${plain.engine.config.runId}`, 'any', [relisted('0.025')]);
      await runner.catchUpAll();
      const byRun = await readRunInstruments(opened.db, [runId, plain.engine.config.runId, 'no-such-run']);
      const mine = byRun.get(runId)!;
      expect([...mine.keys()].sort()).toEqual(['BTCUSDT', 'ETHUSDT']);
      expect(mine.get('BTCUSDT')).toEqual({
        ...btc,
        venue: 'bybit',
        brackets: btc.brackets.map((b, i) => (i === 0 ? { ...b, maintMarginRatio: fixed('0.03') } : b)),
      });
      expect(mine.get('ETHUSDT')).toEqual(recorded.get('ETHUSDT'));
      // A run on the recorded metadata recorded no identity: a USDT perpetual's is filled in.
      expect(byRun.get(plain.engine.config.runId)?.get('BTCUSDT')).toMatchObject({
        venue: 'bybit',
        baseAsset: 'BTC',
        quoteAsset: 'USDT',
        brackets: [{ maintMarginRatio: fixed('0.025') }, ...btc.brackets.slice(1).map(() => ({}))],
      });
      expect(byRun.has('no-such-run')).toBe(false);
      const rows = async () =>
        opened.db.selectFrom('rm_run_instruments').selectAll().orderBy('run_id').orderBy('symbol').execute();
      const before = await rows();
      expect(before).toHaveLength(3);
      await runner.rebuild('run-instruments');
      expect(await rows()).toEqual(before);
    } finally {
      await opened.close();
    }
  });
});
