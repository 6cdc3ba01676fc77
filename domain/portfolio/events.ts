import { z } from 'zod';
import { defineEvent } from '../events/define-event.js';

/**
 * The portfolio manager's decisions (stream `portfolio`): each bandit round with every arm's evidence,
 * score and weights, and the strategies it benched or reinstated. Each run records the allocation it
 * was given, and where in its log (AllocationApplied, stream `run-<runId>`). A re-run applies it at the
 * same place and writes the same log.
 */

export const portfolioStreamId = 'portfolio';

const id = z.string().min(1).max(200);
const finite = z.number().finite();
const weight = z.number().finite().min(0).max(1);

const armSchema = z
  .object({
    id,
    periods: z.number().int().nonnegative(),
    trades: z.number().int().nonnegative(),
    mean: finite,
    std: finite,
    /** UCB1 score or Thompson draw; null for an arm cooling down (not scored) or never tried (UCB1's ∞). */
    score: finite.nullable(),
    winProbability: weight,
    eligible: z.boolean(),
    targetWeight: weight,
    weightBefore: weight,
    weightAfter: weight,
    status: z.enum(['active', 'benched', 'cooling', 'reinstated']),
    benchedUntil: z.number().int().nullable(),
    reasons: z.array(z.string()),
    /** The paper run the arm's returns came from. */
    runId: id,
  })
  .strict();

export const BanditRoundScored = defineEvent({
  type: 'BanditRoundScored',
  schema: z
    .object({
      roundId: id,
      /** Market time of the round: every return it read ends at or before it. */
      at: z.number().int(),
      policy: z.enum(['ucb1', 'thompson']),
      /** Seed of the round's draws: the round can be recomputed from its arms' returns. */
      seed: z.string().min(1),
      config: z.record(z.string(), z.union([finite, z.string()])),
      arms: z.array(armSchema),
      benched: z.array(id),
      reinstated: z.array(id),
      correlated: z.array(z.object({ a: id, b: id, rho: finite, cut: id }).strict()),
    })
    .strict(),
});

export const StrategyBenched = defineEvent({
  type: 'StrategyBenched',
  schema: z.object({ strategyId: id, roundId: id, until: z.number().int(), reason: z.string() }).strict(),
});

export const StrategyReinstated = defineEvent({
  type: 'StrategyReinstated',
  schema: z.object({ strategyId: id, roundId: id }).strict(),
});

/** A run took an allocation: from here on it sizes at `multiplier` × its equity, or holds nothing when benched. */
export const AllocationApplied = defineEvent({
  type: 'AllocationApplied',
  schema: z
    .object({
      runId: id,
      roundId: id,
      strategyId: id,
      weight,
      /** Weight × the number of arms: 1 is the run's configured size, 0 nothing. */
      multiplier: z.number().finite().nonnegative(),
      benched: z.boolean(),
      benchedUntil: z.number().int().nullable(),
      reason: z.string(),
      /** How many events the run had written before this one: where a re-run applies it. */
      seq: z.number().int().nonnegative(),
    })
    .strict(),
});

export type BanditRoundScoredData = z.infer<typeof BanditRoundScored.schema>;
export type StrategyBenchedData = z.infer<typeof StrategyBenched.schema>;
export type StrategyReinstatedData = z.infer<typeof StrategyReinstated.schema>;
export type AllocationAppliedData = z.infer<typeof AllocationApplied.schema>;

export type PortfolioEvent =
  | { readonly type: 'BanditRoundScored'; readonly data: BanditRoundScoredData }
  | { readonly type: 'StrategyBenched'; readonly data: StrategyBenchedData }
  | { readonly type: 'StrategyReinstated'; readonly data: StrategyReinstatedData };

export const portfolioEventTypes: ReadonlySet<string> = new Set([
  'BanditRoundScored',
  'StrategyBenched',
  'StrategyReinstated',
]);

export const portfolioEvents = [
  BanditRoundScored,
  StrategyBenched,
  StrategyReinstated,
  AllocationApplied,
] as const;
