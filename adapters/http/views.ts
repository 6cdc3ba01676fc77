import type { z } from 'zod';
import type { AccountContext } from '../../domain/ledger/account.js';
import { openPositionsOf } from '../../domain/ledger/account-state.js';
import { type Fixed, fixed, mul, roundTo, toText } from '../../domain/ledger/fixed.js';
import type { Instrument } from '../../domain/ledger/instrument.js';
import { marginReport } from '../../domain/ledger/margin-report.js';
import { entryPrice } from '../../domain/ledger/position.js';
import { venueRules } from '../../domain/ledger/venue.js';
import type { StrategyDefinition } from '../../domain/strategy/sdk.js';
import { readLedgerAccountState } from '../../projections/ledger/projection.js';
import { readBackstops } from '../../projections/orders/projection.js';
import type { ReadModelDb } from '../../projections/projection.js';
import { readBreakers } from '../../projections/risk/projection.js';
import { readRunInstruments } from '../../projections/run-instruments/projection.js';
import { readStrategyStats } from '../../projections/runs/projection.js';
import { latestRun, runKpis } from '../../projections/runs/read.js';
import { readLadders, readStops } from '../../projections/stops/projection.js';
import type { account, heatmap, position, strategy } from './schemas.js';

/*
 * Composes read-model rows with the latest marks. Marks are market data (not in the log), so they come
 * from the caller: the paper runs' last closes in `npm start`, a fixed map in tests. A symbol with no
 * mark yet is valued at its entry price (zero unrealised) rather than hidden.
 */

export type Marks = (accountId: string, symbol: string) => number | null;

/** Display scale for money derived here (prices × quantities); stored amounts keep their own text. */
const money = (x: Fixed): string => toText(roundTo(x, 8, 'half-even'));
export const decimalOf = (n: number): string => {
  if (!Number.isFinite(n)) return '0';
  const s = n.toFixed(10).replace(/\.?0+$/, '');
  return s === '-0' ? '0' : s;
};

interface AccountRow {
  stream: string;
  accountId: string;
  venue: string;
}

/**
 * Paper runs that ended before their data did: a run superseded by the strategy's run on another symbol
 * set is closed out and completed as stopped (scripts/paper/superseded.ts). Their accounts (a paper run's
 * account id is its run id) are no longer traded: the lists of live accounts and positions leave them out.
 * Real runs (mode canary or live) are never left out: what they hold is on the exchange.
 */
const endedPaperRuns = async (db: ReadModelDb): Promise<Set<string>> =>
  new Set(
    (
      await db
        .selectFrom('rm_runs')
        .select(['run_id'])
        .where('mode', '=', 'paper')
        .where('state', '=', 'stopped')
        .execute()
    ).map((r) => String(r.run_id)),
  );

/** The accounts, without those of ended paper runs unless one is asked for by its id. */
const accountRows = async (db: ReadModelDb, accountId?: string): Promise<AccountRow[]> => {
  let q = db.selectFrom('rm_ledger_accounts').select(['stream', 'account_id', 'venue']);
  if (accountId) q = q.where('account_id', '=', accountId);
  const ended = accountId ? new Set<string>() : await endedPaperRuns(db);
  return (await q.orderBy('account_id').execute())
    .map((r) => ({
      stream: String(r.stream),
      accountId: String(r.account_id),
      venue: String(r.venue),
    }))
    .filter((r) => !ended.has(r.accountId));
};

/** The context an account's margin is reported in: its venue's rules, its run's listing where it recorded one. */
const accountContextOf = (
  a: AccountRow,
  ctx: AccountContext,
  listed: ReadonlyMap<string, Instrument> | undefined,
): AccountContext => {
  const rules = Object.hasOwn(venueRules, a.venue) ? venueRules[a.venue]! : ctx.rules;
  if (listed === undefined) return rules === ctx.rules ? ctx : { ...ctx, rules };
  return { rules, instrument: (symbol) => listed.get(symbol) ?? ctx.instrument(symbol) };
};

/**
 * Each account with its margin report at the latest marks. A position whose symbol has no mark yet (a
 * run that has not priced it since the node started) is valued at its entry price, so it shows no
 * unrealised PnL rather than failing the whole request. The marks are taken for the positions of the
 * state the report is made from, so a fill folded meanwhile cannot bring a position without one.
 */
const marked = async (db: ReadModelDb, ctx: AccountContext, marks: Marks, accountId?: string) => {
  const out = [];
  const rows = await accountRows(db, accountId);
  // A paper or real run's account id is its run id: its positions are margined by the listing it trades
  // by (a Bybit or OKX run's is its venue's) and booked by its venue's rules.
  const listings = await readRunInstruments(
    db,
    rows.map((r) => r.accountId),
  );
  for (const a of rows) {
    const state = await readLedgerAccountState(db, a.stream);
    if (!state) continue;
    const m: Record<string, string> = {};
    for (const p of openPositionsOf(state)) {
      if (p.symbol in m) continue;
      const mark = marks(a.accountId, p.symbol);
      m[p.symbol] = mark !== null ? decimalOf(mark) : toText(entryPrice(p));
    }
    out.push({ row: a, report: marginReport(state, m, accountContextOf(a, ctx, listings.get(a.accountId))) });
  }
  return out;
};

export const readAccounts = async (
  db: ReadModelDb,
  ctx: AccountContext,
  marks: Marks,
): Promise<z.input<typeof account>[]> =>
  (await marked(db, ctx, marks)).map(({ row, report }) => ({
    accountId: row.accountId,
    venue: row.venue,
    walletBalance: toText(report.walletBalance),
    equity: money(report.equity),
    unrealisedPnl: money(report.unrealisedPnl),
    availableBalance: money(report.availableBalance),
    marginRatio: report.crossMarginRatio === null ? null : Number(toText(report.crossMarginRatio)),
  }));

export const readPositions = async (
  db: ReadModelDb,
  ctx: AccountContext,
  marks: Marks,
  accountId?: string,
): Promise<z.input<typeof position>[]> => {
  const accounts = await marked(db, ctx, marks, accountId);
  // A paper run's account id is its run id, which is how its stop legs are filed (projections/stops).
  const ids = accounts.map((a) => a.row.accountId);
  const [stops, ladders, backstops] = await Promise.all([
    readStops(db, ids),
    readLadders(db, ids),
    readBackstops(db, ids),
  ]);
  return accounts.flatMap(({ row, report }) =>
    report.positions.map((p) => ({
      accountId: row.accountId,
      symbol: p.symbol,
      side: p.quantity > 0n ? ('long' as const) : ('short' as const),
      quantity: toText(p.quantity < 0n ? -p.quantity : p.quantity),
      entryPrice: money(p.entryPrice),
      markPrice: toText(p.markPrice),
      unrealisedPnl: money(p.unrealisedPnl),
      leverage: p.leverage,
      stop: stops.get(`${row.accountId}\u0000${p.symbol}`) ?? null,
      legs: ladders.get(`${row.accountId}\u0000${p.symbol}`) ?? [],
      exchangeStop: backstops.get(`${row.accountId}\u0000${p.symbol}`) ?? null,
    })),
  );
};

export const readHeatmap = async (db: ReadModelDb, marks: Marks): Promise<z.input<typeof heatmap>> => {
  const [shares, positions, accounts, ended] = await Promise.all([
    db.selectFrom('rm_ledger_strategy_positions').selectAll().execute(),
    db
      .selectFrom('rm_ledger_positions')
      .select(['stream', 'symbol', 'position_side', 'entry_price'])
      .execute(),
    accountRows(db),
    endedPaperRuns(db),
  ]);
  const accountOf = new Map(accounts.map((a) => [a.stream, a.accountId]));
  // An ended paper run's PnL is not the strategies' live PnL (its streams are filed under its account id).
  const endedStreams = new Set(
    (await db.selectFrom('rm_ledger_accounts').select(['stream', 'account_id']).execute())
      .filter((r) => ended.has(String(r.account_id)))
      .map((r) => String(r.stream)),
  );
  const entry = new Map(
    positions.map((p) => [`${p.stream}\u0000${p.symbol}\u0000${p.position_side}`, String(p.entry_price)]),
  );
  const cells = new Map<string, { strategyId: string; symbol: string; realised: Fixed; unrealised: Fixed }>();
  for (const s of shares) {
    if (endedStreams.has(String(s.stream))) continue;
    const strategyId = String(s.strategy_id);
    const symbol = String(s.symbol);
    const key = `${strategyId}\u0000${symbol}`;
    const cell = cells.get(key) ?? { strategyId, symbol, realised: 0n, unrealised: 0n };
    cell.realised += fixed(String(s.realised_pnl)) - fixed(String(s.fees));
    const qty = fixed(String(s.quantity));
    const e = entry.get(`${s.stream}\u0000${symbol}\u0000${s.position_side}`);
    const m = marks(accountOf.get(String(s.stream)) ?? '', symbol);
    if (qty !== 0n && e !== undefined && m !== null)
      cell.unrealised += mul(qty, fixed(decimalOf(m)) - fixed(e));
    cells.set(key, cell);
  }
  return [...cells.values()]
    .sort((a, b) => a.strategyId.localeCompare(b.strategyId) || a.symbol.localeCompare(b.symbol))
    .map((c) => ({
      strategyId: c.strategyId,
      symbol: c.symbol,
      realisedPnl: money(c.realised),
      unrealisedPnl: money(c.unrealised),
    }));
};

export interface StrategyInfo {
  readonly id: string;
  readonly version: string;
  readonly defaults: Record<string, unknown>;
  /** Its default timeframe. */
  readonly timeframe: string;
  /** `ticks`: fed trades and books, so it runs only where a capture covers the span. */
  readonly feeds: 'bars' | 'ticks';
}

/** What the API says of a strategy definition. */
export const strategyInfoOf = (d: StrategyDefinition): StrategyInfo => ({
  id: d.id,
  version: d.version,
  defaults: d.params.parse({}) as Record<string, unknown>,
  timeframe: d.timeframe,
  feeds: d.feeds?.trades === true || d.feeds?.book === true ? 'ticks' : 'bars',
});

export const readStrategies = async (
  db: ReadModelDb,
  known: readonly StrategyInfo[],
  mode = 'paper',
): Promise<z.input<typeof strategy>[]> => {
  const [stats, breakers] = await Promise.all([readStrategyStats(db), readBreakers(db)]);
  const halted = new Set(
    breakers
      .filter((b) => b.scope === 'strategy' && (b.level === 'halt' || b.level === 'flatten'))
      .map((b) => b.scopeId),
  );
  const out: z.input<typeof strategy>[] = [];
  for (const s of known) {
    const run = await latestRun(db, s.id, mode);
    const st = stats.get(s.id);
    const k = run ? runKpis(run) : null;
    out.push({
      strategyId: s.id,
      timeframe: s.timeframe,
      feeds: s.feeds,
      version: run?.strategy_version ?? s.version,
      paramsVersion: run?.params_version ?? 0,
      params: run ? (JSON.parse(run.params) as Record<string, unknown>) : s.defaults,
      state:
        halted.has(s.id) || (run && halted.has(run.run_id))
          ? 'halted'
          : run?.state === 'running'
            ? 'running'
            : 'stopped',
      kpis: k
        ? {
            startEquity: k.startEquity,
            equity: k.equity,
            totalReturn: k.totalReturn,
            maxDrawdown: k.maxDrawdown,
            sharpe: k.sharpe,
            sortino: k.sortino,
            fills: st?.fills ?? 0,
            winRate: st && st.closing_fills > 0 ? st.wins / st.closing_fills : null,
            realisedPnl: st?.realised ?? 0,
            fees: st?.fees ?? 0,
            riskApproved: st?.risk_approved ?? 0,
            riskResized: st?.risk_resized ?? 0,
            riskRejected: st?.risk_rejected ?? 0,
            stopsTriggered: st?.stops_triggered ?? 0,
          }
        : null,
    });
  }
  return out;
};
