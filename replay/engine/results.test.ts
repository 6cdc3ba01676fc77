import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../domain/events/envelope.js';
import { foldRun, type Trade } from './results.js';

const SYMBOL = 'ETHUSDT';
const RATE = 0.0005;

const event = (type: string, data: Record<string, unknown>, at: number, n: number): StoredEvent => ({
  eventId: `e${n}`,
  streamId: 'run-test',
  streamVersion: n,
  globalPosition: n,
  type,
  schemaVersion: 1,
  data,
  metadata: {
    correlationId: `c${n}`,
    causationId: null,
    actor: 'system:test',
    mode: 'backtest',
    occurredAt: new Date(at).toISOString(),
    recordedAt: new Date(at).toISOString(),
  },
});

interface Fill {
  /** Signed, in lots of 0.001. */
  readonly lots: number;
  readonly price: number;
}

/**
 * The FillSettled + FeeCharged pairs the ledger writes for these fills, as decimal text like the real
 * events (the fold must read them as the log holds them), plus each fill's fee.
 */
const settle = (fills: readonly Fill[]): { events: StoredEvent[]; fees: number[] } => {
  const events: StoredEvent[] = [];
  const fees: number[] = [];
  let position = 0;
  fills.forEach((f, i) => {
    const before = position;
    position += f.lots;
    const qty = Math.abs(f.lots) / 1000;
    const closedLots =
      before !== 0 && Math.sign(f.lots) !== Math.sign(before)
        ? Math.min(Math.abs(f.lots), Math.abs(before))
        : 0;
    const fee = Number((qty * f.price * RATE).toFixed(8));
    fees.push(fee);
    const at = Date.UTC(2023, 0, 1) + i * 3_600_000;
    const orderId = `o${i}`;
    events.push(
      event(
        'FillSettled',
        {
          orderId,
          symbol: SYMBOL,
          side: f.lots > 0 ? 'BUY' : 'SELL',
          quantity: qty.toFixed(3),
          price: f.price.toFixed(2),
          // Any figure will do (the fold books it, not checks it), as long as only a close realises one.
          realisedPnl: ((closedLots / 1000) * ((i % 3) - 1.5) * 7).toFixed(8),
          positionQuantity: (position / 1000).toFixed(3),
          entryPrice: position === 0 ? '0' : f.price.toFixed(2),
        },
        at,
        2 * i,
      ),
      event(
        'FeeCharged',
        { reason: 'trade', symbol: SYMBOL, orderId, amount: fee.toFixed(8) },
        at,
        2 * i + 1,
      ),
    );
  });
  return { events, fees };
};

/**
 * What each trade should have paid, worked out independently of the fold: a fill's fee is shared by
 * quantity between the position it closes and the one it opens or adds to.
 */
const expectedFees = (fills: readonly Fill[], fees: readonly number[]): number[] => {
  const out: number[] = [];
  let position = 0;
  let current = -1;
  fills.forEach((f, i) => {
    const before = position;
    position += f.lots;
    const qty = Math.abs(f.lots);
    const closes = before !== 0 && Math.sign(f.lots) !== Math.sign(before);
    const closed = closes ? Math.min(qty, Math.abs(before)) : 0;
    if (closed > 0) out[current]! += (fees[i]! * closed) / qty;
    if (qty > closed) {
      if (before === 0 || closes) current = out.push(0) - 1;
      out[current]! += (fees[i]! * (qty - closed)) / qty;
    }
  });
  return out;
};

const allTrades = (events: StoredEvent[]): { trades: Trade[]; fees: number } => {
  const r = foldRun(events);
  return { trades: [...r.trades, ...r.openTrades()], fees: r.kpis().fees };
};

describe('RunResults: a run that lost everything', () => {
  it('reports a 100 % drawdown and a −100 % CAGR, not n/a', () => {
    const start = Date.UTC(2023, 0, 1);
    const curve = [9000, 5000, 0, 0].map((equity, i) =>
      event(
        'EquityMarked',
        { at: start + (i + 1) * 3_600_000, equity, wallet: equity, unrealisedPnl: 0, exposure: 0 },
        start,
        i,
      ),
    );
    const k = foldRun([
      event('RunStarted', { initialBalance: '10000', config: { equityMarkMs: 3_600_000 } }, start, 100),
      ...curve,
    ]).kpis();
    expect(k.totalReturn).toBe(-1);
    expect(k.maxDrawdown).toBe(1);
    expect(k.maxDrawdownMs).toBe(4 * 3_600_000);
    expect(k.cagr).toBe(-1);
    expect(k.calmar).toBe(-1);
    expect(Number.isNaN(k.sharpe)).toBe(true);
  });
});

describe('RunResults: trades from fills and fees', () => {
  it('shares the fee of a fill that reverses a position between the trade it closes and the one it opens', () => {
    // Short 0.1, then one buy of 0.15 closes it and opens a 0.05 long, then a sell closes that.
    const { events, fees } = settle([
      { lots: -100, price: 1500 },
      { lots: 150, price: 1520 },
      { lots: -50, price: 1530 },
    ]);
    const { trades, fees: total } = allTrades(events);
    expect(trades.map((t) => [t.side, t.maxQuantity, t.fills])).toEqual([
      ['short', 0.1, 2],
      ['long', 0.05, 2],
    ]);
    const [short, long] = trades as [Trade, Trade];
    // 0.1 of the 0.15 bought closed the short: two thirds of that fill's fee are the short's.
    expect(short.fees).toBeCloseTo(fees[0]! + (fees[1]! * 2) / 3, 10);
    expect(long.fees).toBeCloseTo(fees[1]! / 3 + fees[2]!, 10);
    expect(short.fees + long.fees).toBeCloseTo(total, 10);
    for (const t of trades) expect(t.netPnl).toBeCloseTo(t.realisedPnl - t.fees + t.funding, 10);
    // The realised PnL of the reversing fill is all the closed trade's: the opened part realised nothing.
    expect(short.realisedPnl).toBeCloseTo(-0.35, 10);
    expect(long.realisedPnl).toBeCloseTo(0.175, 10);
  });

  it('books the whole fee of a fill that only closes, or only opens, to its one trade', () => {
    const { events, fees } = settle([
      { lots: 100, price: 1500 },
      { lots: 50, price: 1510 },
      { lots: -150, price: 1490 },
    ]);
    const { trades } = allTrades(events);
    expect(trades).toHaveLength(1);
    expect(trades[0]!.fees).toBeCloseTo(fees[0]! + fees[1]! + fees[2]!, 10);
  });

  it('books a second fee on the order that closed a trade (a liquidation’s clearance fee) to that trade', () => {
    const { events, fees } = settle([
      { lots: 100, price: 1500 },
      { lots: -100, price: 1400 },
    ]);
    const at = Date.UTC(2023, 0, 2);
    events.push(
      event('FeeCharged', { reason: 'liquidation', symbol: SYMBOL, orderId: 'o1', amount: '0.7' }, at, 90),
    );
    const { trades, fees: total } = allTrades(events);
    expect(trades).toHaveLength(1);
    expect(trades[0]!.fees).toBeCloseTo(fees[0]! + fees[1]! + 0.7, 10);
    expect(trades[0]!.fees).toBeCloseTo(total, 10);
  });

  it('keeps the trades’ fees summing to the fee total, each trade paying for its part of every fill', () => {
    const fill = fc.record({
      lots: fc.integer({ min: -300, max: 300 }).filter((x) => x !== 0),
      price: fc.integer({ min: 100_00, max: 5000_00 }).map((c) => c / 100),
    });
    fc.assert(
      fc.property(fc.array(fill, { minLength: 1, maxLength: 40 }), (fills) => {
        const { events, fees } = settle(fills);
        const { trades, fees: total } = allTrades(events);
        const feeSum = fees.reduce((s, x) => s + x, 0);
        expect(total).toBeCloseTo(feeSum, 9);
        expect(trades.reduce((s, t) => s + t.fees, 0)).toBeCloseTo(total, 9);
        const expected = expectedFees(fills, fees);
        expect(trades).toHaveLength(expected.length);
        trades.forEach((t, i) => {
          expect(t.fees).toBeCloseTo(expected[i]!, 9);
          expect(t.netPnl).toBeCloseTo(t.realisedPnl - t.fees + t.funding, 9);
        });
      }),
      { numRuns: 300 },
    );
  });
});
