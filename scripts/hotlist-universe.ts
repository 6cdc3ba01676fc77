import type { ListsMostTraded } from '../domain/market/live-feed.js';

export interface HotlistUniverseOptions {
  /** HOTLIST_SYMBOLS: a fixed universe, when the operator set one. */
  readonly configured: readonly string[] | null;
  /** The live market the runs are fed, when they are (its most traded perpetuals are the universe). */
  readonly market: ListsMostTraded | null;
  /** How many of the market's most traded perpetuals (HOTLIST_TOP). */
  readonly top: number;
  /** The symbols the runs trade now: always scanned, so a traded symbol's labels stay current. */
  readonly traded: () => readonly string[];
  /** The symbols with recorded 1h bars: the universe on recorded data, and the fallback of a live one. */
  readonly recorded: readonly string[];
  readonly log: (m: string) => void;
}

export interface HotlistUniverse {
  readonly symbols: readonly string[] | (() => Promise<readonly string[]>);
  /** What is scanned, for the start's log line. */
  readonly describe: string;
}

const union = (...lists: (readonly string[])[]): string[] => [...new Set(lists.flat())];

/**
 * What the hotlist ranks (automation 10). Fed a live market it scans what that market trades most, asked
 * afresh at each scan (hot coins are the point), with the runs' own symbols; the five recorded symbols
 * would never find a coin that is hot today. A listing that fails scans the runs' symbols and the recorded
 * ones meanwhile, said once until it works again. HOTLIST_SYMBOLS fixes the universe on any feed.
 */
export const hotlistUniverse = (o: HotlistUniverseOptions): HotlistUniverse => {
  if (o.configured !== null) return { symbols: o.configured, describe: o.configured.join(',') };
  const market = o.market;
  if (market === null) return { symbols: o.recorded, describe: o.recorded.join(',') };
  if (!Number.isInteger(o.top) || o.top < 1)
    throw new RangeError(`HOTLIST_TOP must be a whole number ≥ 1, got ${o.top}`);
  let failing = false;
  return {
    describe: `the venue's ${o.top} most traded USDT perpetuals and the runs' symbols`,
    symbols: async () => {
      try {
        const top = await market.mostTraded(o.top);
        if (failing) o.log("hotlist: the venue's most traded perpetuals are listed again");
        failing = false;
        return union(top, o.traded());
      } catch (err) {
        if (!failing)
          o.log(
            `hotlist: the venue's most traded perpetuals could not be listed (${err instanceof Error ? err.message : String(err)}); scanning the runs' symbols and the recorded ones until they can`,
          );
        failing = true;
        return union(o.traded(), o.recorded);
      }
    },
  };
};
