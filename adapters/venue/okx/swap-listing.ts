import type { Fixed } from '../../../domain/ledger/fixed.js';
import type { Instrument } from '../../../domain/ledger/instrument.js';
import { markPricesOf } from './swap-account.js';
import { okxInstruments, swapContracts } from './swap-instruments.js';
import { dataOf, okxSymbol } from './swap-messages.js';

/**
 * OKX's USDT swaps as the ledger's instruments, read from the public data: what the authenticated session
 * (swap-session.ts) and the keyless feed (adapters/marketdata/okx-live-bars.ts) both list. Each caller
 * brings its own way to make a call (its client, limiter and error mapping) and to read a reply (a parse
 * failure is a different error to each).
 */

/** The public endpoints the listing calls, as ccxt's okx names them. */
export type OkxListingEndpoint =
  | 'publicGetPublicInstruments'
  | 'publicGetPublicPositionTiers'
  | 'publicGetPublicMarkPrice';

/** One raw call of an endpoint, its reply as OKX sent it. */
export type OkxCall = (method: OkxListingEndpoint, params: Record<string, unknown>) => Promise<unknown>;

/** Reads a reply with `read`; a failure is the caller's error for an unreadable `what` reply. */
export type ReadReply = <T>(what: string, read: () => T) => T;

/** /public/position-tiers takes at most five instrument families a call. */
const TIER_FAMILIES = 5;

export interface SwapContract {
  readonly instId: string;
  readonly contractSize: Fixed;
  readonly lotSz: Fixed;
  readonly family: string;
}

export interface SwapListing {
  /** The instruments rows as OKX sent them (every swap), for what else they say. */
  readonly infos: readonly unknown[];
  /** Every USDT swap's contract, by instId: what orders are sized and fills read by. */
  readonly contracts: Map<string, SwapContract>;
  /** Each USDT swap asked for (every one when none were named) as the ledger's instrument, by our symbol. */
  readonly instruments: Map<string, Instrument>;
}

/**
 * Every USDT swap OKX lists (GET /public/instruments?instType=SWAP), or given `symbols` only those, with
 * its family's position tiers (cross) and the mark prices the tiers are put in notional at
 * (swap-instruments.ts says why). The tiers come five instrument families a call at ten calls in two
 * seconds, so the whole listing (some 250 swaps) takes tens of seconds where a run's few symbols take one
 * call: only the families asked for are requested. A symbol OKX does not list is left out.
 */
export const swapListing = async (
  call: OkxCall,
  read: ReadReply,
  symbols?: readonly string[],
): Promise<SwapListing> => {
  const [listing, marks] = await Promise.all([
    call('publicGetPublicInstruments', { instType: 'SWAP' }),
    call('publicGetPublicMarkPrice', { instType: 'SWAP' }),
  ]);
  const infos = read('instruments', () => dataOf(listing));
  const contracts = read('instruments', () => swapContracts(infos));
  const wanted = symbols === undefined ? null : new Set(symbols);
  const families = [
    ...new Set(
      [...contracts.values()]
        .filter((c) => wanted === null || wanted.has(okxSymbol(c.instId) ?? ''))
        .map((c) => c.family),
    ),
  ];
  const chunks: string[][] = [];
  for (let i = 0; i < families.length; i += TIER_FAMILIES) chunks.push(families.slice(i, i + TIER_FAMILIES));
  const tierReplies = await Promise.all(
    chunks.map((chunk) =>
      call('publicGetPublicPositionTiers', {
        instType: 'SWAP',
        tdMode: 'cross',
        instFamily: chunk.join(','),
      }),
    ),
  );
  const all = read('instruments, position tiers and mark prices', () =>
    okxInstruments(
      infos,
      tierReplies.flatMap((r) => dataOf(r)),
      markPricesOf(marks),
    ),
  );
  // The others were read without their tiers: not handed out bracketless.
  const instruments = wanted === null ? all : new Map([...all].filter(([symbol]) => wanted.has(symbol)));
  return { infos, contracts, instruments };
};
