import { describe, expect, it } from 'vitest';
import { RunRequestError, runBacktest } from './run.js';
import { runNotes } from './run-notes.js';

/** The notes the backtest CLI prints under its header: what the KPI table alone would hide. */
describe('run notes', () => {
  it('says where the data ends before the run does', async () => {
    const out = await runBacktest({
      strategyId: 'ema-cross',
      symbols: ['BTCUSDT'],
      from: '2023-12-20',
      to: '2024-02-01',
    });
    expect(runNotes(out)).toEqual(["BTCUSDT 1h data ends at 2024-01-01T00:00:00Z, before the run's end"]);
  });

  it('says a symbol has no funding on record, and refuses it to a strategy that trades on funding', async () => {
    const out = await runBacktest({
      strategyId: 'ema-cross',
      symbols: ['ALGOUSDT'],
      timeframe: '1h',
      from: '2023-02-10',
      to: '2023-02-12',
    });
    expect(runNotes(out)).toContain(
      'ALGOUSDT: no funding rates on record, so the run books no funding for it',
    );
    await expect(
      runBacktest({ strategyId: 'funding-carry', symbols: ['BTCUSDT', 'ALGOUSDT'], timeframe: '1h' }),
    ).rejects.toThrow(
      new RunRequestError('funding-carry trades on funding rates, and the data has none for ALGOUSDT'),
    );
  });

  it('says the breaker stopped the trading, when, and why', async () => {
    const req = {
      strategyId: 'donchian-breakout',
      symbols: ['BTCUSDT', 'ETHUSDT', 'LTCUSDT'],
      timeframe: '5m',
      from: '2023-03-01',
      to: '2023-03-08',
    };
    const notes = runNotes(await runBacktest(req));
    expect(notes).toEqual([
      expect.stringMatching(
        /^the breaker went to halt at 2023-03-02T01:00:00Z \(lossStreak 9, limit 9\) and stayed there: no entry after it was let through/,
      ),
    ]);
    expect(runNotes(await runBacktest({ ...req, disabledRules: ['breaker'] }))).toEqual([]);
  });
});
