import type { LimitScope, LimitsPatch, RiskLimits } from '@/api/risk-limits-types';

/** The limits that are numbers; `allowResize` (yes/no) and `disabled` (rule names) have controls of their own. */
export type NumberLimit = Exclude<keyof RiskLimits, 'allowResize' | 'disabled'>;

const num = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 8 });
const pct = (v: number) => `${num(v * 100)}%`;

/**
 * Each numeric limit as a person reads it. The form takes the API's raw value (0.05, not 5%), so `hint`
 * says what the number means and its range (domain/risk/limit-changes.ts: limitsPatchSchema).
 */
export const numberLimits: readonly {
  name: NumberLimit;
  label: string;
  hint: string;
  fmt: (v: number) => string;
}[] = [
  { name: 'maxLeverage', label: 'max leverage', hint: '1–125', fmt: (v) => `${num(v)}×` },
  {
    name: 'maxPositionNotional',
    label: 'max position notional',
    hint: 'USDT, one symbol after the trade',
    fmt: (v) => `${num(v)} USDT`,
  },
  {
    name: 'maxGrossExposure',
    label: 'max gross exposure',
    hint: 'Σ|notional| ÷ equity',
    fmt: (v) => `${num(v)}× equity`,
  },
  {
    name: 'maxNetExposure',
    label: 'max net exposure',
    hint: '|Σ notional| ÷ equity',
    fmt: (v) => `${num(v)}× equity`,
  },
  {
    name: 'maxConcentration',
    label: 'max concentration',
    hint: 'one symbol ÷ equity',
    fmt: (v) => `${num(v)}× equity`,
  },
  {
    name: 'correlationThreshold',
    label: 'correlation threshold',
    hint: '|ρ| in (0, 1] that makes a cluster',
    fmt: (v) => `|ρ| ≥ ${num(v)}`,
  },
  {
    name: 'maxClusterExposure',
    label: 'max cluster exposure',
    hint: 'a cluster’s notional ÷ equity',
    fmt: (v) => `${num(v)}× equity`,
  },
  {
    name: 'minLiquidationAtr',
    label: 'min liquidation distance',
    hint: 'ATRs from mark to liquidation',
    fmt: (v) => `${num(v)} ATR`,
  },
  {
    name: 'minNotional',
    label: 'min notional',
    hint: 'USDT on top of the venue’s; 0: the venue’s alone',
    fmt: (v) => `${num(v)} USDT`,
  },
  {
    name: 'maxDailyLoss',
    label: 'max daily loss',
    hint: 'fraction of day-start equity, 0.05 = 5%',
    fmt: pct,
  },
  { name: 'maxOpenOrders', label: 'max open orders', hint: 'whole number', fmt: num },
  {
    name: 'maxOrdersPerWindow',
    label: 'max orders per window',
    hint: 'whole number',
    fmt: num,
  },
  {
    name: 'orderRateWindowMs',
    label: 'order-rate window',
    hint: 'milliseconds',
    fmt: (v) => `${num(v / 1000)} s`,
  },
  { name: 'priceBand', label: 'price band', hint: 'fraction of the mark, 0.02 = 2%', fmt: pct },
];

export const limitLabel = (name: keyof RiskLimits): string =>
  name === 'allowResize'
    ? 'resize instead of reject'
    : name === 'disabled'
      ? 'rules switched off'
      : (numberLimits.find((f) => f.name === name)?.label ?? name);

export const fmtLimit = (name: keyof RiskLimits, value: unknown): string => {
  if (name === 'allowResize') return value ? 'yes' : 'no';
  if (name === 'disabled') return Array.isArray(value) && value.length > 0 ? value.join(', ') : 'none';
  const f = numberLimits.find((x) => x.name === name);
  return typeof value === 'number' && f ? f.fmt(value) : String(value);
};

export const sameLimit = (a: unknown, b: unknown): boolean =>
  Array.isArray(a) && Array.isArray(b) ? [...a].sort().join() === [...b].sort().join() : a === b;

/** `max leverage 3× · max daily loss 3%`; an empty change says what it did to its layer. */
export const patchLine = (scope: LimitScope, limits: LimitsPatch): string => {
  const named = Object.entries(limits).filter(([, v]) => v !== undefined);
  if (named.length === 0) return scope === 'defaults' ? 'built-in defaults restored' : 'override removed';
  return named
    .map(([k, v]) => `${limitLabel(k as keyof RiskLimits)} ${fmtLimit(k as keyof RiskLimits, v)}`)
    .join(' · ');
};

export const layerName = (scope: LimitScope, key: string | null): string =>
  scope === 'defaults' ? 'desk defaults' : `${scope} ${key ?? ''}`;
