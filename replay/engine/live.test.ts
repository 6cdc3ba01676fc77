import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { BinanceLiveBars, LiveFeedError } from '../../adapters/marketdata/binance-live-bars.js';
import { sharedBars, sharedFunding } from '../../adapters/marketdata/shared-data.js';
import { FakeBinance } from '../../adapters/venue/testing/fake-binance.js';
import { firstAtOrAfter, sliceSeries } from '../../domain/market/bars.js';
import type { FundingSeries } from '../../domain/market/funding.js';
import type { LiveBars } from '../../domain/market/live-feed.js';
import { Engine } from './engine.js';
import { type FeedChange, runLive } from './live.js';
import { prepareLiveRun } from './live-run.js';
import { eventFingerprint } from './log-hash.js';
import type { PaperClock } from './paper.js';

/** Time that passes only when the run sleeps: a day of live trading takes milliseconds. */
class VirtualClock implements PaperClock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.t += ms;
    await new Promise((r) => setImmediate(r));
  }
}

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
const bars = new Map(SYMBOLS.map((s) => [s, sharedBars(s, '1h')]));
const funding = new Map(SYMBOLS.map((s) => [s, sharedFunding(s)]));
const FROM = Date.UTC(2023, 2, 1);
const TO = Date.UTC(2023, 2, 15);
const HOUR = 3_600_000;

const request = {
  strategyId: 'ema-cross',
  symbols: SYMBOLS,
  from: FROM,
  to: TO,
  runId: 'live-test',
  warmupBars: 150,
  params: { fast: 5, slow: 20 },
};

let fake: FakeBinance | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

/** `behindMs`: how far the exchange's clock is behind this machine's. */
const open = async (clock: VirtualClock, behindMs = 0) => {
  fake = await FakeBinance.start({
    now: () => clock.t - behindMs,
    market: {
      bars: (s, interval) => (interval === '1h' ? bars.get(s) : undefined),
      funding: (s) => funding.get(s),
    },
  });
  const feed = new BinanceLiveBars({
    endpoint: { rest: fake.origin, ws: fake.wsOrigin },
    ccxt: { timeout: 1_000, rateLimit: 1 },
  });
  return { fake, feed };
};

const after = (f: FundingSeries, t: number): FundingSeries => {
  let i = 0;
  while (f.time[i]! <= t) i++;
  return { symbol: f.symbol, time: f.time.subarray(i), rate: f.rate.subarray(i) };
};

/** The same run as a backtest: every bar and funding record there from the start. */
const backtestLog = async (req: typeof request = request) => {
  const clock = new VirtualClock(FROM + 2_000);
  const { feed } = await open(clock);
  const { config } = await prepareLiveRun(req, feed, clock.t);
  await fake!.close();
  fake = null;
  const engine = new Engine(
    { ...config, retainEvents: true },
    {
      bars: new Map(
        SYMBOLS.map((s) => [
          s,
          sliceSeries(
            bars.get(s)!,
            firstAtOrAfter(bars.get(s)!.openTime, FROM - 150 * HOUR),
            bars.get(s)!.openTime.length,
          ),
        ]),
      ),
      funding: new Map(SYMBOLS.map((s) => [s, after(funding.get(s)!, FROM - 7 * 86_400_000)])),
    },
  );
  engine.runToEnd();
  return engine.store.raw().map(eventFingerprint);
};

/**
 * A venue in memory whose bars and funding records come out late: `barLag` after a bar's close for each
 * symbol (a constant, or a function of the close), `fundingLag` after a funding time.
 */
const slowVenue = (
  clock: VirtualClock,
  barLag: Record<string, number | ((close: number) => number)>,
  fundingLag: number,
): LiveBars => ({
  venue: 'binance',
  fetch: async (symbol, _tf, afterOpen, afterFunding) => {
    const s = bars.get(symbol)!;
    const f = funding.get(symbol)!;
    const given = barLag[symbol] ?? 0;
    const lag = typeof given === 'number' ? () => given : given;
    let i = 0;
    while (i < s.openTime.length && s.openTime[i]! <= afterOpen) i++;
    let j = i;
    while (j < s.openTime.length && s.openTime[j]! + HOUR + lag(s.openTime[j]! + HOUR) <= clock.t) j++;
    let a = 0;
    while (a < f.time.length && f.time[a]! <= afterFunding) a++;
    let b = a;
    while (b < f.time.length && f.time[b]! + fundingLag <= clock.t) b++;
    const cut = (c: Float64Array) => c.slice(i, j);
    return {
      bars: {
        symbol,
        timeframe: '1h',
        openTime: cut(s.openTime),
        open: cut(s.open),
        high: cut(s.high),
        low: cut(s.low),
        close: cut(s.close),
        volume: cut(s.volume),
      },
      funding: { symbol, time: f.time.slice(a, b), rate: f.rate.slice(a, b) },
    };
  },
});

describe('a run fed live bars through Binance’s REST API (a local fake serving the real 2023 bars)', () => {
  it('writes, bar by bar, the log a backtest over the same bars writes', async () => {
    const expected = await backtestLog();
    const clock = new VirtualClock(FROM + 2_000);
    const { feed } = await open(clock);
    const { engine, history } = await prepareLiveRun(request, feed, clock.t);
    expect(history.get('BTCUSDT')).toEqual({ warmup: 150, since: 0 });
    const summary = await runLive(engine, feed, { clock, settleMs: 1_000 });
    expect(summary.reason).toBe('end-of-data');
    const log = engine.store.raw();
    expect(log.filter((e) => e.type === 'OrderFilled').length).toBeGreaterThan(4);
    expect(log.filter((e) => e.type === 'FundingPaid').length).toBeGreaterThan(4);
    expect(log.map(eventFingerprint)).toEqual(expected);
    expect(fake!.unknownRequests()).toEqual([]);
    // Each ask is sized to what can exist since the last bar (Binance weighs klines calls by their limit):
    // only the warm-up asks for 100 rows or more (weight 2 and up), every later ask for a handful.
    const limits = fake!.requests
      .filter((r) => r.path === '/fapi/v1/klines')
      .map((r) => Number(r.params.limit));
    expect(limits.filter((l) => l >= 100)).toHaveLength(SYMBOLS.length);
    expect(Math.max(...limits.slice(SYMBOLS.length))).toBeLessThanOrEqual(4);
  }, 60_000);

  it('judges a bar closed on the exchange’s clock: with this machine 4 s ahead, no forming bar gets in', async () => {
    const short = { ...request, to: FROM + 4 * 86_400_000 };
    const expected = await backtestLog(short);
    const clock = new VirtualClock(FROM + 2_000);
    const { fake: f, feed } = await open(clock, 4_000);
    const { engine } = await prepareLiveRun(short, feed, clock.t);
    const summary = await runLive(engine, feed, { clock, settleMs: 1_000, pollMs: 5_000 });
    expect(summary.reason).toBe('end-of-data');
    // The run asked while the exchange's bar was still forming (one ask per bar would be 2 × 96)...
    expect(f.requests.filter((r) => r.path === '/fapi/v1/klines').length).toBeGreaterThan(2 * 2 * 96);
    // ...and still wrote the backtest's log.
    expect(engine.store.raw().map(eventFingerprint)).toEqual(expected);
  }, 60_000);

  it('rides out failed and garbled replies without losing or mangling a bar', async () => {
    const expected = await backtestLog();
    const clock = new VirtualClock(FROM + 2_000);
    const { fake: f, feed } = await open(clock);
    const { engine } = await prepareLiveRun(request, feed, clock.t);
    const logs: string[] = [];
    const feeds: FeedChange[] = [];
    let faults = 0;
    let steps = 0;
    const summary = await runLive(engine, feed, {
      clock,
      settleMs: 1_000,
      retryMs: 5_000,
      log: (m) => logs.push(m),
      onFeed: (c) => feeds.push(c),
      onStep: (e) => {
        // Every 40 bars after the warm-up, break the next reply in one of four ways.
        if (e.now < FROM || ++steps % 40 !== 0) return;
        const kind = faults++ % 4;
        if (kind === 0)
          f.fault({ path: '/fapi/v1/klines', action: 'garbage', status: 200, body: '[[1,"x"]]' });
        if (kind === 1)
          f.fault({ path: '/fapi/v1/fundingRate', action: 'garbage', status: 200, body: '{"oops":1}' });
        if (kind === 2) f.fault({ path: '/fapi/v1/klines', action: 'reset' });
        if (kind === 3)
          f.fault({
            path: '/fapi/v1/klines',
            action: 'garbage',
            status: 200,
            // The next bar, with its low above its close.
            body: JSON.stringify([
              [e.now, '1', '2', '1.5', '1.2', '3', e.now + HOUR - 1, '0', 0, '0', '0', '0'],
            ]),
          });
      },
    });
    expect(summary.reason).toBe('end-of-data');
    expect(faults).toBeGreaterThan(8);
    // Each fault broke one fetch (the last may have found no fetch after it), and each was retried.
    expect(logs.filter((l) => l.includes('retrying')).length).toBeGreaterThanOrEqual(faults - 1);
    expect(logs.filter((l) => l.includes('has low 1.5, high 2')).length).toBeGreaterThan(2);
    expect(logs.filter((l) => l.startsWith('live feed back after 1 failed')).length).toBeGreaterThanOrEqual(
      faults - 1,
    );
    // One failed reply at a time is a blip, not an outage: nothing for the alerts.
    expect(feeds).toEqual([]);
    expect(engine.store.raw().map(eventFingerprint)).toEqual(expected);
  }, 60_000);

  it('restarts mid-run: the same run id and start replay what was written, then carry on', async () => {
    const expected = await backtestLog();
    const clock = new VirtualClock(FROM + 2_000);
    const feed = slowVenue(clock, {}, 0);
    const first = await prepareLiveRun(request, feed, clock.t);
    const stop = new AbortController();
    const halfway = FROM + 6 * 86_400_000;
    let before = 0;
    await runLive(first.engine, feed, {
      clock,
      signal: stop.signal,
      onStep: (e) => {
        if (e.now < halfway || stop.signal.aborted) return;
        stop.abort();
        before = e.store.raw().length;
      },
    });
    const written = first.engine.store.raw().map(eventFingerprint);
    // The process is gone for half a day; the venue went on closing bars.
    clock.t += 12 * HOUR;
    const second = await prepareLiveRun(request, feed, clock.t);
    expect(second.history.get('ETHUSDT')!.since).toBeGreaterThan(6 * 24);
    const summary = await runLive(second.engine, feed, { clock });
    expect(summary.reason).toBe('end-of-data');
    const log = second.engine.store.raw().map(eventFingerprint);
    expect(log).toEqual(expected);
    // What the first process wrote up to its stop (not what stopping wrote) is a prefix of the second's log.
    expect(before).toBeGreaterThan(100);
    expect(written.slice(0, before)).toEqual(log.slice(0, before));
  }, 60_000);
});

describe('runLive: the order of a backtest when the venue is slow', () => {
  it.each([
    ['ETHUSDT bars 40 minutes late', { ETHUSDT: 40 * 60_000 }, 0],
    // Within the default two minutes a bar waits for its funding record.
    ['funding records 90 s late', {}, 90_000],
    ['both', { BTCUSDT: 5 * 60_000, ETHUSDT: 30 * 60_000 }, 90_000],
  ])('%s: symbols wait for the late one, and a bar for its funding record', async (_, barLag, fundingLag) => {
    const expected = await backtestLog();
    const clock = new VirtualClock(FROM + 2_000);
    const feed = slowVenue(clock, barLag, fundingLag);
    const { engine } = await prepareLiveRun(request, feed, clock.t);
    const summary = await runLive(engine, feed, { clock, settleMs: 1_000, pollMs: 30_000 });
    expect(summary.reason).toBe('end-of-data');
    const got = engine.store.raw().map(eventFingerprint);
    expect(got).toEqual(expected);
  });

  it('a symbol the venue stops publishing holds the run, which says so, and carries on when its bars come', async () => {
    const expected = await backtestLog();
    const clock = new VirtualClock(FROM + 2_000);
    // ETHUSDT's bars closing in [day 3, day 3.5) come out only at day 3.5 (a twelve-hour halt).
    const haltEnd = FROM + 3.5 * 86_400_000;
    const halted = (close: number) =>
      close >= FROM + 3 * 86_400_000 && close < haltEnd ? haltEnd - close + 60_000 : 0;
    const feed = slowVenue(clock, { ETHUSDT: halted }, 0);
    const logs: string[] = [];
    const feeds: FeedChange[] = [];
    const { engine } = await prepareLiveRun(request, feed, clock.t);
    const summary = await runLive(engine, feed, {
      clock,
      log: (m) => logs.push(m),
      onFeed: (c) => feeds.push(c),
    });
    expect(summary.reason).toBe('end-of-data');
    expect(logs).toContain(
      'ETHUSDT: no closed 1h bar for 2 bars; every symbol waits for it, as a backtest would',
    );
    // One outage, reported when it began to count (two bars missed) and when it ended, for the alerts.
    // The bar closing at day 3 is the first held: the last one out closed an hour before.
    const lastBefore = FROM + 3 * 86_400_000 - HOUR;
    expect(feeds.map(({ at: _, ...c }) => c)).toEqual([
      {
        feed: 'bars',
        symbol: 'ETHUSDT',
        state: 'interrupted',
        since: lastBefore,
        detail: 'no closed 1h bar for 2 bars',
      },
      { feed: 'bars', symbol: 'ETHUSDT', state: 'restored', since: lastBefore, detail: 'closed bars again' },
    ]);
    expect(feeds[0]!.at).toBeGreaterThanOrEqual(lastBefore + 2 * HOUR);
    expect(feeds[0]!.at).toBeLessThan(lastBefore + 3 * HOUR);
    expect(feeds[1]!.at).toBeGreaterThanOrEqual(haltEnd);
    expect(logs).toContain(
      'ETHUSDT: no closed 1h bar for 11 bars; every symbol waits for it, as a backtest would',
    );
    expect(logs).toContain('ETHUSDT: bars again');
    expect(logs.some((l) => l.startsWith('BTCUSDT'))).toBe(false);
    // A paper run never sets a symbol aside: it keeps the backtest's order, so that it reruns from its log.
    expect(engine.isAside('ETHUSDT')).toBe(false);
    expect(() => engine.setAside('ETHUSDT', 0, 'halted')).toThrow(/only a run on a live account/);
    expect(engine.store.raw().map(eventFingerprint)).toEqual(expected);
  });

  it('a venue that does not answer for five hours: one outage for the alerts, then the backtest’s log', async () => {
    const expected = await backtestLog();
    const clock = new VirtualClock(FROM + 2_000);
    const down = FROM + 2 * 86_400_000 + 30 * 60_000;
    const up = down + 5 * HOUR;
    const venue = slowVenue(clock, {}, 0);
    const feed: LiveBars = {
      venue: 'binance',
      fetch: (...args) =>
        clock.t >= down && clock.t < up ? Promise.reject(new Error('ECONNREFUSED')) : venue.fetch(...args),
    };
    const feeds: FeedChange[] = [];
    const { engine } = await prepareLiveRun(request, feed, clock.t);
    const summary = await runLive(engine, feed, { clock, retryMs: 60_000, onFeed: (c) => feeds.push(c) });
    expect(summary.reason).toBe('end-of-data');
    expect(feeds.map((c) => [c.feed, c.symbol, c.state])).toEqual([
      ['venue', null, 'interrupted'],
      ['venue', null, 'restored'],
    ]);
    const [lost, back] = feeds;
    // The outage began at the first failed fetch, within the bar after `down`; it was reported at the third.
    expect(lost!.since).toBeGreaterThanOrEqual(down);
    expect(lost!.since).toBeLessThan(down + HOUR);
    expect(lost!.at).toBeGreaterThan(lost!.since);
    expect(lost!.detail).toMatch(/^3 fetches of bars failed in a row: ECONNREFUSED$/);
    expect(back!.since).toBe(lost!.since);
    expect(back!.at).toBeGreaterThanOrEqual(up);
    expect(engine.store.raw().map(eventFingerprint)).toEqual(expected);
  });

  it('property: whatever the venue’s delays, the run writes the backtest’s log', async () => {
    const short = { ...request, to: FROM + 4 * 86_400_000 };
    const expected = await backtestLog(short);
    const bars4 = 4 * 24 + 2;
    // Per symbol and bar, how long after its close the venue publishes it (0–3 h; a venue publishes in
    // order, so each bar comes no earlier than the one before), and one delay for funding records.
    const delays = fc.array(fc.integer({ min: 0, max: 3 * 60 }), { minLength: bars4, maxLength: bars4 });
    await fc.assert(
      fc.asyncProperty(
        delays,
        delays,
        fc.integer({ min: 0, max: 90 }),
        fc.integer({ min: 1, max: 30 }),
        async (btc, eth, fundingS, pollMin) => {
          const lagOf = (minutes: number[]) => {
            // Publication times never go back: a bar waits for the one before it.
            const at = new Map<number, number>();
            let prev = 0;
            for (let k = 0; k < minutes.length; k++) {
              const close = FROM + (k + 1) * HOUR;
              prev = Math.max(prev, close + minutes[k]! * 60_000);
              at.set(close, prev - close);
            }
            return (close: number) => at.get(close) ?? 0;
          };
          const clock = new VirtualClock(FROM + 2_000);
          const feed = slowVenue(clock, { BTCUSDT: lagOf(btc), ETHUSDT: lagOf(eth) }, fundingS * 1_000);
          const { engine } = await prepareLiveRun(short, feed, clock.t);
          const summary = await runLive(engine, feed, { clock, pollMs: pollMin * 60_000 });
          expect(summary.reason).toBe('end-of-data');
          expect(engine.store.raw().map(eventFingerprint)).toEqual(expected);
        },
      ),
      { numRuns: Number(process.env.LIVE_FEED_RUNS ?? 12) },
    );
  });

  it('gives up waiting for a funding record after fundingWaitMs and books it when it comes', async () => {
    const clock = new VirtualClock(FROM + 2_000);
    const feed = slowVenue(clock, {}, 3 * HOUR);
    const logs: string[] = [];
    const { engine } = await prepareLiveRun(request, feed, clock.t);
    const summary = await runLive(engine, feed, {
      clock,
      fundingWaitMs: 10 * 60_000,
      log: (m) => logs.push(m),
    });
    expect(summary.reason).toBe('end-of-data');
    const log = engine.store.raw();
    expect(
      logs.some((l) => /^BTCUSDT: no funding record for 2023-03-0.T..:00:00\.0..Z after 600000 ms/.test(l)),
    ).toBe(true);
    const paid = log.filter((e) => e.type === 'FundingPaid');
    expect(paid.length).toBeGreaterThan(4);
    // Booked late, at the bar close after the record arrived, but for its own funding time.
    for (const e of paid) {
      const t = (e.data as { fundingTime: number }).fundingTime;
      expect(Date.parse(e.metadata.occurredAt)).toBe(t);
    }
  });
});

describe('BinanceLiveBars', () => {
  it('hands over closed bars only: the kline still forming at the venue’s time is held back', async () => {
    const clock = new VirtualClock(FROM + 5 * HOUR + 20 * 60_000);
    const { feed } = await open(clock);
    const batch = await feed.fetch('BTCUSDT', '1h', FROM - 1, FROM - 1);
    expect([...batch.bars.openTime]).toEqual([0, 1, 2, 3, 4].map((k) => FROM + k * HOUR));
    const real = bars.get('BTCUSDT')!;
    const k = real.openTime.indexOf(FROM + 4 * HOUR);
    expect(batch.bars.close[4]).toBe(real.close[k]);
    expect([...batch.funding.time].every((t) => t > FROM - 1 && t <= clock.t)).toBe(true);
    expect(batch.funding.time.length).toBe(1);
  });

  it('reads the venue’s mark price, and refuses one it cannot trust', async () => {
    const clock = new VirtualClock(FROM + 5 * HOUR + 20 * 60_000);
    const { fake: f, feed } = await open(clock);
    const real = bars.get('ETHUSDT')!;
    // The fake marks at the open of the bar forming now.
    const marks = await feed.markPrices(['ETHUSDT']);
    expect(marks.get('ETHUSDT')).toEqual({
      price: real.open[real.openTime.indexOf(FROM + 5 * HOUR)],
      time: clock.t,
    });
    f.fault({
      path: '/fapi/v1/premiumIndex',
      action: 'garbage',
      status: 200,
      body: '{"symbol":"ETHUSDT","markPrice":"-1","time":1}',
    });
    await expect(feed.markPrices(['ETHUSDT'])).rejects.toThrow(/ETHUSDT mark price: unexpected reply/);
    f.fault({
      path: '/fapi/v1/premiumIndex',
      action: 'garbage',
      status: 200,
      body: '{"symbol":"BTCUSDT","markPrice":"1","time":1}',
    });
    await expect(feed.markPrices(['ETHUSDT'])).rejects.toThrow(/unexpected reply \(for BTCUSDT\)/);
  });

  it('refuses a reply it cannot trust with an error that says what was wrong', async () => {
    const clock = new VirtualClock(FROM + 5 * HOUR);
    const { fake: f, feed } = await open(clock);
    const cases: [string, RegExp][] = [
      ['{"code":0}', /klines: unexpected reply/],
      ['[[1672531200000,"1","2","0.5","NaN","3",1672534799999]]', /klines: unexpected reply .*decimal/],
      [`[[${FROM + 60_000},"1","2","0.5","1.5","3",${FROM + HOUR + 59_999}]]`, /off the 1h grid/],
      [`[[${FROM},"1","2","0.5","1.5","3",${FROM + 2 * HOUR}]]`, /closes at/],
      [`[[${FROM},"1","0.9","0.5","1.5","3",${FROM + HOUR - 1}]]`, /has low 0.5, high 0.9/],
    ];
    for (const [body, message] of cases) {
      f.fault({ path: '/fapi/v1/klines', action: 'garbage', status: 200, body });
      const err = await feed.fetch('BTCUSDT', '1h', FROM - 1, FROM - 1).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LiveFeedError);
      expect((err as Error).message).toMatch(message);
    }
    f.fault({
      path: '/fapi/v1/fundingRate',
      action: 'garbage',
      status: 200,
      body: '[{"fundingTime":1,"fundingRate":"9"}]',
    });
    await expect(feed.fetch('BTCUSDT', '1h', FROM - 1, 0)).rejects.toThrow(
      /funding rate 9 at 1 is not a rate/,
    );
    await expect(feed.fetch('NOPEUSDT', '1h', FROM - 1, FROM - 1)).rejects.toThrow(/Invalid symbol/);
  });
});
