import { variance } from '../optimizer/moments.js';

/**
 * Two of the figures automation 10 asks every recommendation to carry, so a reviewer can size a trade
 * before enabling it: where the price may go in a day, and how much leverage survives a bad day. Both
 * are read from the same gap-free run of closed 1h bars the dimensions use, so they know nothing the
 * scan did not know at its time.
 */

/** Every ±kσ band is drawn in log space: symmetric in percent terms, and its low never reaches 0. */
export const RANGE_SIGMAS = [1, 2] as const;
/** The tail the leverage must survive: the 99th percentile of the lookback's 24h moves ... */
export const SEVERE_PERCENTILE = 0.99;
/** ... or a 3σ day, whichever is larger: with a week of history the percentile is only its worst day. */
export const SEVERE_SIGMAS = 3;

export interface Band {
  readonly low: number;
  readonly high: number;
}

export interface PriceRange {
  /** The last 24h (the `recentHours` bars): highest high and lowest low. */
  readonly high24h: number;
  readonly low24h: number;
  /** Sample standard deviation of the hourly log returns read, and that scaled to a day (× √hours). */
  readonly sigmaHourly: number;
  readonly sigma24h: number;
  /** How many hourly returns the σ rests on. */
  readonly returns: number;
  /**
   * The last 24h's own hourly σ scaled to a day: not used for the bands (24 returns are a noisy
   * estimate), shown because a regime change makes the month's σ too narrow for the day.
   */
  readonly recentSigma24h: number;
  /** The last close × exp(∓kσ₂₄ₕ) for k = 1 and 2. */
  readonly expected1: Band;
  readonly expected2: Band;
  readonly detail: string;
}

export interface SafeLeverage {
  /** The highest whole leverage that a severe move does not liquidate, within [1, maxLeverage]. */
  readonly leverage: number;
  /** The severe 24h move (a fraction) the leverage is sized against: the larger of the two below. */
  readonly severeMove: number;
  /** The 99th percentile of |close / close 24h earlier − 1| over every 24h window read; null below 2 windows. */
  readonly percentileMove: number | null;
  readonly windows: number;
  /** exp(3σ₂₄ₕ) − 1: a 3σ rise, the larger side of a 3σ day in log terms. */
  readonly sigmaMove: number;
  /** First-bracket maintenance margin rate used; null when unknown (then computed without it). */
  readonly maintenanceRate: number | null;
  /** The first bracket's leverage cap; null when unknown (then not capped). */
  readonly maxLeverage: number | null;
  /** Notional the first bracket covers (USDT); a larger position has a higher rate and a lower cap. */
  readonly bracketCap: number | null;
  /** True when the move alone would allow more than the venue does. */
  readonly capped: boolean;
  readonly detail: string;
}

const pct = (x: number, dp = 1): string => `${(x * 100).toFixed(dp)} %`;
/** Prices span BTC's tens of thousands to a meme coin's thousandths: significant digits, not decimals. */
const px = (x: number): string => String(Number(x.toPrecision(6)));

/** Linear interpolation between order statistics: monotone in every value, so a wilder past never lowers it. */
export const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (h - lo) * (s[hi]! - s[lo]!);
};

/** Sample standard deviation (n − 1); 0 below two values (no spread measured is none assumed). */
const stdOf = (xs: readonly number[]): number => {
  const v = variance(xs);
  return Number.isNaN(v) ? 0 : Math.sqrt(v);
};

/** The bars a scan read: indices [first, last] of a gap-free hourly run, and the last `recent` of them. */
export interface Window {
  readonly high: ArrayLike<number>;
  readonly low: ArrayLike<number>;
  readonly close: ArrayLike<number>;
  readonly first: number;
  readonly last: number;
  readonly recent: number;
}

/** Hourly log-return σ of the window, and the day's σ under independent hours (√recent). */
export const realisedSigma = (
  w: Window,
): { hourly: number; day: number; returns: number; recentDay: number } => {
  const rets: number[] = [];
  for (let i = w.first + 1; i <= w.last; i++) rets.push(Math.log(w.close[i]! / w.close[i - 1]!));
  const hourly = stdOf(rets);
  const recent = stdOf(rets.slice(Math.max(0, rets.length - w.recent)));
  return {
    hourly,
    day: hourly * Math.sqrt(w.recent),
    returns: rets.length,
    recentDay: recent * Math.sqrt(w.recent),
  };
};

export const priceRange = (w: Window): PriceRange => {
  let high24h = Number.NEGATIVE_INFINITY;
  let low24h = Number.POSITIVE_INFINITY;
  for (let i = w.last - w.recent + 1; i <= w.last; i++) {
    high24h = Math.max(high24h, w.high[i]!);
    low24h = Math.min(low24h, w.low[i]!);
  }
  const last = w.close[w.last]!;
  const s = realisedSigma(w);
  const band = (k: number): Band => ({ low: last * Math.exp(-k * s.day), high: last * Math.exp(k * s.day) });
  const [k1, k2] = RANGE_SIGMAS;
  const expected1 = band(k1);
  const expected2 = band(k2);
  const h = w.recent;
  return {
    high24h,
    low24h,
    sigmaHourly: s.hourly,
    sigma24h: s.day,
    returns: s.returns,
    recentSigma24h: s.recentDay,
    expected1,
    expected2,
    detail:
      `last ${h}h traded ${px(low24h)} – ${px(high24h)} (${pct(high24h / low24h - 1)} wide); ` +
      `next ${h}h expected ${px(expected1.low)} – ${px(expected1.high)} at ±1σ and ${px(expected2.low)} – ${px(expected2.high)} at ±2σ around ${px(last)}, ` +
      `σ ${pct(s.day, 2)} a day = ${pct(s.hourly, 2)} an hour × √${h}, from ${s.returns} hourly log returns` +
      ` (the last ${h}h alone: σ ${pct(s.recentDay, 2)} a day)`,
  };
};

export interface LeverageTerms {
  readonly maintenanceRate: number | null;
  readonly maxLeverage: number | null;
  readonly bracketCap: number | null;
}

/**
 * Isolated margin, a position inside the first bracket, held through the severe move m. A long is
 * liquidated when 1/L − d ≤ mmr·(1 − d) after a fall d; a short when 1/L − u ≤ mmr·(1 + u) after a
 * rise u. For the same size of move the short needs more, so the leverage is sized on it:
 * the largest whole L with L·(m + mmr·(1 + m)) < 1, i.e. about 1 / (m + mmr). Fees, funding and the
 * mark-vs-last spread are left out: they lower the true figure a little.
 */
export const leverageFor = (move: number, mmr: number): number => {
  const need = move + mmr * (1 + move);
  if (!(need > 0)) return Number.POSITIVE_INFINITY;
  let l = Math.floor(1 / need);
  // Exactly at the threshold the position is liquidated: "would not reach" is strict.
  if (l * need >= 1) l--;
  return l;
};

export const safeLeverage = (w: Window, terms: LeverageTerms): SafeLeverage => {
  const { close, first, last, recent } = w;
  const moves: number[] = [];
  for (let i = first + recent; i <= last; i++) moves.push(Math.abs(close[i]! / close[i - recent]! - 1));
  const percentileMove = moves.length >= 2 ? quantile(moves, SEVERE_PERCENTILE) : null;
  const s = realisedSigma(w);
  const sigmaMove = Math.exp(SEVERE_SIGMAS * s.day) - 1;
  const severeMove = Math.max(percentileMove ?? 0, sigmaMove);
  const mmr = terms.maintenanceRate;
  const raw = leverageFor(severeMove, mmr ?? 0);
  const cap = terms.maxLeverage;
  const capped = cap !== null && raw > cap;
  const leverage = Math.max(1, capped ? cap : Number.isFinite(raw) ? raw : 1);
  const rule =
    percentileMove === null
      ? `3σ ${pct(sigmaMove)} (σ ${pct(s.day, 2)} a day; ${moves.length} ${recent}h window, too few for a percentile)`
      : `the larger of the 99th percentile of |${recent}h move| over ${moves.length} windows (${pct(percentileMove)}) and 3σ (${pct(sigmaMove)})`;
  const margin =
    mmr === null
      ? 'maintenance margin unknown: left out, which overstates the figure a little'
      : `maintenance margin ${pct(mmr, 2)} (first bracket${terms.bracketCap === null ? '' : `, up to ${terms.bracketCap} USDT notional`})`;
  const outcome =
    raw < 1
      ? `even 1× is liquidated by such a move on a short (${pct(severeMove + (mmr ?? 0) * (1 + severeMove))} of margin needed)`
      : capped
        ? `the move allows ${Number.isFinite(raw) ? `${raw}×` : 'any leverage'}, capped at the venue's ${cap}×`
        : `${leverage}× is the highest whole leverage a short survives it at`;
  return {
    leverage,
    severeMove,
    percentileMove,
    windows: moves.length,
    sigmaMove,
    maintenanceRate: mmr,
    maxLeverage: cap,
    bracketCap: terms.bracketCap,
    capped,
    detail: `severe ${recent}h move ${pct(severeMove)}: ${rule}; ${margin}; liquidation needs 1/L ≤ move + mmr × (1 + move) on a short, so ${outcome}`,
  };
};
