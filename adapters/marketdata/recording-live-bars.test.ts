import { describe, expect, it } from 'vitest';
import { catalogue } from '../../domain/catalogue.js';
import { firstAtOrAfter, sliceSeries } from '../../domain/market/bars.js';
import { barStreamId, fundingStreamId } from '../../domain/market/events.js';
import type { LiveBars } from '../../domain/market/live-feed.js';
import { MemoryEventStore } from '../eventstore/memory-event-store.js';
import { RecordingLiveBars } from './recording-live-bars.js';
import { sharedBars, sharedFunding } from './shared-data.js';

const HOUR = 3_600_000;
const FROM = Date.UTC(2023, 2, 1);
const btc = sharedBars('BTCUSDT', '1h');
const btcFunding = sharedFunding('BTCUSDT');

/** A venue that has published everything up to `until` (a bar when it has closed). */
const venueUpTo = (until: { t: number }): LiveBars => ({
  venue: 'binance',
  fetch: async (_symbol, _tf, afterOpen, afterFunding) => {
    const i = firstAtOrAfter(btc.openTime, afterOpen + 1);
    const j = firstAtOrAfter(btc.openTime, until.t - HOUR + 1);
    const a = firstAtOrAfter(btcFunding.time, afterFunding + 1);
    const b = firstAtOrAfter(btcFunding.time, until.t + 1);
    return {
      bars: sliceSeries(btc, i, Math.max(i, j)),
      funding: {
        symbol: 'BTCUSDT',
        time: btcFunding.time.subarray(a, b),
        rate: btcFunding.rate.subarray(a, b),
      },
    };
  },
});

const bars = (s: MemoryEventStore) =>
  s.raw().filter((e) => e.streamId === barStreamId('binance', 'BTCUSDT', '1h'));

describe('RecordingLiveBars', () => {
  it('records each bar and funding record once, however the asks overlap, and across recorders', async () => {
    const store = new MemoryEventStore({ catalogue: catalogue() });
    const until = { t: FROM + 10 * HOUR };
    const a = new RecordingLiveBars(venueUpTo(until), store);
    await a.fetch('BTCUSDT', '1h', FROM - 1, FROM - 1);
    expect(bars(store)).toHaveLength(10);
    // The same ask again: nothing twice. An ask from further back (a run starting earlier): the older
    // bars are added, the rest not twice.
    await a.fetch('BTCUSDT', '1h', FROM - 1, FROM - 1);
    expect(bars(store)).toHaveLength(10);
    await a.fetch('BTCUSDT', '1h', FROM - 5 * HOUR - 1, FROM - 1);
    expect(bars(store)).toHaveLength(15);
    until.t += 5 * HOUR;
    await a.fetch('BTCUSDT', '1h', FROM + 9 * HOUR, FROM - 1);
    const times = () => bars(store).map((e) => (e.data as { openTime: number }).openTime);
    expect(times().sort((x, y) => x - y)).toEqual(
      Array.from({ length: 20 }, (_, k) => FROM + (k - 5) * HOUR),
    );
    // A second recorder (a restarted node) finds where the stream ends without reading it all, and
    // records from further back still without a bar twice.
    until.t += 3 * HOUR;
    const b = new RecordingLiveBars(venueUpTo(until), store);
    await b.fetch('BTCUSDT', '1h', FROM + 14 * HOUR, FROM - 1);
    expect(bars(store)).toHaveLength(23);
    await b.fetch('BTCUSDT', '1h', FROM - 8 * HOUR - 1, FROM - 1);
    expect(times().sort((x, y) => x - y)).toEqual(
      Array.from({ length: 26 }, (_, k) => FROM + (k - 8) * HOUR),
    );
    const ids = bars(store).map((e) => e.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    const funding = store.raw().filter((e) => e.streamId === fundingStreamId('binance', 'BTCUSDT'));
    expect(funding.map((e) => (e.data as { fundingTime: number }).fundingTime)).toEqual([
      ...btcFunding.time.subarray(
        firstAtOrAfter(btcFunding.time, FROM),
        firstAtOrAfter(btcFunding.time, until.t + 1),
      ),
    ]);
  });

  it('a recorder behind another fails the ask that overlaps, and the retry records only what is new', async () => {
    const store = new MemoryEventStore({ catalogue: catalogue() });
    const until = { t: FROM + 4 * HOUR };
    const a = new RecordingLiveBars(venueUpTo(until), store);
    const b = new RecordingLiveBars(venueUpTo(until), store);
    await b.fetch('BTCUSDT', '1h', FROM - 1, FROM - 1); // b knows the stream ends at bar 4
    until.t += 4 * HOUR;
    await a.fetch('BTCUSDT', '1h', FROM - 1, FROM - 1); // a records bars 5–8
    until.t += 2 * HOUR;
    // b asks for bars after 4: 5–8 are there already, 9–10 are not; the batch would mix them.
    await expect(b.fetch('BTCUSDT', '1h', FROM + 3 * HOUR, FROM - 1)).rejects.toThrow();
    await b.fetch('BTCUSDT', '1h', FROM + 3 * HOUR, FROM - 1);
    expect(bars(store)).toHaveLength(10);
  });
});
