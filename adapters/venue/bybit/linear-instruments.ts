import { z } from 'zod';
import { type Fixed, fixed, mul, ZERO } from '../../../domain/ledger/fixed.js';
import type { Bracket, Instrument } from '../../../domain/ledger/instrument.js';

/**
 * Bybit USDT perpetuals as the ledger's instruments, from GET /v5/market/instruments-info
 * (https://bybit-exchange.github.io/docs/v5/market/instrument) and GET /v5/market/risk-limit
 * (https://bybit-exchange.github.io/docs/v5/market/risk-limit), category linear, as the API returns them.
 * Only the fields the ledger uses are checked; the rest passes through, so a new field never breaks it.
 */

const decimal = z.string().regex(/^\d+(\.\d+)?$/);
const optionalDecimal = z.union([z.literal(''), decimal]).optional();

const instrumentSchema = z
  .object({
    symbol: z.string().min(1),
    contractType: z.string(),
    status: z.string(),
    baseCoin: z.string().min(1),
    quoteCoin: z.string().min(1),
    settleCoin: z.string().min(1),
    priceFilter: z.object({ minPrice: decimal, maxPrice: decimal, tickSize: decimal }).passthrough(),
    lotSizeFilter: z
      .object({
        minOrderQty: decimal,
        maxOrderQty: decimal,
        qtyStep: decimal,
        maxMktOrderQty: optionalDecimal,
        minNotionalValue: optionalDecimal,
      })
      .passthrough(),
  })
  .passthrough();

const riskTierSchema = z
  .object({
    id: z.number().int().positive(),
    symbol: z.string().min(1),
    riskLimitValue: decimal,
    maintenanceMargin: z.union([decimal, z.number().nonnegative()]).transform(String),
    initialMargin: z.union([decimal, z.number().positive()]).transform(String),
    maxLeverage: decimal,
    mmDeduction: optionalDecimal,
  })
  .passthrough();

type RiskTier = z.infer<typeof riskTierSchema>;

const ONE_PERCENT = fixed('0.01');

/**
 * The tier's margin rates as fractions. The linear replies give them as fractions ("0.005"); the
 * documentation's example (an inverse symbol) prints percentages ("maintenanceMargin": "0.5",
 * "initialMargin": "1" at "maxLeverage": "100.00"). Which it is shows in the initial margin against the
 * tier's leverage: their product is 1 for fractions and 100 for percentages. Anything else is refused.
 */
const marginRates = (t: RiskTier): { mmr: Fixed; imr: Fixed } => {
  const mmr = fixed(t.maintenanceMargin);
  const imr = fixed(t.initialMargin);
  const product = mul(imr, fixed(t.maxLeverage));
  const near = (target: Fixed) => product > mul(target, fixed('0.9')) && product < mul(target, fixed('1.1'));
  if (near(fixed('1'))) return { mmr, imr };
  if (near(fixed('100'))) return { mmr: mul(mmr, ONE_PERCENT), imr: mul(imr, ONE_PERCENT) };
  throw new RangeError(
    `${t.symbol} risk tier ${t.id}: initialMargin ${t.initialMargin} does not match maxLeverage ${t.maxLeverage} as a fraction or a percentage`,
  );
};

/**
 * The instrument's risk tiers as leverage brackets, by ascending position limit. Bybit's maintenance
 * margin is "position value × MMR − mmDeduction" (the deduction Bybit lists per tier, "" for the first):
 * Binance's `cum` by another name. Where Bybit lists none it is what makes the tiers continuous, the
 * previous deduction plus the tier's floor times the step in rate.
 */
const bracketsOf = (symbol: string, tiers: readonly RiskTier[]): Bracket[] => {
  const sorted = [...tiers].sort((a, b) => {
    const x = fixed(a.riskLimitValue);
    const y = fixed(b.riskLimitValue);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const out: Bracket[] = [];
  let floor = ZERO;
  let previous: { mmr: Fixed; cum: Fixed } = { mmr: ZERO, cum: ZERO };
  for (const [i, t] of sorted.entries()) {
    if (t.symbol !== symbol) throw new RangeError(`risk tier ${t.id} is ${t.symbol}'s, not ${symbol}'s`);
    const cap = fixed(t.riskLimitValue);
    if (cap <= floor)
      throw new RangeError(`${symbol} risk tier ${t.id}: limit ${t.riskLimitValue} does not rise`);
    const { mmr } = marginRates(t);
    const cum = t.mmDeduction ? fixed(t.mmDeduction) : previous.cum + mul(floor, mmr - previous.mmr);
    const leverage = Number(t.maxLeverage);
    if (!(leverage > 0)) throw new RangeError(`${symbol} risk tier ${t.id}: maxLeverage ${t.maxLeverage}`);
    out.push({
      bracket: i + 1,
      initialLeverage: leverage,
      notionalFloor: floor,
      notionalCap: cap,
      maintMarginRatio: mmr,
      cum,
    });
    floor = cap;
    previous = { mmr, cum };
  }
  return out;
};

/**
 * One instrument-info entry and its risk tiers as an Instrument. Bybit lists one quantity step and minimum
 * for every order type, and a separate maximum for market orders (maxMktOrderQty). What it has no
 * counterpart for is zero, which disables the check: its limit-price band (riskParameters
 * priceLimitRatioX/Y, a rule on the index and mark price that Binance's PERCENT_PRICE multipliers cannot
 * express; Bybit's own refusal comes back instead), and a liquidation clearance fee (Bybit takes over a
 * liquidated position at its bankruptcy price: what is lost goes to the insurance fund within that price,
 * not as a fee).
 */
export const bybitInstrument = (info: unknown, riskTiers: readonly unknown[]): Instrument => {
  const s = instrumentSchema.parse(info);
  const lot = s.lotSizeFilter;
  const tiers = riskTiers.map((t) => riskTierSchema.parse(t));
  return {
    venue: 'bybit',
    symbol: s.symbol,
    contractType: s.contractType,
    // The ledger trades a symbol whose status is Binance's TRADING: Bybit's word for it is "Trading".
    // Any other state (PreLaunch, Settling, Delivering, Closed) is kept in Bybit's words and refused.
    status: s.status === 'Trading' ? 'TRADING' : s.status,
    baseAsset: s.baseCoin,
    quoteAsset: s.quoteCoin,
    marginAsset: s.settleCoin,
    tickSize: fixed(s.priceFilter.tickSize),
    minPrice: fixed(s.priceFilter.minPrice),
    maxPrice: fixed(s.priceFilter.maxPrice),
    stepSize: fixed(lot.qtyStep),
    minQty: fixed(lot.minOrderQty),
    maxQty: fixed(lot.maxOrderQty),
    marketStepSize: fixed(lot.qtyStep),
    marketMinQty: fixed(lot.minOrderQty),
    marketMaxQty: lot.maxMktOrderQty ? fixed(lot.maxMktOrderQty) : fixed(lot.maxOrderQty),
    minNotional: lot.minNotionalValue ? fixed(lot.minNotionalValue) : ZERO,
    percentPriceUp: ZERO,
    percentPriceDown: ZERO,
    liquidationFeeRate: ZERO,
    brackets: bracketsOf(s.symbol, tiers),
  };
};

/**
 * Whether an instruments-info row is a USDT perpetual, judged before it is read strictly: a linear listing
 * also holds USDC perpetuals and dated futures, whose rows need not keep this adapter's schema.
 */
export const isUsdtPerpetual = (info: unknown): boolean => {
  const head = info as { contractType?: unknown; settleCoin?: unknown } | null;
  return head?.contractType === 'LinearPerpetual' && head.settleCoin === 'USDT';
};

/**
 * Every USDT perpetual of an instruments-info listing with its risk tiers, by symbol. Other linear
 * contracts (USDC perpetuals, dated futures) are left out: this adapter trades USDT perpetuals. A symbol
 * without tiers gets no brackets (and cannot hold positions), as on Binance.
 */
export const bybitInstruments = (
  infos: readonly unknown[],
  riskTiers: readonly unknown[],
): Map<string, Instrument> => {
  const bySymbol = new Map<string, unknown[]>();
  for (const t of riskTiers) {
    const symbol = (t as { symbol?: unknown } | null)?.symbol;
    if (typeof symbol !== 'string')
      throw new RangeError(`a risk tier without a symbol: ${JSON.stringify(t)}`);
    bySymbol.set(symbol, [...(bySymbol.get(symbol) ?? []), t]);
  }
  const out = new Map<string, Instrument>();
  for (const info of infos) {
    if (!isUsdtPerpetual(info)) continue;
    const inst = bybitInstrument(info, bySymbol.get(String((info as { symbol?: unknown }).symbol)) ?? []);
    out.set(inst.symbol, inst);
  }
  return out;
};

const launchSchema = z
  .object({
    symbol: z.string().min(1),
    launchTime: z
      .union([z.literal(''), z.string().regex(/^\d{1,16}$/, 'epoch milliseconds as text')])
      .optional(),
  })
  .passthrough();

/**
 * Each USDT perpetual's launch time (instruments-info `launchTime`, "Launch timestamp (ms)"), by symbol. A
 * row that gives none ("", "0" or no field) is left out: the listing has no date for it, which is not an
 * error; one that gives something else than milliseconds is.
 */
export const bybitLaunchTimes = (infos: readonly unknown[]): Map<string, number> => {
  const out = new Map<string, number>();
  for (const info of infos) {
    if (!isUsdtPerpetual(info)) continue;
    const { symbol, launchTime } = launchSchema.parse(info);
    const ms = Number(launchTime || '0');
    if (ms > 0) out.set(symbol, ms);
  }
  return out;
};
