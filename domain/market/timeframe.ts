const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

const TIMEFRAME = /^([1-9]\d*)([smhdw])$/;

/** Length of a timeframe like `1m`, `5m`, `1h`, `8h`, `1d`, `1w` in milliseconds. */
export const timeframeMs = (timeframe: string): number => {
  const m = TIMEFRAME.exec(timeframe);
  if (!m) throw new RangeError(`timeframe must look like 1m, 5m, 1h, 1d, 1w; got "${timeframe}"`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
};

export const isTimeframe = (s: string): boolean => TIMEFRAME.test(s);

/**
 * Epoch 0 was a Thursday; weeks start on Monday (1970-01-05) as Binance's 1w klines do. Every other
 * timeframe divides a day or is a whole number of days, so epoch alignment is UTC alignment.
 */
const WEEK_OFFSET_MS = 4 * UNIT_MS.d;

/** Open time of the bar of length `tfMs` that contains time t. */
export const bucketStart = (t: number, tfMs: number): number => {
  const offset = tfMs % UNIT_MS.w === 0 ? WEEK_OFFSET_MS : 0;
  return Math.floor((t - offset) / tfMs) * tfMs + offset;
};
