import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  breakerBasis,
  dayLossSoFar,
  EquitySlope,
  roundTripNets,
  TradeRecord,
  UNBOUNDED_PAYOFF,
  utcDayStart,
} from './track-record.js';

const net = fc.double({ min: -1e6, max: 1e6, noNaN: true });

describe('TradeRecord', () => {
  it('says nothing until it holds minTrades, then reads only the last `window` trades', () => {
    fc.assert(
      fc.property(fc.array(net, { maxLength: 200 }), fc.integer({ min: 1, max: 60 }), (nets, window) => {
        const minTrades = Math.max(1, Math.floor(window / 2));
        const r = new TradeRecord(window, minTrades);
        for (const x of nets) r.push(x);
        const last = nets.slice(-window);
        const k = r.kelly();
        if (last.length < minTrades) {
          expect(k).toBeNull();
          return;
        }
        const wins = last.filter((x) => x > 0);
        const losses = last.filter((x) => x < 0);
        expect(k!.trades).toBe(last.length);
        expect(k!.winRate).toBe(wins.length / last.length);
        if (wins.length === 0) expect(k!.payoff).toBe(0);
        else if (losses.length === 0) expect(k!.payoff).toBe(UNBOUNDED_PAYOFF);
        else {
          const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
          expect(k!.payoff).toBeCloseTo(mean(wins) / -mean(losses), 6);
        }
      }),
    );
  });

  it('a worked window: 3 wins of 200 and 2 losses of 100 are p = 0.6, R = 2', () => {
    const r = new TradeRecord(5, 5);
    for (const x of [-100, 200, 200, -100, 200]) r.push(x);
    expect(r.kelly()).toEqual({ winRate: 0.6, payoff: 2, trades: 5 });
    // The oldest loss leaves the window: p = 0.6 still (a break-even trade does not win), R unchanged.
    r.push(0);
    expect(r.kelly()).toEqual({ winRate: 0.6, payoff: 2, trades: 5 });
  });

  it('refuses a window it cannot keep and a trade that is not a number', () => {
    expect(() => new TradeRecord(0, 1)).toThrow(/window/);
    expect(() => new TradeRecord(10, 11)).toThrow(/minTrades/);
    expect(() => new TradeRecord(10, 5).push(Number.NaN)).toThrow(/finite/);
  });
});

describe('EquitySlope', () => {
  it('is the least-squares slope of the last `window` marks, null before', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 1e7, noNaN: true }), { maxLength: 80 }),
        fc.integer({ min: 2, max: 30 }),
        (marks, window) => {
          const e = new EquitySlope(window);
          for (const m of marks) e.push(m);
          if (marks.length < window) {
            expect(e.value).toBeNull();
            return;
          }
          const y = marks.slice(-window);
          const xm = (window - 1) / 2;
          const ym = y.reduce((a, b) => a + b, 0) / window;
          let sxy = 0;
          let sxx = 0;
          y.forEach((v, i) => {
            sxy += (i - xm) * (v - ym);
            sxx += (i - xm) ** 2;
          });
          expect(e.value!).toBeCloseTo(sxy / sxx, 3);
        },
      ),
    );
  });

  it('a flat curve has a slope of exactly zero (neither rising nor falling)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 1e9, noNaN: true }), fc.integer({ min: 2, max: 100 }), (v, w) => {
        const e = new EquitySlope(w);
        for (let i = 0; i < w + 3; i++) e.push(v);
        expect(e.value).toBe(0);
      }),
    );
  });

  it('follows the sign of a steady rise or fall', () => {
    const up = new EquitySlope(4);
    for (const m of [100, 101, 103, 106]) up.push(m);
    expect(up.value).toBeCloseTo(2, 12);
    const down = new EquitySlope(3);
    for (const m of [100, 101, 103, 106, 100, 95]) down.push(m);
    expect(down.value).toBeLessThan(0);
  });
});

describe('round trips read back from a ledger account stream', () => {
  const fill = (symbol: string, tradeId: string, realisedPnl: string, positionQuantity: string) => ({
    type: 'FillSettled',
    data: { symbol, tradeId, realisedPnl, positionQuantity },
  });
  const fee = (symbol: string, tradeId: string, amount: string) => ({
    type: 'FeeCharged',
    data: { symbol, tradeId, amount },
  });

  it('sums each round trip from its open to the fill that closes or flips it, fees included', () => {
    expect(
      roundTripNets([
        fill('BTCUSDT', 't1', '0', '0.5'),
        fee('BTCUSDT', 't1', '1'),
        fill('ETHUSDT', 't2', '0', '-2'),
        fee('ETHUSDT', 't2', '0.5'),
        fill('BTCUSDT', 't3', '30', '0.2'),
        fee('BTCUSDT', 't3', '0.5'),
        // Funding is not a trade's: the engine's record leaves it out.
        { type: 'FundingPaid', data: { symbol: 'BTCUSDT', amount: '-3' } },
        fill('BTCUSDT', 't4', '-10', '0'),
        fee('BTCUSDT', 't4', '0.25'),
        // A flip closes the short and opens a long in one fill: its whole fee is the closing trip's.
        fill('ETHUSDT', 't5', '8', '1'),
        fee('ETHUSDT', 't5', '0.75'),
        fill('ETHUSDT', 't6', '-2', '0'),
        fee('ETHUSDT', 't6', '0.25'),
      ]),
    ).toEqual([30 - 10 - 1 - 0.5 - 0.25, 8 - 0.5 - 0.75, -2.25]);
  });

  it('starts a position taken over at zero and ends none with a position handed over', () => {
    expect(
      roundTripNets([
        { type: 'PositionTakenOver', data: { symbol: 'BTCUSDT', quantity: '0.5' } },
        fill('BTCUSDT', 't1', '20', '0'),
        fee('BTCUSDT', 't1', '1'),
        fill('BTCUSDT', 't2', '0', '-0.3'),
        fee('BTCUSDT', 't2', '1'),
        { type: 'PositionHandedOver', data: { symbol: 'BTCUSDT', quantity: '-0.3' } },
      ]),
    ).toEqual([19]);
  });
});

describe("the share of the day a run had lost, for the next run's daily-loss limit", () => {
  const day = Date.UTC(2023, 5, 1);
  const h = 3_600_000;

  it('runs from the day-start equity its risk checks judged by to its latest record that day', () => {
    const marks = [
      { at: day - h, equity: 10_500 },
      { at: day, equity: 10_000 },
      { at: day + h, equity: 9_900 },
      { at: day + 3 * h, equity: 9_700 },
    ];
    // Without a risk check that day: from its first mark of the day.
    expect(dayLossSoFar(day, marks, [])).toBeCloseTo(0.03, 12);
    // A check records the day start the limit used, and is the latest record when it comes last.
    const checks = [{ at: day + 4 * h, equity: 9_600, dayStartEquity: 10_040 }];
    expect(dayLossSoFar(day, marks, checks)).toBeCloseTo(1 - 9_600 / 10_040, 12);
    // A day that made money has lost nothing; a day with no record says nothing.
    expect(
      dayLossSoFar(
        day,
        [
          { at: day, equity: 10_000 },
          { at: day + h, equity: 10_200 },
        ],
        [],
      ),
    ).toBe(0);
    expect(dayLossSoFar(day + 86_400_000, marks, checks)).toBeNull();
    expect(dayLossSoFar(day - 86_400_000, marks, checks)).toBe(0);
    expect(utcDayStart(day + 5 * h + 17)).toBe(day);
  });
});

describe("what a run's breaker measured at its end, for the next run to measure on from", () => {
  const m = (at: number, equity: number) => ({ at, equity });
  const t = (at: number, net: number) => ({ at, net });

  it('is the drawdown from the peak and the losing streak, since the start without a step-down', () => {
    const marks = [m(1, 10_000), m(2, 10_400), m(3, 9_880), m(4, 9_984)];
    const trips = [t(1, 50), t(2, -10), t(3, -20), t(4, -5)];
    const basis = breakerBasis(marks, trips, []);
    expect(basis.drawdown).toBeCloseTo(1 - 9_984 / 10_400, 12);
    expect(basis.lossStreak).toBe(3);
    // A break-even trade ends a streak, as the engine counts it.
    expect(breakerBasis(marks, [...trips, t(5, 0)], []).lossStreak).toBe(0);
    expect(breakerBasis([], [], [])).toEqual({ drawdown: 0, lossStreak: 0 });
  });

  it('reaches back past what the run itself went on from, until a step-down', () => {
    // It started at 10,000 with 5 % carried (peak 10,526.3) and a streak of 2, then lost twice more.
    const opening = { at: 1, peak: 10_000 / 0.95, lossStreak: 2 };
    const marks = [m(2, 10_100), m(3, 9_800)];
    const trips = [t(2, -30), t(3, -40)];
    const basis = breakerBasis(marks, trips, [], opening);
    expect(basis.drawdown).toBeCloseTo(1 - (9_800 * 0.95) / 10_000, 12);
    expect(basis.lossStreak).toBe(4);
    // A win of its own ends the carried streak too.
    expect(breakerBasis(marks, [t(2, 10), t(3, -40)], [], opening).lossStreak).toBe(1);
    // A step-down after its start starts both again: the opening no longer counts.
    expect(breakerBasis(marks, trips, [2.5], opening)).toEqual({
      drawdown: 1 - 9_800 / 10_100,
      lossStreak: 1,
    });
  });

  it("starts both again at a person's step-down, from the equity then", () => {
    const marks = [m(1, 10_000), m(2, 10_400), m(3, 9_500), m(5, 9_300), m(6, 9_400)];
    const trips = [t(1, -10), t(2, -20), t(4, -5), t(6, -1)];
    // Stepped down at 4: the peak is the equity then (the mark at 3), and the streak counts from there.
    const basis = breakerBasis(marks, trips, [4, 2]);
    expect(basis.drawdown).toBeCloseTo(1 - 9_400 / 9_500, 12);
    expect(basis.lossStreak).toBe(1);
  });
});
