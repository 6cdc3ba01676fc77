import type { Instrument } from '../../../domain/ledger/instrument.js';
import { bybitInstruments, isUsdtPerpetual } from './linear-instruments.js';
import { pageOf } from './linear-messages.js';

/**
 * Bybit's USDT perpetuals as the ledger's instruments, read page by page from the public market data: what
 * the authenticated session (linear-session.ts) and the keyless feed (adapters/marketdata/bybit-live-bars.ts)
 * both list. Each caller brings its own way to make a call (its client, limiter and error mapping) and to
 * read a reply (a parse failure is a different error to each).
 */

/** The public endpoints the listing calls, as ccxt's bybit names them. */
export type BybitListingEndpoint = 'publicGetV5MarketInstrumentsInfo' | 'publicGetV5MarketRiskLimit';

/** One raw call of an endpoint, its reply as Bybit sent it. */
export type BybitCall<M extends string = BybitListingEndpoint> = (
  method: M,
  params: Record<string, unknown>,
) => Promise<unknown>;

/** Reads a reply with `read`; a failure is the caller's error for an unreadable `what` reply. */
export type ReadReply = <T>(what: string, read: () => T) => T;

/** The most instruments one page of instruments-info holds. */
const INFO_PAGE = 1000;
/** "category=linear returns data set of 15 symbols each request, please use cursor". */
const RISK_LIMIT_SYMBOLS = 15;

/**
 * Every row of a paged listing, following Bybit's nextPageCursor until a page brings nothing new: an empty
 * page, no cursor, or one already followed (a server that hands back the same cursor would loop forever).
 */
export const pagedRows = async <M extends string>(
  call: BybitCall<M>,
  method: M,
  params: Record<string, unknown>,
  what: string,
  read: ReadReply,
): Promise<unknown[]> => {
  const rows: unknown[] = [];
  const seen = new Set<string>();
  let cursor: string | null = null;
  for (;;) {
    const reply = await call(method, cursor === null ? params : { ...params, cursor });
    const page = read(what, () => pageOf(reply));
    rows.push(...page.rows);
    if (page.cursor === null || page.rows.length === 0 || seen.has(page.cursor)) return rows;
    seen.add(page.cursor);
    cursor = page.cursor;
  }
};

const riskLimits = (call: BybitCall, read: ReadReply, symbol?: string): Promise<unknown[]> =>
  pagedRows(
    call,
    'publicGetV5MarketRiskLimit',
    symbol === undefined ? { category: 'linear' } : { category: 'linear', symbol },
    'risk-limit',
    read,
  );

export interface LinearListing {
  /** The instruments-info rows as Bybit sent them (every linear contract), for what else they say. */
  readonly infos: readonly unknown[];
  /** Each USDT perpetual asked for (every one when none were named) as the ledger's instrument. */
  readonly instruments: Map<string, Instrument>;
}

/**
 * The USDT perpetuals Bybit lists (GET /v5/market/instruments-info) with their risk tiers
 * (GET /v5/market/risk-limit), all of them, or given `symbols` only those. The tiers come 15 symbols a page
 * (some 35 pages for the whole listing): a few symbols are asked for one by one, after the listing says
 * which of them Bybit has (it refuses a symbol it does not list), whichever takes fewer calls. A symbol not
 * listed is left out.
 */
export const linearListing = async (
  call: BybitCall,
  read: ReadReply,
  symbols?: readonly string[],
): Promise<LinearListing> => {
  const instrumentRows = () =>
    pagedRows(
      call,
      'publicGetV5MarketInstrumentsInfo',
      { category: 'linear', limit: INFO_PAGE },
      'instruments-info',
      read,
    );
  if (symbols === undefined) {
    const [infos, tiers] = await Promise.all([instrumentRows(), riskLimits(call, read)]);
    return {
      infos,
      instruments: read('instruments-info and risk-limit', () => bybitInstruments(infos, tiers)),
    };
  }
  const infos = await instrumentRows();
  const perpetuals = new Set(
    infos.filter(isUsdtPerpetual).map((info) => (info as { symbol?: unknown }).symbol),
  );
  const listed = [...new Set(symbols)].filter((s) => perpetuals.has(s));
  const tiers =
    listed.length <= Math.ceil(infos.length / RISK_LIMIT_SYMBOLS)
      ? (await Promise.all(listed.map((s) => riskLimits(call, read, s)))).flat()
      : await riskLimits(call, read);
  const all = read('instruments-info and risk-limit', () => bybitInstruments(infos, tiers));
  // Only those asked for: the others may have been read without their tiers (not handed out bracketless).
  return {
    infos,
    instruments: new Map(listed.flatMap((s) => (all.has(s) ? [[s, all.get(s)!] as const] : []))),
  };
};
