import { type Fixed, fixed, isMultipleOf, mul } from '../../../domain/ledger/fixed.js';

/** A Binance error as its REST API sends it: `{"code":-2019,"msg":"Margin is insufficient."}`. */
export class BinanceApiError extends Error {
  constructor(
    readonly code: number,
    readonly msg: string,
    readonly http = 400,
  ) {
    super(`${code} ${msg}`);
    this.name = 'BinanceApiError';
  }
}

/**
 * Binance's rule for the client ids of orders and algo orders (newClientOrderId, clientAlgoId): "a unique
 * id among open orders … can only be string following the rule: ^[\.A-Z\:/a-z0-9_-]{1,36}$" (USDⓈ-M
 * Futures, New Order and New Algo Order); anything else is refused with -4015.
 */
export const checkClientId = (id: string): string => {
  if (!/^[.A-Z:/a-z0-9_-]{1,36}$/.test(id)) throw new BinanceApiError(-4015, 'Client order id is not valid.');
  return id;
};

/** The filters of one symbol, read from the real exchangeInfo file the fake serves. */
export interface SymbolRules {
  readonly symbol: string;
  readonly status: string;
  readonly pricePrecision: number;
  readonly quantityPrecision: number;
  readonly tickSize: Fixed;
  readonly minPrice: Fixed;
  readonly maxPrice: Fixed;
  readonly stepSize: Fixed;
  readonly minQty: Fixed;
  readonly maxQty: Fixed;
  readonly marketMaxQty: Fixed;
  readonly minNotional: Fixed;
  readonly notionalText: string;
  readonly orderTypes: readonly string[];
  /** MAX_NUM_ALGO_ORDERS: conditional orders the account may have resting on the symbol (BTCUSDT: 10). */
  readonly maxAlgoOrders: number;
}

interface RawFilter {
  readonly filterType: string;
  readonly [key: string]: unknown;
}

interface RawSymbol {
  readonly symbol: string;
  readonly status: string;
  readonly contractType: string;
  readonly pricePrecision: number;
  readonly quantityPrecision: number;
  readonly orderTypes: readonly string[];
  readonly filters: readonly RawFilter[];
}

const field = (filters: readonly RawFilter[], type: string, key: string): string => {
  const v = filters.find((f) => f.filterType === type)?.[key];
  if (typeof v !== 'string') throw new Error(`exchangeInfo: ${type}.${key} missing`);
  return v;
};

export const rulesFromExchangeInfo = (info: { symbols: readonly RawSymbol[] }): Map<string, SymbolRules> => {
  const out = new Map<string, SymbolRules>();
  for (const s of info.symbols) {
    if (s.contractType !== 'PERPETUAL') continue;
    const f = s.filters;
    out.set(s.symbol, {
      symbol: s.symbol,
      status: s.status,
      pricePrecision: s.pricePrecision,
      quantityPrecision: s.quantityPrecision,
      tickSize: fixed(field(f, 'PRICE_FILTER', 'tickSize')),
      minPrice: fixed(field(f, 'PRICE_FILTER', 'minPrice')),
      maxPrice: fixed(field(f, 'PRICE_FILTER', 'maxPrice')),
      stepSize: fixed(field(f, 'LOT_SIZE', 'stepSize')),
      minQty: fixed(field(f, 'LOT_SIZE', 'minQty')),
      maxQty: fixed(field(f, 'LOT_SIZE', 'maxQty')),
      marketMaxQty: fixed(field(f, 'MARKET_LOT_SIZE', 'maxQty')),
      minNotional: fixed(field(f, 'MIN_NOTIONAL', 'notional')),
      notionalText: field(f, 'MIN_NOTIONAL', 'notional'),
      orderTypes: s.orderTypes,
      maxAlgoOrders: Number(s.filters.find((x) => x.filterType === 'MAX_NUM_ALGO_ORDERS')?.limit ?? 10),
    });
  }
  return out;
};

const decimalsIn = (text: string): number => {
  const dot = text.indexOf('.');
  if (dot < 0) return 0;
  let end = text.length;
  while (end > dot + 1 && text[end - 1] === '0') end--;
  return end - dot - 1;
};

/** Parses a DECIMAL parameter the way Binance refuses a malformed one. */
export const decimalParam = (params: Readonly<Record<string, string>>, name: string): Fixed => {
  const text = params[name];
  if (text === undefined || text === '')
    throw new BinanceApiError(
      -1102,
      `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`,
    );
  try {
    return fixed(text);
  } catch {
    throw new BinanceApiError(
      -1100,
      `Illegal characters found in parameter '${name}'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.`,
    );
  }
};

/**
 * The checks Binance runs on a new order's price and quantity, in its order and with its codes
 * (https://developers.binance.com/docs/derivatives/usds-margined-futures/error-code).
 */
export const checkQuantity = (r: SymbolRules, text: string, qty: Fixed, market: boolean): void => {
  if (decimalsIn(text) > r.quantityPrecision)
    throw new BinanceApiError(-1111, 'Precision is over the maximum defined for this asset.');
  if (qty <= 0n) throw new BinanceApiError(-4003, 'Quantity less than or equal to zero.');
  if (qty < r.minQty) throw new BinanceApiError(-4004, 'Quantity less than min quantity.');
  if (qty > (market ? r.marketMaxQty : r.maxQty))
    throw new BinanceApiError(-4005, 'Quantity greater than max quantity.');
  if (!isMultipleOf(qty, r.stepSize)) throw new BinanceApiError(-4023, 'Qty not increased by step size.');
};

export const checkPrice = (
  r: SymbolRules,
  text: string,
  price: Fixed,
  what: 'Price' | 'Stop price',
): void => {
  if (decimalsIn(text) > r.pricePrecision)
    throw new BinanceApiError(-1111, 'Precision is over the maximum defined for this asset.');
  if (price < r.minPrice) throw new BinanceApiError(-4013, `${what} less than min price.`);
  if (price > r.maxPrice) throw new BinanceApiError(-4016, `${what} greater than max price.`);
  if (!isMultipleOf(price, r.tickSize))
    throw new BinanceApiError(-4014, `${what} not increased by tick size.`);
};

export const checkNotional = (r: SymbolRules, qty: Fixed, price: Fixed, reduceOnly: boolean): void => {
  if (reduceOnly) return;
  if (mul(qty, price) < r.minNotional)
    throw new BinanceApiError(
      -4164,
      `Order's notional must be no smaller than ${r.notionalText} (unless you choose reduce only).`,
    );
};

/** Binance prints prices and quantities padded to the symbol's precision ("100000.10", "0.002"). */
export const padded = (x: Fixed, dp: number): string => {
  const neg = x < 0n;
  const abs = neg ? -x : x;
  const scale = 10n ** BigInt(18 - dp);
  const units = abs / scale;
  const s = units.toString().padStart(dp + 1, '0');
  const body = dp === 0 ? s : `${s.slice(0, s.length - dp)}.${s.slice(s.length - dp)}`;
  return neg && units !== 0n ? `-${body}` : body;
};
