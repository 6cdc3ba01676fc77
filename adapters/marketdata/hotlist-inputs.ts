import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { HotlistInput, Skipped } from '../../domain/hotlist/scan.js';
import type { HotlistSource } from '../../domain/hotlist/source.js';
import type { Instrument } from '../../domain/ledger/instrument.js';
import type { BarSeries } from '../../domain/market/bars.js';
import type { FundingSeries } from '../../domain/market/funding.js';
import type { ListsInstruments, LiveBars } from '../../domain/market/live-feed.js';
import { toNumber } from '../../domain/risk/num.js';
import { defaultMetaDir } from '../instruments/binance-files.js';
import { sharedBars, sharedDataDir, sharedFunding } from './shared-data.js';

/** History a scan reads: the default 30-day lookback and the last day, with a day to spare. */
export const HOTLIST_HISTORY_MS = 32 * 86_400_000;

const listingSchema = z.object({
  symbols: z.array(z.object({ symbol: z.string(), onboardDate: z.number().int().optional() }).passthrough()),
});

/** Each symbol's listing time (Binance's onboardDate) from the exchange-info snapshot. */
export const binanceListings = async (dir: string = defaultMetaDir): Promise<Map<string, number>> => {
  const raw = JSON.parse(await readFile(path.join(dir, 'exchange-info.json'), 'utf8')) as unknown;
  const parsed = listingSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(`exchange-info.json: ${parsed.error.issues[0]?.message ?? 'unreadable'}`);
  return new Map(
    parsed.data.symbols.flatMap((s) =>
      s.onboardDate === undefined ? [] : [[s.symbol, s.onboardDate] as const],
    ),
  );
};

interface Meta {
  readonly instrument: (symbol: string) => Instrument | undefined;
  readonly listings: ReadonlyMap<string, number>;
}

const inputOf = (
  symbol: string,
  bars: BarSeries,
  funding: FundingSeries | null,
  meta: Meta,
): HotlistInput => {
  const first = meta.instrument(symbol)?.brackets[0];
  return {
    symbol,
    bars,
    funding,
    listedAt: meta.listings.get(symbol) ?? null,
    maintenanceRate: first ? toNumber(first.maintMarginRatio) : null,
    // The first bracket is the small position a hotlist trial starts with: its cap is the most leverage on offer.
    maxLeverage: first ? first.initialLeverage : null,
    bracketCap: first ? toNumber(first.notionalCap) : null,
  };
};

/**
 * The checked-in 2023 data: 1h bars and funding of every symbol that has them. Files are read once and
 * kept.
 */
export class RecordedHotlistSource implements HotlistSource {
  readonly source = 'recorded';
  private readonly loaded = new Map<string, { bars: BarSeries; funding: FundingSeries | null }>();

  constructor(private readonly meta: Meta) {}

  /** The symbols with recorded 1h bars: the universe a node on recorded data can scan. */
  static available(): string[] {
    const dir = path.join(sharedDataDir(), 'klines');
    return ['BTCUSDT', 'ETHUSDT', 'LTCUSDT', 'SUIUSDT', '1000PEPEUSDT'].filter((s) =>
      existsSync(path.join(dir, `${s}-1h.csv.gz`)),
    );
  }

  async inputs(symbols: readonly string[], _at: number) {
    const inputs: HotlistInput[] = [];
    const skipped: Skipped[] = [];
    for (const symbol of symbols) {
      let d = this.loaded.get(symbol);
      if (!d) {
        try {
          const fundingFile = path.join(sharedDataDir(), 'funding', `${symbol}.csv.gz`);
          d = {
            bars: sharedBars(symbol, '1h'),
            funding: existsSync(fundingFile) ? sharedFunding(symbol) : null,
          };
        } catch (err) {
          skipped.push({
            symbol,
            reason: `no recorded 1h bars: ${err instanceof Error ? err.message : String(err)}`,
          });
          continue;
        }
        this.loaded.set(symbol, d);
      }
      // The scan reads only what closed by `at`, so the whole recorded series can be handed over.
      inputs.push(inputOf(symbol, d.bars, d.funding, this.meta));
    }
    return { inputs, skipped };
  }
}

/**
 * A venue's live feed (the LiveBars port): the last 32 days of closed 1h bars and funding per symbol,
 * asked afresh at each scan. A symbol whose fetch fails is skipped with the venue's error, and the
 * others are still scanned.
 */
export class LiveHotlistSource implements HotlistSource {
  readonly source: string;

  /**
   * `meta` labels the symbols of a feed that does not list its instruments. A feed that does is asked at
   * every scan, so listing ages and the first tier's leverage and maintenance rate are the venue's own
   * (on Binance's the recorded metadata's brackets: its public data has none).
   */
  constructor(
    private readonly feed: LiveBars & Partial<ListsInstruments>,
    private readonly meta: Meta,
  ) {
    this.source = feed.venue;
  }

  /** The venue's listing of the symbols as meta, or why it could not be had. */
  private async listedMeta(symbols: readonly string[]): Promise<Meta | string> {
    if (this.feed.listing === undefined) return this.meta;
    try {
      const l = await this.feed.listing(symbols);
      return { instrument: (s) => l.instruments.get(s), listings: l.listedAt };
    } catch (err) {
      return `its listing could not be read (${err instanceof Error ? err.message : String(err)})`;
    }
  }

  async inputs(symbols: readonly string[], at: number) {
    const inputs: HotlistInput[] = [];
    const skipped: Skipped[] = [];
    const since = at - HOTLIST_HISTORY_MS;
    const meta = await this.listedMeta(symbols);
    // Without the venue's listing the risk labels would be guesses: a person approves on them, so the
    // scan leaves the symbols out and says why rather than label them by another exchange's.
    if (typeof meta === 'string')
      return { inputs, skipped: symbols.map((symbol) => ({ symbol, reason: `${this.source}: ${meta}` })) };
    for (const symbol of symbols) {
      // Listed without an instrument (on Binance's market, a coin newer than the recorded brackets): it is
      // scanned, dated by its listing, and unlabelled by tiers the node does not have, as it was before
      // Binance's feed listed anything.
      if (
        this.feed.listing !== undefined &&
        meta.instrument(symbol) === undefined &&
        !meta.listings.has(symbol)
      ) {
        skipped.push({ symbol, reason: `${this.source}: not listed` });
        continue;
      }
      try {
        const b = await this.feed.fetch(symbol, '1h', since - 3_600_000, since);
        inputs.push(inputOf(symbol, b.bars, b.funding, meta));
      } catch (err) {
        skipped.push({
          symbol,
          reason: `${this.source}: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
    }
    return { inputs, skipped };
  }
}

/**
 * Why the recorded data cannot feed `symbol` from `from` on (no 1h bars, or they start later), null when
 * it can: a whitelisted symbol joins recorded paper runs only when their warm-up is covered.
 */
export const recordedGap = (symbol: string, from: number): string | null => {
  let first: number;
  try {
    first = sharedBars(symbol, '1h').openTime[0] ?? Number.POSITIVE_INFINITY;
  } catch {
    return 'no recorded 1h bars';
  }
  return first > from
    ? `its recorded bars start ${new Date(first).toISOString()}, after the runs' warm-up start ${new Date(from).toISOString()}`
    : null;
};
