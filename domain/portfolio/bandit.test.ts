import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../optimizer/rng.js';
import { type ArmInput, type BanditConfig, banditRound, correlation, defaultBanditConfig } from './bandit.js';

const HOUR = 3_600_000;
const AT = Date.UTC(2023, 6, 1);
const rng = (seed: string) => {
  const r = Rng.seeded(seed);
  return () => r.float();
};

/** Hourly returns with a given mean and noise, from a seeded stream (a test's own hand-made series). */
const returns = (seed: string, n: number, mu: number, sigma = 0.002): number[] => {
  const r = Rng.seeded(seed);
  return Array.from({ length: n }, () => mu + sigma * r.normal());
};

const arm = (id: string, rets: number[], over: Partial<ArmInput> = {}): ArmInput => ({
  id,
  returns: rets,
  trades: 10,
  weight: Number.NaN,
  benchedUntil: null,
  ...over,
});

const arbArms = fc
  .array(
    fc.record({
      mu: fc.double({ min: -0.002, max: 0.002, noNaN: true }),
      n: fc.integer({ min: 0, max: 250 }),
      trades: fc.integer({ min: 0, max: 100 }),
      weight: fc.double({ min: 0, max: 1, noNaN: true }),
      benched: fc.option(fc.integer({ min: -200, max: 200 }), { nil: null }),
    }),
    { minLength: 1, maxLength: 6 },
  )
  .map((xs) => {
    const total = xs.reduce((s, x) => s + x.weight, 0) || 1;
    return xs.map(
      (x, i): ArmInput => ({
        id: `s${i}`,
        returns: returns(`arm${i}:${x.mu}`, x.n, x.mu),
        trades: x.trades,
        weight: x.weight / total,
        benchedUntil: x.benched === null ? null : AT + x.benched * HOUR,
      }),
    );
  });

const arbConfig = fc.record({
  policy: fc.constantFrom('ucb1' as const, 'thompson' as const),
  minActive: fc.integer({ min: 1, max: 3 }),
  maxStep: fc.double({ min: 0.01, max: 0.5, noNaN: true }),
  minWeight: fc.double({ min: 0, max: 0.2, noNaN: true }),
});

const runs = Number(process.env.BANDIT_RUNS ?? 60);

describe('bandit round: invariants', () => {
  it('weights are a distribution over the arms not cooling down; benched and cooling arms hold none', () => {
    fc.assert(
      fc.property(arbArms, arbConfig, fc.string(), (arms, cfg, seed) => {
        const config: BanditConfig = { ...defaultBanditConfig, ...cfg, draws: 50 };
        const r = banditRound(arms, AT, rng(seed), config);
        const total = r.arms.reduce((s, a) => s + a.weightAfter, 0);
        const active = r.arms.filter((a) => a.status === 'active' || a.status === 'reinstated');
        if (active.length > 0) expect(total).toBeCloseTo(1, 9);
        const floor = Math.min(config.minWeight, 1 / Math.max(1, active.length));
        for (const a of r.arms) {
          expect(a.weightAfter).toBeGreaterThanOrEqual(-1e-12);
          // Every active arm's target keeps the floor, so it keeps earning evidence.
          if (a.status === 'active' || a.status === 'reinstated')
            expect(a.targetWeight).toBeGreaterThanOrEqual(floor - 1e-12);
          if (a.status === 'benched' || a.status === 'cooling') expect(a.weightAfter).toBe(0);
          if (a.status === 'cooling') expect(a.benchedUntil).toBeGreaterThan(AT);
        }
        // At most one arm benched per round, and never below the minimum of active arms while one was active.
        expect(r.benched.length).toBeLessThanOrEqual(1);
        const before = arms.filter((a) => a.benchedUntil === null || a.benchedUntil <= AT).length;
        if (r.benched.length === 1) expect(before - 1).toBeGreaterThanOrEqual(config.minActive);
        // A benched arm was eligible and losing.
        for (const id of r.benched) {
          const a = r.arms.find((x) => x.id === id)!;
          expect(a.eligible).toBe(true);
          expect(a.mean + (config.benchConfidence * a.std) / Math.sqrt(a.periods)).toBeLessThan(
            config.benchBelow,
          );
          expect(a.benchedUntil).toBe(AT + config.cooldownMs);
        }
      }),
      { numRuns: runs },
    );
  });

  it('the same inputs and seed give the same round; the input order does not matter', () => {
    fc.assert(
      fc.property(arbArms, fc.string(), (arms, seed) => {
        const config = { ...defaultBanditConfig, policy: 'ucb1' as const };
        const a = banditRound(arms, AT, rng(seed), config);
        expect(banditRound(arms, AT, rng(seed), config)).toEqual(a);
        const b = banditRound([...arms].reverse(), AT, rng(seed), config);
        const byId = (r: typeof a) => Object.fromEntries(r.arms.map((x) => [x.id, x]));
        expect(byId(b)).toEqual(byId(a));
      }),
      { numRuns: runs },
    );
  });

  it('no arm moves more than maxStep in a round, and every arm moves towards its target', () => {
    fc.assert(
      fc.property(arbArms, fc.string(), (arms, seed) => {
        const calm = arms.map((a) => ({ ...a, benchedUntil: null }));
        const config = {
          ...defaultBanditConfig,
          benchBelow: -Infinity,
          minWeight: 0,
          maxStep: 0.05,
          draws: 50,
        };
        const r = banditRound(calm, AT, rng(seed), config);
        for (const a of r.arms) {
          expect(Math.abs(a.weightAfter - a.weightBefore)).toBeLessThanOrEqual(0.05 + 1e-9);
          expect(Math.abs(a.targetWeight - a.weightAfter)).toBeLessThanOrEqual(
            Math.abs(a.targetWeight - a.weightBefore) + 1e-12,
          );
        }
      }),
      { numRuns: runs },
    );
  });
});

describe('bandit round: cases', () => {
  const week = 7 * 24;

  it('capital moves to the better arm, by the slew limit per round; a clear loser is benched for the cooldown', () => {
    const arms = [
      arm('winner', returns('w', week, 0.001)),
      arm('middle', returns('m', week, 0.0002)),
      arm('loser', returns('l', week, -0.001)),
    ];
    const r = banditRound(arms, AT, rng('round-1'));
    const by = Object.fromEntries(r.arms.map((a) => [a.id, a]));
    expect(r.benched).toEqual(['loser']);
    expect(by.loser!.weightAfter).toBe(0);
    expect(by.loser!.benchedUntil).toBe(AT + 72 * HOUR);
    expect(by.loser!.reasons[0]).toContain('benched for 72 h');
    expect(by.winner!.winProbability).toBeGreaterThan(0.9);
    expect(by.winner!.weightAfter).toBeGreaterThan(by.middle!.weightAfter);
    // Equal weights at the start (1/3): the winner moves by at most 0.1 before the loser's share is spread.
    expect(by.winner!.reasons.some((x) => x.includes('slew limit'))).toBe(true);
  });

  it('no bench on short evidence: fewer than 7 days and 50 trades', () => {
    const arms = [arm('a', returns('a', 24, 0.001)), arm('b', returns('b', 24, -0.002), { trades: 12 })];
    const r = banditRound(arms, AT, rng('x'), { ...defaultBanditConfig, minActive: 1 });
    expect(r.benched).toEqual([]);
    expect(r.arms.find((x) => x.id === 'b')!.eligible).toBe(false);
    // 50 trades are evidence enough.
    const r2 = banditRound([arms[0]!, { ...arms[1]!, trades: 50 }], AT, rng('x'), {
      ...defaultBanditConfig,
      minActive: 1,
    });
    expect(r2.benched).toEqual(['b']);
  });

  it('keeps the minimum of active arms', () => {
    const arms = [arm('a', returns('a', week, -0.001)), arm('b', returns('b', week, -0.002))];
    const r = banditRound(arms, AT, rng('x'));
    expect(r.benched).toEqual([]);
    expect(r.arms.find((x) => x.id === 'b')!.reasons.join()).toContain('only 2 arms are active');
  });

  it('a cooling arm holds no weight until its cooldown ends, then comes back at the floor', () => {
    const arms = [
      arm('a', returns('a', week, 0.001), { weight: 0.5 }),
      arm('b', returns('b', week, 0.0005), { weight: 0.5 }),
      arm('c', returns('c', week, 0.0008), { weight: 0, benchedUntil: AT + HOUR }),
    ];
    const cooling = banditRound(arms, AT, rng('x'));
    expect(cooling.arms.find((x) => x.id === 'c')).toMatchObject({ status: 'cooling', weightAfter: 0 });
    const back = banditRound(arms, AT + HOUR, rng('x'));
    expect(back.reinstated).toEqual(['c']);
    const c = back.arms.find((x) => x.id === 'c')!;
    expect(c.status).toBe('reinstated');
    expect(c.weightAfter).toBeGreaterThan(0);
    expect(c.weightAfter).toBeLessThanOrEqual(0.1 + 1e-9);
  });

  it('two arms that are the same bet: the weaker one’s target is cut by ρ; opposite bets are not cut', () => {
    const base = returns('base', week, 0.0008);
    const twin = base.map((x, i) => x * 0.9 + (i % 2 ? 0.00001 : -0.00001));
    const arms = [arm('a', base), arm('twin', twin), arm('other', returns('o', week, 0.0006))];
    const r = banditRound(arms, AT, rng('x'), { ...defaultBanditConfig, policy: 'ucb1' });
    expect(r.correlated).toHaveLength(1);
    const pair = r.correlated[0]!;
    expect(pair.rho).toBeGreaterThan(0.99);
    expect([pair.a, pair.b].sort()).toEqual(['a', 'twin']);
    expect(r.arms.find((x) => x.id === pair.cut)!.reasons.join()).toContain('ρ = ');
    // A mirror image diversifies: no cut.
    const mirror = base.map((x) => -x);
    const hedged = banditRound([arm('a', base), arm('mirror', mirror)], AT, rng('x'), {
      ...defaultBanditConfig,
      policy: 'ucb1',
    });
    expect(hedged.correlated).toEqual([]);
  });

  it('correlation of the common tail; null when flat or short', () => {
    expect(correlation([1, 2, 3, 4], [9, 2, 4, 6, 8])).toBeCloseTo(1, 12);
    expect(correlation([1, 1, 1], [1, 2, 3])).toBeNull();
    expect(correlation([1, 2], [1, 2])).toBeNull();
  });
});
