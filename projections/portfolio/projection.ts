import type { Projection, ReadModelDb } from '../projection.js';
import { dataOf, num, type Row, upsertRows } from '../support.js';

/*
 * Bandit scores (automation 7): every round of the strategy bandit with each arm's evidence, score,
 * weights and reasons (JSON: the arm record is the domain's and grows), and each strategy's latest
 * standing, for the Strategies page and GET /api/portfolio.
 */

export const portfolioProjection: Projection = {
  name: 'portfolio',
  version: 1,
  tables: ['rm_portfolio_rounds'],
  types: ['BanditRoundScored'],
  async setup(db) {
    await db.schema
      .createTable('rm_portfolio_rounds')
      .ifNotExists()
      .addColumn('global_position', 'bigint', (c) => c.primaryKey())
      .addColumn('round_id', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('policy', 'text', (c) => c.notNull())
      .addColumn('config', 'text', (c) => c.notNull())
      .addColumn('arms', 'text', (c) => c.notNull())
      .addColumn('benched', 'text', (c) => c.notNull())
      .addColumn('reinstated', 'text', (c) => c.notNull())
      .addColumn('correlated', 'text', (c) => c.notNull())
      .addColumn('occurred_at', 'text', (c) => c.notNull())
      .execute();
  },
  async apply(tx, events) {
    const rows: Row[] = events.map((e) => {
      const d = dataOf(e);
      return {
        global_position: e.globalPosition,
        round_id: String(d.roundId),
        at: num(d.at),
        policy: String(d.policy),
        config: JSON.stringify(d.config ?? {}),
        arms: JSON.stringify(d.arms ?? []),
        benched: JSON.stringify(d.benched ?? []),
        reinstated: JSON.stringify(d.reinstated ?? []),
        correlated: JSON.stringify(d.correlated ?? []),
        occurred_at: e.metadata.occurredAt,
      };
    });
    await upsertRows(tx, 'rm_portfolio_rounds', ['global_position'], rows);
  },
};

export interface ArmView {
  id: string;
  runId: string;
  periods: number;
  trades: number;
  mean: number;
  std: number;
  score: number | null;
  winProbability: number;
  eligible: boolean;
  targetWeight: number;
  weightBefore: number;
  weightAfter: number;
  status: 'active' | 'benched' | 'cooling' | 'reinstated';
  benchedUntil: number | null;
  reasons: string[];
}

export interface RoundView {
  roundId: string;
  at: number;
  policy: string;
  config: Record<string, number | string>;
  arms: ArmView[];
  benched: string[];
  reinstated: string[];
  correlated: { a: string; b: string; rho: number; cut: string }[];
}

const roundOf = (r: Record<string, unknown>): RoundView => ({
  roundId: String(r.round_id),
  at: num(r.at),
  policy: String(r.policy),
  config: JSON.parse(String(r.config)) as Record<string, number | string>,
  arms: JSON.parse(String(r.arms)) as ArmView[],
  benched: JSON.parse(String(r.benched)) as string[],
  reinstated: JSON.parse(String(r.reinstated)) as string[],
  correlated: JSON.parse(String(r.correlated)) as RoundView['correlated'],
});

/** The latest round in full and the last `limit` rounds, oldest first (weights over time). */
export const readPortfolio = async (
  db: ReadModelDb,
  limit = 200,
): Promise<{ latest: RoundView | null; rounds: RoundView[] }> => {
  const rows = await db
    .selectFrom('rm_portfolio_rounds')
    .selectAll()
    .orderBy('global_position', 'desc')
    .limit(limit)
    .execute();
  const rounds = rows.map(roundOf).reverse();
  return { latest: rounds.at(-1) ?? null, rounds };
};
