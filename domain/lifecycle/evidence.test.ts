import { describe, expect, it } from 'vitest';
import { EvidenceFold, evidenceOf } from './evidence.js';

const mark = (at: number, equity: number) => ({
  type: 'EquityMarked',
  data: { at, equity, wallet: equity, unrealisedPnl: 0, exposure: 0 },
  metadata: { correlationId: `m${at}` },
});
const H = 3_600_000;

describe('the evidence of a run’s marks', () => {
  it('takes a second mark at the same time as a correction of the first, not as a zero return', () => {
    const e = evidenceOf('r', [mark(0, 100), mark(H, 110), mark(2 * H, 99), mark(2 * H, 121)]);
    expect(e.returns).toEqual([110 / 100 - 1, 121 / 110 - 1]);
    expect(e.totalReturn).toBeCloseTo(0.21, 12);
    expect(e.days).toBeCloseTo(2 / 24, 12);
    // The dip to 99 was seen: the drawdown keeps it.
    expect(e.maxDrawdown).toBeCloseTo(0.1, 12);
  });

  it('measures slippage against the price each order was sized at, adverse positive', () => {
    const ev = (type: string, data: object, correlationId: string) => ({
      type,
      data,
      metadata: { correlationId },
    });
    const e = evidenceOf('r', [
      ev('PositionSized', { inputs: { price: '100' } }, 'a'),
      ev('OrderRequested', { orderId: 'o1', side: 'BUY' }, 'a'),
      ev('OrderFilled', { orderId: 'o1', price: '100.1' }, 'a'),
      ev('PositionSized', { inputs: { price: '200' } }, 'b'),
      ev('OrderRequested', { orderId: 'o2', side: 'SELL' }, 'b'),
      ev('OrderFilled', { orderId: 'o2', price: '200.2' }, 'b'),
      // A stop's exit was not sized: no slippage figure.
      ev('OrderRequested', { orderId: 'o3', side: 'SELL' }, 'c'),
      ev('OrderFilled', { orderId: 'o3', price: '150' }, 'c'),
    ]);
    // +10 bps paid on the buy, 10 bps gained on the sell.
    expect(e.slippageBps).toBeCloseTo(0, 9);
  });

  it('counts a liquidation, simulated or by the exchange, as a risk hit; an ADL is not one', () => {
    const ev = (type: string, data: object) => ({ type, data, metadata: { correlationId: 'x' } });
    const settled = (forced?: string) =>
      ev('FillSettled', { realisedPnl: '-5', ...(forced === undefined ? {} : { forced }) });
    expect(evidenceOf('r', [settled(), settled('adl')]).breakerTripped).toBe(false);
    expect(evidenceOf('r', [settled('liquidation')]).breakerTripped).toBe(true);
    expect(evidenceOf('r', [ev('PositionLiquidated', { realisedPnl: '-5' })]).breakerTripped).toBe(true);
  });
});

describe('evidence over runs that go on from one another', () => {
  const H = 3_600_000;
  const mark = (at: number, equity: number) => ({
    type: 'EquityMarked',
    data: { at, equity },
    metadata: { correlationId: 'c' },
  });

  it('compounds their returns into one curve, with no return across the gap and the drawdown from the peak before', () => {
    const f = new EvidenceFold('real-b');
    // The first run: 1,000 → 1,100 → 1,045; the next trades a different share, 500 → 480 → 520.
    for (const m of [mark(0, 1_000), mark(H, 1_100), mark(2 * H, 1_045)]) f.add(m);
    f.segment();
    for (const m of [mark(3 * H, 500), mark(4 * H, 480), mark(5 * H, 520)]) f.add(m);
    const e = f.evidence();
    expect(e.returns).toEqual([1_100 / 1_000 - 1, 1_045 / 1_100 - 1, 480 / 500 - 1, 520 / 480 - 1]);
    expect(e.totalReturn).toBeCloseTo(1.045 * 1.04 - 1, 12);
    // The low is 1.045 × 0.96 of the first start, against the peak of 1.1.
    expect(e.maxDrawdown).toBeCloseTo(1 - (1.045 * 0.96) / 1.1, 12);
    expect(e.days).toBeCloseTo(5 / 24, 12);
    // One run alone reads as it always did.
    const one = evidenceOf('r', [mark(0, 1_000), mark(H, 1_100), mark(2 * H, 1_045)]);
    expect([one.totalReturn, one.maxDrawdown]).toEqual([1_045 / 1_000 - 1, 1 - 1_045 / 1_100]);
    // A segment with no mark yet changes nothing, nor does one asked for twice.
    const g = new EvidenceFold('r');
    g.segment();
    g.add(mark(0, 1_000));
    g.add(mark(H, 900));
    g.segment();
    g.segment();
    expect(g.evidence()).toMatchObject({ totalReturn: 900 / 1_000 - 1, maxDrawdown: 1 - 900 / 1_000 });
  });
});
