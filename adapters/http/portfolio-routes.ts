import { z } from 'zod';
import { PortfolioError } from '../../domain/portfolio/portfolio.js';
import { readPortfolio } from '../../projections/portfolio/projection.js';
import type { ReadModelDb } from '../../projections/projection.js';
import { authorise, userId } from './approvers.js';
import { ApiError } from './errors.js';
import type { RouteTable } from './routes.js';

/* The strategy bandit (automation 7): its rounds, the weights they gave, and a person's "rebalance now". */

export interface PortfolioRouteDeps {
  readonly db: ReadModelDb;
  /**
   * Waits (bounded) until the read model this page reads has folded everything the log holds now: a
   * decision answers once the next GET shows it, not the state before it (the read models follow the log
   * a moment behind, longer on a loaded machine). Absent: it answers at once.
   */
  readonly settled?: () => Promise<unknown>;
  readonly approvers: () => readonly string[] | null;
  /** A round now at the runs' market clock, asked by `user:<id>`; absent when the node runs no bandit. */
  readonly rebalance?: (by: string) => Promise<{ roundId: string; at: number }>;
}

const iso = (ms: number) => new Date(ms).toISOString();

const arm = z.object({
  id: z.string(),
  runId: z.string(),
  periods: z.number().int(),
  trades: z.number().int(),
  mean: z.number(),
  std: z.number(),
  score: z.number().nullable(),
  winProbability: z.number(),
  eligible: z.boolean(),
  targetWeight: z.number(),
  weightBefore: z.number(),
  weightAfter: z.number(),
  status: z.enum(['active', 'benched', 'cooling', 'reinstated']),
  benchedUntil: z.string().nullable(),
  reasons: z.array(z.string()),
});
export const portfolioView = z.object({
  enabled: z.boolean(),
  latest: z
    .object({
      roundId: z.string(),
      at: z.string(),
      policy: z.string(),
      config: z.record(z.union([z.number(), z.string()])),
      arms: z.array(arm),
      benched: z.array(z.string()),
      reinstated: z.array(z.string()),
      correlated: z.array(z.object({ a: z.string(), b: z.string(), rho: z.number(), cut: z.string() })),
    })
    .nullable(),
  /** Weights after each round, oldest first. */
  history: z.array(
    z.object({
      roundId: z.string(),
      at: z.string(),
      weights: z.record(z.number()),
      benched: z.array(z.string()),
    }),
  ),
});
export const rebalanceBody = z
  .object({ mode: z.literal('bandit').default('bandit'), approver: userId })
  .strict();
export const rebalanceAccepted = z.object({ roundId: z.string(), at: z.string() });

export const addPortfolioRoutes = (routes: RouteTable, deps: PortfolioRouteDeps): void => {
  routes.add({
    method: 'get',
    path: '/api/portfolio',
    cache: 'log',
    summary:
      'The strategy bandit: the latest round (every arm’s evidence, score, weights, reasons) and the weights over time',
    response: portfolioView,
    handler: async () => {
      const { latest, rounds } = await readPortfolio(deps.db);
      return {
        enabled: deps.rebalance !== undefined,
        latest: latest && {
          ...latest,
          at: iso(latest.at),
          arms: latest.arms.map((a) => ({
            ...a,
            benchedUntil: a.benchedUntil === null ? null : iso(a.benchedUntil),
          })),
        },
        history: rounds.map((r) => ({
          roundId: r.roundId,
          at: iso(r.at),
          weights: Object.fromEntries(r.arms.map((a) => [a.id, a.weightAfter])),
          benched: r.arms.filter((a) => a.status === 'benched' || a.status === 'cooling').map((a) => a.id),
        })),
      };
    },
  });
  routes.add({
    method: 'post',
    path: '/api/alloc/rebalance',
    summary: 'A bandit round now, at the runs’ market clock (header x-perpetua-user: an approver)',
    body: rebalanceBody,
    response: rebalanceAccepted,
    errors: [403, 409, 422],
    handler: async ({ body }, c) => {
      authorise(deps.approvers(), body.approver, c.req.header('x-perpetua-user'));
      if (!deps.rebalance)
        throw new ApiError(
          409,
          'no_portfolio',
          'this node runs no strategy bandit (PORTFOLIO=off, or no paper runs)',
        );
      try {
        const r = await deps.rebalance(`user:${body.approver}`);
        await deps.settled?.();
        return { roundId: r.roundId, at: iso(r.at) };
      } catch (err) {
        if (err instanceof PortfolioError) throw new ApiError(422, err.rule, err.message);
        throw err;
      }
    },
  });
};
