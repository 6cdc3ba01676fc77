import type { ReadModelDb } from '../projection.js';
import { num } from '../support.js';
import { type RunRow, runFromDb } from './projection.js';

export interface RunKpis {
  startEquity: number;
  equity: number;
  totalReturn: number;
  maxDrawdown: number;
  /** Annualised from the per-mark returns; null until there are two returns with spread. */
  sharpe: number | null;
  sortino: number | null;
  marks: number;
}

/** KPIs from the folded sums: the same formulas a full pass over the curve would use. */
export const runKpis = (r: RunRow): RunKpis => {
  const start = Number(r.initial_balance);
  const perYear = (365 * 86_400_000) / (r.equity_mark_ms || 3_600_000);
  const n = r.ret_n;
  const mean = n > 0 ? r.ret_sum / n : 0;
  const variance = n > 1 ? (r.ret_sumsq - n * mean * mean) / (n - 1) : 0;
  const sd = Math.sqrt(Math.max(0, variance));
  const downside = n > 0 ? Math.sqrt(r.down_sumsq / n) : 0;
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  return {
    startEquity: start,
    equity: r.last_equity,
    totalReturn: start > 0 ? r.last_equity / start - 1 : 0,
    maxDrawdown: r.max_drawdown,
    sharpe: sd > 0 ? finite((mean / sd) * Math.sqrt(perYear)) : null,
    sortino: downside > 0 ? finite((mean / downside) * Math.sqrt(perYear)) : null,
    marks: r.marks,
  };
};

export const readRuns = async (db: ReadModelDb, q: { mode?: string } = {}): Promise<RunRow[]> => {
  let s = db.selectFrom('rm_runs').selectAll();
  if (q.mode) s = s.where('mode', '=', q.mode);
  return (await s.orderBy('global_position', 'asc').execute()).map(runFromDb);
};

/** The run a strategy's screen shows: its most recent run of the given mode. */
export const latestRun = async (
  db: ReadModelDb,
  strategyId: string,
  mode: string,
): Promise<RunRow | undefined> => {
  const r = await db
    .selectFrom('rm_runs')
    .selectAll()
    .where('strategy_id', '=', strategyId)
    .where('mode', '=', mode)
    .orderBy('global_position', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r ? runFromDb(r) : undefined;
};

export const readEquity = async (
  db: ReadModelDb,
  runId: string,
): Promise<{ at: number; equity: number; wallet: number; unrealised: number }[]> =>
  (
    await db
      .selectFrom('rm_equity')
      .select(['at', 'equity', 'wallet', 'unrealised'])
      .where('run_id', '=', runId)
      .orderBy('at')
      .execute()
  ).map((r) => ({
    at: num(r.at),
    equity: num(r.equity),
    wallet: num(r.wallet),
    unrealised: num(r.unrealised),
  }));
