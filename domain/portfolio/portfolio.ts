import { type ArmInput, type BanditConfig, type BanditRound, banditRound } from './bandit.js';
import type { BanditRoundScoredData, PortfolioEvent } from './events.js';

/**
 * The portfolio aggregate (stream `portfolio`): the rounds of the strategy bandit, each folded into the
 * weights and cooldowns the next round starts from. The caller brings the arms' returns; the weights and
 * the cooldowns come from this state, so a caller cannot restart an arm's cooldown or its weight.
 */

export class PortfolioError extends Error {
  constructor(
    readonly rule: string,
    detail: string,
  ) {
    super(`${rule}: ${detail}`);
    this.name = 'PortfolioError';
  }
}

export interface PortfolioState {
  readonly lastAt: number | null;
  readonly latest: BanditRoundScoredData | null;
  readonly weights: ReadonlyMap<string, number>;
  readonly benchedUntil: ReadonlyMap<string, number>;
  /** When an arm came back from its cooldown: it is judged on what it did since, not before its bench. */
  readonly activeSince: ReadonlyMap<string, number>;
}

export const initialPortfolioState: PortfolioState = {
  lastAt: null,
  latest: null,
  weights: new Map(),
  benchedUntil: new Map(),
  activeSince: new Map(),
};

export interface ArmEvidence {
  readonly id: string;
  readonly runId: string;
  readonly returns: readonly number[];
  readonly trades: number;
}

export interface RecordRound {
  readonly kind: 'RecordRound';
  readonly roundId: string;
  readonly at: number;
  readonly arms: readonly ArmEvidence[];
  readonly config: BanditConfig;
  /** Thompson's draws, seeded by the round id so the round can be recomputed from its evidence. */
  readonly random: () => number;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** The round as recorded: every arm's evidence, score, weights and reasons. */
export const roundData = (
  roundId: string,
  round: BanditRound,
  config: BanditConfig,
  runs: ReadonlyMap<string, string>,
): BanditRoundScoredData => ({
  roundId,
  at: round.at,
  policy: round.policy,
  seed: roundId,
  config: { ...config },
  arms: round.arms.map((a) => ({
    id: a.id,
    periods: a.periods,
    trades: a.trades,
    mean: a.mean,
    std: a.std,
    score: finiteOrNull(a.score),
    winProbability: Math.min(1, Math.max(0, a.winProbability)),
    eligible: a.eligible,
    // Float noise can leave a weight a hair outside [0, 1]: recorded clamped.
    targetWeight: Math.min(1, Math.max(0, a.targetWeight)),
    weightBefore: Math.min(1, Math.max(0, a.weightBefore)),
    weightAfter: Math.min(1, Math.max(0, a.weightAfter)),
    status: a.status,
    benchedUntil: a.benchedUntil,
    reasons: [...a.reasons],
    runId: runs.get(a.id) ?? a.id,
  })),
  benched: [...round.benched],
  reinstated: [...round.reinstated],
  correlated: round.correlated.map((c) => ({ ...c })),
});

export const decidePortfolio = (command: RecordRound, state: PortfolioState): PortfolioEvent[] => {
  if (state.lastAt !== null && command.at <= state.lastAt) {
    throw new PortfolioError(
      'round-out-of-order',
      `a round at ${new Date(command.at).toISOString()} is not after the last (${new Date(state.lastAt).toISOString()})`,
    );
  }
  if (command.arms.length === 0) throw new PortfolioError('no-arms', 'a round needs at least one strategy');
  const ids = new Set<string>();
  for (const a of command.arms) {
    if (ids.has(a.id)) throw new PortfolioError('duplicate-arm', `${a.id} is listed twice`);
    ids.add(a.id);
  }
  const arms: ArmInput[] = command.arms.map((a) => {
    // A reinstated arm's window starts when it came back (this round, when its cooldown just ended):
    // the losses that benched it were paid for.
    const until = state.benchedUntil.get(a.id);
    const since = until !== undefined && until <= command.at ? until : state.activeSince.get(a.id);
    const keep =
      since === undefined ? a.returns.length : Math.floor((command.at - since) / command.config.periodMs);
    return {
      id: a.id,
      returns: keep < a.returns.length ? a.returns.slice(a.returns.length - Math.max(0, keep)) : a.returns,
      // The caller counts trades over the whole window; before it came back they do not count either.
      trades: since === undefined ? a.trades : 0,
      weight: state.weights.get(a.id) ?? Number.NaN,
      benchedUntil: state.benchedUntil.get(a.id) ?? null,
    };
  });
  const round = banditRound(arms, command.at, command.random, command.config);
  const runs = new Map(command.arms.map((a) => [a.id, a.runId]));
  const data = roundData(command.roundId, round, command.config, runs);
  const events: PortfolioEvent[] = [{ type: 'BanditRoundScored', data }];
  for (const id of round.benched) {
    const a = data.arms.find((x) => x.id === id)!;
    events.push({
      type: 'StrategyBenched',
      data: {
        strategyId: id,
        roundId: command.roundId,
        until: a.benchedUntil!,
        reason: a.reasons.join('; '),
      },
    });
  }
  for (const id of round.reinstated)
    events.push({ type: 'StrategyReinstated', data: { strategyId: id, roundId: command.roundId } });
  return events;
};

export const evolvePortfolio = (state: PortfolioState, event: PortfolioEvent): PortfolioState => {
  switch (event.type) {
    case 'BanditRoundScored': {
      const weights = new Map(event.data.arms.map((a) => [a.id, a.weightAfter]));
      const benchedUntil = new Map<string, number>();
      for (const a of event.data.arms) if (a.benchedUntil !== null) benchedUntil.set(a.id, a.benchedUntil);
      const activeSince = new Map(state.activeSince);
      for (const a of event.data.arms) {
        if (a.status === 'reinstated') activeSince.set(a.id, event.data.at);
        else if (a.status === 'benched') activeSince.delete(a.id);
      }
      return { lastAt: event.data.at, latest: event.data, weights, benchedUntil, activeSince };
    }
    // The round event carries the weights and cooldowns; these two are for the timeline and the reader.
    case 'StrategyBenched':
    case 'StrategyReinstated':
      return state;
  }
};

/** What a strategy's run should hold after the latest round: its weight, multiplier and bench. */
export const allocationOf = (
  latest: BanditRoundScoredData,
  strategyId: string,
): { weight: number; multiplier: number; benched: boolean; benchedUntil: number | null } | null => {
  const a = latest.arms.find((x) => x.id === strategyId);
  if (!a) return null;
  const benched = a.status === 'benched' || a.status === 'cooling';
  return {
    weight: a.weightAfter,
    multiplier: benched ? 0 : a.weightAfter * latest.arms.length,
    benched,
    benchedUntil: a.benchedUntil,
  };
};
