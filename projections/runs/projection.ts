import { type CreateTableBuilder, sql } from 'kysely';
import type { RecordedEvent } from '../../domain/events/envelope.js';
import type { Projection } from '../projection.js';
import { type Db, dataOf, num, type Row, rec, runIdOfStream, strategyOf, upsertRows } from '../support.js';

/*
 * Runs (paper and any other run whose events reach the log), their equity curves from EquityMarked, and
 * KPIs folded incrementally: the running sums of per-mark returns give Sharpe and Sortino without
 * re-reading the curve, the running peak gives the max drawdown. Fill and risk counts are kept per
 * strategy (fills name their strategy, not their run).
 */

const runTypes = [
  'RunStarted',
  'EquityMarked',
  'RunCompleted',
  'FillSettled',
  'FeeCharged',
  'RiskDecided',
  'StopStatusChanged',
] as const;

export interface RunRow extends Row {
  run_id: string;
  strategy_id: string;
  strategy_version: string;
  params: string;
  params_version: number;
  mode: string;
  symbols: string;
  timeframe: string;
  initial_balance: string;
  equity_mark_ms: number;
  state: string;
  started_at: string;
  updated_at: string;
  global_position: number;
  marks: number;
  last_equity: number;
  last_wallet: number;
  last_unrealised: number;
  last_at: number;
  peak: number;
  max_drawdown: number;
  ret_n: number;
  ret_sum: number;
  ret_sumsq: number;
  down_sumsq: number;
}

interface StrategyStatsRow extends Row {
  strategy_id: string;
  fills: number;
  closing_fills: number;
  wins: number;
  realised: number;
  fees: number;
  risk_approved: number;
  risk_resized: number;
  risk_rejected: number;
  stops_triggered: number;
}

const runCols: Record<keyof Omit<RunRow, never>, 'text' | 'bigint' | 'integer' | 'double precision'> = {
  run_id: 'text',
  strategy_id: 'text',
  strategy_version: 'text',
  params: 'text',
  params_version: 'integer',
  mode: 'text',
  symbols: 'text',
  timeframe: 'text',
  initial_balance: 'text',
  equity_mark_ms: 'bigint',
  state: 'text',
  started_at: 'text',
  updated_at: 'text',
  global_position: 'bigint',
  marks: 'integer',
  last_equity: 'double precision',
  last_wallet: 'double precision',
  last_unrealised: 'double precision',
  last_at: 'bigint',
  peak: 'double precision',
  max_drawdown: 'double precision',
  ret_n: 'integer',
  ret_sum: 'double precision',
  ret_sumsq: 'double precision',
  down_sumsq: 'double precision',
};
const statCols = [
  'fills',
  'closing_fills',
  'wins',
  'realised',
  'fees',
  'risk_approved',
  'risk_resized',
  'risk_rejected',
  'stops_triggered',
] as const;

export const runsProjection: Projection = {
  name: 'runs',
  version: 1,
  tables: ['rm_runs', 'rm_equity', 'rm_strategy_stats'],
  types: runTypes,
  async setup(db) {
    let t: CreateTableBuilder<string, string> = db.schema.createTable('rm_runs').ifNotExists();
    for (const [c, type] of Object.entries(runCols)) t = t.addColumn(c, type, (col) => col.notNull());
    await t.addPrimaryKeyConstraint('rm_runs_pk', ['run_id']).execute();
    await sql`CREATE INDEX IF NOT EXISTS rm_runs_strategy ON rm_runs (strategy_id, global_position)`.execute(
      db,
    );
    await db.schema
      .createTable('rm_equity')
      .ifNotExists()
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('equity', 'double precision', (c) => c.notNull())
      .addColumn('wallet', 'double precision', (c) => c.notNull())
      .addColumn('unrealised', 'double precision', (c) => c.notNull())
      .addColumn('exposure', 'double precision', (c) => c.notNull())
      .addPrimaryKeyConstraint('rm_equity_pk', ['run_id', 'at'])
      .execute();
    let s: CreateTableBuilder<string, string> = db.schema
      .createTable('rm_strategy_stats')
      .ifNotExists()
      .addColumn('strategy_id', 'text', (c) => c.primaryKey());
    for (const c of statCols)
      s = s.addColumn(c, c === 'realised' || c === 'fees' ? 'double precision' : 'integer', (col) =>
        col.notNull(),
      );
    await s.execute();
  },
  async apply(tx, events) {
    const runs = await loadRuns(tx, events);
    const stats = await loadStats(tx, events);
    // The engine may mark the same instant twice (the last bar and the finish): the later mark wins.
    const equity = new Map<string, Row>();
    for (const e of events) {
      const d = dataOf(e);
      const runId = runIdOfStream(e.streamId);
      if (e.type === 'RunStarted' && runId) {
        runs.set(runId, newRun(runId, e, d));
        continue;
      }
      if (e.type === 'EquityMarked' && runId) {
        const run = runs.get(runId);
        if (!run) continue;
        const m = {
          at: num(d.at),
          equity: num(d.equity),
          wallet: num(d.wallet),
          unrealised: num(d.unrealisedPnl),
        };
        equity.set(`${runId}\u0000${m.at}`, { run_id: runId, ...m, exposure: num(d.exposure) });
        mark(run, m, e);
        continue;
      }
      if (e.type === 'RunCompleted' && runId) {
        const run = runs.get(runId);
        if (!run) continue;
        const reason = String(d.reason);
        run.state = reason === 'end-of-data' ? 'completed' : reason;
        run.updated_at = e.metadata.occurredAt;
        continue;
      }
      const strategyId = strategyOf(e);
      if (!strategyId) continue;
      const s = stats.get(strategyId) ?? newStats(strategyId);
      stats.set(strategyId, s);
      countFor(s, e, d);
    }
    await upsertRows(tx, 'rm_runs', ['run_id'], [...runs.values()]);
    await upsertRows(tx, 'rm_equity', ['run_id', 'at'], [...equity.values()]);
    await upsertRows(tx, 'rm_strategy_stats', ['strategy_id'], [...stats.values()]);
  },
};

const newRun = (runId: string, e: RecordedEvent, d: Record<string, unknown>): RunRow => {
  const initial = Number(d.initialBalance);
  return {
    run_id: runId,
    strategy_id: String(d.strategyId),
    strategy_version: String(d.strategyVersion),
    params: JSON.stringify(d.params ?? {}),
    params_version: num(d.paramsVersion ?? 0),
    mode: String(d.mode),
    symbols: JSON.stringify(d.symbols ?? []),
    timeframe: String(d.timeframe),
    initial_balance: String(d.initialBalance),
    equity_mark_ms: num(rec(d.config).equityMarkMs ?? 3_600_000),
    state: 'running',
    started_at: e.metadata.occurredAt,
    updated_at: e.metadata.occurredAt,
    global_position: e.globalPosition,
    marks: 0,
    last_equity: initial,
    last_wallet: initial,
    last_unrealised: 0,
    last_at: Date.parse(e.metadata.occurredAt),
    peak: initial,
    max_drawdown: 0,
    ret_n: 0,
    ret_sum: 0,
    ret_sumsq: 0,
    down_sumsq: 0,
  };
};

const mark = (
  run: RunRow,
  m: { at: number; equity: number; wallet: number; unrealised: number },
  e: RecordedEvent,
): void => {
  if (run.last_equity > 0) {
    const r = m.equity / run.last_equity - 1;
    run.ret_n++;
    run.ret_sum += r;
    run.ret_sumsq += r * r;
    if (r < 0) run.down_sumsq += r * r;
  }
  run.marks++;
  run.last_equity = m.equity;
  run.last_wallet = m.wallet;
  run.last_unrealised = m.unrealised;
  run.last_at = m.at;
  run.peak = Math.max(run.peak, m.equity);
  if (run.peak > 0) run.max_drawdown = Math.max(run.max_drawdown, (run.peak - m.equity) / run.peak);
  run.updated_at = e.metadata.occurredAt;
};

const newStats = (strategyId: string): StrategyStatsRow => ({
  strategy_id: strategyId,
  fills: 0,
  closing_fills: 0,
  wins: 0,
  realised: 0,
  fees: 0,
  risk_approved: 0,
  risk_resized: 0,
  risk_rejected: 0,
  stops_triggered: 0,
});

const countFor = (s: StrategyStatsRow, e: RecordedEvent, d: Record<string, unknown>): void => {
  switch (e.type) {
    case 'FillSettled': {
      s.fills++;
      const pnl = Number(d.realisedPnl);
      s.realised += pnl;
      if (pnl !== 0) {
        s.closing_fills++;
        if (pnl > 0) s.wins++;
      }
      break;
    }
    case 'FeeCharged':
      s.fees += Number(d.amount);
      break;
    case 'RiskDecided':
      if (d.outcome === 'approve') s.risk_approved++;
      else if (d.outcome === 'resize') s.risk_resized++;
      else s.risk_rejected++;
      break;
    case 'StopStatusChanged':
      if (d.to === 'triggered') s.stops_triggered++;
      break;
  }
};

const loadRuns = async (db: Db, events: readonly RecordedEvent[]): Promise<Map<string, RunRow>> => {
  const ids = [
    ...new Set(events.map((e) => runIdOfStream(e.streamId)).filter((x): x is string => x !== null)),
  ];
  const out = new Map<string, RunRow>();
  if (ids.length === 0) return out;
  for (const r of await db.selectFrom('rm_runs').selectAll().where('run_id', 'in', ids).execute()) {
    out.set(String(r.run_id), runFromDb(r));
  }
  return out;
};

export const runFromDb = (r: Record<string, unknown>): RunRow => {
  const row: Row = {};
  for (const [c, type] of Object.entries(runCols)) row[c] = type === 'text' ? String(r[c]) : num(r[c]);
  return row as RunRow;
};

const loadStats = async (
  db: Db,
  events: readonly RecordedEvent[],
): Promise<Map<string, StrategyStatsRow>> => {
  const ids = [...new Set(events.map(strategyOf).filter((x): x is string => x !== null))];
  const out = new Map<string, StrategyStatsRow>();
  if (ids.length === 0) return out;
  for (const r of await db
    .selectFrom('rm_strategy_stats')
    .selectAll()
    .where('strategy_id', 'in', ids)
    .execute()) {
    const s = newStats(String(r.strategy_id));
    for (const c of statCols) s[c] = num(r[c]);
    out.set(s.strategy_id, s);
  }
  return out;
};

export type StrategyStats = Record<(typeof statCols)[number], number>;
export const readStrategyStats = async (db: Db): Promise<Map<string, StrategyStats>> => {
  const out = new Map<string, StrategyStats>();
  for (const r of await db.selectFrom('rm_strategy_stats').selectAll().execute()) {
    out.set(String(r.strategy_id), Object.fromEntries(statCols.map((c) => [c, num(r[c])])) as StrategyStats);
  }
  return out;
};
