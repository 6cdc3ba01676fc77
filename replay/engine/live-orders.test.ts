import { afterEach, describe, expect, it } from 'vitest';
import { BinanceLiveBars } from '../../adapters/marketdata/binance-live-bars.js';
import { sharedBars, sharedFunding } from '../../adapters/marketdata/shared-data.js';
import { BinanceUsdmSession } from '../../adapters/venue/binance/usdm-session.js';
import { CcxtVenue } from '../../adapters/venue/ccxt-venue.js';
import { FakeBinance } from '../../adapters/venue/testing/fake-binance.js';
import { withFilters } from '../../adapters/venue/testing/listing.js';
import { until } from '../../adapters/venue/testing/venue-fixtures.js';
import { type Harness, openHarness } from '../../adapters/venue/testing/venue-harness.js';
import type { SymbolRejoinedData } from '../../domain/backtest/events.js';
import type { StoredEvent } from '../../domain/events/envelope.js';
import { fixed, mul, roundTo, toText } from '../../domain/ledger/fixed.js';
import { binanceUsdm } from '../../domain/ledger/venue.js';
import type { BarSeries } from '../../domain/market/bars.js';
import type { LiveMarkPrices } from '../../domain/market/live-feed.js';
import { bucketStart } from '../../domain/market/timeframe.js';
import type { ProtectionRequest } from '../../domain/strategy/sdk.js';
import { defaultEngineSettings } from './config.js';
import { Engine } from './engine.js';
import { type FeedChange, runLive, Waker } from './live.js';
import { prepareLiveRun } from './live-run.js';
import type { PaperClock } from './paper.js';
import { instrumentBookOnce } from './run.js';
import { HOUR, openLiveAccountRun, SYMBOL, scripted, slice, WARMUP } from './testing/live-account.js';

/**
 * The engine trading a real account: its orders go to Binance USDⓈ-M through ccxt (here the local fake
 * exchange, adapters/venue/testing/fake-binance.ts), the exchange's reports come back through the user
 * stream and are booked by the ledger, and the engine's stop ladder, judged on the venue's marks, exits
 * with reduce-only market orders sent to the exchange. What the ledger books must be what the exchange did.
 */

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const setUp = async (protection: ProtectionRequest | undefined, plan: Record<number, number>) => {
  const run = await openLiveAccountRun(protection, plan);
  h = run.harness;
  return run;
};

describe('an engine run on a live account (Binance USDⓈ-M through ccxt, on the local fake exchange)', () => {
  it('sends its orders to the exchange and books what the exchange did, fill for fill', async () => {
    const { harness, engine, barCloses, settle, of, warmupEnd } = await setUp(undefined, { 1: 0.5, 4: 0 });
    const enter = barCloses(warmupEnd + 1);
    expect(of('OrderRequested')).toHaveLength(1);
    // Nothing is booked before the exchange says so.
    expect(of('OrderFilled')).toHaveLength(0);
    await until(() => harness.fake.engine.trades().length === 1, 'the entry to fill at the exchange');
    await settle(enter + HOUR - 1);
    expect(of('OrderAccepted')).toHaveLength(1);
    expect(of('OrderFilled')).toHaveLength(1);
    const position = harness.fake.engine.position(SYMBOL);
    expect(position > 0n).toBe(true);
    expect(fixed(String(engine.position(SYMBOL)))).toBe(position);
    // The account as the exchange lists it (GET /fapi/v3/positionRisk), which the node reconciles with.
    expect(await harness.venue.positions()).toEqual(new Map([[SYMBOL, toText(position)]]));

    for (let i = warmupEnd + 2; i <= warmupEnd + 4; i++) await settle(barCloses(i) + HOUR - 1);
    await until(() => harness.fake.engine.position(SYMBOL) === 0n, 'the exit to fill at the exchange');
    await settle(harness.clock.t + HOUR);
    expect(engine.position(SYMBOL)).toBe(0);

    // Every fill the ledger booked is one of the exchange's trades, at its price and size, and none is missing.
    const trades = harness.fake.engine.trades();
    const filled = of('OrderFilled').map(
      (e) => e.data as { tradeId: string; price: string; quantity: string },
    );
    expect(filled.map((f) => [f.tradeId, f.price, f.quantity])).toEqual(
      trades.map((t) => [String(t.id), toText(t.price), toText(t.qty)]),
    );
    const started = of('RunStarted')[0]!;
    expect(started.metadata.mode).toBe('live');
    expect((started.data as { config: Record<string, unknown> }).config.orders).toEqual({
      kind: 'live',
      venue: 'binance',
    });
    expect(engine.workingOrders()).toEqual([]);
  });

  /** The scripted entry at the first bar after the warm-up and exit at the next, both filled and their fees booked. */
  const roundTrip = async (
    r: Pick<Awaited<ReturnType<typeof setUp>>, 'harness' | 'barCloses' | 'settle' | 'of' | 'warmupEnd'>,
  ) => {
    const enter = r.barCloses(r.warmupEnd + 1);
    await until(() => r.harness.fake.engine.trades().length === 1, 'the entry to fill');
    await r.settle(enter + HOUR - 1);
    const exit = r.barCloses(r.warmupEnd + 2);
    await until(() => r.harness.fake.engine.trades().length === 2, 'the exit to fill');
    for (let i = 0; i < 300 && r.of('FeeCharged').length < 2; i++) {
      await r.settle(exit + HOUR - 1);
      await new Promise((res) => setTimeout(res, 5));
    }
  };

  it('charges what the exchange charged: a VIP account’s commission, not the regular tier’s', async () => {
    const { harness, engine, barCloses, settle, of, warmupEnd } = await setUp(undefined, { 1: 0.5, 2: 0 });
    // This account pays 0.0180 % maker and 0.0450 % taker; the ledger's tier (VIP 0) says 0.0500 %.
    harness.fake.engine.feeRates = { maker: fixed('0.00018'), taker: fixed('0.00045') };
    await roundTrip({ harness, barCloses, settle, of, warmupEnd });
    const fees = of('FeeCharged').map((e) => e.data as { tradeId: string; amount: string; source?: string });
    expect(fees.map((f) => [f.tradeId, f.amount, f.source])).toEqual(
      harness.fake.engine.trades().map((t) => [String(t.id), toText(t.commission), 'venue']),
    );
    // The wallet moved by exactly the realised PnL less what the exchange took.
    const realised = of('FillSettled').reduce(
      (a, e) => a + fixed((e.data as { realisedPnl: string }).realisedPnl),
      0n,
    );
    const taken = harness.fake.engine.trades().reduce((a, t) => a + t.commission, 0n);
    expect(engine.ledgerAccount.crossWallet - fixed('10000')).toBe(realised - taken);
  });

  it('books a commission the exchange took in BNB as paid in BNB: the USDT wallet moves by the realised PnL alone', async () => {
    const { harness, engine, barCloses, settle, of, warmupEnd } = await setUp(undefined, { 1: 0.5, 2: 0 });
    // "Using BNB deduction" is on: each trade's commission is 10 % off, in BNB at 600 USDT.
    harness.fake.engine.bnbFees = { price: fixed('600') };
    await roundTrip({ harness, barCloses, settle, of, warmupEnd });
    const trades = harness.fake.engine.trades();
    expect(trades.every((t) => t.commissionAsset === 'BNB' && t.commission > 0n)).toBe(true);
    const fees = of('FeeCharged').map(
      (e) =>
        e.data as {
          tradeId: string;
          amount: string;
          notional: string;
          paidIn?: { asset: string; amount: string };
        },
    );
    // Paid: the exchange's BNB figure. Worth: the tier's taker rate less 10 % on the notional, in USDT.
    expect(fees.map((f) => [f.tradeId, f.paidIn])).toEqual(
      trades.map((t) => [String(t.id), { asset: 'BNB', amount: toText(t.commission) }]),
    );
    for (const f of fees)
      expect(fixed(f.amount)).toBe(roundTo(mul(fixed(f.notional), fixed('0.00045')), 8, 'half-up'));
    const realised = of('FillSettled').reduce(
      (a, e) => a + fixed((e.data as { realisedPnl: string }).realisedPnl),
      0n,
    );
    expect(engine.ledgerAccount.crossWallet - fixed('10000')).toBe(realised);
    expect(engine.ledgerAccount.otherAssetFees.get('BNB')?.paid).toBe(
      trades.reduce((a, t) => a + t.commission, 0n),
    );
  });

  it('prices a VIP account’s commission in BNB at the account’s own rates, which the run asked the exchange for', async () => {
    const run = await openLiveAccountRun(undefined, { 1: 0.5, 2: 0 }, undefined, 8, {
      feeRates: new Map([[SYMBOL, { maker: '0.00016', taker: '0.0004' }]]),
    });
    h = run.harness;
    const { harness, engine, barCloses, settle, of, warmupEnd } = run;
    // VIP 1 (maker 0.016 %, taker 0.040 %), with "Using BNB deduction" on; the exchange lists those rates.
    harness.fake.engine.feeRates = { maker: fixed('0.00016'), taker: fixed('0.0004') };
    harness.fake.engine.bnbFees = { price: fixed('600') };
    expect(await harness.venue.commissionRates([SYMBOL])).toEqual(
      new Map([[SYMBOL, { maker: '0.00016', taker: '0.0004' }]]),
    );
    await roundTrip({ harness, barCloses, settle, of, warmupEnd });
    expect(of('FeeRatesSet').map((e) => e.data)).toEqual([
      { symbol: SYMBOL, makerRate: '0.00016', takerRate: '0.0004' },
    ]);
    const fees = of('FeeCharged').map(
      (e) => e.data as { amount: string; notional: string; paidIn?: unknown },
    );
    expect(fees).toHaveLength(2);
    // Worth the account's taker rate less 10 %, as Binance priced it before converting to BNB; the tier's
    // would have said 0.045 %, a quarter more.
    for (const f of fees) {
      expect(f.paidIn).toBeDefined();
      expect(fixed(f.amount)).toBe(roundTo(mul(fixed(f.notional), fixed('0.00036')), 8, 'half-up'));
    }
    expect(engine.ledgerAccount.otherAssetFees.get('BNB')?.paid).toBe(
      harness.fake.engine.trades().reduce((a, t) => a + t.commission, 0n),
    );
  });

  it('judges its stops on the venue’s marks and exits through the exchange', async () => {
    const { harness, engine, desk, barCloses, settle, of, warmupEnd } = await setUp(
      { stopAtrMultiple: 1 },
      { 1: 0.5 },
    );
    const enter = barCloses(warmupEnd + 1);
    await until(() => harness.fake.engine.trades().length === 1, 'the entry to fill');
    await settle(enter + HOUR - 1);
    expect(of('OrderFilled')).toHaveLength(1);
    expect(engine.position(SYMBOL)).toBeGreaterThan(0);
    // The fill armed the ladder: its stop is on the book the engine holds.
    expect(of('StopAdjusted').length).toBeGreaterThan(0);

    // A mark above the stop moves nothing; one through it triggers the leg and sends the exit.
    const entry = Number((of('OrderFilled')[0]!.data as { price: string }).price);
    harness.clock.t += 10_000;
    desk.markPrice(SYMBOL, entry * 1.001);
    await settle(enter + HOUR - 1);
    expect(of('OrderRequested')).toHaveLength(1);
    const through = Math.round(entry * 0.9 * 10) / 10;
    harness.fake.engine.setPrice(SYMBOL, through.toFixed(1));
    harness.clock.t += 10_000;
    desk.markPrice(SYMBOL, through);
    await settle(enter + HOUR - 1);
    const exits = of('OrderRequested').slice(1);
    expect(exits).toHaveLength(1);
    expect(exits[0]!.data).toMatchObject({ side: 'SELL', type: 'MARKET', reduceOnly: true });
    await until(() => harness.fake.engine.position(SYMBOL) === 0n, 'the stop exit to fill at the exchange');
    harness.clock.t += 1_000;
    await settle(enter + HOUR - 1);
    expect(engine.position(SYMBOL)).toBe(0);
    expect(of('OrderFilled')).toHaveLength(2);
    expect((of('OrderFilled')[1]!.data as { price: string }).price).toBe(through.toFixed(1));
    // The exit's fill follows from the mark that triggered the stop.
    expect(exits[0]!.metadata.correlationId).toMatch(/^obs:BTCUSDT:mark:/);
  });

  it('does not exit a position the strategy is already turning round; exits when the exchange refuses the turn', async () => {
    for (const refused of [false, true]) {
      await h?.close();
      const { harness, engine, desk, barCloses, settle, of, warmupEnd } = await setUp(
        { stopAtrMultiple: 1 },
        { 1: 0.5, 2: -0.5 },
      );
      const enter = barCloses(warmupEnd + 1);
      await until(() => harness.fake.engine.trades().length === 1, 'the entry to fill');
      await settle(enter + HOUR - 1);
      const long = harness.fake.engine.position(SYMBOL);
      expect(long > 0n).toBe(true);
      // Without margin the exchange refuses the turn (it sells more than the position: not reduce-only).
      if (refused) harness.fake.engine.balance = 0n;
      // The close sends the turn; before its fill is reported, a mark goes through the long's stop.
      const turn = barCloses(warmupEnd + 2);
      expect(of('OrderRequested')).toHaveLength(2);
      const entry = Number((of('OrderFilled')[0]!.data as { price: string }).price);
      const through = Math.round(entry * 0.9 * 10) / 10;
      harness.fake.engine.setPrice(SYMBOL, through.toFixed(1));
      harness.clock.t += 1_000;
      desk.markPrice(SYMBOL, through);
      await settle(turn + HOUR - 1);
      await harness.venue.idle();
      harness.clock.t += 1_000;
      desk.markPrice(SYMBOL, through);
      await settle(turn + HOUR - 1);
      if (!refused) {
        // The stop triggered, but the turn covers the long: no exit went out, nothing was refused.
        expect(of('OrderRequested')).toHaveLength(2);
        expect(of('OrderRejected')).toHaveLength(0);
        expect(harness.fake.engine.position(SYMBOL) < 0n).toBe(true);
      } else {
        // The turn was refused: the next mark sends the stop's exit, and the long is closed.
        expect(of('OrderRejected')).toHaveLength(1);
        const exits = of('OrderRequested').slice(2);
        expect(exits.map((e) => e.data)).toMatchObject([{ side: 'SELL', reduceOnly: true }]);
        await until(() => harness.fake.engine.position(SYMBOL) === 0n, 'the exit to fill');
        harness.clock.t += 1_000;
        await settle(turn + HOUR - 1);
        expect(of('OrderRejected')).toHaveLength(1);
      }
      expect(fixed(String(engine.position(SYMBOL)))).toBe(harness.fake.engine.position(SYMBOL));
      expect(engine.workingOrders()).toEqual([]);
    }
  });
});

/** Time that passes only when the run sleeps: days of live trading take seconds. */
class VirtualClock implements PaperClock {
  /** What the exchange still has to answer: time stands still until it has (it answers in no time). */
  idle: () => Promise<void> = async () => {};
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    await this.idle();
    // Let the user stream's messages land before time moves on.
    await new Promise((r) => setTimeout(r, 2));
    if (signal?.aborted) return;
    this.t += ms;
  }
}

describe('liquidation on a live account', () => {
  it('is the exchange’s: a bar through the liquidation price books none, where a backtest books one', async () => {
    const book = await instrumentBookOnce();
    const real = sharedBars(SYMBOL, '1h');
    const start = Date.UTC(2023, 5, 1);
    const base = slice(real, start - WARMUP * HOUR, WARMUP + 4);
    // Hand-made from the real bars: the third live bar spikes to four times its open intra-bar (the short,
    // half the equity in notional, loses more than the equity) and closes where it would have.
    const k = WARMUP + 2;
    const high = Float64Array.from(base.high);
    high[k] = base.open[k]! * 4;
    const bars: BarSeries = { ...base, high };
    const run = async (live: boolean) => {
      const events: StoredEvent[] = [];
      const harness = live ? await openHarness() : null;
      if (harness) h = harness;
      const engine = new Engine(
        {
          ...defaultEngineSettings,
          runId: live ? 'live-liq' : 'sim-liq',
          mode: live ? 'live' : 'backtest',
          strategy: scripted(undefined, { 1: -1 }),
          params: {},
          symbols: [SYMBOL],
          from: start,
          to: start + 4 * HOUR,
          warmupBars: WARMUP,
          instrument: book.get,
          venueRules: binanceUsdm,
          breaker: null,
          risk: { ...defaultEngineSettings.risk, enabled: false },
          ...(harness
            ? { liveOrders: { venue: harness.venue, wall: () => harness.clock.now(), venueName: 'binance' } }
            : {}),
          onEvent: (e) => events.push(e),
        },
        { bars: new Map([[SYMBOL, bars]]) },
      );
      for (let i = WARMUP; i < WARMUP + 4; i++) {
        const close = bars.openTime[i]! + HOUR;
        if (harness) {
          harness.fake.engine.setPrice(SYMBOL, toText(fixed(String(bars.close[i]!))));
          harness.clock.t = close + 1_500;
        }
        while (engine.nextTime() <= close && engine.step()) {}
        if (harness) {
          await harness.venue.idle();
          harness.clock.t += 500;
          engine.live!.collect();
          while (engine.nextTime() <= close + HOUR - 1 && engine.step()) {}
        }
      }
      return { events, engine };
    };
    const sim = await run(false);
    expect(sim.events.filter((e) => e.type === 'PositionLiquidated')).toHaveLength(1);
    const live = await run(true);
    expect(live.events.filter((e) => e.type === 'OrderFilled')).toHaveLength(1);
    expect(live.events.filter((e) => e.type === 'PositionLiquidated')).toEqual([]);
    expect(live.engine.position(SYMBOL)).toBeLessThan(0);
  });
});

describe('runLive on a live account', () => {
  let fake: FakeBinance | null = null;
  let venue: CcxtVenue | null = null;
  afterEach(async () => {
    await venue?.close();
    await fake?.close();
    venue = null;
    fake = null;
  });

  /** The fake exchange trading the recorded BTCUSDT market on `clock`, the account's venue and its feed. */
  const openAccount = async (
    clock: VirtualClock,
    o: {
      readonly now?: () => number;
      readonly mark?: (symbol: string, now: number) => number | undefined;
      /** The 1h bars the exchange publishes, by symbol (default: BTCUSDT's recorded ones). */
      readonly bars?: ReadonlyMap<string, BarSeries>;
    } = {},
  ) => {
    const bars = o.bars ?? new Map([[SYMBOL, sharedBars(SYMBOL, '1h')]]);
    fake = await FakeBinance.start({
      now: o.now ?? (() => clock.t),
      market: {
        bars: (s, interval) => (interval === '1h' ? bars.get(s) : undefined),
        funding: (s) => (bars.has(s) ? sharedFunding(s) : undefined),
        ...(o.mark ? { mark: o.mark } : {}),
      },
      followMarket: [...bars.keys()],
    });
    const f = fake;
    const waker = new Waker();
    const session = new BinanceUsdmSession({
      // ccxt signs with the test's clock, which the exchange's checks run on.
      ccxt: {
        apiKey: f.apiKey,
        secret: f.secret,
        timeout: 2_000,
        rateLimit: 1,
        milliseconds: () => clock.now(),
      },
      endpoint: { rest: f.origin, ws: f.wsOrigin },
      reconnectDelayMs: 10,
    });
    venue = await CcxtVenue.open({ session, clock, onReport: () => waker.wake() });
    const v = venue;
    clock.idle = () => v.idle();
    const feed = new BinanceLiveBars({
      endpoint: { rest: f.origin, ws: f.wsOrigin },
      ccxt: { timeout: 2_000, rateLimit: 1 },
    });
    return { f, venue: v, feed, waker };
  };

  /** ema-cross (5/20) on the account's 1h bars of `symbols` (BTCUSDT) over [from, to). */
  const prepareWeek = (
    clock: VirtualClock,
    from: number,
    to: number,
    venue: CcxtVenue,
    feed: BinanceLiveBars,
    events: StoredEvent[],
    relisting = false,
    symbols: readonly string[] = [SYMBOL],
  ) =>
    prepareLiveRun(
      {
        strategyId: 'ema-cross',
        symbols,
        from,
        to,
        warmupBars: 150,
        params: { fast: 5, slow: 20 },
      },
      feed,
      clock.now(),
      (e) => events.push(e),
      {
        venue,
        wall: () => clock.now(),
        venueName: 'binance',
        mode: 'live',
        ...(relisting ? { relisting } : {}),
      },
    );

  /** ETHUSDT's real 1h bars, only those `keep` says the exchange publishes. */
  const ethBars = (keep: (openTime: number) => boolean): BarSeries => {
    const eth = sharedBars('ETHUSDT', '1h');
    const kept = Array.from(eth.openTime, keep);
    const pick = (a: Float64Array) => a.filter((_, i) => kept[i]);
    return {
      ...eth,
      openTime: pick(eth.openTime),
      open: pick(eth.open),
      high: pick(eth.high),
      low: pick(eth.low),
      close: pick(eth.close),
      volume: pick(eth.volume),
    };
  };

  /**
   * Five days from `from` of ema-cross on ETHUSDT (fetched first) and BTCUSDT through runLive on the fake
   * exchange, which serves `bars` (a test changes them as the clock passes, in `onTime`).
   */
  const runEthAndBtc = async (from: number, bars: Map<string, BarSeries>, onTime: (t: number) => void) => {
    const to = from + 5 * 24 * HOUR;
    const clock = new VirtualClock(from - 60_000);
    const { f, venue, feed, waker } = await openAccount(clock, {
      bars,
      now: () => {
        onTime(clock.t);
        return clock.t;
      },
    });
    const events: StoredEvent[] = [];
    const said: string[] = [];
    const { engine } = await prepareWeek(clock, from, to, venue, feed, events, false, ['ETHUSDT', SYMBOL]);
    const summary = await runLive(engine, feed, {
      clock,
      orders: { marks: feed, markEveryMs: 10 * 60_000, waker },
      log: (m) => said.push(m),
    });
    expect(summary.reason, said.join('\n')).toBe('end-of-data');
    const of = (type: string) => events.filter((e) => e.type === type);
    return { f, engine, events, said, of, to };
  };

  it('trades a week of real BTCUSDT bars through the exchange and ends with the ledger equal to the account', async () => {
    const from = Date.UTC(2023, 2, 1);
    const to = from + 7 * 24 * HOUR;
    const clock = new VirtualClock(from - 60_000);
    const { f, venue, feed, waker } = await openAccount(clock);
    const events: StoredEvent[] = [];
    const said: string[] = [];
    const { engine } = await prepareWeek(clock, from, to, venue, feed, events);
    expect(engine.config.runId).toMatch(/^real-ema-cross-BTCUSDT-1h-/);
    const summary = await runLive(engine, feed, {
      clock,
      orders: { marks: feed, markEveryMs: 10 * 60_000, waker },
      log: (m) => said.push(m),
    });
    expect(summary.reason, said.join('\n')).toBe('end-of-data');
    // Nothing went wrong on the way: no refusal, no failed fetch.
    expect(said).toEqual([]);
    expect(events.filter((e) => e.type === 'OrderRejected')).toEqual([]);
    const of = (type: string) => events.filter((e) => e.type === type);
    const trades = f.engine.trades();
    // The strategy traded, and every trade the exchange made is booked once, as the exchange made it.
    expect(of('OrderRequested').length).toBeGreaterThanOrEqual(4);
    const filled = of('OrderFilled').map(
      (e) => e.data as { tradeId: string; price: string; quantity: string },
    );
    expect(filled.map((x) => [x.tradeId, x.price, x.quantity])).toEqual(
      trades.map((t) => [String(t.id), toText(t.price), toText(t.qty)]),
    );
    expect(fixed(String(engine.position(SYMBOL)))).toBe(f.engine.position(SYMBOL));
    expect(engine.workingOrders()).toEqual([]);
    // Orders went out only for bars of the run, never for the warm-up: the first is at or after `from`.
    const firstOrder = Date.parse(of('OrderRequested')[0]!.metadata.occurredAt);
    expect(firstOrder).toBeGreaterThanOrEqual(from);
    // Every event of the run is in time order: the desk never steps behind a bar.
    const times = events.map((e) =>
      e.streamId.startsWith('account-') ? 0 : Date.parse(e.metadata.occurredAt),
    );
    const ordered = times.filter((t) => t > 0);
    for (let i = 1; i < ordered.length; i++)
      expect(ordered[i]!).toBeGreaterThanOrEqual(ordered[i - 1]! - 60_000);
  }, 120_000);

  it('reports a mark-price outage once, when it has lasted three asks, and its end', async () => {
    const from = Date.UTC(2023, 2, 1);
    const to = from + 2 * 24 * HOUR;
    const down = from + 24 * HOUR + 5 * 60_000;
    const up = down + 2 * HOUR;
    const clock = new VirtualClock(from - 60_000);
    const { venue, feed, waker } = await openAccount(clock);
    const marks: LiveMarkPrices = {
      markPrices: (symbols) =>
        clock.t >= down && clock.t < up ? Promise.reject(new Error('HTTP 503')) : feed.markPrices(symbols),
    };
    const events: StoredEvent[] = [];
    const said: string[] = [];
    const feeds: FeedChange[] = [];
    const { engine } = await prepareWeek(clock, from, to, venue, feed, events);
    const summary = await runLive(engine, feed, {
      clock,
      orders: { marks, markEveryMs: 10 * 60_000, waker },
      log: (m) => said.push(m),
      onFeed: (c) => feeds.push(c),
    });
    expect(summary.reason, said.join('\n')).toBe('end-of-data');
    expect(said.filter((l) => l.startsWith('mark prices'))).toEqual([
      'mark prices: HTTP 503; stops wait for the next mark',
      'mark prices: the venue answers again',
    ]);
    expect(feeds.map((c) => [c.feed, c.symbol, c.state])).toEqual([
      ['marks', null, 'interrupted'],
      ['marks', null, 'restored'],
    ]);
    const [lost, back] = feeds;
    // Asked every 10 minutes: the first failure is within 10 minutes of `down`, the third 20 minutes later.
    expect(lost!.since).toBeGreaterThanOrEqual(down);
    expect(lost!.since).toBeLessThan(down + 10 * 60_000);
    expect(lost!.at - lost!.since).toBeGreaterThanOrEqual(20 * 60_000);
    expect(lost!.detail).toMatch(/^3 asks for mark prices failed in a row \(HTTP 503\)/);
    expect(back!.since).toBe(lost!.since);
    expect(back!.at).toBeGreaterThanOrEqual(up);
    expect(back!.detail).toMatch(/after 1[12] failed asks$/);
  }, 60_000);

  it('takes the exchange’s new tick mid-run: a fill on the finer grid waits for the listing, then is booked', async () => {
    const from = Date.UTC(2023, 2, 1);
    const to = from + 7 * 24 * HOUR;
    const clock = new VirtualClock(from - 60_000);
    // On the third day Binance lists BTCUSDT at a 0.01 tick: its prices (the followed mark) have cents.
    const changeAt = from + 2 * 24 * HOUR;
    let changed = false;
    const finerTick = withFilters(SYMBOL, { PRICE_FILTER: { tickSize: '0.01' } });
    // The recorded opens are on the 0.1 grid; the market on a 0.01 tick is modelled as the real open and
    // 5 cents, so the exchange's prices (it trades at the mark) fall between the old ticks.
    const btc = sharedBars(SYMBOL, '1h');
    const cents = (_symbol: string, t: number) =>
      t < changeAt ? undefined : btc.open[btc.openTime.indexOf(bucketStart(t, HOUR))]! + 0.05;
    const { f, venue, feed, waker } = await openAccount(clock, {
      now: () => {
        if (!changed && clock.t >= changeAt && fake !== null) {
          changed = true;
          fake.relist(finerTick);
        }
        return clock.t;
      },
      mark: cents,
    });
    const events: StoredEvent[] = [];
    const said: string[] = [];
    const { engine } = await prepareWeek(clock, from, to, venue, feed, events, true);
    let listings = 0;
    const summary = await runLive(engine, feed, {
      clock,
      orders: {
        marks: feed,
        markEveryMs: 10 * 60_000,
        waker,
        // No scheduled look within the week: the fill off the old grid is what asks for the listing.
        instrumentsEveryMs: 30 * 24 * HOUR,
        instruments: async () => {
          listings++;
          const { all } = await venue.instrumentBook();
          return (symbol) => all.get(symbol);
        },
      },
      log: (m) => said.push(m),
    });
    expect(summary.reason, said.join('\n')).toBe('end-of-data');
    expect(changed).toBe(true);
    expect(said).toEqual([
      'instruments: BTCUSDT tickSize 0.1 → 0.01 (fill-off-grid); the run trades by the venue’s listing from now on'.replace(
        '’',
        "'",
      ),
    ]);
    expect(listings).toBe(1);
    const of = (type: string) => events.filter((e) => e.type === type);
    const updated = of('InstrumentUpdated');
    expect(updated).toHaveLength(1);
    expect(updated[0]!.streamId).toBe(`run-${engine.config.runId}`);
    expect(updated[0]!.data).toMatchObject({
      venue: 'binance',
      symbol: SYMBOL,
      prompt: 'fill-off-grid',
      changes: ['BTCUSDT tickSize 0.1 → 0.01'],
      instrument: { tickSize: '0.01' },
    });
    expect(Date.parse(updated[0]!.metadata.occurredAt)).toBeGreaterThanOrEqual(changeAt);
    // Every trade the exchange made is booked once, as the exchange made it, some of them between the
    // old ticks; and the ledger holds what the account holds.
    const filled = of('OrderFilled').map((e) => e.data as { tradeId: string; price: string });
    expect(filled.map((x) => [x.tradeId, x.price])).toEqual(
      f.engine.trades().map((t) => [String(t.id), toText(t.price)]),
    );
    expect(filled.some((x) => fixed(x.price) % fixed('0.1') !== 0n)).toBe(true);
    expect(fixed(String(engine.position(SYMBOL)))).toBe(f.engine.position(SYMBOL));
    expect(of('OrderRejected')).toEqual([]);
  }, 120_000);

  it.each([
    ['halted: it publishes no more bars', false],
    ['delisted: its klines and mark answer "Invalid symbol"', true],
  ])(
    'sets aside a symbol the exchange stops publishing (%s), and trades the others on',
    async (_, delisted) => {
      const from = Date.UTC(2023, 2, 1);
      // ETHUSDT's last bar opens an hour before the third day; then the exchange publishes no more (a halt).
      const haltAt = from + 2 * 24 * HOUR;
      const bars = new Map<string, BarSeries>([
        [SYMBOL, sharedBars(SYMBOL, '1h')],
        ['ETHUSDT', ethBars((t) => t < haltAt)],
      ]);
      // Delisted a few minutes after its last bar closed (which the run has fetched by then).
      const { f, engine, said, of, to } = await runEthAndBtc(from, bars, (t) => {
        if (delisted && t >= haltAt + 5 * 60_000) bars.delete('ETHUSDT');
      });
      const asideLines = said.filter((l) => l.startsWith('ETHUSDT: set aside'));
      expect(asideLines).toEqual([
        expect.stringMatching(
          /^ETHUSDT: set aside: no closed 1h bar since 2023-03-03T00:00:00\.000Z while the other symbols' went on; the run trades the others/,
        ),
      ]);
      // Halted, nothing else is said; delisted, the failing fetches (and marks, while it holds ETHUSDT) are.
      if (!delisted) expect(said).toEqual(asideLines);
      else expect(said.some((l) => /^live feed: .*Invalid symbol/.test(l))).toBe(true);
      expect(said.some((l) => l.includes('BTCUSDT'))).toBe(false);
      const aside = of('SymbolSetAside');
      expect(aside.map((e) => e.data)).toMatchObject([{ symbol: 'ETHUSDT', lastBarClose: haltAt }]);
      const asideData = aside[0]!.data as { waitedMs: number; position: string };
      expect(asideData.waitedMs).toBeGreaterThanOrEqual(15 * 60_000);
      expect(fixed(asideData.position)).toBe(fixed(String(engine.position('ETHUSDT'))));
      // BTCUSDT traded on after it, to the end: without the set-aside the run would wait for ETHUSDT for ever.
      const asideAt = Date.parse(aside[0]!.metadata.occurredAt);
      expect(asideAt).toBeLessThan(haltAt + HOUR + 30 * 60_000);
      const btcOrders = of('OrderRequested').filter(
        (e) =>
          (e.data as { symbol: string }).symbol === SYMBOL && Date.parse(e.metadata.occurredAt) > asideAt,
      );
      expect(btcOrders.length).toBeGreaterThan(0);
      expect(engine.lastBarClose(SYMBOL)).toBeGreaterThanOrEqual(to);
      // Every trade the exchange made on either symbol is booked, and the ledger holds what the account holds.
      expect(of('OrderFilled')).toHaveLength(f.engine.trades().length);
      for (const symbol of [SYMBOL, 'ETHUSDT'])
        expect(fixed(String(engine.position(symbol)))).toBe(f.engine.position(symbol));
    },
    120_000,
  );

  it.each([
    ['a halt of six hours ends: no bars in between', 'halt'],
    ['its klines fail for four hours, then answer with every bar since', 'outage'],
  ] as const)(
    'takes a symbol set aside back once the exchange publishes it again (%s)',
    async (_, how) => {
      const from = Date.UTC(2023, 2, 1);
      const haltAt = from + 2 * 24 * HOUR;
      const backAt = haltAt + (how === 'halt' ? 6 : 4) * HOUR;
      // A halt leaves a gap in the exchange's klines; an outage of the symbol's feed leaves none.
      const ethSeries = ethBars((t) => how === 'outage' || t < haltAt || t >= backAt);
      const bars = new Map<string, BarSeries>([
        [SYMBOL, sharedBars(SYMBOL, '1h')],
        ['ETHUSDT', ethSeries],
      ]);
      // The outage: from a few minutes after its last bar the run saw until `backAt`, ETHUSDT's klines and
      // mark answer an error.
      const { f, engine, events, said, of, to } = await runEthAndBtc(from, bars, (t) => {
        if (how !== 'outage') return;
        if (t >= haltAt + 5 * 60_000 && t < backAt) bars.delete('ETHUSDT');
        else bars.set('ETHUSDT', ethSeries);
      });
      expect(of('SymbolSetAside').map((e) => e.data)).toMatchObject([
        { symbol: 'ETHUSDT', lastBarClose: haltAt },
      ]);
      const rejoined = of('SymbolRejoined');
      expect(rejoined).toHaveLength(1);
      const back = rejoined[0]!.data as SymbolRejoinedData;
      const rejoinedAt = Date.parse(rejoined[0]!.metadata.occurredAt);
      expect(back.runAt).toBe(rejoinedAt);
      // It came back with the first bar that closed after the run's time: at once after a halt (its first
      // bar is the one opening when trading resumed); after an outage, every bar before is skipped.
      if (how === 'halt') {
        expect(back).toMatchObject({ symbol: 'ETHUSDT', firstBarOpen: backAt, skippedBars: 0 });
      } else {
        expect(back.firstBarOpen + HOUR).toBeGreaterThan(rejoinedAt);
        expect(back.firstBarOpen).toBeLessThanOrEqual(backAt);
        expect(back.skippedBars).toBe((back.firstBarOpen - haltAt) / HOUR);
      }
      expect(rejoinedAt).toBeLessThan(backAt + 2 * HOUR);
      expect(said.filter((l) => l.startsWith('ETHUSDT: bars again'))).toEqual([
        `ETHUSDT: bars again from ${new Date(back.firstBarOpen).toISOString()}; it rejoins the run (bars closing before the run's time are skipped)`,
      ]);
      // ETHUSDT's bars were replayed again to the end, none of the skipped ones: the strategy decided on
      // bars up to the set-aside and from the rejoin on, and no decision of the run went back in time.
      expect(engine.lastBarClose('ETHUSDT')).toBeGreaterThanOrEqual(to);
      const ethDecided = of('SignalEmitted')
        .map((e) => e.data as { observation: { symbol: string; openTime: number } })
        .filter((d) => d.observation.symbol === 'ETHUSDT')
        .map((d) => d.observation.openTime);
      expect(ethDecided.some((t) => t >= back.firstBarOpen)).toBe(true);
      expect(ethDecided.filter((t) => t >= haltAt && t < back.firstBarOpen)).toEqual([]);
      const times = events
        .filter((e) => !e.streamId.startsWith('account-'))
        .map((e) => Date.parse(e.metadata.occurredAt));
      for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]! - 60_000);
      // Every trade the exchange made is booked, and the ledger holds what the account holds.
      expect(of('OrderFilled')).toHaveLength(f.engine.trades().length);
      // (The engine's position is a float mirror of its ledger: 1.473 reads 1.4729999999999999.)
      for (const symbol of [SYMBOL, 'ETHUSDT'])
        expect(roundTo(fixed(String(engine.position(symbol))), 8, 'half-even')).toBe(
          f.engine.position(symbol),
        );
    },
    120_000,
  );
});
