import type { z } from 'zod';
import { describeIssues, LiveFeedError } from './live-feed-error.js';

/**
 * A USDT-margined perpetual's symbol as the engine can name it (its events take /^[A-Z0-9]{2,30}$/): a base
 * of capitals and digits, then USDT. In Binance's recorded listing (../shared/data/meta/exchange-info.json)
 * every PERPETUAL contract quoted in USDT has this shape but three the engine could not name anyway (two
 * with Chinese names, one pending without the suffix); delivery contracts carry `_YYMMDD`, USDC ones end in
 * USDC, Bybit's dated futures `-27DEC24`. A base may be one letter (TUSDT, WUSDT are listed perpetuals),
 * which a base of two or more would lose.
 */
export const USDT_PERPETUAL = /^[A-Z0-9]{1,26}USDT$/;

/** A venue's 24 h turnover of one symbol, in USDT; 0 for one that did not trade. */
export interface Turnover {
  readonly symbol: string;
  readonly turnover: number;
}

/** `n` must be a positive integer: 0 or 1.5 is a caller's mistake, not an empty answer. */
export const checkCount = (n: number): void => {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`mostTraded: n must be a positive integer, not ${String(n)}`);
};

/** The failure of a tickers call, naming the endpoint, as the feeds' other calls name theirs. */
export const tickersError = (endpoint: string, why: string): LiveFeedError =>
  new LiveFeedError(`most traded: unexpected ${endpoint} reply (${why.slice(0, 300)})`);

/** Reads one ticker row with `schema`, or fails the call naming the endpoint and the row. */
export const readRow = <T extends z.ZodTypeAny>(
  endpoint: string,
  schema: T,
  name: string,
  row: unknown,
): z.infer<T> => {
  const parsed = schema.safeParse(row);
  if (!parsed.success) throw tickersError(endpoint, `${name} ${describeIssues(parsed.error)}`);
  return parsed.data;
};

/**
 * The `n` symbols of `rows` with the most turnover, most first, ties by symbol so the order does not
 * depend on the venue's. Symbols that did not trade are left out: nothing to scan. A reply naming a symbol
 * twice, or with a turnover that is not a finite amount, is not trusted.
 */
export const mostTradedOf = (endpoint: string, rows: readonly Turnover[], n: number): string[] => {
  const seen = new Set<string>();
  for (const r of rows) {
    if (seen.has(r.symbol)) throw tickersError(endpoint, `${r.symbol} listed twice`);
    if (!(Number.isFinite(r.turnover) && r.turnover >= 0))
      throw tickersError(endpoint, `${r.symbol} turnover ${r.turnover} is not an amount`);
    seen.add(r.symbol);
  }
  return rows
    .filter((r) => r.turnover > 0)
    .sort((a, b) => b.turnover - a.turnover || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0))
    .slice(0, n)
    .map((r) => r.symbol);
};
