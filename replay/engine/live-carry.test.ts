import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from '../../adapters/venue/testing/venue-harness.js';
import type { PositionTakenOverData } from '../../domain/ledger/events.js';
import { fixed, mul, toText } from '../../domain/ledger/fixed.js';
import type { BackstopPlan } from '../../domain/risk/backstop.js';
import type { BreakerLevelChangedData } from '../../domain/risk/breaker.js';
import type { CarriedLadder } from '../../domain/risk/carried-ladder.js';
import type { RiskDecidedData } from '../../domain/risk/events.js';
import type { StopAdjustedData, StopStatusChangedData } from '../../domain/risk/stops.js';
import type { CarriedBreakers, CarriedRiskState, CarryOver } from './config.js';
import { RunResults } from './results.js';
import {
  enterWithBackstop,
  HOUR,
  type LiveAccountRun,
  openLiveAccountRun,
  SYMBOL,
  WARMUP,
} from './testing/live-account.js';

/**
 * A real run started after a crash carries on with what the run before it still holds on the exchange
 * (liveOrders.carry): it takes the position over at its cost once its warm-up has shown what the strategy
 * would hold, keeps it under a fresh stop ladder and backstop when the strategy wants that side, and closes
 * it at once when not. The exchange's position never moves for the take-over itself.
 */

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const backstop: BackstopPlan = { bufferBps: 50, moveBps: 20 };
/** What the earlier run's ledger held: 0.05 BTC long, bought at 26,000 (2023-05-31's prices). */
const LEFT = { symbol: SYMBOL, quantity: '0.05', cost: '1300' };

const open = async (
  plan: Record<number, number>,
  ladder?: (bars: LiveAccountRun['bars']) => CarriedLadder,
): Promise<LiveAccountRun> => {
  let carry: CarryOver = { fromAccount: 'real-earlier', positions: [LEFT] };
  if (ladder !== undefined) {
    // The ladder is made from the bars the run will warm up on (the same slice of the shared data).
    const peek = await openLiveAccountRun({ stopAtrMultiple: 3 }, plan, backstop, 8);
    const made = ladder(peek.bars);
    await peek.harness.close();
    carry = { ...carry, positions: [{ ...LEFT, ladder: made }] };
  }
  const run = await openLiveAccountRun({ stopAtrMultiple: 3 }, plan, backstop, 8, { carry });
  h = run.harness;
  // The exchange account holds what the earlier run left.
  run.harness.fake.engine.setPosition(SYMBOL, LEFT.quantity);
  return run;
};

/** Steps the first live bar and waits until the exchange has answered what it sent. */
const firstBar = async (run: LiveAccountRun, until: () => boolean) => {
  const close = run.barCloses(run.warmupEnd + 1);
  const started = Date.now();
  do {
    await run.settle(close + HOUR - 1);
    await new Promise((r) => setTimeout(r, 5));
    if (Date.now() - started > 10_000) throw new Error('timed out waiting for the exchange');
  } while (!until());
  return close;
};

describe('a real run that carries on what the run before it left', () => {
  it('takes the position over at its cost, with no trade, and keeps it under a new ladder and backstop while the strategy wants it', async () => {
    // The strategy's last warm-up bar targets a long: what it would hold now.
    const run = await open({ 0: 0.5, 4: 0 });
    const { engine, events, of, harness } = run;
    await firstBar(run, () => of('OrderAccepted').length >= 1);
    const taken = of('PositionTakenOver');
    expect(taken.map((e) => [e.streamId, e.data])).toEqual([
      [
        'account-binance:live-orders',
        {
          symbol: SYMBOL,
          positionSide: 'BOTH',
          strategyId: 'scripted-live',
          quantity: '0.05',
          cost: '1300',
          entryPrice: '26000',
          fromAccount: 'real-earlier',
        },
      ],
    ]);
    // The earlier run's ledger gives it up in the very next event, in its own stream.
    const at = events.indexOf(taken[0]!);
    const handed = events[at + 1]!;
    expect(handed.type).toBe('PositionHandedOver');
    expect(handed.streamId).toBe('account-binance:real-earlier');
    const { fromAccount: _f, ...moved } = taken[0]!.data as PositionTakenOverData;
    expect(handed.data).toEqual({ ...moved, toAccount: 'live-orders' });
    expect(handed.metadata.causationId).toBe(taken[0]!.eventId);
    // No trade for the take-over: the only order is the backstop resting at the exchange.
    const requested = of('OrderRequested').map((e) => e.data as { type: string; reduceOnly: boolean });
    expect(requested).toEqual([expect.objectContaining({ type: 'STOP_MARKET', reduceOnly: true })]);
    expect(harness.fake.engine.trades()).toHaveLength(0);
    expect(engine.position(SYMBOL)).toBe(0.05);
    // The ladder is armed from the last close (not from the old entry), three ATRs below it.
    const placed = of('StopAdjusted').map((e) => e.data as { action: string; inputs: { entry: number } });
    expect(placed[0]).toMatchObject({ action: 'placed' });
    expect(placed[0]!.inputs.entry).toBe(run.bars.close[run.warmupEnd]);
    // The strategy's exit four bars on closes it, and the ledger realises the whole move from 26,000.
    for (let i = 2; i <= 4; i++) run.barCloses(run.warmupEnd + i);
    const exitBar = run.warmupEnd + 4;
    const started = Date.now();
    while (harness.fake.engine.position(SYMBOL) !== 0n || of('FillSettled').length < 1) {
      await run.settle(run.bars.openTime[exitBar]! + 2 * HOUR - 1);
      await new Promise((r) => setTimeout(r, 5));
      if (Date.now() - started > 10_000) throw new Error('timed out waiting for the exit');
    }
    const settled = of('FillSettled')[0]!.data as { price: string; realisedPnl: string };
    expect(fixed(settled.realisedPnl)).toBe(mul(fixed(settled.price), fixed('0.05')) - fixed('1300'));
    expect(engine.ledgerAccount.totals.realisedPnl).toBe(fixed(settled.realisedPnl));
    // The run's results count the carried position as one round trip of its own, from its real entry.
    const results = new RunResults();
    for (const e of events) results.apply(e);
    expect(results.trades).toEqual([
      expect.objectContaining({ side: 'long', entryPrice: 26_000, exitPrice: Number(settled.price) }),
    ]);
    expect(results.trades[0]!.realisedPnl).toBeCloseTo(Number(settled.realisedPnl), 6);
  });

  it.each([
    ['its last warm-up target is the other side', { 0: -0.5 }],
    ['it asked for nothing in the warm-up', {}],
  ])(
    'takes the position over and closes it at once when the strategy would not hold it: %s',
    async (_, plan) => {
      const run = await open(plan);
      const { engine, of, harness } = run;
      await firstBar(
        run,
        () => harness.fake.engine.position(SYMBOL) === 0n && of('FillSettled').length === 1,
      );
      expect(of('PositionTakenOver')).toHaveLength(1);
      expect(of('PositionHandedOver')).toHaveLength(1);
      const requested = of('OrderRequested').map(
        (e) => e.data as { type: string; side: string; reduceOnly: boolean; quantity: string },
      );
      expect(requested).toEqual([
        expect.objectContaining({ type: 'MARKET', side: 'SELL', reduceOnly: true, quantity: '0.05' }),
      ]);
      expect(of('StopAdjusted')).toEqual([]);
      expect(engine.position(SYMBOL)).toBe(0);
      const settled = of('FillSettled')[0]!.data as { price: string; realisedPnl: string };
      expect(fixed(settled.realisedPnl)).toBe(mul(fixed(settled.price), fixed('0.05')) - fixed('1300'));
      expect(toText(harness.fake.engine.position(SYMBOL))).toBe('0');
    },
  );

  /** The earlier run's ladder: opened six warm-up bars ago at 26,000, trailed up, its first target taken. */
  const earlierLadder =
    (stopBelowClose: number) =>
    (bars: LiveAccountRun['bars']): CarriedLadder => {
      const last = bars.close[WARMUP - 1]!;
      return {
        positionId: 'real-earlier-BTCUSDT-3',
        symbol: SYMBOL,
        side: 'long',
        openedAt: bars.openTime[WARMUP - 6]!,
        entry: 26_000,
        initialStop: '25500',
        protective: {
          layer: 'chandelier',
          price: String(Math.round(last - stopBelowClose)),
          status: 'armed',
        },
        takeProfits: [
          { legId: 'real-earlier-BTCUSDT-3:tp1', price: '26500', quantity: '0.025', status: 'filled' },
          {
            legId: 'real-earlier-BTCUSDT-3:tp2',
            price: String(Math.round(last + 2_000)),
            quantity: '0.02',
            status: 'armed',
          },
        ],
        timeStop: null,
        best: 26_000,
      };
    };

  it("keeps the earlier run's ladder where it stood: its trailed stop, its target not taken, its best since it opened", async () => {
    const run = await open({ 0: 0.5 }, earlierLadder(150));
    const { of, harness, bars } = run;
    await firstBar(run, () => of('OrderAccepted').length >= 1);
    const last = bars.close[run.warmupEnd]!;
    const placed = of('StopAdjusted').map((e) => e.data as StopAdjusted);
    expect(placed.map((d) => [d.legId, d.layer, d.action, d.price, d.quantity])).toEqual([
      ['live-orders-BTCUSDT-1:stop', 'chandelier', 'placed', String(Math.round(last - 150)), '0.05'],
      ['live-orders-BTCUSDT-1:tp2', 'take-profit', 'placed', String(Math.round(last + 2_000)), '0.02'],
    ]);
    // Its best is the highest high of the bars since it opened, which the run replayed in its warm-up.
    let best = 26_000;
    for (let k = WARMUP - 6; k < WARMUP; k++) best = Math.max(best, bars.high[k]!);
    const openedAt = bars.openTime[WARMUP - 6]!;
    expect(placed[0]!.inputs).toMatchObject({
      carriedFrom: 'real-earlier-BTCUSDT-3',
      openedAt,
      entry: 26_000,
      initialStop: '25500',
      best,
      bars: Math.floor((placed[0]!.at - openedAt) / HOUR),
    });
    // The backstop at the exchange rests 50 bp beyond the carried stop, not beyond a fresh one 3 ATRs down.
    const backstopOrder = of('OrderRequested').map((e) => e.data as { type: string; stopPrice: string })[0]!;
    expect(backstopOrder.type).toBe('STOP_MARKET');
    expect(Number(backstopOrder.stopPrice)).toBeCloseTo((last - 150) * 0.995, -1);
    expect(harness.fake.engine.trades()).toHaveLength(0);
  });

  it('exits at once, through the ladder, when the market went through its stop while no process followed it', async () => {
    const run = await open({ 0: 0.5 }, earlierLadder(-100));
    const { engine, of, harness, bars } = run;
    await firstBar(run, () => harness.fake.engine.position(SYMBOL) === 0n && of('FillSettled').length === 1);
    const last = bars.close[run.warmupEnd]!;
    const triggered = of('StopStatusChanged').map((e) => e.data as StopStatusChangedData);
    expect(triggered[0]).toMatchObject({
      legId: 'live-orders-BTCUSDT-1:stop',
      to: 'triggered',
      reason: `the last close ${last} is through its chandelier stop ${Math.round(last + 100)}`,
    });
    const requested = of('OrderRequested').map(
      (e) => e.data as { type: string; side: string; reduceOnly: boolean; quantity: string },
    );
    expect(requested).toEqual([
      expect.objectContaining({ type: 'MARKET', side: 'SELL', reduceOnly: true, quantity: '0.05' }),
    ]);
    expect(engine.position(SYMBOL)).toBe(0);
    // The ladder books its exit like any stop's: filled, every other leg cancelled.
    const statuses = of('StopStatusChanged').map((e) => {
      const d = e.data as StopStatusChangedData;
      return [d.legId, d.to];
    });
    expect(statuses).toEqual([
      ['live-orders-BTCUSDT-1:stop', 'triggered'],
      ['live-orders-BTCUSDT-1:stop', 'filled'],
      ['live-orders-BTCUSDT-1:tp2', 'cancelled'],
    ]);
  });

  it("starts its breakers where the earlier run's stood, and sizes its entries by them", async () => {
    const entered = async (breakers?: CarriedBreakers, riskState?: CarriedRiskState) => {
      const run = await openLiveAccountRun({ stopAtrMultiple: 3 }, { 1: 0.5 }, backstop, 8, {
        ...(breakers ? { breakers } : {}),
        ...(riskState ? { riskState } : {}),
      });
      h = run.harness;
      await enterWithBackstop(run);
      const quantity = Number(
        run
          .of('OrderRequested')
          .map((e) => e.data as { type: string; quantity: string })
          .find((d) => d.type === 'MARKET')!.quantity,
      );
      const moves = run.of('BreakerLevelChanged').map((e) => [e.streamId, e.data]);
      const level = run.engine.breakerLevel;
      const carried = run.of('RiskStateCarried').map((e) => [e.streamId, e.data]);
      await h.close();
      h = null;
      return { quantity, moves, level, carried };
    };
    const fresh = await entered();
    const carried = await entered({ from: 'real-earlier', strategy: 'reduce', account: 'warn' });
    expect(fresh.level).toBe('normal');
    expect(carried.level).toBe('reduce');
    expect(carried.moves).toEqual([
      [
        'breaker-strategy-live-orders',
        expect.objectContaining({
          from: 'normal',
          to: 'reduce',
          direction: 'up',
          triggers: [],
          carriedFrom: 'real-earlier',
        }),
      ],
      [
        'breaker-account-live-orders',
        expect.objectContaining({
          from: 'normal',
          to: 'warn',
          direction: 'up',
          triggers: [],
          carriedFrom: 'real-earlier',
        }),
      ],
    ]);
    // At reduce the run enters smaller than it would at normal.
    expect(carried.quantity).toBeGreaterThan(0);
    expect(carried.quantity).toBeLessThan(fresh.quantity);
    expect(fresh.carried).toEqual([]);

    // Its Kelly record goes on too: 60 round trips, the last 50 kept, 10 of them winners paying 1.5× the
    // losers. Full Kelly is negative, so its risk per trade is at the floor, where a run with no record
    // would risk the whole of it.
    const nets = Array.from({ length: 60 }, (_, i) => (i >= 10 && i % 5 === 0 ? 15 : -10));
    const kept = await entered(undefined, { from: 'real-earlier', nets });
    expect(kept.carried).toEqual([
      [
        'risk-live-orders',
        {
          accountId: 'live-orders',
          from: 'real-earlier',
          nets: nets.slice(10),
          kelly: { winRate: 0.2, payoff: 1.5, trades: 50 },
          dayLoss: null,
          drawdown: 0,
          lossStreak: 0,
          // Flat at its start: the bases are its equity.
          equity: 10_000,
          breakerPeak: 10_000,
          dayStartEquity: 10_000,
          marks: [],
          equitySlope: null,
          orderTimes: [],
        },
      ],
    ]);
    expect(kept.quantity).toBeGreaterThan(0);
    expect(kept.quantity).toBeLessThan(fresh.quantity);
  });

  it("counts the day's loss on from what the earlier run had lost that day: past the limit, it opens nothing", async () => {
    const day = Date.UTC(2023, 5, 1);
    const decided = async (loss: number) => {
      const run = await openLiveAccountRun({ stopAtrMultiple: 3 }, { 1: 0.5 }, backstop, 8, {
        riskState: { from: 'real-earlier', nets: [], dayLoss: { day, loss } },
      });
      h = run.harness;
      const close = run.barCloses(run.warmupEnd + 1);
      await run.settle(close + HOUR - 1);
      const carried = run.of('RiskStateCarried').map((e) => e.data);
      const risk = run.of('RiskDecided').map((e) => e.data as RiskDecidedData)[0]!;
      await h.close();
      h = null;
      return { carried, risk };
    };
    // 2 % lost already: the limit (5 %) judges this run's equity against the day's start, 2 % above it.
    const some = await decided(0.02);
    expect(some.carried).toEqual([
      {
        accountId: 'live-orders',
        from: 'real-earlier',
        nets: [],
        kelly: null,
        dayLoss: { day, loss: 0.02 },
        drawdown: 0,
        lossStreak: 0,
        equity: 10_000,
        breakerPeak: 10_000,
        dayStartEquity: 10_000 / 0.98,
        marks: [],
        equitySlope: null,
        orderTimes: [],
      },
    ]);
    expect(Number(some.risk.context.dayStartEquity)).toBeCloseTo(Number(some.risk.context.equity) / 0.98, 2);
    expect(some.risk.outcome).not.toBe('reject');
    // 6 % lost already: no new entry today.
    const past = await decided(0.06);
    expect(past.risk.outcome).toBe('reject');
    expect(past.risk.checks.find((c) => c.rule === 'daily-loss')?.verdict).toBe('fail');
  });

  it("measures its breaker on from the earlier run's drawdown and losing streak", async () => {
    // Flat all along, so its equity stays where it started: 10 % below the carried peak.
    const run = await openLiveAccountRun({ stopAtrMultiple: 3 }, {}, backstop, 8, {
      riskState: { from: 'real-earlier', nets: [], drawdown: 0.1, lossStreak: 5 },
    });
    h = run.harness;
    const close = run.barCloses(run.warmupEnd + 1);
    await run.settle(close + HOUR - 1);
    expect(run.of('RiskStateCarried').map((e) => e.data)).toEqual([
      {
        accountId: 'live-orders',
        from: 'real-earlier',
        nets: [],
        kelly: null,
        dayLoss: null,
        drawdown: 0.1,
        lossStreak: 5,
        equity: 10_000,
        breakerPeak: 10_000 / 0.9,
        dayStartEquity: 10_000,
        marks: [],
        equitySlope: null,
        orderTimes: [],
      },
    ]);
    // Its first equity mark: drawdown 10 % ≥ 8 % (reduce), a streak of 5 ≥ 4 (warn).
    const moved = run.of('BreakerLevelChanged').map((e) => e.data as BreakerLevelChangedData);
    expect(moved.map((d) => [d.scope, d.from, d.to])).toEqual([
      ['strategy', 'normal', 'reduce'],
      ['account', 'normal', 'reduce'],
    ]);
    expect(moved[0]!.measured.drawdown).toBeCloseTo(0.1, 9);
    expect(moved[0]!.measured.lossStreak).toBe(5);
    expect(moved[0]!.triggers.map((t) => [t.metric, t.level])).toEqual([
      ['drawdown', 'reduce'],
      ['lossStreak', 'warn'],
    ]);
  });

  it("reads its equity slope on from the earlier run's marks, scaled onto its own equity", async () => {
    // The earlier run's last day: 24 marks sliding from 20,000 to 19,540 (another share of the account).
    const earlier = Array.from({ length: 24 }, (_, i) => 20_000 - 20 * i);
    const run = await openLiveAccountRun({ stopAtrMultiple: 3 }, {}, backstop, 8, {
      riskState: { from: 'real-earlier', nets: [], marks: earlier },
    });
    h = run.harness;
    const close = run.barCloses(run.warmupEnd + 1);
    await run.settle(close + HOUR - 1);
    const [carried] = run
      .of('RiskStateCarried')
      .map((e) => e.data as { marks: number[]; equitySlope: number });
    // Scaled so the last is this run's equity (10,000): a slope of −10 a mark, where a fresh run reads none.
    expect(carried!.marks).toHaveLength(24);
    expect(carried!.marks.at(-1)).toBeCloseTo(10_000, 9);
    expect(carried!.marks[0]).toBeCloseTo(10_000 * (20_000 / 19_540), 9);
    expect(carried!.equitySlope).toBeCloseTo(-20 * (10_000 / 19_540), 9);
  });

  /** The desk's limit of two orders a day, as it reaches a running engine (EngineRun.readDeskLimits). */
  const twoADay = (run: LiveAccountRun) =>
    run.engine.applyRiskLimits({
      changeId: 'two-a-day',
      scope: 'defaults',
      key: null,
      limits: { maxOrdersPerWindow: 2, orderRateWindowMs: 24 * HOUR },
    });

  it("counts its order rate on with the earlier run's orders: a desk's count per day does not start again", async () => {
    const start = Date.UTC(2023, 5, 1);
    const decided = async (orderTimes: number[]) => {
      const run = await openLiveAccountRun({ stopAtrMultiple: 3 }, { 1: 0.5 }, backstop, 8, {
        riskState: { from: 'real-earlier', nets: [], orderTimes },
      });
      h = run.harness;
      // The desk allows two orders a day; its limits reach the run once it has started.
      twoADay(run);
      const close = run.barCloses(run.warmupEnd + 1);
      await run.settle(close + HOUR - 1);
      const carried = run.of('RiskStateCarried').map((e) => (e.data as { orderTimes: number[] }).orderTimes);
      const risk = run.of('RiskDecided').map((e) => e.data as RiskDecidedData)[0]!;
      await h.close();
      h = null;
      return { carried, rate: risk.checks.find((c) => c.rule === 'order-rate')!, outcome: risk.outcome };
    };
    // Two orders sent 5 and 3 hours before it started: its first is the day's third.
    const today = await decided([start - 5 * HOUR, start - 3 * HOUR]);
    expect(today.carried).toEqual([[start - 5 * HOUR, start - 3 * HOUR]]);
    expect(today.rate).toMatchObject({ verdict: 'fail', requested: 3, threshold: 2 });
    expect(today.outcome).toBe('reject');
    // Sent the day before: out of the window, its first order passes.
    const yesterday = await decided([start - 30 * HOUR, start - 26 * HOUR]);
    expect(yesterday.rate).toMatchObject({ verdict: 'pass', requested: 1 });
    expect(yesterday.outcome).not.toBe('reject');
  });

  it('keeps the carried orders for the window they were counted by, though the desk’s limits reach it after its first decision', async () => {
    const start = Date.UTC(2023, 5, 1);
    // In at the first live bar, more at the second.
    const run = await openLiveAccountRun({ stopAtrMultiple: 3 }, { 1: 0.25, 2: 0.5 }, backstop, 8, {
      riskState: {
        from: 'real-earlier',
        nets: [],
        orderTimes: [start - 5 * HOUR, start - 3 * HOUR],
        orderWindowMs: 24 * HOUR,
      },
    });
    h = run.harness;
    const rates = () =>
      run
        .of('RiskDecided')
        .map((e) => (e.data as RiskDecidedData).checks.find((c) => c.rule === 'order-rate')!);
    await enterWithBackstop(run);
    // Judged by the built-in minute: the earlier orders count for nothing yet, but are kept.
    expect(rates()).toEqual([expect.objectContaining({ verdict: 'pass', requested: 1 })]);
    twoADay(run);
    const more = run.barCloses(run.warmupEnd + 2);
    await run.settle(more + HOUR - 1);
    // Its second entry is the day's fourth order at least: the two carried, the entry, and itself (and the
    // entry's backstop at the exchange, when it rests there).
    const [, second] = rates();
    expect(second).toMatchObject({ verdict: 'fail', threshold: 2 });
    expect(Number(second!.requested)).toBeGreaterThanOrEqual(4);
  });
});

type StopAdjusted = StopAdjustedData;
