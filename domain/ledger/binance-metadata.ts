import { z } from 'zod';
import { type Fixed, ZERO } from './fixed.js';
import { type Bracket, type Instrument, parseDecimalField } from './instrument.js';

/**
 * Builds instruments from Binance USDⓈ-M metadata exactly as the REST API returns it
 * (GET /fapi/v1/exchangeInfo and GET /fapi/v1/leverageBracket). The domain takes the parsed JSON; reading
 * files or calling the API belongs to adapters/instruments. Only the fields the ledger uses are checked;
 * the rest of Binance's payload passes through untouched so a new field never breaks loading.
 */
const filterSchema = z.object({ filterType: z.string() }).passthrough();

const symbolSchema = z
  .object({
    symbol: z.string().min(1),
    contractType: z.string(),
    status: z.string(),
    baseAsset: z.string(),
    quoteAsset: z.string(),
    marginAsset: z.string(),
    liquidationFee: z.union([z.string(), z.number()]).optional(),
    filters: z.array(filterSchema),
  })
  .passthrough();

export const binanceExchangeInfoSchema = z.object({ symbols: z.array(symbolSchema) }).passthrough();

const bracketSchema = z
  .object({
    bracket: z.number().int().positive(),
    initialLeverage: z.number().int().positive(),
    notionalCap: z.union([z.string(), z.number()]),
    notionalFloor: z.union([z.string(), z.number()]),
    maintMarginRatio: z.union([z.string(), z.number()]),
    cum: z.union([z.string(), z.number()]),
  })
  .passthrough();

export const binanceLeverageBracketsSchema = z.array(
  z.object({ symbol: z.string().min(1), brackets: z.array(bracketSchema) }).passthrough(),
);

type Filter = z.infer<typeof filterSchema>;

const field = (filters: readonly Filter[], type: string, key: string, symbol: string): Fixed => {
  const f = filters.find((x) => x.filterType === type);
  if (!f || f[key] === undefined) return ZERO;
  return parseDecimalField(f[key], `${symbol} ${type}.${key}`);
};

const toBracket = (b: z.infer<typeof bracketSchema>, symbol: string): Bracket => ({
  bracket: b.bracket,
  initialLeverage: b.initialLeverage,
  notionalFloor: parseDecimalField(b.notionalFloor, `${symbol} bracket ${b.bracket} notionalFloor`),
  notionalCap: parseDecimalField(b.notionalCap, `${symbol} bracket ${b.bracket} notionalCap`),
  maintMarginRatio: parseDecimalField(b.maintMarginRatio, `${symbol} bracket ${b.bracket} maintMarginRatio`),
  cum: parseDecimalField(b.cum, `${symbol} bracket ${b.bracket} cum`),
});

/** All symbols of the exchange info, keyed by symbol; symbols without brackets get none (and cannot hold positions). */
export const instrumentsFromBinance = (
  exchangeInfo: unknown,
  leverageBrackets: unknown,
): Map<string, Instrument> => {
  const info = binanceExchangeInfoSchema.parse(exchangeInfo);
  const brackets = binanceLeverageBracketsSchema.parse(leverageBrackets);
  const bySymbol = new Map(brackets.map((b) => [b.symbol, b.brackets]));
  const out = new Map<string, Instrument>();
  for (const s of info.symbols) {
    const f = s.filters;
    const tiers = (bySymbol.get(s.symbol) ?? [])
      .map((b) => toBracket(b, s.symbol))
      .sort((a, b) => a.bracket - b.bracket);
    out.set(s.symbol, {
      venue: 'binance',
      symbol: s.symbol,
      contractType: s.contractType,
      status: s.status,
      baseAsset: s.baseAsset,
      quoteAsset: s.quoteAsset,
      marginAsset: s.marginAsset,
      tickSize: field(f, 'PRICE_FILTER', 'tickSize', s.symbol),
      minPrice: field(f, 'PRICE_FILTER', 'minPrice', s.symbol),
      maxPrice: field(f, 'PRICE_FILTER', 'maxPrice', s.symbol),
      stepSize: field(f, 'LOT_SIZE', 'stepSize', s.symbol),
      minQty: field(f, 'LOT_SIZE', 'minQty', s.symbol),
      maxQty: field(f, 'LOT_SIZE', 'maxQty', s.symbol),
      marketStepSize: field(f, 'MARKET_LOT_SIZE', 'stepSize', s.symbol),
      marketMinQty: field(f, 'MARKET_LOT_SIZE', 'minQty', s.symbol),
      marketMaxQty: field(f, 'MARKET_LOT_SIZE', 'maxQty', s.symbol),
      minNotional: field(f, 'MIN_NOTIONAL', 'notional', s.symbol),
      percentPriceUp: field(f, 'PERCENT_PRICE', 'multiplierUp', s.symbol),
      percentPriceDown: field(f, 'PERCENT_PRICE', 'multiplierDown', s.symbol),
      liquidationFeeRate:
        s.liquidationFee === undefined
          ? ZERO
          : parseDecimalField(s.liquidationFee, `${s.symbol} liquidationFee`),
      brackets: tiers,
    });
  }
  return out;
};
