import type { NewEvent, RecordedEvent } from '../../domain/events/envelope.js';
import type { EventStore } from '../../domain/events/event-store.js';
import { barAt } from '../../domain/market/bars.js';
import {
  type BarClosedData,
  barStreamId,
  type FundingRatePublishedData,
  fundingStreamId,
} from '../../domain/market/events.js';
import type { LiveBars, LiveBatch } from '../../domain/market/live-feed.js';
import { timeframeMs } from '../../domain/market/timeframe.js';
import { DeterministicIds } from '../../domain/strategy/deterministic-id.js';

/**
 * A live feed whose every bar and funding record is in the log before any run sees it: BarClosed on
 * `bars-<venue>-<symbol>-<tf>`, FundingRatePublished on `funding-<venue>-<symbol>`. A live run's market
 * is then in the log with its decisions, and `npm run replay -- rerun` re-executes it from there.
 *
 * One recorder serves all the runs of a node: each bar is recorded once, by the first run that fetched
 * it, and appends to a stream are serialised. Event ids are a function of the stream and the bar's time,
 * so a retry (or another node recording the same market) writes nothing twice. A failed append fails the
 * fetch, which the run retries: a bar reaches a run only once it is recorded.
 */
export class RecordingLiveBars implements LiveBars {
  readonly venue: string;
  /**
   * Stream → a range of times known to be recorded there (openTime or fundingTime). What is recorded is
   * one contiguous run of the venue's bars: runs append the bars after the newest, and a run that starts
   * earlier than any before it adds older ones.
   */
  private readonly recorded = new Map<string, { lo: number; hi: number }>();
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Fetches (or recordings) that failed since the start: each fails its run's ask, which is retried. */
  failures = 0;

  constructor(
    private readonly feed: LiveBars,
    private readonly store: EventStore,
    private readonly mode: 'paper' | 'live' = 'paper',
  ) {
    this.venue = feed.venue;
  }

  async fetch(
    symbol: string,
    timeframe: string,
    afterOpen: number,
    afterFunding: number,
  ): Promise<LiveBatch> {
    try {
      return await this.fetchAndRecord(symbol, timeframe, afterOpen, afterFunding);
    } catch (err) {
      this.failures++;
      throw err;
    }
  }

  private async fetchAndRecord(
    symbol: string,
    timeframe: string,
    afterOpen: number,
    afterFunding: number,
  ): Promise<LiveBatch> {
    const batch = await this.feed.fetch(symbol, timeframe, afterOpen, afterFunding);
    const { bars, funding } = batch;
    const tf = timeframeMs(timeframe);
    await Promise.all([
      this.record(barStreamId(this.venue, symbol, timeframe), bars.openTime, (k) => ({
        at: bars.openTime[k]! + tf,
        type: 'BarClosed',
        data: { venue: this.venue, symbol, timeframe, ...barAt(bars, k) } satisfies BarClosedData,
      })),
      this.record(fundingStreamId(this.venue, symbol), funding.time, (k) => ({
        at: funding.time[k]!,
        type: 'FundingRatePublished',
        data: {
          venue: this.venue,
          symbol,
          fundingTime: funding.time[k]!,
          rate: funding.rate[k]!,
        } satisfies FundingRatePublishedData,
      })),
    ]);
    return batch;
  }

  /**
   * The stream's last event without reading the stream: a year of 1m bars is half a million events, and
   * the port has no "last version" call. Doubling probes find a version past the end, bisection the last.
   */
  private async lastEvent(stream: string): Promise<RecordedEvent | undefined> {
    const at = async (v: number) => (await this.store.readStream(stream, { fromVersion: v, limit: 1 }))[0];
    if ((await at(1)) === undefined) return undefined;
    let lo = 1; // exists
    let hi = 2;
    while ((await at(hi)) !== undefined) {
      lo = hi;
      hi *= 2;
    }
    // lo exists, hi does not
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if ((await at(mid)) !== undefined) lo = mid;
      else hi = mid;
    }
    return at(lo);
  }

  private record(
    stream: string,
    times: Float64Array,
    make: (k: number) => { at: number; type: string; data: BarClosedData | FundingRatePublishedData },
  ): Promise<unknown> {
    const run = async () => {
      let known = this.recorded.get(stream);
      if (known === undefined) {
        // The stream's first event is the oldest the first run recorded; older ones came later, so the
        // range from it to the last is recorded, and anything outside it may not be.
        const first = (await this.store.readStream(stream, { limit: 1 }))[0];
        const last = await this.lastEvent(stream);
        // An empty stream: everything is new, and one batch records it.
        known = first && last ? { lo: timeOf(first), hi: timeOf(last) } : { lo: -Infinity, hi: -Infinity };
      }
      const event = (k: number): NewEvent => {
        const e = make(k);
        return {
          // Fresh per event: the id is then a function of the stream and the time alone.
          eventId: new DeterministicIds(stream).next(times[k]!),
          type: e.type,
          data: e.data,
          metadata: {
            correlationId: stream,
            causationId: null,
            actor: `system:feed-${this.venue}`,
            mode: this.mode,
            occurredAt: new Date(e.at).toISOString(),
          },
        };
      };
      try {
        // Older than the range: one append each, since some may be there already (an append of events
        // that all exist is an idempotent no-op; a batch mixing both is refused).
        for (let k = 0; k < times.length && times[k]! < known.lo; k++)
          await this.store.append(stream, 'any', [event(k)]);
        const newer: NewEvent[] = [];
        let hi = known.hi;
        for (let k = 0; k < times.length; k++) {
          if (times[k]! <= known.hi) continue;
          newer.push(event(k));
          hi = times[k]!;
        }
        if (newer.length > 0) await this.store.append(stream, 'any', newer);
        const oldest = times.length > 0 ? times[0]! : Infinity;
        this.recorded.set(stream, {
          lo: Number.isFinite(known.lo) ? Math.min(known.lo, oldest) : oldest,
          hi: Math.max(hi, known.hi),
        });
      } catch (err) {
        // Someone else may have recorded part of it: look at the stream again next time.
        this.recorded.delete(stream);
        throw err;
      }
    };
    const next = (this.queues.get(stream) ?? Promise.resolve()).then(run, run);
    this.queues.set(
      stream,
      next.catch(() => {}),
    );
    return next;
  }
}

const timeOf = (e: RecordedEvent): number => {
  const d = e.data as { openTime?: number; fundingTime?: number };
  return d.openTime ?? d.fundingTime ?? Number.NaN;
};
