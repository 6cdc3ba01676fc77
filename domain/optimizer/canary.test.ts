import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CanaryPlan,
  checkCanaryPlan,
  defaultCanaryPlan,
  type EquityMark,
  judgeCanary,
  judgeProbation,
  type RunRecord,
} from './canary.js';

const H = 3_600_000;
const T0 = Date.UTC(2023, 5, 1);
const plan: CanaryPlan = { ...defaultCanaryPlan, minHours: 48, maxHours: 96, minTrades: 3, minPairs: 24 };

/** Hourly marks from T0 with the given returns, starting at `equity`. */
const marks = (returns: readonly number[], equity = 10_000, from = T0): EquityMark[] => {
  const out: EquityMark[] = [{ at: from, equity }];
  let e = equity;
  for (const [i, r] of returns.entries()) {
    e *= 1 + r;
    out.push({ at: from + (i + 1) * H, equity: e });
  }
  return out;
};
const rec = (m: EquityMark[], trades = 10, breakerTripped = false): RunRecord => ({
  marks: m,
  trades,
  breakerTripped,
});

/** The canary's own marks: it sizes at `share`, so it earns that share of the returns at full size. */
const small = (returns: readonly number[], equity = 10_000, from = T0): EquityMark[] =>
  marks(
    returns.map((r) => r * plan.share),
    equity,
    from,
  );

/** A seeded, hand-rolled series of small hourly returns (no Math.random: the tests must not move). */
const wiggle = (n: number, seed: number, scale = 0.002): number[] => {
  let x = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
    out.push(((x / 2 ** 32) * 2 - 1) * scale);
  }
  return out;
};

const returnsArb = (n: number) =>
  fc.array(fc.double({ min: -0.01, max: 0.01, noNaN: true }), { minLength: n, maxLength: n });

describe('judgeCanary', () => {
  it('lets a canary trade on before its hours, then adopts one that does as well as the version in force', () => {
    const r = wiggle(72, 7);
    const early = judgeCanary(plan, T0, T0 + 24 * H, rec(small(r)), rec(marks(r)));
    expect(early.outcome).toBe('continue');
    const due = judgeCanary(plan, T0, T0 + 48 * H, rec(small(r)), rec(marks(r)));
    expect(due.outcome).toBe('adopted');
    expect(due.evidence).toMatchObject({ hours: 48, pairs: 48, meanDifference: 0, t: 0, canaryTrades: 10 });
    expect(due.checks.every((c) => c.pass)).toBe(true);
  });

  it('rolls back at once, before its hours, on a breaker trip or a drawdown over the limit', () => {
    const r = wiggle(30, 3);
    const tripped = judgeCanary(plan, T0, T0 + 2 * H, rec(small(r), 0, true), rec(marks(r)));
    expect(tripped.outcome).toBe('rolled-back');
    expect(tripped.reason).toMatch(/breaker/);
    const crash = [...wiggle(5, 1), -0.12, ...wiggle(5, 2)];
    const dd = judgeCanary(plan, T0, T0 + 11 * H, rec(small(crash)), rec(marks(wiggle(11, 9))));
    expect(dd.outcome).toBe('rolled-back');
    expect(dd.reason).toMatch(/drawdown 1[12]\.\d+ %/);
  });

  it('rolls back a canary that loses against the version in force with confidence, once it has enough pairs', () => {
    const inc = wiggle(40, 11);
    const worse = inc.map((x, i) => x - 0.001 + wiggle(40, 5, 0.0005)[i]!);
    const tooFew = judgeCanary(plan, T0, T0 + 20 * H, rec(small(worse.slice(0, 20))), rec(marks(inc)));
    expect(tooFew.outcome).toBe('continue');
    expect(tooFew.checks.find((c) => c.name === 'not-worse')!.detail).toMatch(/fewer than 24/);
    const v = judgeCanary(plan, T0, T0 + 40 * H, rec(small(worse)), rec(marks(inc)));
    expect(v.outcome).toBe('rolled-back');
    expect(v.reason).toMatch(/worse than the version in force with 95 % confidence over 40 hours/);
    expect(v.evidence.t!).toBeLessThan(-1.6449);
  });

  it('rolls back after maxHours when the canary made too few trades to judge', () => {
    const r = wiggle(96, 4);
    expect(judgeCanary(plan, T0, T0 + 95 * H, rec(small(r), 2), rec(marks(r))).outcome).toBe('continue');
    const v = judgeCanary(plan, T0, T0 + 96 * H, rec(small(r), 2), rec(marks(r)));
    expect(v.outcome).toBe('rolled-back');
    expect(v.reason).toMatch(/2 closing trades in 96 market hours: too few/);
  });

  it('scales the canary to the whole capital: a tenth of the returns at a tenth of the size is the same version', () => {
    const r = wiggle(48, 21, 0.01);
    const same = judgeCanary(plan, T0, T0 + 48 * H, rec(small(r)), rec(marks(r)));
    expect(same.outcome).toBe('adopted');
    expect(same.evidence.canaryReturn).toBeCloseTo(same.evidence.incumbentReturn, 10);
    // Unscaled, the same marks would be a tenth of the incumbent's swings: not what the canary shows.
    const full = judgeCanary(plan, T0, T0 + 48 * H, rec(marks(r)), rec(marks(r)));
    expect(full.evidence.canaryMaxDrawdown).toBeGreaterThan(same.evidence.canaryMaxDrawdown);
  });

  it('counts from the last mark at or before the start, and pairs only hours both runs were marked', () => {
    // The canary's run started earlier (its warm-up day): marks before the start are not its record.
    const before = marks([0.5, -0.4], 10_000, T0 - 2 * H);
    const after = small(wiggle(30, 8), before.at(-1)!.equity, T0).slice(1);
    const canary = [...before, ...after];
    const inc = marks(wiggle(30, 8)).filter((_, i) => i % 3 !== 1); // a third of the incumbent's marks missing
    const v = judgeCanary(plan, T0, T0 + 30 * H, rec(canary), rec(inc));
    expect(v.evidence.canaryMaxDrawdown).toBeLessThan(0.05); // the −40 % before the start is not counted
    expect(v.evidence.pairs).toBe(10); // intervals whose both ends the incumbent has
  });

  it('property: identical runs never roll back on performance; they are adopted once hours and trades are met', () => {
    fc.assert(
      fc.property(returnsArb(60), fc.integer({ min: 0, max: 60 }), (r, h) => {
        const [c, m] = [small(r), marks(r)];
        const dd = judgeCanary(plan, T0, T0, rec(c), rec(m)).evidence; // nothing yet
        expect(dd.pairs).toBe(0);
        const v = judgeCanary(plan, T0, T0 + h * H, rec(c), rec(m));
        if (v.evidence.canaryMaxDrawdown > plan.maxDrawdown) expect(v.outcome).toBe('rolled-back');
        else expect(v.outcome).toBe(h >= plan.minHours ? 'adopted' : 'continue');
      }),
    );
  });

  it('property: never adopted with a breaker trip, a drawdown over the limit, or before minHours and minTrades', () => {
    fc.assert(
      fc.property(
        returnsArb(100),
        returnsArb(100),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 8 }),
        fc.boolean(),
        (c, i, h, trades, tripped) => {
          const v = judgeCanary(plan, T0, T0 + h * H, rec(small(c), trades, tripped), rec(marks(i)));
          if (v.outcome !== 'adopted') return;
          expect(tripped).toBe(false);
          expect(v.evidence.canaryMaxDrawdown).toBeLessThanOrEqual(plan.maxDrawdown);
          expect(h).toBeGreaterThanOrEqual(plan.minHours);
          expect(trades).toBeGreaterThanOrEqual(plan.minTrades);
          expect(v.checks.every((k) => k.pass)).toBe(true);
        },
      ),
    );
  });

  it('property: the verdict does not depend on either run’s capital (returns, not amounts)', () => {
    fc.assert(
      fc.property(
        returnsArb(60),
        returnsArb(60),
        fc.double({ min: 0.01, max: 1_000, noNaN: true }),
        fc.double({ min: 0.01, max: 1_000, noNaN: true }),
        fc.integer({ min: 0, max: 60 }),
        (c, i, kc, ki, h) => {
          const a = judgeCanary(plan, T0, T0 + h * H, rec(small(c)), rec(marks(i)));
          const b = judgeCanary(plan, T0, T0 + h * H, rec(small(c, 10_000 * kc)), rec(marks(i, 10_000 * ki)));
          expect(b.outcome).toBe(a.outcome);
          expect(b.evidence.pairs).toBe(a.evidence.pairs);
        },
      ),
    );
  });

  it('property: a canary that trails the version in force by a steady margin is rolled back once it has enough pairs', () => {
    fc.assert(
      fc.property(returnsArb(40), fc.double({ min: 0.0005, max: 0.002, noNaN: true }), (i, gap) => {
        const c = i.map((x) => (1 + x) * (1 - gap) - 1); // each hour `gap` below, compounded
        const v = judgeCanary({ ...plan, maxDrawdown: 0.9 }, T0, T0 + 40 * H, rec(small(c)), rec(marks(i)));
        expect(v.outcome).toBe('rolled-back');
        expect(v.reason).toMatch(/worse than the version in force/);
      }),
    );
  });

  it('refuses a plan it could not judge, naming the figure', () => {
    expect(() => checkCanaryPlan({ ...plan, share: 1.5 })).toThrow(/share must be in \(0, 1\)/);
    expect(() => checkCanaryPlan({ ...plan, maxHours: 10 })).toThrow(/maxHours must be a number > minHours/);
    expect(() => checkCanaryPlan({ ...plan, minPairs: 1 })).toThrow(/minPairs/);
    expect(() => checkCanaryPlan(defaultCanaryPlan)).not.toThrow();
  });
});

describe('judgeProbation (a version that took over from its canary)', () => {
  const since = T0 + 10 * H;

  it('rolls back on a risk hit, and on a drawdown past the plan’s limit since it took over', () => {
    // 5 % down then flat: within the 10 % limit.
    const mild = marks([0.01, -0.05, 0, 0], 10_000, since);
    expect(judgeProbation(plan, since, since + 4 * H, rec(mild))).toMatchObject({
      rollBack: false,
      reason: null,
    });
    expect(judgeProbation(plan, since, since + 4 * H, rec(mild, 1, true))).toMatchObject({
      rollBack: true,
      reason: 'risk: the breaker halted it 4 market hours after it took over from its canary',
    });
    // Up 10 %, then down 12 % from that peak: performance degraded.
    const bad = marks([0.1, -0.06, -0.0638], 10_000, since);
    const v = judgeProbation(plan, since, since + 3 * H, rec(bad));
    expect(v.rollBack).toBe(true);
    expect(v.drawdown).toBeGreaterThan(0.1);
    expect(v.reason).toMatch(
      /^performance: drawdown 11\.\d+ % in the 3 market hours since it took over from its canary, over 10 %$/,
    );
  });

  it('looks only at what happened since it took over, and not past maxHours', () => {
    // A 20 % fall before it took over (its canary's time) is not its probation's.
    const before = marks([-0.2, 0.001, 0.001], 10_000, since - H);
    expect(judgeProbation(plan, since, since + 2 * H, rec(before)).rollBack).toBe(false);
    const late = marks([0, -0.3], 10_000, since + plan.maxHours * H);
    expect(judgeProbation(plan, since, since + (plan.maxHours + 2) * H, rec(late, 1, true)).rollBack).toBe(
      false,
    );
  });

  it('rolls back exactly when the breaker tripped or the drawdown passed the limit, within maxHours (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -0.05, max: 0.05, noNaN: true }), { minLength: 30, maxLength: 30 }),
        fc.boolean(),
        (r, tripped) => {
          const m = marks(r, 10_000, since);
          const v = judgeProbation(plan, since, since + 30 * H, rec(m, 1, tripped));
          let peak = 0;
          let dd = 0;
          for (const { equity } of m) {
            peak = Math.max(peak, equity);
            dd = Math.max(dd, 1 - equity / peak);
          }
          return v.rollBack === (tripped || dd > plan.maxDrawdown) && Math.abs(v.drawdown - dd) < 1e-12;
        },
      ),
    );
  });
});
