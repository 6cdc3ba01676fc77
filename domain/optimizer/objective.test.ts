import { describe, expect, it } from 'vitest';
import { type BacktestOutcome, scoreOutcome, trialResult } from './objective.js';

const outcome: BacktestOutcome = {
  equity: [100, 110, 99, 118.8],
  periodsPerYear: 3,
  trades: 4,
  turnover: 6,
  fees: 2,
};

describe('scoreOutcome', () => {
  it('turns a maximised Sharpe into a loss after turnover and fee penalties', () => {
    // Sharpe 0.755929 (see performance.test.ts); penalty 0.01·6 turnover/yr + 1·(2/100) fees = 0.08
    const s = scoreOutcome(outcome, {
      objectives: [{ metric: 'sharpe' }],
      penalties: { turnover: 0.01, fees: 1 },
    });
    expect(s.penalty).toBeCloseTo(0.08, 12);
    expect(s.values[0]).toBeCloseTo(0.675929, 6);
    expect(s.losses[0]).toBeCloseTo(-0.675929, 6);
    expect(s.violation).toBe(0);
  });

  it('records each constraint with value, threshold and relative shortfall', () => {
    const s = scoreOutcome(outcome, {
      objectives: [{ metric: 'calmar' }],
      constraints: { maxDrawdown: 0.05, minTrades: 10, maxTurnover: 12 },
    });
    expect(s.constraints).toEqual([
      {
        constraint: 'maxDrawdown',
        value: expect.closeTo(0.1, 12),
        threshold: 0.05,
        satisfied: false,
        violation: expect.closeTo(1, 12),
      },
      {
        constraint: 'minTrades',
        value: 4,
        threshold: 10,
        satisfied: false,
        violation: expect.closeTo(0.6, 12),
      },
      { constraint: 'maxTurnover', value: 6, threshold: 12, satisfied: true, violation: 0 },
    ]);
    expect(s.violation).toBeCloseTo(1.6, 12);
    expect(trialResult(7, s)).toEqual({ id: 7, loss: s.losses[0], violation: s.violation });
  });

  it('scores several objectives for NSGA-II: return up, drawdown down, custom metric', () => {
    const s = scoreOutcome(outcome, {
      objectives: [
        { metric: 'totalReturn' },
        { metric: 'maxDrawdown' },
        { metric: (o) => o.trades, direction: 'maximize' },
      ],
    });
    expect(s.losses).toEqual([expect.closeTo(-0.188, 12), expect.closeTo(0.1, 12), -4]);
    expect(trialResult(1, s)).toMatchObject({ losses: s.losses });
  });

  it('offers PSR against zero as a per-trial objective', () => {
    const s = scoreOutcome(outcome, { objectives: [{ metric: 'psr' }] });
    expect(s.values[0]).toBeGreaterThan(0.5);
    expect(s.values[0]).toBeLessThan(1);
  });
});
