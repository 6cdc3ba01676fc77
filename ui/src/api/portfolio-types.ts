/**
 * Shapes of the strategy bandit's routes (automation 7): `GET /api/portfolio` and the approver's
 * `POST /api/alloc/rebalance`. Each round scores every strategy (an arm) on its paper run's
 * risk-adjusted returns, may bench the weakest for a cooldown, and moves capital towards the better
 * arms by at most a slew limit per round.
 */

export type ArmStatus = 'active' | 'benched' | 'cooling' | 'reinstated';

export interface PortfolioArm {
  /** The strategy's id. */
  id: string;
  /** The paper run its returns came from. */
  runId: string;
  /** Return periods (hours) in the window: the evidence, with `trades`. */
  periods: number;
  trades: number;
  /** Mean and standard deviation of the per-period rewards (return / σ of the window's returns). */
  mean: number;
  std: number;
  /** UCB1 score or Thompson draw; null for an arm cooling down (not scored) or never tried. */
  score: number | null;
  /** 0..1: the probability of being the best arm (Thompson) or its softmax share (UCB1). */
  winProbability: number;
  /** Enough evidence to be benched. */
  eligible: boolean;
  targetWeight: number;
  weightBefore: number;
  /** 0..1; the arms' weights after a round sum to 1. */
  weightAfter: number;
  status: ArmStatus;
  /** Market time (ISO) the cooldown ends, for a benched or cooling arm. */
  benchedUntil: string | null;
  /** Short sentences: why the arm's weight or status is what it is. */
  reasons: string[];
}

export interface CorrelatedPair {
  a: string;
  b: string;
  rho: number;
  /** The one whose target weight was cut. */
  cut: string;
}

export interface PortfolioRound {
  roundId: string;
  /** Market time of the round (ISO). */
  at: string;
  policy: 'thompson' | 'ucb1' | (string & {});
  config: Record<string, number | string>;
  arms: PortfolioArm[];
  benched: string[];
  reinstated: string[];
  correlated: CorrelatedPair[];
}

export interface PortfolioHistoryPoint {
  roundId: string;
  at: string;
  /** Weight after the round, per strategy id. */
  weights: Record<string, number>;
  /** Strategies benched or cooling down in that round. */
  benched: string[];
}

export interface Portfolio {
  /** False when this node runs no bandit (PORTFOLIO=off): rounds recorded earlier may still be shown. */
  enabled: boolean;
  latest: PortfolioRound | null;
  /** Oldest first, up to 200 rounds. */
  history: PortfolioHistoryPoint[];
}

export interface RebalanceAccepted {
  roundId: string;
  at: string;
}
