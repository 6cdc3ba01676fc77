import { describe, expect, it } from 'vitest';
import { Rng } from '../optimizer/rng.js';
import { defaultBanditConfig } from './bandit.js';
import { BanditRoundScored, type PortfolioEvent, StrategyBenched } from './events.js';
import {
  type ArmEvidence,
  allocationOf,
  decidePortfolio,
  evolvePortfolio,
  initialPortfolioState,
  PortfolioError,
  type PortfolioState,
} from './portfolio.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2023, 6, 1);
const week = 7 * 24;

const returns = (seed: string, n: number, mu: number): number[] => {
  const r = Rng.seeded(seed);
  return Array.from({ length: n }, () => mu + 0.002 * r.normal());
};

const round = (state: PortfolioState, at: number, arms: ArmEvidence[], roundId = `r${at}`) => {
  const rng = Rng.seeded(roundId);
  const events = decidePortfolio(
    { kind: 'RecordRound', roundId, at, arms, config: defaultBanditConfig, random: () => rng.float() },
    state,
  );
  let next = state;
  for (const e of events) next = evolvePortfolio(next, e);
  return { events, state: next };
};

const arms = (loserMu: number, n = week): ArmEvidence[] => [
  { id: 'a', runId: 'run-a', returns: returns('a', n, 0.0008), trades: 20 },
  { id: 'b', runId: 'run-b', returns: returns('b', n, 0.0004), trades: 20 },
  { id: 'c', runId: 'run-c', returns: returns('c', n, loserMu), trades: 20 },
];

describe('portfolio decider', () => {
  it('records the round with each arm’s run, benches a clear loser, and the state carries the weights', () => {
    const { events, state } = round(initialPortfolioState, T0, arms(-0.002));
    expect(events.map((e) => e.type)).toEqual(['BanditRoundScored', 'StrategyBenched']);
    expect(BanditRoundScored.schema.safeParse(events[0]!.data).success).toBe(true);
    expect(StrategyBenched.schema.safeParse(events[1]!.data).success).toBe(true);
    const scored = (events[0] as Extract<PortfolioEvent, { type: 'BanditRoundScored' }>).data;
    expect(scored.arms.map((a) => [a.id, a.runId])).toEqual([
      ['a', 'run-a'],
      ['b', 'run-b'],
      ['c', 'run-c'],
    ]);
    expect(state.benchedUntil.get('c')).toBe(T0 + 72 * HOUR);
    expect(allocationOf(scored, 'c')).toEqual({
      weight: 0,
      multiplier: 0,
      benched: true,
      benchedUntil: T0 + 72 * HOUR,
    });
    const a = allocationOf(scored, 'a')!;
    expect(a.multiplier).toBeCloseTo(a.weight * 3, 12);
    expect(allocationOf(scored, 'zzz')).toBeNull();
  });

  it('a cooling arm stays out; back after the cooldown it is judged only on what it did since', () => {
    let s = round(initialPortfolioState, T0, arms(-0.002)).state;
    // During the cooldown: still benched, no weight, whatever its returns say.
    const cooling = round(s, T0 + 24 * HOUR, arms(0.01));
    expect(cooling.events.map((e) => e.type)).toEqual(['BanditRoundScored']);
    s = cooling.state;
    expect(allocationOf(s.latest!, 'c')!.benched).toBe(true);
    // Cooldown over: reinstated, with no evidence yet (its old losses are not counted), so not benched again.
    const back = round(s, T0 + 72 * HOUR, arms(-0.002));
    expect(back.events.map((e) => e.type)).toEqual(['BanditRoundScored', 'StrategyReinstated']);
    const c = back.state.latest!.arms.find((x) => x.id === 'c')!;
    expect(c).toMatchObject({ status: 'reinstated', periods: 0, trades: 0, eligible: false });
    expect(c.weightAfter).toBeGreaterThan(0);
    expect(c.weightAfter).toBeLessThanOrEqual(0.1 + 1e-12);
    // A day later it is judged on that day alone.
    const day = round(back.state, T0 + 96 * HOUR, arms(-0.002));
    expect(day.state.latest!.arms.find((x) => x.id === 'c')!.periods).toBe(24);
  });

  it('refuses a round not after the last, an empty round and an arm listed twice', () => {
    const { state } = round(initialPortfolioState, T0, arms(0));
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        if (e instanceof PortfolioError) return e.rule;
        throw e;
      }
      return 'none';
    };
    expect(code(() => round(state, T0, arms(0)))).toBe('round-out-of-order');
    expect(code(() => round(state, T0 + HOUR, []))).toBe('no-arms');
    expect(code(() => round(state, T0 + HOUR, [...arms(0), arms(0)[0]!]))).toBe('duplicate-arm');
  });

  it('the same evidence and round id give the same round', () => {
    const one = round(initialPortfolioState, T0, arms(-0.001), 'same').events;
    const two = round(initialPortfolioState, T0, arms(-0.001), 'same').events;
    expect(two).toEqual(one);
  });
});
