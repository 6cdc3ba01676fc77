import type { Instrument } from '../../domain/ledger/instrument.js';
import type { LiveBars, LiveMarkPrices } from '../../domain/market/live-feed.js';
import type { Engine, RunSummary } from './engine.js';
import type { PaperClock } from './paper.js';

/** The `to` of a run fed live that was given no end: the last time a JavaScript Date can hold. */
export const OPEN_END = 8_640_000_000_000_000;

export interface LiveRunOptions {
  readonly clock: PaperClock;
  readonly signal?: AbortSignal;
  /** Wait after a bar's close before asking for it: the exchange publishes a closed kline a moment late. */
  readonly settleMs?: number;
  /** Between two asks for a bar that is due but not there yet. */
  readonly pollMs?: number;
  /**
   * How long a bar that reaches a funding time waits for that funding record. Past it the bar goes on,
   * and the funding is booked at the first bar close after it arrives (with its own funding time).
   */
  readonly fundingWaitMs?: number;
  /** First pause after a failed fetch; it doubles up to `maxRetryMs` while fetches keep failing. */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
  /**
   * A run on a live account stops waiting for a symbol whose next bar is this late (default 15 minutes)
   * while another symbol's bars went on past it: it is set aside (Engine.setAside) rather than hold the
   * others, and their stops, behind it. Runs without a live account wait, as a backtest would.
   */
  readonly setAsideAfterMs?: number;
  /** Called after every bar (the API pushes updates from here). */
  readonly onStep?: (engine: Engine) => void;
  readonly log?: (message: string) => void;
  /**
   * Called when a feed the run depends on stops or comes back (design §14: exchange connectivity), once
   * per outage: the session records it for the alerts. Not part of the run's log, which a re-run must
   * reproduce from the bars alone.
   */
  readonly onFeed?: (change: FeedChange) => void;
  /**
   * For an engine on a live account (`engine.live`): where its marks come from, how often they are
   * asked for, and what wakes the run when the venue reports (CcxtVenue's `onReport`).
   */
  readonly orders?: {
    readonly marks: LiveMarkPrices;
    /** Between two asks for the marks (default 2 s): how late a stop can be seen crossed. */
    readonly markEveryMs?: number;
    readonly waker: Waker;
    /**
     * The venue's instruments as it lists them now (CcxtVenue.instrumentBook), for an engine with
     * liveOrders.relisting: asked every `instrumentsEveryMs` (default an hour) and whenever the engine
     * wants them (Engine.listingWanted), and handed to Engine.relist.
     */
    readonly instruments?: () => Promise<(symbol: string) => Instrument | undefined>;
    readonly instrumentsEveryMs?: number;
  };
}

/**
 * A feed outage begun or ended. `bars`: a symbol's closed bars stopped coming (STALL_BARS missed);
 * `venue`: fetching bars failed FEED_FAILURES times in a row; `marks`: asking a real run's marks failed
 * FEED_FAILURES times in a row. `since` is when the outage began: the last bar's close, or the first
 * failure.
 */
export interface FeedChange {
  readonly feed: 'bars' | 'venue' | 'marks';
  readonly symbol: string | null;
  readonly state: 'interrupted' | 'restored';
  readonly since: number;
  readonly at: number;
  readonly detail: string;
}

/** Failures in a row before a fetch or mark outage is reported: one failed request is a blip, not an outage. */
const FEED_FAILURES = 3;

/**
 * Wakes a sleeping live run early: the venue calls `wake` when a report arrives, so a fill is booked (and
 * a stop ladder armed) as soon as the exchange tells, not at the next timer.
 */
export class Waker {
  private woken = false;
  private interrupt: (() => void) | null = null;

  wake(): void {
    this.woken = true;
    this.interrupt?.();
  }

  /** Sleeps `ms` on `clock`, or until woken (at once when woken since the last sleep), or aborted. */
  async sleep(clock: PaperClock, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return;
    }
    const ac = new AbortController();
    const abort = () => ac.abort();
    signal?.addEventListener('abort', abort, { once: true });
    this.interrupt = abort;
    try {
      await clock.sleep(ms, ac.signal);
    } finally {
      this.interrupt = null;
      this.woken = false;
      signal?.removeEventListener('abort', abort);
    }
  }
}

const FUNDING_JITTER_MS = 60_000;
/** Bars a symbol may miss before the run says it is waiting for it. */
const STALL_BARS = 2;

/**
 * The latest close time up to which `engine` can step now without leaving a backtest's order: the
 * earliest last close among its symbols, and short of any symbol's next funding time while that record
 * may still come (`fundingWaitMs` past it). A run on a live account also steps what its desk learnt
 * before the next bar close still to come (`aheadMs` = one bar less 1 ms): bars share one grid, so no bar
 * closes in between, and none can be stepped behind it later. Binance stamps funding a few ms past the hour (…00.008), so
 * the interval between two records jitters and the next time is only known to within FUNDING_JITTER_MS;
 * bars that close that near it wait too.
 */
export const steppableUntil = (engine: Engine, now: number, fundingWaitMs: number, aheadMs = 0): number => {
  let limit = Number.POSITIVE_INFINITY;
  for (const symbol of engine.config.symbols) {
    if (engine.isAside(symbol)) continue;
    limit = Math.min(limit, engine.lastBarClose(symbol) + aheadMs);
    const due = nextFundingDue(engine, symbol);
    if (due !== null && now < due + fundingWaitMs) limit = Math.min(limit, due - FUNDING_JITTER_MS);
  }
  return limit;
};

/** A symbol's next funding time: its last record plus the last interval; null before two records. */
const nextFundingDue = (engine: Engine, symbol: string): number | null => {
  const f = engine.fundingTimes(symbol);
  const n = f.length;
  return n >= 2 ? 2 * f[n - 1]! - f[n - 2]! : null;
};

/** The pause before retry number `failures` (1, 2, ...): `firstMs`, doubling, at most `maxMs`. */
export const backoffMs = (failures: number, firstMs: number, maxMs: number): number =>
  Math.min(maxMs, firstMs * 2 ** Math.min(failures - 1, 16));

/**
 * A run fed live: the same engine and the same `step()` as a backtest, with bars appended as the venue
 * closes them. Bars are replayed in the order a backtest replays them (close time, then symbol) by never
 * stepping past the earliest last close among the symbols: a symbol whose bar is late holds the others
 * back rather than letting them overtake it. So a run fed live decides exactly what a backtest over the
 * same bars decides, which replay/engine/live.test.ts checks event by event.
 *
 * An engine on a live account (`opts.orders`) also wakes between bars: on every venue report and every
 * `markEveryMs`, it hands the engine the venue's reports and marks (replay/engine/live-desk.ts) and steps
 * it through them, so fills are booked and stops judged within moments, not at the next close. Bars are
 * then fetched only when one is due.
 *
 * Fetch failures (network, an unreadable reply) are logged and retried with back-off; nothing half-read
 * reaches the engine. The loop ends when `signal` aborts (the run is 'stopped') or once the feed has passed
 * the run's `to` and every bar before it is replayed ('end-of-data').
 */
export const runLive = async (engine: Engine, feed: LiveBars, opts: LiveRunOptions): Promise<RunSummary> => {
  const clock = opts.clock;
  const settleMs = opts.settleMs ?? 1_500;
  const pollMs = opts.pollMs ?? 2_000;
  const fundingWaitMs = opts.fundingWaitMs ?? 120_000;
  const retryMs = opts.retryMs ?? 1_000;
  const maxRetryMs = opts.maxRetryMs ?? 60_000;
  const log = opts.log ?? (() => {});
  const timeframe = engine.config.strategy.timeframe;
  const tf = engine.tfMs;
  const symbols = engine.config.symbols;
  const desk = engine.live;
  const orders = opts.orders;
  if ((desk === null) !== (orders === undefined))
    throw new RangeError(
      desk === null
        ? 'marks and a waker are for an engine on a live account'
        : 'an engine on a live account needs marks and a waker (opts.orders)',
    );
  const markEveryMs = orders?.markEveryMs ?? 2_000;
  const setAsideAfterMs = opts.setAsideAfterMs ?? 15 * 60_000;
  /** The symbols the run still waits for: all of them, less those set aside. */
  const active = () => symbols.filter((symbol) => !engine.isAside(symbol));
  const lastOpen = (symbol: string) => engine.lastBarClose(symbol) - tf;
  const lastFunding = (symbol: string) => {
    const f = engine.fundingTimes(symbol);
    return f.length > 0 ? f[f.length - 1]! : Number.NEGATIVE_INFINITY;
  };
  let failures = 0;
  // The run was given the venue's listing as it started: the first look is one interval on.
  const instrumentsEveryMs = orders?.instrumentsEveryMs ?? 3_600_000;
  let nextListing = clock.now() + instrumentsEveryMs;
  let listingFailures = 0;
  let listingRetry = Number.NEGATIVE_INFINITY;
  /** Lists the venue's instruments when due or wanted, and hands them to the engine. */
  const relist = async (): Promise<void> => {
    const list = orders?.instruments;
    if (list === undefined) return;
    const wanted = engine.listingWanted;
    const now = clock.now();
    if (!(wanted !== null ? now >= listingRetry : now >= nextListing)) return;
    const prompt = wanted ?? 'scheduled';
    try {
      const listing = await list();
      for (const line of engine.relist(listing, prompt))
        log(`instruments: ${line} (${prompt}); the run trades by the venue's listing from now on`);
      listingFailures = 0;
      nextListing = clock.now() + instrumentsEveryMs;
      // A fill the new listing did not put on the grid asks again, but not at once: the venue's listing
      // may lag its matching engine by a moment.
      listingRetry = clock.now() + retryMs;
    } catch (err) {
      listingFailures++;
      const wait = backoffMs(listingFailures, retryMs, maxRetryMs);
      listingRetry = clock.now() + wait;
      if (wanted === null) nextListing = listingRetry;
      engine.relist(null, prompt);
      log(
        `instruments: listing them failed (${err instanceof Error ? err.message : String(err)}); again in ${wait} ms`,
      );
    }
  };
  /** A symbol set aside → open time of the last bar of it fetched since (none the run could take). */
  const asideSince = new Map<string, number>();
  /**
   * Asks each symbol set aside for its bars, with the others' (once a bar): one the venue publishes again
   * rejoins the run (Engine.rejoin). Its fetch failing (delisted) is what set it aside and says nothing.
   */
  const lookForAside = async (): Promise<void> => {
    for (const symbol of symbols) {
      if (!engine.isAside(symbol)) continue;
      let batch: Awaited<ReturnType<LiveBars['fetch']>>;
      try {
        batch = await feed.fetch(
          symbol,
          timeframe,
          asideSince.get(symbol) ?? lastOpen(symbol),
          lastFunding(symbol),
        );
      } catch {
        continue;
      }
      const k = batch.bars.openTime.length;
      if (k === 0) continue;
      asideSince.set(symbol, batch.bars.openTime[k - 1]!);
      const taken = engine.rejoin(symbol, batch.bars, batch.funding);
      if (taken === 0) continue;
      asideSince.delete(symbol);
      const firstOpen = batch.bars.openTime[k - taken]!;
      log(
        `${symbol}: bars again from ${new Date(firstOpen).toISOString()}; it rejoins the run (bars closing before the run's time are skipped)`,
      );
    }
  };
  let marksFailing = false;
  let markFailures = 0;
  let marksDownSince = 0;
  let fetchDownSince = 0;
  const feedChange = (c: Omit<FeedChange, 'at'>) => opts.onFeed?.({ ...c, at: clock.now() });
  let cancelledAtEnd = false;
  let nextBars = Number.NEGATIVE_INFINITY;
  let nextMarks = Number.NEGATIVE_INFINITY;
  const stalled = new Map<string, number>();
  /** The last bar's close when a symbol's stall began: what its FeedChange reports as `since`. */
  const stalledSince = new Map<string, number>();
  let forcedSaid = 0;
  let fundingSaid = 0;
  let clearanceSaid = 0;
  let tooSmallSaid = 0;
  let backstopsSaid = 0;
  const gaveUp = new Set<string>();
  engine.start();
  try {
    while (!opts.signal?.aborted) {
      if (clock.now() >= nextBars) {
        try {
          // A run on a live account fetches every symbol even when one fails (a delisted symbol's klines
          // answer an error for good): the others' bars going on is what lets it set that one aside.
          let failed: unknown = null;
          for (const symbol of active()) {
            try {
              const batch = await feed.fetch(symbol, timeframe, lastOpen(symbol), lastFunding(symbol));
              if (opts.signal?.aborted) break;
              engine.extend(symbol, batch.bars, batch.funding);
            } catch (err) {
              if (desk === null) throw err;
              failed ??= err;
            }
          }
          if (desk !== null && !opts.signal?.aborted) await lookForAside();
          if (failed !== null) throw failed;
          if (failures > 0) log(`live feed back after ${failures} failed fetch(es)`);
          if (failures >= FEED_FAILURES)
            feedChange({
              feed: 'venue',
              symbol: null,
              state: 'restored',
              since: fetchDownSince,
              detail: `bars fetched again after ${failures} failed fetches`,
            });
          failures = 0;
          nextBars = Number.NEGATIVE_INFINITY;
        } catch (err) {
          failures++;
          const wait = backoffMs(failures, retryMs, maxRetryMs);
          const why = err instanceof Error ? err.message : String(err);
          log(`live feed: ${why}; retrying in ${wait} ms`);
          if (failures === 1) fetchDownSince = clock.now();
          if (failures === FEED_FAILURES)
            feedChange({
              feed: 'venue',
              symbol: null,
              state: 'interrupted',
              since: fetchDownSince,
              detail: `${failures} fetches of bars failed in a row: ${why}`,
            });
          nextBars = clock.now() + wait;
          if (desk === null) {
            await clock.sleep(wait, opts.signal);
            continue;
          }
        }
      }
      if (opts.signal?.aborted) break;
      if (desk !== null && orders !== undefined) {
        if (clock.now() >= nextMarks) {
          nextMarks = clock.now() + markEveryMs;
          // A symbol set aside is still watched while the run holds it: its stops judge its marks. Once
          // flat it is left alone (a delisted symbol has no mark to ask for).
          const watched = symbols.filter(
            (symbol) => !engine.isAside(symbol) || engine.position(symbol) !== 0,
          );
          // One ask per symbol, as the venue answers them anyway: a symbol whose mark fails (halted,
          // delisted) does not keep the others' stops from their marks.
          let failed: unknown = null;
          for (const symbol of watched) {
            try {
              const m = (await orders.marks.markPrices([symbol])).get(symbol);
              if (m !== undefined) desk.markPrice(symbol, m.price);
            } catch (err) {
              failed ??= err;
            }
          }
          if (failed === null) {
            if (marksFailing) log('mark prices: the venue answers again');
            if (markFailures >= FEED_FAILURES)
              feedChange({
                feed: 'marks',
                symbol: null,
                state: 'restored',
                since: marksDownSince,
                detail: `mark prices answered again after ${markFailures} failed asks`,
              });
            marksFailing = false;
            markFailures = 0;
          } else {
            if (++markFailures === 1) marksDownSince = clock.now();
            if (markFailures === FEED_FAILURES)
              feedChange({
                feed: 'marks',
                symbol: null,
                state: 'interrupted',
                since: marksDownSince,
                detail: `${markFailures} asks for mark prices failed in a row (${failed instanceof Error ? failed.message : String(failed)}); stops wait for the next mark, the backstops at the exchange hold`,
              });
            // Said once per outage: the stops are judged again from the next mark that comes.
            if (!marksFailing)
              log(
                `mark prices: ${failed instanceof Error ? failed.message : String(failed)}; stops wait for the next mark`,
              );
            marksFailing = true;
          }
        }
        desk.collect();
        await relist();
      }
      const to = engine.config.to;
      const barsDone = active().every((symbol) => lastOpen(symbol) + tf >= to);
      // Once every bar before `to` is in, no bar can come behind what the desk learns: it steps freely.
      const limit =
        desk !== null && barsDone
          ? Number.POSITIVE_INFINITY
          : steppableUntil(engine, clock.now(), fundingWaitMs, desk === null ? 0 : tf - 1);
      for (const symbol of active()) {
        const due = nextFundingDue(engine, symbol);
        if (due === null) continue;
        const key = `${symbol}@${due}`;
        if (clock.now() >= due + fundingWaitMs && engine.lastBarClose(symbol) >= due && !gaveUp.has(key)) {
          gaveUp.add(key);
          log(
            `${symbol}: no funding record for ${new Date(due).toISOString()} after ${fundingWaitMs} ms; bars go on, and it is booked when it comes`,
          );
        }
      }
      while (engine.nextTime() <= limit && engine.step()) opts.onStep?.(engine);
      // A fill waits for the venue's new listing (or an order was refused by it): list now, then go on.
      if (orders?.instruments !== undefined && engine.listingWanted !== null && clock.now() >= listingRetry) {
        await relist();
        continue;
      }
      // The exchange closed more than this run held (a position opened by hand): the person must know.
      while (forcedSaid < engine.forcedUnbooked.length)
        log(`the exchange's own closing order, not booked: ${engine.forcedUnbooked[forcedSaid++]}`);
      while (fundingSaid < engine.fundingUnbooked.length)
        log(`funding the exchange charged, not booked: ${engine.fundingUnbooked[fundingSaid++]}`);
      // Once per symbol: a run on too little capital trades none of it, and nothing else says why.
      while (tooSmallSaid < engine.tooSmall.length) log(engine.tooSmall[tooSmallSaid++]!);
      while (backstopsSaid < engine.backstopsRefused.length) log(engine.backstopsRefused[backstopsSaid++]!);
      while (clearanceSaid < engine.clearanceUnbooked.length)
        log(
          `the exchange's liquidation clearance fee, not booked: ${engine.clearanceUnbooked[clearanceSaid++]}`,
        );
      if (desk === null && barsDone && !Number.isFinite(engine.nextTime()))
        return engine.finish('end-of-data', null);
      if (desk !== null && barsDone) {
        // A run on a live account ends once the exchange has the last word on each of its orders: what
        // still works at the end is cancelled, and the run waits for the venue to confirm (or fill).
        const working = engine.workingOrders();
        if (working.length === 0) return engine.finish('end-of-data', null);
        if (!cancelledAtEnd) {
          cancelledAtEnd = true;
          log(`the run reached its end with ${working.length} order(s) working; cancelling them`);
          for (const id of working) engine.cancel(id);
        }
      }
      // A symbol the venue has stopped publishing (a halt, a delisting) holds the whole run; say so once
      // per bar it misses. A run on a live account sets it aside once it is setAsideAfterMs late while
      // another symbol's bars went on past it (not when the whole feed is late: that is an outage).
      for (const symbol of active()) {
        const last = engine.lastBarClose(symbol);
        const late = clock.now() - (last + tf);
        if (
          desk !== null &&
          late >= setAsideAfterMs &&
          symbols.some(
            (other) => other !== symbol && !engine.isAside(other) && engine.lastBarClose(other) > last,
          )
        ) {
          const why = `no closed ${timeframe} bar since ${new Date(last).toISOString()} while the other symbols' went on`;
          engine.setAside(symbol, late, why);
          // SymbolSetAside in the run's log says what became of the outage: no FeedChange closes it.
          stalled.delete(symbol);
          stalledSince.delete(symbol);
          log(
            `${symbol}: set aside: ${why}; the run trades the others, and a position in ${symbol} stays under its stops on the venue's marks`,
          );
          continue;
        }
        const missed = Math.floor((clock.now() - settleMs - last) / tf);
        if (missed >= STALL_BARS && missed !== (stalled.get(symbol) ?? 0)) {
          if (!stalled.has(symbol)) {
            stalledSince.set(symbol, last);
            feedChange({
              feed: 'bars',
              symbol,
              state: 'interrupted',
              since: last,
              detail: `no closed ${timeframe} bar for ${missed} bars`,
            });
          }
          stalled.set(symbol, missed);
          log(
            `${symbol}: no closed ${timeframe} bar for ${missed} bars; every symbol waits for it, as a backtest would`,
          );
        } else if (missed < STALL_BARS && stalled.delete(symbol)) {
          log(`${symbol}: bars again`);
          feedChange({
            feed: 'bars',
            symbol,
            state: 'restored',
            since: stalledSince.get(symbol) ?? last,
            detail: 'closed bars again',
          });
        }
      }
      // Sleep until the next bar of some symbol should be out; ask again soon when a bar is overdue or is
      // here but waits for its funding record.
      const due = Math.min(...active().map((symbol) => lastOpen(symbol) + 2 * tf)) + settleMs;
      const waiting = Number.isFinite(engine.nextTime());
      const barWait = !waiting && due > clock.now() ? due - clock.now() : pollMs;
      if (desk === null || orders === undefined) {
        await clock.sleep(barWait, opts.signal);
        continue;
      }
      if (nextBars === Number.NEGATIVE_INFINITY) nextBars = clock.now() + barWait;
      const wake = Math.min(nextBars, nextMarks);
      await orders.waker.sleep(clock, Math.max(0, wake - clock.now()), opts.signal);
    }
    return engine.finish('stopped', null);
  } catch (err) {
    engine.finish('failed', err instanceof Error ? err.message : String(err));
    throw err;
  }
};
