import { Correlation } from '../market/indicators/correlation.js';

/**
 * The correlation input of the cluster rule, from aligned return series (same bars, oldest first):
 * the last value of the market package's rolling Pearson correlation over `period` returns. Pairs
 * whose series are shorter than the period are left out, which the rule reads as uncorrelated, so
 * the engine should only trade symbols with enough history (warm-up) anyway.
 */
export const correlationMatrix = (
  returns: Readonly<Record<string, readonly number[]>>,
  period: number,
): Record<string, Record<string, number>> => {
  const symbols = Object.keys(returns).sort();
  const out: Record<string, Record<string, number>> = {};
  for (let i = 0; i < symbols.length; i++) {
    for (let j = i + 1; j < symbols.length; j++) {
      const a = symbols[i]!;
      const b = symbols[j]!;
      const x = returns[a]!;
      const y = returns[b]!;
      const n = Math.min(x.length, y.length);
      if (n < period) continue;
      const c = new Correlation(period);
      // Align on the most recent bars: the series may start at different times.
      for (let k = n - period; k < n; k++) c.update(x[x.length - n + k]!, y[y.length - n + k]!);
      if (!c.ready) continue;
      out[a] ??= {};
      out[a][b] = c.value;
    }
  }
  return out;
};

/** Simple returns of a close series, for the matrix above. */
export const returnsOf = (closes: readonly number[]): number[] => {
  const r: number[] = [];
  for (let i = 1; i < closes.length; i++) r.push(closes[i]! / closes[i - 1]! - 1);
  return r;
};
