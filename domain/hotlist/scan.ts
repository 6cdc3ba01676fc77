import type { BarSeries } from '../market/bars.js';
import { lastAtOrBefore } from '../market/bars.js';
import type { FundingSeries } from '../market/funding.js';
import { mean, variance } from '../optimizer/moments.js';
import { type PriceRange, priceRange, quantile, type SafeLeverage, safeLeverage } from './risk-figures.js';
import { type MarketSentiment, marketSentiment, type SymbolMood } from './sentiment.js';

/**
 * Hot-coin scoring (automation 10): which perpetuals are drawing unusual activity now, and what makes
 * each of them dangerous to trade. It only recommends. A symbol reaches the whitelist only through a
 * person's approval (whitelist.ts), so every number here is for a reader, and each one says how it was
 * computed.
 *
 * Every dimension compares a symbol with its own recent past. Turnover in USDT is not comparable across
 * symbols, but "three times its usual turnover" is. Inputs are closed 1h bars and realised funding
 * known at `at`; nothing later is read. Open interest and social scores are not in the data this system
 * has, so they are not dimensions. They are not stood in for by anything else.
 */

export const dimensionNames = ['turnover-surge', 'volatility', 'funding', 'momentum'] as const;
export type DimensionName = (typeof dimensionNames)[number];

export const labelCodes = [
  'new-listing',
  'thin-history',
  'extreme-volatility',
  'funding-extreme',
  'crowded-long',
  'crowded-short',
  'low-liquidity',
  'pump',
  'dump',
  'high-maintenance-margin',
] as const;
export type LabelCode = (typeof labelCodes)[number];
export type Severity = 'info' | 'warn' | 'danger';

export interface HotlistConfig {
  /** History each symbol is compared with, in days, before the last `recentHours`. */
  readonly lookbackDays: number;
  readonly recentHours: number;
  /** Weights of the dimension scores in the total; they need not sum to 1 (the total is normalised). */
  readonly weights: Readonly<Record<DimensionName, number>>;
  /** A symbol listed more recently than this many days is labelled new-listing (danger below half of it). */
  readonly newListingDays: number;
  /** Below this 24h turnover (USDT) a symbol is labelled low-liquidity (danger below a tenth of it). */
  readonly minTurnover: number;
  /** The venue's default funding rate per settlement (Binance: 0.01 %): funding at it is not unusual. */
  readonly baseFunding: number;
  /** |funding rate| per settlement at or above which funding is extreme (0.1 % is 10× Binance's base rate). */
  readonly extremeFunding: number;
  /** |24h return| at or above which a move is labelled pump / dump. */
  readonly pumpReturn: number;
  /** First-bracket maintenance margin rate at or above which the venue itself treats the symbol as risky. */
  readonly highMaintenanceRate: number;
}

export const defaultHotlistConfig: HotlistConfig = {
  lookbackDays: 30,
  recentHours: 24,
  weights: { 'turnover-surge': 0.35, volatility: 0.25, funding: 0.2, momentum: 0.2 },
  newListingDays: 30,
  minTurnover: 10_000_000,
  baseFunding: 0.0001,
  extremeFunding: 0.001,
  pumpReturn: 0.2,
  highMaintenanceRate: 0.01,
};

export interface HotlistInput {
  readonly symbol: string;
  /** Hourly bars; only those closed by `at` are read. */
  readonly bars: BarSeries;
  readonly funding: FundingSeries | null;
  /** The venue's listing time (Binance onboardDate), null when unknown. */
  readonly listedAt: number | null;
  /** Maintenance margin rate of the first leverage bracket, null when unknown. */
  readonly maintenanceRate: number | null;
  /** The first bracket's leverage cap and notional cap (USDT); absent or null when unknown. */
  readonly maxLeverage?: number | null;
  readonly bracketCap?: number | null;
}

export interface Dimension {
  readonly name: DimensionName;
  /** The measure itself (a ratio, a percentile, a z-score), null when it cannot be computed. */
  readonly value: number | null;
  /** 0..1: how unusual; 0 when the value is missing. */
  readonly score: number;
  readonly detail: string;
}

export interface RiskLabel {
  readonly code: LabelCode;
  readonly severity: Severity;
  readonly detail: string;
}

export interface Candidate {
  readonly symbol: string;
  /** 0..1, the weighted mean of the dimension scores. */
  readonly score: number;
  readonly rank: number;
  readonly dimensions: readonly Dimension[];
  readonly labels: readonly RiskLabel[];
  readonly turnover24h: number;
  readonly return24h: number;
  readonly lastPrice: number;
  /** Open time of the last bar read, and how many bars the comparison used. */
  readonly lastBarOpen: number;
  readonly bars: number;
  /** Absent in scans recorded before they were computed; every scan from scanHotlist has them. */
  readonly priceRange?: PriceRange;
  readonly safeLeverage?: SafeLeverage;
}

/** A candidate as scanHotlist produces it: with its price range and safe leverage. */
export interface ScoredCandidate extends Candidate {
  readonly priceRange: PriceRange;
  readonly safeLeverage: SafeLeverage;
}

export interface Skipped {
  readonly symbol: string;
  readonly reason: string;
}

export interface ScanResult {
  readonly at: number;
  readonly candidates: readonly Candidate[];
  readonly skipped: readonly Skipped[];
  /** The market's mood over the scored symbols; null when none was scored, absent in older scans. */
  readonly sentiment?: MarketSentiment | null;
}

export interface FullScanResult extends ScanResult {
  readonly candidates: readonly ScoredCandidate[];
  readonly sentiment: MarketSentiment | null;
}

const HOUR = 3_600_000;
const DAY = 86_400_000;
const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));
const pct = (x: number, dp = 1): string => `${(x * 100).toFixed(dp)} %`;
const usd = (x: number): string =>
  x >= 1e9 ? `${(x / 1e9).toFixed(2)}B` : x >= 1e6 ? `${(x / 1e6).toFixed(1)}M` : `${Math.round(x)}`;

/** The optimizer's sample statistics (n − 1); callers pass at least two values. */
const meanStd = (xs: readonly number[]): { mean: number; std: number } => ({
  mean: mean(xs),
  std: Math.sqrt(variance(xs)),
});

/** Share of `history` strictly below x, ties counted half: 0.5 for a value equal to all of them. */
const percentileOf = (x: number, history: readonly number[]): number => {
  let below = 0;
  let equal = 0;
  for (const h of history) {
    if (h < x) below++;
    else if (h === x) equal++;
  }
  return (below + equal / 2) / history.length;
};

/** A z-score's score: 0 at |z| ≤ 1 (ordinary), 1 at |z| ≥ 4. */
const zScore = (z: number): number => clamp01((Math.abs(z) - 1) / 3);

/**
 * Scores every input at `at`. A symbol with too little history to compare against is listed in
 * `skipped` with the reason, never scored on what it lacks.
 */
export const scanHotlist = (
  inputs: readonly HotlistInput[],
  at: number,
  config: HotlistConfig = defaultHotlistConfig,
): FullScanResult => {
  const scored: Omit<ScoredCandidate, 'rank'>[] = [];
  const moods: SymbolMood[] = [];
  const skipped: Skipped[] = [];
  for (const input of inputs) {
    const r = scoreOne(input, at, config);
    if ('reason' in r) skipped.push(r);
    else {
      scored.push(r.candidate);
      moods.push(r.mood);
    }
  }
  // Highest score first; the symbol breaks ties so a scan's order never depends on the input's.
  scored.sort((a, b) => b.score - a.score || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  skipped.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  return {
    at,
    candidates: scored.map((c, i) => ({ ...c, rank: i + 1 })),
    skipped,
    sentiment: marketSentiment(moods, config),
  };
};

const scoreOne = (
  input: HotlistInput,
  at: number,
  c: HotlistConfig,
): { candidate: Omit<ScoredCandidate, 'rank'>; mood: SymbolMood } | Skipped => {
  const { symbol, bars } = input;
  if (bars.timeframe !== '1h') return { symbol, reason: `needs 1h bars, got ${bars.timeframe}` };
  // The last bar closed by `at`: its open is at most at − 1h.
  const last = lastAtOrBefore(bars.openTime, at - HOUR);
  const recent = c.recentHours;
  const lookback = c.lookbackDays * 24;
  if (last < 0) {
    return { symbol, reason: 'no bar closed by the scan time: not listed yet, or the data starts later' };
  }
  if (bars.openTime[last]! + HOUR * 2 <= at) {
    return { symbol, reason: 'no bar closed in the last hour: the market is halted or the data ends' };
  }
  // Bars [first, last] on a gap-free hourly grid, as many as there are up to recent + lookback.
  let first = last;
  while (
    first > 0 &&
    last - first + 1 < recent + lookback &&
    bars.openTime[first]! - bars.openTime[first - 1]! === HOUR
  ) {
    first--;
  }
  const n = last - first + 1;
  // One earlier window to compare with is the least; a listing is scored from its second day on, with
  // thin-history among its labels.
  const minHistory = 2 * recent;
  if (n < minHistory) {
    return {
      symbol,
      reason: `${n} hourly bars of history; a comparison needs at least ${minHistory} (the last ${recent}h and one earlier ${recent}h)`,
    };
  }
  const close = bars.close;
  const turnover = (i: number): number => bars.volume[i]! * close[i]!;

  // Turnover: the last `recent` hours against the median of earlier windows of the same length.
  let recentTurnover = 0;
  for (let i = last - recent + 1; i <= last; i++) recentTurnover += turnover(i);
  const pastWindows: number[] = [];
  for (let end = last - recent; end - recent + 1 >= first; end -= recent) {
    let s = 0;
    for (let i = end - recent + 1; i <= end; i++) s += turnover(i);
    pastWindows.push(s);
  }
  const usual = quantile(pastWindows, 0.5);
  const surge = usual > 0 ? recentTurnover / usual : null;
  const surgeDim: Dimension = {
    name: 'turnover-surge',
    value: surge,
    // 1× is ordinary, 8× (three doublings) or more is the full score.
    score: surge === null ? 0 : clamp01(Math.log2(Math.max(surge, 1)) / 3),
    detail:
      surge === null
        ? 'no earlier turnover to compare with'
        : `${usd(recentTurnover)} USDT in the last ${recent}h (volume × close) vs a median of ${usd(usual)} over ${pastWindows.length} earlier ${recent}h windows: ${surge.toFixed(2)}×`,
  };

  // Volatility: realised volatility of the recent hours, as a percentile of the same measure over
  // every earlier window of that length (hourly log returns, rolling by one bar).
  const rets = new Float64Array(n - 1);
  for (let i = first + 1; i <= last; i++) rets[i - first - 1] = Math.log(close[i]! / close[i - 1]!);
  const rvAt = (endIdx: number): number => {
    // std of rets[endIdx − recent + 1 .. endIdx]
    let m = 0;
    for (let k = endIdx - recent + 1; k <= endIdx; k++) m += rets[k]!;
    m /= recent;
    let v = 0;
    for (let k = endIdx - recent + 1; k <= endIdx; k++) v += (rets[k]! - m) ** 2;
    return Math.sqrt(v / (recent - 1));
  };
  const nowRv = rvAt(rets.length - 1);
  const pastRv: number[] = [];
  for (let e = recent - 1; e <= rets.length - 1 - recent; e++) pastRv.push(rvAt(e));
  const volPct = pastRv.length > 0 ? percentileOf(nowRv, pastRv) : null;
  const annualised = nowRv * Math.sqrt(24 * 365);
  const volDim: Dimension = {
    name: 'volatility',
    value: volPct,
    // Only the upper part of the distribution is unusual: the 50th percentile scores 0, the 100th 1.
    score: volPct === null ? 0 : clamp01((volPct - 0.5) / 0.5),
    detail:
      volPct === null
        ? 'no earlier window to compare with'
        : `realised volatility ${pct(annualised, 0)} a year over the last ${recent}h, percentile ${pct(volPct, 0)} of ${pastRv.length} earlier ${recent}h windows`,
  };

  // Funding: the latest settlement known at `at` against the settlements of the lookback, and its level
  // above the venue's default rate.
  let fundingDim: Dimension = { name: 'funding', value: null, score: 0, detail: 'no funding records' };
  let latestFunding: number | null = null;
  let fundingZ: number | null = null;
  const f = input.funding;
  if (f && f.time.length > 0) {
    const j = lastAtOrBefore(f.time, at);
    const since = at - c.lookbackDays * DAY;
    if (j >= 0 && f.time[j]! > at - DAY) {
      latestFunding = f.rate[j]!;
      const level = clamp01((Math.abs(latestFunding) - c.baseFunding) / (c.extremeFunding - c.baseFunding));
      const hist: number[] = [];
      for (let k = j - 1; k >= 0 && f.time[k]! >= since; k--) hist.push(f.rate[k]!);
      if (hist.length >= 3) {
        const { mean, std } = meanStd(hist);
        // A flat history (std 0) makes any change infinitely unusual; a floor of 0.001 % keeps it finite.
        fundingZ = (latestFunding - mean) / Math.max(std, 0.00001);
        fundingDim = {
          name: 'funding',
          value: fundingZ,
          score: Math.max(zScore(fundingZ), level),
          detail: `last settlement ${pct(latestFunding, 4)} vs mean ${pct(mean, 4)} ± ${pct(std, 4)} over ${hist.length} earlier settlements: z = ${fundingZ.toFixed(2)}`,
        };
      } else {
        fundingDim = {
          name: 'funding',
          value: null,
          score: level,
          detail: `last settlement ${pct(latestFunding, 4)}; only ${hist.length} earlier settlements, too few for a z-score`,
        };
      }
    } else {
      fundingDim = {
        name: 'funding',
        value: null,
        score: 0,
        detail: 'no funding settlement in the last day',
      };
    }
  }

  // Momentum: the recent return against the spread of earlier returns over the same span.
  const ret24 = close[last]! / close[last - recent]! - 1;
  const pastRets: number[] = [];
  for (let e = last - recent; e - recent >= first; e -= recent)
    pastRets.push(close[e]! / close[e - recent]! - 1);
  let momentumDim: Dimension;
  if (pastRets.length >= 2) {
    const { mean, std } = meanStd(pastRets);
    const z = (ret24 - mean) / Math.max(std, 1e-9);
    momentumDim = {
      name: 'momentum',
      value: z,
      score: zScore(z),
      detail: `${pct(ret24)} over the last ${recent}h vs ${pct(mean)} ± ${pct(std)} over ${pastRets.length} earlier ${recent}h spans: z = ${z.toFixed(2)}`,
    };
  } else {
    momentumDim = {
      name: 'momentum',
      value: null,
      score: 0,
      detail: `${pct(ret24)} over the last ${recent}h; too few earlier spans to compare with`,
    };
  }

  const dimensions = [surgeDim, volDim, fundingDim, momentumDim];
  let wsum = 0;
  let total = 0;
  for (const d of dimensions) {
    const w = c.weights[d.name];
    wsum += w;
    total += w * d.score;
  }
  const score = wsum > 0 ? total / wsum : 0;

  const labels = labelsOf(input, at, c, {
    historyBars: n,
    volPct,
    annualised,
    latestFunding,
    fundingZ,
    turnover24h: recentTurnover,
    ret24,
  });
  const window = { high: bars.high, low: bars.low, close, first, last, recent };
  const candidate = {
    symbol,
    score,
    dimensions,
    labels,
    turnover24h: recentTurnover,
    return24h: ret24,
    lastPrice: close[last]!,
    lastBarOpen: bars.openTime[last]!,
    bars: n,
    priceRange: priceRange(window),
    safeLeverage: safeLeverage(window, {
      maintenanceRate: input.maintenanceRate,
      maxLeverage: input.maxLeverage ?? null,
      bracketCap: input.bracketCap ?? null,
    }),
  };
  return {
    candidate,
    mood: {
      symbol,
      ...closePosition(close, Math.max(first, last - lookback), last),
      turnover24h: recentTurnover,
      volPercentile: volPct,
      funding: latestFunding,
      surge,
      return24h: ret24,
    },
  };
};

/** Where the last close sits among the closes [from, last): its percentile and its distance from their mean. */
const closePosition = (
  close: ArrayLike<number>,
  from: number,
  last: number,
): { closePercentile: number; vsMean: number; closes: number } => {
  const xs: number[] = [];
  for (let i = from; i < last; i++) xs.push(close[i]!);
  return {
    closePercentile: percentileOf(close[last]!, xs),
    vsMean: close[last]! / mean(xs) - 1,
    closes: xs.length,
  };
};

interface Measures {
  readonly historyBars: number;
  readonly volPct: number | null;
  readonly annualised: number;
  readonly latestFunding: number | null;
  readonly fundingZ: number | null;
  readonly turnover24h: number;
  readonly ret24: number;
}

/** The reasons to be careful with a symbol, most severe first. */
export const labelsOf = (input: HotlistInput, at: number, c: HotlistConfig, m: Measures): RiskLabel[] => {
  const out: RiskLabel[] = [];
  if (input.listedAt !== null && at - input.listedAt < c.newListingDays * DAY) {
    const days = Math.max(0, (at - input.listedAt) / DAY);
    out.push({
      code: 'new-listing',
      severity: days < c.newListingDays / 2 ? 'danger' : 'warn',
      detail: `listed ${days.toFixed(1)} days ago (${new Date(input.listedAt).toISOString().slice(0, 10)}): price discovery, thin books and listing pumps`,
    });
  }
  const wanted = (c.lookbackDays * 24 + c.recentHours) | 0;
  if (m.historyBars < wanted) {
    out.push({
      code: 'thin-history',
      severity: 'warn',
      detail: `${m.historyBars} of the ${wanted} hourly bars the comparison wants: every score above rests on less history`,
    });
  }
  if (m.volPct !== null && m.volPct >= 0.8) {
    out.push({
      code: 'extreme-volatility',
      severity: m.volPct >= 0.95 ? 'danger' : 'warn',
      detail: `volatility at its ${pct(m.volPct, 0)} percentile (${pct(m.annualised, 0)} a year): stops are hit by noise, liquidation comes closer`,
    });
  }
  if (m.latestFunding !== null) {
    const a = Math.abs(m.latestFunding);
    if (a >= c.extremeFunding || (m.fundingZ !== null && Math.abs(m.fundingZ) >= 3)) {
      out.push({
        code: 'funding-extreme',
        severity: a >= c.extremeFunding ? 'danger' : 'warn',
        detail: `funding ${pct(m.latestFunding, 4)} per settlement${m.fundingZ === null ? '' : ` (z = ${m.fundingZ.toFixed(1)})`}: carrying a position costs ${pct(a * 3 * 365, 0)} a year at this rate`,
      });
    }
    if (a >= c.extremeFunding / 2) {
      out.push({
        code: m.latestFunding > 0 ? 'crowded-long' : 'crowded-short',
        severity: 'warn',
        detail: `funding ${pct(m.latestFunding, 4)}: ${m.latestFunding > 0 ? 'longs pay shorts, the long side is crowded' : 'shorts pay longs, the short side is crowded'} and prone to a squeeze`,
      });
    }
  }
  if (m.turnover24h < c.minTurnover) {
    out.push({
      code: 'low-liquidity',
      severity: m.turnover24h < c.minTurnover / 10 ? 'danger' : 'warn',
      detail: `${usd(m.turnover24h)} USDT traded in the last ${c.recentHours}h (below ${usd(c.minTurnover)}): orders move the price`,
    });
  }
  if (Math.abs(m.ret24) >= c.pumpReturn) {
    out.push({
      code: m.ret24 > 0 ? 'pump' : 'dump',
      severity: Math.abs(m.ret24) >= 2 * c.pumpReturn ? 'danger' : 'warn',
      detail: `${pct(m.ret24)} in ${c.recentHours}h: entries after a move this size often buy the top or sell the bottom`,
    });
  }
  if (input.maintenanceRate !== null && input.maintenanceRate >= c.highMaintenanceRate) {
    out.push({
      code: 'high-maintenance-margin',
      severity: 'info',
      detail: `maintenance margin ${pct(input.maintenanceRate, 2)} from the first bracket: the venue asks more margin of it than of the majors`,
    });
  }
  const order: Record<Severity, number> = { danger: 0, warn: 1, info: 2 };
  return out.sort((a, b) => order[a.severity] - order[b.severity]);
};
