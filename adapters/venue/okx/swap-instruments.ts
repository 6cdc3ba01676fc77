import { z } from 'zod';
import { type Fixed, fixed, mul, ZERO } from '../../../domain/ledger/fixed.js';
import type { Bracket, Instrument } from '../../../domain/ledger/instrument.js';
import { okxSymbol, SWAP_SETTLE } from './swap-messages.js';

/**
 * OKX USDT-margined perpetual swaps as the ledger's instruments, from GET /api/v5/public/instruments
 * (https://www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments), GET /api/v5/public/position-tiers
 * (https://www.okx.com/docs-v5/en/#public-data-rest-api-get-position-tiers) and the mark price
 * (GET /api/v5/public/mark-price), instType SWAP, as the API returns them. Only the fields the ledger uses
 * are checked; the rest passes through, so a new field never breaks it.
 *
 * OKX sizes swaps in contracts; the ledger's instrument is in the base asset. One contract is
 * `ctVal × ctMult` of `ctValCcy` (the base coin of a linear swap; ctMult is 1 for them), so every size of the
 * listing is multiplied by it: the step is lotSz × ctVal, the minimum minSz × ctVal.
 */

const decimal = z.string().regex(/^\d+(\.\d+)?$/);
const optionalDecimal = z.union([z.literal(''), decimal]).optional();

const instrumentSchema = z
  .object({
    instType: z.literal('SWAP'),
    instId: z.string().min(1),
    settleCcy: z.string().min(1),
    ctVal: decimal,
    ctMult: optionalDecimal,
    ctValCcy: z.string().min(1),
    ctType: z.string(),
    tickSz: decimal,
    lotSz: decimal,
    minSz: decimal,
    maxLmtSz: optionalDecimal,
    maxMktSz: optionalDecimal,
    state: z.string(),
    instFamily: z.string().optional(),
    uly: z.string().optional(),
  })
  .passthrough();

export type SwapInfo = z.infer<typeof instrumentSchema>;

const tierSchema = z
  .object({
    tier: z.string().regex(/^\d+$/),
    instFamily: z.string().optional(),
    uly: z.string().optional(),
    minSz: decimal,
    maxSz: decimal,
    mmr: decimal,
    imr: decimal,
    maxLever: decimal,
  })
  .passthrough();

type Tier = z.infer<typeof tierSchema>;

/** One contract of the swap in its base asset: ctVal × ctMult (ctMult "" or absent counts as 1). */
export const contractSizeOf = (s: SwapInfo): Fixed =>
  s.ctMult === undefined || s.ctMult === '' ? fixed(s.ctVal) : mul(fixed(s.ctVal), fixed(s.ctMult), 'down');

/** The instrument family a swap's tiers are listed under: `BTC-USDT` for BTC-USDT-SWAP. */
export const familyOf = (s: SwapInfo): string => s.instFamily || s.uly || s.instId.replace(/-SWAP$/, '');

/** Reads one instruments row; throws (a zod error) on one that is not a swap as OKX lists it. */
export const swapInfo = (info: unknown): SwapInfo => instrumentSchema.parse(info);

/**
 * Whether a row of the listing is a linear USDT swap, judged before it is read strictly: a listing of every
 * swap also holds coin-margined and USDC ones, whose rows need not keep this adapter's schema.
 */
const isLinearUsdtSwap = (info: unknown): boolean => {
  const head = info as { instId?: unknown; ctType?: unknown; settleCcy?: unknown } | null;
  return (
    typeof head?.instId === 'string' &&
    okxSymbol(head.instId) !== null &&
    head.ctType === 'linear' &&
    head.settleCcy === SWAP_SETTLE
  );
};

/**
 * The swap's position tiers as leverage brackets, by ascending size. OKX tiers a position by its size in
 * contracts (minSz, maxSz: "number of positions held"); the ledger's brackets are by notional. They are put
 * in notional at `markPrice`: a tier's cap is maxSz × contract size × mark. While the price stays near the
 * mark the listing was read at, a position falls in the same tier on both sides; as it moves they drift
 * apart, until the instruments are listed again. The maintenance amounts are derived as Binance's
 * cumulative maintenance amounts are (and Bybit's where it lists none): each tier's is the previous one's
 * plus its floor times its step in rate, which makes "notional × rate − amount" continuous across tiers.
 */
const bracketsOf = (
  instId: string,
  tiers: readonly Tier[],
  contractSize: Fixed,
  markPrice: Fixed,
): Bracket[] => {
  const sorted = [...tiers].sort((a, b) => {
    const x = fixed(a.maxSz);
    const y = fixed(b.maxSz);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const out: Bracket[] = [];
  let floor = ZERO;
  let previous: { mmr: Fixed; cum: Fixed; maxSz: Fixed } = { mmr: ZERO, cum: ZERO, maxSz: ZERO };
  for (const [i, t] of sorted.entries()) {
    const maxSz = fixed(t.maxSz);
    if (maxSz <= previous.maxSz)
      throw new RangeError(`${instId} position tier ${t.tier}: maxSz ${t.maxSz} does not rise`);
    if (i > 0 && fixed(t.minSz) > previous.maxSz)
      throw new RangeError(
        `${instId} position tier ${t.tier}: minSz ${t.minSz} leaves a gap after ${previous.maxSz}`,
      );
    const cap = mul(mul(maxSz, contractSize, 'down'), markPrice, 'down');
    const mmr = fixed(t.mmr);
    const cum = previous.cum + mul(floor, mmr - previous.mmr, 'half-even');
    const leverage = Number(t.maxLever);
    if (!(leverage > 0)) throw new RangeError(`${instId} position tier ${t.tier}: maxLever ${t.maxLever}`);
    out.push({
      bracket: i + 1,
      initialLeverage: leverage,
      notionalFloor: floor,
      notionalCap: cap,
      maintMarginRatio: mmr,
      cum,
    });
    floor = cap;
    previous = { mmr, cum, maxSz };
  }
  return out;
};

/**
 * One instruments row and its position tiers as an Instrument. What OKX lists no counterpart for is zero,
 * which disables the check: a price floor and ceiling (OKX's price limits move with the market, and its
 * refusal 51006 comes back instead), a minimum notional, a PERCENT_PRICE band, and a liquidation clearance
 * fee (OKX takes its liquidation penalty inside the liquidation's own result — "For liquidation under cross
 * margin mode, [pnl] will include liquidation penalties" — not as a rate on the notional the ledger could
 * charge). `markPrice` puts the size tiers in notional (see bracketsOf); null: no brackets, and the
 * instrument cannot hold positions until it is listed again with a mark.
 */
export const okxInstrument = (
  info: unknown,
  tiers: readonly unknown[],
  markPrice: string | null,
): Instrument => {
  const s = swapInfo(info);
  const symbol = okxSymbol(s.instId);
  if (symbol === null || s.ctType !== 'linear')
    throw new RangeError(`${s.instId} is not a linear USDT swap (ctType ${s.ctType})`);
  const family = familyOf(s);
  const parsed = tiers.map((t) => tierSchema.parse(t));
  for (const t of parsed) {
    const of = t.instFamily || t.uly;
    if (of && of !== family) throw new RangeError(`position tier ${t.tier} is ${of}'s, not ${family}'s`);
  }
  const size = contractSizeOf(s);
  const inBase = (contracts: string | undefined): Fixed =>
    contracts === undefined || contracts === '' ? ZERO : mul(fixed(contracts), size, 'down');
  const step = inBase(s.lotSz);
  const minQty = inBase(s.minSz);
  return {
    venue: 'okx',
    symbol,
    contractType: 'SWAP',
    // The ledger trades a symbol whose status is Binance's TRADING: OKX's word for it is "live". Any
    // other state (suspend, preopen, test) is kept in OKX's words and refused.
    status: s.state === 'live' ? 'TRADING' : s.state,
    baseAsset: s.ctValCcy,
    quoteAsset: SWAP_SETTLE,
    marginAsset: s.settleCcy,
    tickSize: fixed(s.tickSz),
    minPrice: ZERO,
    maxPrice: ZERO,
    stepSize: step,
    minQty,
    maxQty: inBase(s.maxLmtSz),
    marketStepSize: step,
    marketMinQty: minQty,
    marketMaxQty: inBase(s.maxMktSz),
    minNotional: ZERO,
    percentPriceUp: ZERO,
    percentPriceDown: ZERO,
    liquidationFeeRate: ZERO,
    brackets: markPrice === null ? [] : bracketsOf(s.instId, parsed, size, fixed(markPrice)),
  };
};

/**
 * Every linear USDT swap of an instruments listing with its family's tiers and its mark price, by our symbol.
 * Other swaps (coin-margined, USDC-settled) are left out: this adapter trades USDT swaps. A swap without tiers
 * gets no brackets (and cannot hold positions), as on Binance.
 */
export const okxInstruments = (
  infos: readonly unknown[],
  tiers: readonly unknown[],
  markPrices: ReadonlyMap<string, string>,
): Map<string, Instrument> => {
  const byFamily = new Map<string, unknown[]>();
  for (const t of tiers) {
    const head = t as { instFamily?: unknown; uly?: unknown } | null;
    const family = head?.instFamily || head?.uly;
    if (typeof family !== 'string' || family === '')
      throw new RangeError(`a position tier without an instrument family: ${JSON.stringify(t)}`);
    byFamily.set(family, [...(byFamily.get(family) ?? []), t]);
  }
  const out = new Map<string, Instrument>();
  for (const info of infos) {
    if (!isLinearUsdtSwap(info)) continue;
    const s = swapInfo(info);
    const inst = okxInstrument(info, byFamily.get(familyOf(s)) ?? [], markPrices.get(s.instId) ?? null);
    out.set(inst.symbol, inst);
  }
  return out;
};

/** The linear USDT swaps of an instruments listing, as the session sizes orders and reads fills by. */
export const swapContracts = (
  infos: readonly unknown[],
): Map<string, { instId: string; contractSize: Fixed; lotSz: Fixed; family: string }> => {
  const out = new Map<string, { instId: string; contractSize: Fixed; lotSz: Fixed; family: string }>();
  for (const info of infos) {
    if (!isLinearUsdtSwap(info)) continue;
    const s = swapInfo(info);
    out.set(s.instId, {
      instId: s.instId,
      contractSize: contractSizeOf(s),
      lotSz: fixed(s.lotSz),
      family: familyOf(s),
    });
  }
  return out;
};

const listTimeSchema = z
  .object({
    instId: z.string().min(1),
    listTime: z
      .union([z.literal(''), z.string().regex(/^\d{1,16}$/, 'epoch milliseconds as text')])
      .optional(),
  })
  .passthrough();

/**
 * Each linear USDT swap's listing time (instruments `listTime`, "Listing time, Unix timestamp format in
 * milliseconds"), by our symbol. A row that gives none ("", "0" or no field) is left out: the listing has
 * no date for it, which is not an error; one that gives something else than milliseconds is.
 */
export const okxListTimes = (infos: readonly unknown[]): Map<string, number> => {
  const out = new Map<string, number>();
  for (const info of infos) {
    if (!isLinearUsdtSwap(info)) continue;
    const { instId, listTime } = listTimeSchema.parse(info);
    const symbol = okxSymbol(instId);
    const ms = Number(listTime || '0');
    if (symbol !== null && ms > 0) out.set(symbol, ms);
  }
  return out;
};
