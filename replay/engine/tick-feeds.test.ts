import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RunInputs } from '../../domain/backtest/events.js';
import { catalogue } from '../../domain/catalogue.js';
import type { StoredEvent } from '../../domain/events/envelope.js';
import { fixed, toText } from '../../domain/ledger/fixed.js';
import type { Instrument } from '../../domain/ledger/instrument.js';
import { binanceUsdm } from '../../domain/ledger/venue.js';
import { L2Book } from '../../domain/sim/l2-book.js';
import { lotsToText, priceToTicks, type TickScale, tickScale, ticksToText } from '../../domain/sim/scale.js';
import type { SignalRecord, StrategyDefinition } from '../../domain/strategy/sdk.js';
import { explainChain, formatChain } from '../audit/explain.js';
import { requestFromInputs } from '../audit/rerun.js';
import { kpiRows } from '../cli/kpi-table.js';
import { defaultEngineSettings, type EngineConfig, type MarketFeeds, type TickCapture } from './config.js';
import { Engine } from './engine.js';
import { FeedError, loadFeeds } from './feeds.js';
import { logHash } from './log-hash.js';
import { runPaper } from './paper.js';
import { foldRun } from './results.js';
import { instrumentBookOnce } from './run.js';

/**
 * A strategy fed trades and books on the real six minutes of BTCUSDT (../shared/data): what it sees,
 * when, and how its orders fill against the same capture, checked against the raw data.
 */

const SYMBOL = 'BTCUSDT';
const why: SignalRecord = { side: 'long', strength: 1, features: { probe: true } };

interface Seen {
  readonly kind: 'bar' | 'trade' | 'book';
  readonly time: number;
  readonly now: number;
}

interface Probe {
  readonly seen: Seen[];
  readonly ids: {
    limit?: string | null;
    market?: string | null;
    far?: string | null;
    cancelled?: boolean;
    exit?: string | null;
  };
  /** The book view the market order was sent on. */
  sentOn?: { time: number; bestAsk: number; askQty: number };
}

/**
 * Once its ATR is ready: joins the bid, parks a far bid and cancels it 2 s later, lifts a thin ask, and
 * on hearing of that fill sells part of it back (reduce-only).
 */
const prober = (probe: Probe): StrategyDefinition => ({
  id: 'tick-prober',
  version: '0.0.1',
  description: 'orders from the book it is handed',
  timeframe: '10s',
  params: z.object({}),
  feeds: { trades: true, book: true },
  create: () => {
    let bars = 0;
    let cancelAt = Number.POSITIVE_INFINITY;
    return {
      onBar(bar, ctx) {
        bars++;
        probe.seen.push({ kind: 'bar', time: bar.closeTime, now: ctx.now });
      },
      onTrade(trade, ctx) {
        probe.seen.push({ kind: 'trade', time: trade.time, now: ctx.now });
      },
      onBook(book, ctx) {
        probe.seen.push({ kind: 'book', time: book.time, now: ctx.now });
        const ids = probe.ids;
        // 15 bars: the ATR(14) the risk check's liquidation-distance rule needs.
        if (bars < 15) return;
        if (ids.limit === undefined) {
          ids.limit = ctx.order(
            { symbol: SYMBOL, side: 'BUY', type: 'LIMIT', quantity: 0.03, price: book.bestBid },
            why,
          );
          ids.far = ctx.order(
            { symbol: SYMBOL, side: 'BUY', type: 'LIMIT', quantity: 0.01, price: book.bestBid * 0.99 },
            why,
          );
          cancelAt = book.time + 2_000;
        }
        if (ids.far && ids.cancelled === undefined && book.time >= cancelAt)
          ids.cancelled = ctx.cancel(ids.far);
        // A thin touch, so the market order is likely to walk past it.
        if (ids.market === undefined && book.askQty < 0.05) {
          probe.sentOn = { time: book.time, bestAsk: book.bestAsk, askQty: book.askQty };
          ids.market = ctx.order(
            {
              symbol: SYMBOL,
              side: 'BUY',
              type: 'MARKET',
              quantity: Math.round((book.askQty + 0.03) * 1000) / 1000,
            },
            why,
          );
        }
      },
      onFill(fill, ctx) {
        if (fill.orderId !== probe.ids.market || probe.ids.exit !== undefined) return;
        probe.ids.exit = ctx.order(
          { symbol: SYMBOL, side: 'SELL', type: 'MARKET', quantity: 0.02, reduceOnly: true },
          { side: 'flat', strength: 0, features: { heardAt: ctx.now } },
        );
      },
    };
  },
});

let instrument: (symbol: string) => Instrument;
let feeds: MarketFeeds;
let capture: TickCapture;
let scale: TickScale;
let from: number;
let to: number;

beforeAll(async () => {
  const book = await instrumentBookOnce();
  instrument = book.get;
  const loaded = loadFeeds([SYMBOL], '10s', {
    ticks: (s) => tickScale(toText(book.get(s).tickSize), toText(book.get(s).stepSize)),
  });
  feeds = loaded.feeds;
  capture = feeds.ticks!.get(SYMBOL)!;
  scale = capture.scale;
  from = loaded.coverage[0]!.from;
  to = loaded.coverage[0]!.to;
});

const config = (strategy: StrategyDefinition, over: Partial<EngineConfig> = {}): EngineConfig => ({
  ...defaultEngineSettings,
  // Pinned rather than the default: the walk and the queue below follow from these milliseconds.
  tickLatency: {
    submit: { baseMs: 20, jitterMs: 10 },
    ack: { baseMs: 5, jitterMs: 5 },
    cancel: { baseMs: 20, jitterMs: 10 },
  },
  runId: 'tick-probe',
  strategy,
  params: {},
  symbols: [SYMBOL],
  from,
  to,
  instrument,
  venueRules: binanceUsdm,
  breaker: null,
  ...over,
});

const run = (mode: 'backtest' | 'paper' = 'backtest') => {
  const probe: Probe = { seen: [], ids: {} };
  const engine = new Engine(config(prober(probe), { mode }), feeds);
  return { probe, engine };
};

/** The book as the raw capture has it after every depth message stamped ≤ t, rebuilt independently. */
const bookAt = (t: number): L2Book => {
  const b = new L2Book();
  const s = capture.snapshot;
  b.resetToSnapshot(s.lastUpdateId);
  for (let i = 0; i < s.lots.length; i++)
    b.setLevel(s.isAsk[i] ? 'ask' : 'bid', s.priceTicks[i]!, s.lots[i]!);
  const dp = capture.depth;
  for (let m = 0; m < dp.messages && dp.time[m]! <= t; m++) {
    if (b.beginMessage(dp.firstId[m]!, dp.lastId[m]!, dp.prevId[m]!) === 'drop') continue;
    for (let r = dp.rowStart[m]!; r < dp.rowStart[m + 1]!; r++)
      b.setLevel(dp.isAsk[r] ? 'ask' : 'bid', dp.priceTicks[r]!, dp.lots[r]!);
  }
  return b;
};

const of = (events: readonly StoredEvent[], orderId: string | null | undefined) =>
  events.filter((e) => e.streamId === `order-${orderId}`);
const at = (e: StoredEvent) => Date.parse(e.metadata.occurredAt);
const lots = (text: string) => Math.round(Number(text) * 1000);

describe('a strategy fed trades and books on the real BTCUSDT capture', () => {
  let probe: Probe;
  let engine: Engine;
  let events: readonly StoredEvent[];
  let hash: string;
  beforeAll(() => {
    const r = run();
    r.engine.runToEnd();
    probe = r.probe;
    engine = r.engine;
    events = r.engine.store.raw();
    hash = logHash(events);
  });

  it('hands over every trade and book update of the span in time order, merged with the bars, never ahead of now', () => {
    const { seen } = probe;
    for (let i = 0; i < seen.length; i++) {
      expect(seen[i]!.time).toBeLessThanOrEqual(seen[i]!.now);
      if (i > 0) {
        expect(seen[i]!.time).toBeGreaterThanOrEqual(seen[i - 1]!.time);
        expect(seen[i]!.now).toBeGreaterThanOrEqual(seen[i - 1]!.now);
      }
    }
    const tr = capture.trades;
    const inSpan = Array.from(tr.time).filter((t) => t >= from && t < to);
    expect(seen.filter((x) => x.kind === 'trade').map((x) => x.time)).toEqual(inSpan);
    const depthTimes = new Set(Array.from(capture.depth.time).filter((t) => t >= from && t < to));
    expect(seen.filter((x) => x.kind === 'book').map((x) => x.time)).toEqual([...depthTimes]);
    expect(seen.filter((x) => x.kind === 'bar')).toHaveLength(Math.round((to - from) / 10_000));
    // A bar closing at t goes before the prints stamped t: they belong to the next bar.
    for (let i = 1; i < seen.length; i++)
      if (seen[i]!.kind === 'bar') expect(seen[i - 1]!.time).toBeLessThan(seen[i]!.time);
  });

  it('fills the market order by walking the book as it stood when the order reached the venue', () => {
    const es = of(events, probe.ids.market);
    expect(es.map((e) => e.type).slice(0, 2)).toEqual(['OrderRequested', 'OrderAccepted']);
    const arrived = at(es[1]!);
    expect(arrived).toBeGreaterThan(probe.sentOn!.time); // the submit latency
    const fills = es.filter((e) => e.type === 'OrderFilled').map((e) => e.data as Record<string, string>);
    const asked = lots((es[0]!.data as { quantity: string }).quantity);
    const walk: string[] = [];
    let left = asked;
    bookAt(arrived).asks.forEachLevel((px, qty) => {
      const take = Math.min(left, qty);
      walk.push(`${lotsToText(scale, take)}@${ticksToText(scale, px)}`);
      left -= take;
      return left > 0;
    });
    expect(fills.map((f) => `${f.quantity}@${f.price}`)).toEqual(walk);
    // The touch it was sent on was thin, and was still thin on arrival: the walk went past it.
    expect(walk.length).toBeGreaterThanOrEqual(2);
    expect(fills.every((f) => f.liquidity === 'taker')).toBe(true);
    expect(es.at(-1)!.type).toBe('OrderFilled');
    for (const e of es.slice(2)) expect(at(e)).toBe(arrived);
  });

  it('fills the joined bid as maker, only once prints and cancels at its price have used up the queue ahead', () => {
    const es = of(events, probe.ids.limit);
    const req = es[0]!.data as { price: string; quantity: string };
    expect(es[1]!.type).toBe('OrderAccepted');
    const arrived = at(es[1]!);
    const first = es.find((e) => e.type === 'OrderFilled');
    expect(first, 'the bid joined at the touch fills within the capture').toBeDefined();
    const fill = first!.data as { price: string; quantity: string; liquidity: string };
    expect(fill).toMatchObject({ price: req.price, liquidity: 'maker' });
    const filledAt = at(first!);
    const px = priceToTicks(scale, Number(req.price));
    const queue0 = bookAt(arrived).bids.get(px);
    expect(queue0).toBeGreaterThan(0);
    const tr = capture.trades;
    let soldAt = 0;
    let soldThrough = 0;
    let filledBy = -1;
    for (let i = 0; i < tr.length; i++) {
      if (tr.time[i]! <= arrived || tr.time[i]! > filledAt) continue;
      if (tr.priceTicks[i]! < px) soldThrough += tr.lots[i]!;
      else if (tr.priceTicks[i] === px && tr.sellerTaker[i] === 1) soldAt += tr.lots[i]!;
      if (tr.time[i] === filledAt && (tr.priceTicks[i]! < px || tr.sellerTaker[i] === 1)) filledBy = i;
    }
    // The fill is a print that sold at our price or through it.
    expect(filledBy).toBeGreaterThanOrEqual(0);
    if (soldThrough === 0) {
      let level = queue0;
      let decreases = 0;
      const dp = capture.depth;
      for (let m = 0; m < dp.messages; m++) {
        if (dp.time[m]! <= arrived || dp.time[m]! >= filledAt) continue;
        for (let r = dp.rowStart[m]!; r < dp.rowStart[m + 1]!; r++) {
          if (dp.isAsk[r] === 1 || dp.priceTicks[r] !== px) continue;
          decreases += Math.max(0, level - dp.lots[r]!);
          level = dp.lots[r]!;
        }
      }
      // What left the level before us (sold or cancelled) covers the queue that was ahead, and the fill.
      expect(soldAt + decreases).toBeGreaterThanOrEqual(queue0 + lots(fill.quantity));
    }
  });

  it('records every step from the signal to the settlement, each caused by the one before', () => {
    const byId = new Map(events.map((e) => [e.eventId, e]));
    const cause = (e: StoredEvent) => byId.get(e.metadata.causationId!)!;
    for (const id of [probe.ids.market, probe.ids.limit]) {
      const es = of(events, id);
      const requested = es[0]!;
      const risk = cause(requested);
      const signal = cause(risk);
      expect([requested.type, risk.type, signal.type]).toEqual([
        'OrderRequested',
        'RiskDecided',
        'SignalEmitted',
      ]);
      const obs = (signal.data as { observation: { tick: { kind: string; time: number } } }).observation;
      expect(obs.tick.kind).toBe('book');
      expect(signal.metadata.correlationId).toBe(`obs:${SYMBOL}:book:${obs.tick.time}`);
      expect(cause(es[1]!)).toBe(requested);
      const fills = es.filter((e) => e.type === 'OrderFilled');
      expect(fills.length).toBeGreaterThan(0);
      for (const f of fills) {
        expect(cause(f)).toBe(es[1]);
        const settled = events.filter((e) => e.metadata.causationId === f.eventId);
        expect(settled.map((e) => e.type)).toEqual(['FillSettled']);
        const fee = events.find((e) => e.metadata.causationId === settled[0]!.eventId)!;
        expect(fee.type).toBe('FeeCharged');
        const d = f.data as { quantity: string; price: string; liquidity: string };
        const rate = d.liquidity === 'maker' ? fixed('0.0002') : fixed('0.0005');
        expect(fixed((fee.data as { amount: string }).amount)).toBe(
          (fixed(d.quantity) * fixed(d.price) * rate) / 10n ** 36n,
        );
      }
      for (const e of [signal, risk, ...es])
        expect(e.metadata.correlationId).toBe(signal.metadata.correlationId);
      const positions = [signal, risk, ...es].map((e) => e.globalPosition);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    }
    // Decided on hearing of a fill: that report is its observation, at the time the strategy heard it.
    const exit = of(events, probe.ids.exit);
    const exitSignal = cause(cause(exit[0]!));
    expect(exitSignal.type).toBe('SignalEmitted');
    const heardAt = (exitSignal.data as { features: { heardAt: number } }).features.heardAt;
    expect((exitSignal.data as { observation: unknown }).observation).toMatchObject({
      tick: { kind: 'fill', time: heardAt },
    });
    expect(heardAt).toBeGreaterThan(at(of(events, probe.ids.market).find((e) => e.type === 'OrderFilled')!));
    expect(exit.map((e) => e.type)).toEqual(['OrderRequested', 'OrderAccepted', 'OrderFilled']);
    expect(exit[0]!.data).toMatchObject({ reduceOnly: true, side: 'SELL' });
    expect(probe.ids.cancelled).toBe(true);
    expect(of(events, probe.ids.far).map((e) => e.type)).toEqual([
      'OrderRequested',
      'OrderAccepted',
      'OrderCancelled',
    ]);
  });

  it('explains a tick-driven chain from the book update that started it', async () => {
    const chain = formatChain(await explainChain(engine.store, probe.ids.market!));
    expect(chain).toMatch(/observation {2}BTCUSDT book at 2024-08-08T23:5\d:\d\d\.\d{3}Z/);
    expect(chain).toMatch(/saw a BTCUSDT book at .* \(in the 10s bar opened .*\) → long/);
    expect(chain).toContain('chain complete');
  });

  it('writes only events that pass their schemas, and the ledger reconciles to the last unit', () => {
    const cat = catalogue();
    events.forEach((e, i) => {
      const { recordedAt: _r, ...metadata } = e.metadata;
      expect(() =>
        cat.validate({ eventId: e.eventId, type: e.type, data: e.data, metadata }, i),
      ).not.toThrow();
    });
    const sum = (type: string, field: string) =>
      events
        .filter((e) => e.type === type)
        .reduce((s, e) => s + fixed(String((e.data as Record<string, unknown>)[field])), 0n);
    const account = engine.ledgerAccount;
    let wallet = account.crossWallet;
    for (const p of account.positions.values()) wallet += p.isolatedWallet;
    expect(sum('FeeCharged', 'amount')).toBeGreaterThan(0n);
    expect(wallet - sum('FundsDeposited', 'amount')).toBe(
      sum('FillSettled', 'realisedPnl') - sum('FeeCharged', 'amount') + sum('FundingPaid', 'amount'),
    );
  });

  it('writes the same log again from the same inputs, and in paper mode at any speed', async () => {
    const again = run();
    again.engine.runToEnd();
    expect(logHash(again.engine.store.raw())).toBe(hash);
    const paper = run('paper');
    let fake = 0;
    await runPaper(paper.engine, {
      speed: 1_000,
      clock: {
        now: () => fake,
        sleep: async (ms) => {
          fake += ms;
        },
      },
    });
    const strip = (es: readonly StoredEvent[]) =>
      es.map((e) => [
        e.type,
        e.streamId,
        e.type === 'RunStarted' ? { ...(e.data as object), mode: '-' } : e.data,
      ]);
    expect(strip(paper.engine.store.raw())).toEqual(strip(events));
    expect(paper.probe.seen).toEqual(probe.seen);
  });
});

describe('a strategy asking for trades or books where there are none', () => {
  const hungry: StrategyDefinition = {
    id: 'hungry',
    version: '0.0.1',
    description: 'asks for trades',
    timeframe: '1h',
    params: z.object({}),
    feeds: { trades: true },
    create: () => ({ onTrade() {} }),
  };
  const span = { from: Date.UTC(2023, 0, 1), to: Date.UTC(2023, 1, 1) };

  it('is refused with the symbol and the span that have no trade/L2 data', () => {
    const bars = loadFeeds([SYMBOL], '1h').feeds;
    expect(() => new Engine(config(hungry, span), bars)).toThrow(
      'hungry asks for trades, but there is no BTCUSDT trade/L2 data for the run (2023-01-01T00:00:00.000Z .. 2023-02-01T00:00:00.000Z)',
    );
    // A capture from another time does not count.
    expect(() => new Engine(config(hungry, span), { ...bars, ticks: feeds.ticks! })).toThrow(
      /hungry asks for trades, but the BTCUSDT trade\/L2 data does not cover the run \(2023-01-01T00:00:00\.000Z \.\. 2023-02-01T00:00:00\.000Z\): it has 21313 trades and 6551 depth messages over 2024-08-08T23:54:16\.\d+Z \.\. 2024-08-09T00:00:01\.\d+Z/,
    );
  });

  it('is refused when the data set has no capture for the symbol', () => {
    const scale = tickScale('0.01', '0.001');
    expect(() => loadFeeds(['ETHUSDT'], '10s', { ticks: () => scale })).toThrow(FeedError);
    expect(() => loadFeeds(['ETHUSDT'], '10s', { ticks: () => scale })).toThrow(/no ETHUSDT trade\/L2 data/);
  });
});

describe('a run on the account’s own rates: a rebate tier pays its maker fills', () => {
  it('books the rates at the start, records them, and pays each maker fill its rebate', () => {
    const probe: Probe = { seen: [], ids: {} };
    const rates = { maker: '-0.00005', taker: '0.0003' };
    const engine = new Engine(config(prober(probe), { runId: 'tick-rebate', feeRates: rates }), feeds);
    engine.runToEnd();
    const events = engine.store.raw();
    const started = events.find((e) => e.type === 'RunStarted')!.data as RunInputs;
    expect(started.config.feeRates).toEqual(rates);
    // A re-run asks for the same rates.
    expect(requestFromInputs(started).engine?.feeRates).toEqual(rates);
    expect(events.filter((e) => e.type === 'FeeRatesSet').map((e) => e.data)).toEqual([
      { symbol: SYMBOL, makerRate: '-0.00005', takerRate: '0.0003' },
    ]);
    const byCause = new Map(events.map((e) => [e.metadata.causationId, e]));
    let makers = 0;
    let net = 0n;
    let paid = 0n;
    for (const f of events.filter((e) => e.type === 'FillSettled')) {
      const d = f.data as { quantity: string; price: string; liquidity: string };
      const fee = byCause.get(f.eventId)!;
      expect(fee.type).toBe('FeeCharged');
      const rate = fixed(d.liquidity === 'maker' ? rates.maker : rates.taker);
      // Half-up to 8 places, symmetric about zero: a rebate rounds as a fee does.
      const exact = fixed(d.quantity) * fixed(d.price) * rate;
      const unit = 10n ** 46n;
      const half = (exact < 0n ? -exact : exact) + unit / 2n;
      const rounded = ((half / unit) * unit) / 10n ** 36n;
      const amount = fixed((fee.data as { amount: string }).amount);
      expect(amount).toBe(exact < 0n ? -rounded : rounded);
      if (d.liquidity === 'maker') {
        makers++;
        expect(amount < 0n).toBe(true);
        paid -= amount;
      }
      net += amount;
    }
    expect(makers, 'the joined bid fills as maker').toBeGreaterThan(0);
    // The results' fees are the net of fees and rebates, as the wallet moved.
    const kpis = foldRun(events).kpis();
    expect(kpis.fees).toBeCloseTo(Number(toText(net)), 8);
    // What the maker fills were paid, said apart, and in the KPI table a person reads.
    expect(kpis.rebates).toBeCloseTo(Number(toText(paid)), 8);
    const rows = kpiRows(kpis);
    expect(rows[rows.findIndex(([k]) => k === 'fees') + 1]).toEqual([
      'maker rebates',
      kpis.rebates.toFixed(2),
    ]);
    expect(kpiRows({ ...kpis, rebates: 0 }).some(([k]) => k === 'maker rebates')).toBe(false);
  });
});
