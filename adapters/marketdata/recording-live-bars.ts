import type { NewEvent, RecordedEvent } from '../../domain/events/envelope.js';
import type { EventStore } from '../../domain/events/event-store.js';
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
  /** Stream → time of the last event recorded there (openTime or fundingTime). */
  private readonly recorded = new Map<string, number>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly feed: LiveBars,
    private readonly store: EventStore,
    private readonly mode: 'paper' | 'live' = 'paper',
  ) {
    this.venue = feed.venue;
  }

  /** Fetches (or recordings) that failed since the start: each fails its run's ask, which is retried. */
  failures = 0;

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
        data: {
          venue: this.venue,
          symbol,
          timeframe,
          openTime: bars.openTime[k]!,
          open: bars.open[k]!,
          high: bars.high[k]!,
          low: bars.low[k]!,
          close: bars.close[k]!,
          volume: bars.volume[k]!,
        } satisfies BarClosedData,
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
      let last = this.recorded.get(stream);
      if (last === undefined) {
        const tail = await this.lastEvent(stream);
        const d = tail?.data as { openTime?: number; fundingTime?: number } | undefined;
        last = d?.openTime ?? d?.fundingTime ?? Number.NEGATIVE_INFINITY;
      }
      const events: NewEvent[] = [];
      let newest = last;
      for (let k = 0; k < times.length; k++) {
        const t = times[k]!;
        if (t <= last) continue;
        const e = make(k);
        events.push({
          // Fresh per event: the id is then a function of the stream and the time alone.
          eventId: new DeterministicIds(stream).next(t),
          type: e.type,
          data: e.data,
          metadata: {
            correlationId: stream,
            causationId: null,
            actor: `system:feed-${this.venue}`,
            mode: this.mode,
            occurredAt: new Date(e.at).toISOString(),
          },
        });
        newest = t;
      }
      try {
        if (events.length > 0) await this.store.append(stream, 'any', events);
        this.recorded.set(stream, newest);
      } catch (err) {
        // Someone else may have recorded part of it: read the stream's tail again next time.
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
