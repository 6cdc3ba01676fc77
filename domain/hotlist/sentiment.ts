/**
 * The market's mood at a scan, the third figure automation 10 asks for ("greed/fear index"). No fear &
 * greed index is in the data this system has, and none is made up: this is a proxy derived from the
 * scanned symbols' own closed 1h bars and funding known at the scan time, built the way such indices
 * are (momentum, volatility, crowding, volume), each mapped to 0..100 with 50 neutral. It is not the
 * alternative.me Crypto Fear & Greed Index and is not calibrated to it.
 *
 * It belongs to the scan, not to a symbol: each component is the mean over the scored symbols weighted
 * by their 24h turnover, so the market reads as where the money trades (BTC weighs more than a meme
 * coin), and a symbol without a measure is left out of that component rather than counted as neutral.
 */

export const SENTIMENT_NAME = 'derived-fear-greed' as const;
export const SENTIMENT_BASIS =
  "derived from the scanned symbols' own closed 1h bars and funding known at the scan time; not the alternative.me Crypto Fear & Greed Index";

export const moodComponentNames = ['momentum', 'volatility', 'funding', 'volume'] as const;
export type MoodComponentName = (typeof moodComponentNames)[number];
export const sentimentBands = ['extreme-fear', 'fear', 'neutral', 'greed', 'extreme-greed'] as const;
export type SentimentBand = (typeof sentimentBands)[number];

/** What one scored symbol tells about the mood, as scan.ts measured it. */
export interface SymbolMood {
  readonly symbol: string;
  readonly turnover24h: number;
  /** Share of the last 30 days' hourly closes below the last close (0..1). */
  readonly closePercentile: number;
  /** Last close ÷ mean of those closes − 1. */
  readonly vsMean: number;
  readonly closes: number;
  /** The volatility dimension's percentile, null without an earlier window. */
  readonly volPercentile: number | null;
  /** The latest funding settlement of the last day, null without one. */
  readonly funding: number | null;
  /** The turnover-surge dimension's ratio, null without earlier turnover. */
  readonly surge: number | null;
  readonly return24h: number;
}

export interface MoodComponent {
  readonly name: MoodComponentName;
  /** The turnover-weighted measure (a percentile, a rate, ...), null when no symbol has it. */
  readonly value: number | null;
  /** 0 (fear) .. 100 (greed), null when no symbol has it. */
  readonly score: number | null;
  /** How many symbols it rests on. */
  readonly symbols: number;
  readonly detail: string;
}

export interface MarketSentiment {
  readonly name: typeof SENTIMENT_NAME;
  readonly basis: string;
  /** 0..100: the mean of the components that could be computed. */
  readonly value: number;
  readonly band: SentimentBand;
  readonly components: readonly MoodComponent[];
  /** Each scored symbol's share of the weights (its 24h turnover ÷ the total), largest first. */
  readonly weights: readonly { readonly symbol: string; readonly weight: number }[];
  readonly detail: string;
}

export interface MoodScale {
  /** The venue's default funding (Binance 0.01 %): neutral. */
  readonly baseFunding: number;
  /** Funding this far above the base is full greed, as far below it full fear. */
  readonly extremeFunding: number;
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
const pct = (x: number, dp = 1): string => `${(x * 100).toFixed(dp)} %`;
const signedPct = (x: number, dp = 1): string => `${x >= 0 ? '+' : ''}${pct(x, dp)}`;
const short = (s: string): string => s.replace(/USDT$/, '');

/**
 * The words such indices use, on thresholds of our own (a narrow neutral band around 50). They apply to
 * the whole number a reader is shown, so a 55.4 shown as 55 is not called greed.
 */
export const bandOf = (v: number): SentimentBand => {
  const r = Math.round(v);
  return r < 25
    ? 'extreme-fear'
    : r < 45
      ? 'fear'
      : r <= 55
        ? 'neutral'
        : r <= 75
          ? 'greed'
          : 'extreme-greed';
};

/** Each symbol's 0..100 reading of a component, or null when it has no measure for it. */
interface Reading {
  readonly measure: number;
  readonly score: number;
  readonly text: string;
}

type Reader = (m: SymbolMood, s: MoodScale) => Reading | null;

const readers: Record<MoodComponentName, Reader> = {
  // Near the top of its month's range is greed, near the bottom fear.
  momentum: (m) => ({
    measure: m.closePercentile,
    score: 100 * m.closePercentile,
    text: `${short(m.symbol)} p${(m.closePercentile * 100).toFixed(0)} (${signedPct(m.vsMean)} vs mean)`,
  }),
  // Volatility at its usual level reads 50; unusual volatility is fear, whichever way the price goes.
  volatility: (m) =>
    m.volPercentile === null
      ? null
      : {
          measure: m.volPercentile,
          score: 100 * (1 - m.volPercentile),
          text: `${short(m.symbol)} p${(m.volPercentile * 100).toFixed(0)}`,
        },
  // Longs paying more than the default is crowding on the long side (greed); shorts paying, fear.
  funding: (m, s) =>
    m.funding === null
      ? null
      : {
          measure: m.funding,
          score: 50 + 50 * clamp((m.funding - s.baseFunding) / (s.extremeFunding - s.baseFunding), -1, 1),
          text: `${short(m.symbol)} ${pct(m.funding, 4)}`,
        },
  // Heavy trading on an up day is buying pressure, on a down day selling; a quiet day says nothing.
  volume: (m) =>
    m.surge === null
      ? null
      : {
          measure: m.surge,
          score: 50 + 50 * Math.sign(m.return24h) * clamp(Math.log2(Math.max(m.surge, 1)) / 3, 0, 1),
          text: `${short(m.symbol)} ${m.surge.toFixed(2)}× on ${signedPct(m.return24h)}`,
        },
};

const explain: Record<MoodComponentName, string> = {
  momentum:
    'where the last close sits among the last 30 days of hourly closes (p0 = the lowest, p100 = the highest)',
  volatility:
    'the last 24h realised volatility as a percentile of earlier 24h windows, inverted: unusual volatility is fear',
  funding:
    'the latest funding settlement: 50 at the base 0.01 %, 100 at the extreme rate, 0 as far below the base',
  volume:
    "the 24h turnover against its usual level, signed by the day's move: 8× on an up day is 100, on a down day 0",
};

const component = (
  name: MoodComponentName,
  moods: readonly SymbolMood[],
  weight: ReadonlyMap<string, number>,
  scale: MoodScale,
): MoodComponent => {
  const read = moods.flatMap((m) => {
    const r = readers[name](m, scale);
    return r ? [{ m, r }] : [];
  });
  const total = read.reduce((s, x) => s + weight.get(x.m.symbol)!, 0);
  if (read.length === 0 || !(total > 0)) {
    return { name, value: null, score: null, symbols: 0, detail: `no symbol has a measure for it` };
  }
  let value = 0;
  let score = 0;
  for (const { m, r } of read) {
    const w = weight.get(m.symbol)! / total;
    value += w * r.measure;
    score += w * r.score;
  }
  // Weights that sum to 1 in floats can carry a mean of scores at 100 an ulp past it (100.00000000000001).
  score = clamp(score, 0, 100);
  return {
    name,
    value,
    score,
    symbols: read.length,
    detail: `${score.toFixed(0)}: ${explain[name]}; ${read.map((x) => x.r.text).join(', ')}`,
  };
};

/** Turnover shares; equal shares when nothing traded, so a dead market still has a reading. */
const weightsOf = (moods: readonly SymbolMood[]): Map<string, number> => {
  const total = moods.reduce((s, m) => s + Math.max(0, m.turnover24h), 0);
  return new Map(
    moods.map((m) => [m.symbol, total > 0 ? Math.max(0, m.turnover24h) / total : 1 / moods.length]),
  );
};

/** The scan's mood from its scored symbols; null when it scored none. */
export const marketSentiment = (moods: readonly SymbolMood[], scale: MoodScale): MarketSentiment | null => {
  if (moods.length === 0) return null;
  // A fixed order makes the sums, and so the scan, independent of the order the inputs came in.
  const sorted = [...moods].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  const weight = weightsOf(sorted);
  const components = moodComponentNames.map((n) => component(n, sorted, weight, scale));
  const scored = components.filter((c) => c.score !== null);
  const value = clamp(scored.reduce((s, c) => s + c.score!, 0) / scored.length, 0, 100);
  const band = bandOf(value);
  const weights = sorted
    .map((m) => ({ symbol: m.symbol, weight: weight.get(m.symbol)! }))
    .sort((a, b) => b.weight - a.weight || (a.symbol < b.symbol ? -1 : 1));
  return {
    name: SENTIMENT_NAME,
    basis: SENTIMENT_BASIS,
    value,
    band,
    components,
    weights,
    detail: `${value.toFixed(0)} (${band}): the mean of ${scored.map((c) => `${c.name} ${c.score!.toFixed(0)}`).join(', ')}; each component averages the ${sorted.length} scored symbols by 24h turnover (${weights.map((w) => `${short(w.symbol)} ${pct(w.weight, 0)}`).join(', ')})`,
  };
};
