import { toText } from './fixed.js';
import type { Bracket, Instrument } from './instrument.js';

/** The fields of an instrument that orders, fills and margin depend on, in the order a person reads them. */
const FIELDS = [
  'status',
  'marginAsset',
  'tickSize',
  'minPrice',
  'maxPrice',
  'stepSize',
  'minQty',
  'maxQty',
  'marketStepSize',
  'marketMinQty',
  'marketMaxQty',
  'minNotional',
  'percentPriceUp',
  'percentPriceDown',
  'liquidationFeeRate',
] as const satisfies readonly (keyof Instrument)[];

const BRACKET_FIELDS = [
  'initialLeverage',
  'notionalFloor',
  'notionalCap',
  'maintMarginRatio',
  'cum',
] as const satisfies readonly (keyof Bracket)[];

const text = (v: bigint | number | string): string => (typeof v === 'bigint' ? toText(v) : String(v));

/**
 * What differs between two listings of one instrument (the recorded metadata and the exchange's today),
 * one line per field: `BTCUSDT tickSize 0.1 → 0.01`, `BTCUSDT bracket 2 maintMarginRatio 0.005 → 0.0065`.
 * Empty when they agree on everything orders, fills and margin depend on.
 */
export const instrumentChanges = (before: Instrument, now: Instrument): string[] => {
  const out: string[] = [];
  for (const f of FIELDS)
    if (before[f] !== now[f]) out.push(`${now.symbol} ${f} ${text(before[f])} → ${text(now[f])}`);
  const n = Math.max(before.brackets.length, now.brackets.length);
  for (let i = 0; i < n; i++) {
    const a = before.brackets[i];
    const b = now.brackets[i];
    if (a === undefined || b === undefined) {
      out.push(
        `${now.symbol} bracket ${i + 1} ${a === undefined ? 'added' : 'removed'} (${before.brackets.length} → ${now.brackets.length} brackets)`,
      );
      continue;
    }
    for (const f of BRACKET_FIELDS)
      if (a[f] !== b[f]) out.push(`${now.symbol} bracket ${b.bracket} ${f} ${text(a[f])} → ${text(b[f])}`);
  }
  return out;
};

/** An instrument's fields as decimal text: how a run records the listing it took (InstrumentUpdated). */
export const instrumentListing = (inst: Instrument) => ({
  status: inst.status,
  marginAsset: inst.marginAsset,
  tickSize: toText(inst.tickSize),
  minPrice: toText(inst.minPrice),
  maxPrice: toText(inst.maxPrice),
  stepSize: toText(inst.stepSize),
  minQty: toText(inst.minQty),
  maxQty: toText(inst.maxQty),
  marketStepSize: toText(inst.marketStepSize),
  marketMinQty: toText(inst.marketMinQty),
  marketMaxQty: toText(inst.marketMaxQty),
  minNotional: toText(inst.minNotional),
  percentPriceUp: toText(inst.percentPriceUp),
  percentPriceDown: toText(inst.percentPriceDown),
  liquidationFeeRate: toText(inst.liquidationFeeRate),
  brackets: inst.brackets.map((b) => ({
    bracket: b.bracket,
    initialLeverage: b.initialLeverage,
    notionalFloor: toText(b.notionalFloor),
    notionalCap: toText(b.notionalCap),
    maintMarginRatio: toText(b.maintMarginRatio),
    cum: toText(b.cum),
  })),
});
