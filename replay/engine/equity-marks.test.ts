import { describe, expect, it } from 'vitest';
import { sharedBars } from '../../adapters/marketdata/shared-data.js';
import { runBacktest } from './run.js';

/**
 * Every equity mark values every open position at its close at the mark's time. It was written inside the
 * first symbol's bar of that hour, so the other symbols were valued at their previous bar's close: about
 * a third of a two-symbol run's marks were off, and its Sharpe and Sortino with them.
 */
describe('equity marks', () => {
  it('value every symbol at its close at the mark’s time', async () => {
    const symbols = ['BTCUSDT', 'ETHUSDT', 'LTCUSDT'];
    const out = await runBacktest({ strategyId: 'ema-cross', symbols, from: '2023-01-01', to: '2023-04-01' });
    const closeAt = new Map<string, Map<number, number>>();
    for (const symbol of symbols) {
      const bars = sharedBars(symbol, '1h');
      const m = new Map<number, number>();
      for (let i = 0; i < bars.openTime.length; i++) m.set(bars.openTime[i]! + 3_600_000, bars.close[i]!);
      closeAt.set(symbol, m);
    }
    const held = new Map<string, { qty: number; entry: number }>();
    let marks = 0;
    let withTwoOpen = 0;
    for (const e of out.engine.store.raw()) {
      const d = e.data as Record<string, unknown>;
      if (e.type === 'FillSettled')
        held.set(String(d.symbol), { qty: Number(d.positionQuantity), entry: Number(d.entryPrice) });
      if (e.type !== 'EquityMarked') continue;
      const at = Number(d.at);
      let unrealised = 0;
      let open = 0;
      for (const [symbol, p] of held) {
        if (p.qty === 0) continue;
        open++;
        unrealised += p.qty * (closeAt.get(symbol)!.get(at)! - p.entry);
      }
      if (open >= 2) withTwoOpen++;
      marks++;
      expect(Number(d.equity)).toBeCloseTo(Number(d.wallet) + unrealised, 6);
    }
    expect(marks).toBeGreaterThan(2000);
    expect(withTwoOpen).toBeGreaterThan(100);
  });
});
