import type { Instrument } from '../domain/ledger/instrument.js';
import type { VenueListing } from '../domain/market/live-feed.js';

/** Which whitelisted symbols a node's paper runs trade from this start, and why the others are left. */
export interface WhitelistChoice {
  readonly traded: readonly string[];
  readonly left: readonly { readonly symbol: string; readonly why: string }[];
}

export interface WhitelistOptions {
  /** The symbols configured to trade (PAPER_SYMBOLS): a whitelisted one among them is not added twice. */
  readonly configured: readonly string[];
  /** What feeds the runs: the recorded data set, or a venue's live market. */
  readonly feed: 'recorded' | 'binance' | 'bybit' | 'okx';
  /** The recorded instrument metadata (../shared/data/meta). */
  readonly recorded: ReadonlyMap<string, Instrument>;
  /** On the recorded feed: why the data cannot warm a run up on `symbol`, or null when it can. */
  readonly recordedGap: (symbol: string) => string | null;
  /** On Bybit's or OKX's market: the venue's listing (its public instruments and tiers). */
  readonly listing?: (symbols: readonly string[]) => Promise<VenueListing>;
}

/**
 * Automation 10's outcome at a node's start: the symbols a person whitelisted from the hotlist that the
 * paper runs can trade. On the recorded feed, those whose bars cover the warm-up. On Binance's market,
 * those the recorded metadata has leverage brackets for (its listing takes them from there: Binance gives
 * today's only to an account). On Bybit's and OKX's, those the venue lists now, asked once for all of them:
 * their runs trade by that listing, so a coin listed since the metadata was recorded (what the hotlist
 * exists to find) is traded too. A listing that cannot be read leaves the coins it was asked about out of
 * this start, saying why, rather than keep the node from starting; they are asked about again at the next.
 */
export const whitelistedToTrade = async (
  whitelisted: readonly string[],
  o: WhitelistOptions,
): Promise<WhitelistChoice> => {
  const traded: string[] = [];
  const left: { symbol: string; why: string }[] = [];
  const ask: string[] = [];
  for (const symbol of new Set(whitelisted)) {
    if (o.configured.includes(symbol)) continue;
    if (o.feed === 'recorded') {
      const why = o.recordedGap(symbol);
      if (why) left.push({ symbol, why });
      else traded.push(symbol);
      continue;
    }
    const recorded = o.recorded.get(symbol);
    if (o.feed === 'binance') {
      if (recorded === undefined)
        left.push({ symbol, why: 'the recorded instrument metadata does not list it' });
      else if (recorded.brackets.length === 0)
        left.push({
          symbol,
          why: "the recorded metadata has no leverage brackets for it, and Binance's listing takes them from there",
        });
      else traded.push(symbol);
      continue;
    }
    ask.push(symbol);
  }
  if (ask.length === 0) return { traded, left };
  if (o.listing === undefined) {
    for (const symbol of ask) left.push({ symbol, why: `no listing of ${o.feed}'s to check it against` });
    return { traded, left };
  }
  let listed: VenueListing;
  try {
    listed = await o.listing(ask);
  } catch (err) {
    const why = `${o.feed}'s listing could not be read (${err instanceof Error ? err.message : String(err)}); asked again at the next start`;
    for (const symbol of ask) left.push({ symbol, why });
    return { traded, left };
  }
  for (const symbol of ask) {
    const status = listed.instruments.get(symbol)?.status;
    // The adapters read the venue's word for a contract that trades into the ledger's (TRADING).
    if (status === 'TRADING') traded.push(symbol);
    else
      left.push({
        symbol,
        why:
          status === undefined
            ? `${o.feed} does not list it as a USDT perpetual`
            : `${o.feed} lists it as ${status}, not trading`,
      });
  }
  return { traded, left };
};
