import { type CreateTableBuilder, sql } from 'kysely';
import type { RecordedEvent } from '../../domain/events/envelope.js';
import type { AccountContext } from '../../domain/ledger/account.js';
import type { MarginType, PositionSide } from '../../domain/ledger/events.js';
import { fixed, toText } from '../../domain/ledger/fixed.js';
import { type MarginReport, marginReport } from '../../domain/ledger/margin-report.js';
import type { Projection, ReadModelDb, ReadModelTx } from '../projection.js';
import {
  type AccountView,
  LedgerReadModel,
  ledgerProjectionTypes,
  type PositionView,
  positionViewKey,
  type StrategyPositionView,
  strategyViewKey,
  type TradeView,
  tradeViewKey,
} from './read-model.js';

/*
 * Decimal columns are text holding canonical decimal strings (domain/ledger/fixed.ts): exact, and
 * byte-identical across rebuilds and across PGlite/PostgreSQL, which a numeric column's display scale
 * would not guarantee. Cast to numeric in SQL to sort or aggregate.
 */
const dec = 'text';

type Db = ReadModelDb | ReadModelTx;
type Row = Record<string, string | number>;

const accountCols = [
  'stream',
  'account_id',
  'venue',
  'position_mode',
  'fee_tier',
  'cross_wallet',
  'wallet_balance',
  'deposits',
  'withdrawals',
  'realised_pnl',
  'fees',
  'funding',
  'last_position',
];
const positionCols = [
  'stream',
  'symbol',
  'position_side',
  'margin_type',
  'leverage',
  'quantity',
  'cost',
  'entry_price',
  'isolated_wallet',
  'realised_pnl',
  'fees',
  'funding',
  'trades',
  'liquidations',
  'last_position',
];
const strategyCols = [
  'stream',
  'strategy_id',
  'symbol',
  'position_side',
  'quantity',
  'realised_pnl',
  'fees',
  'trades',
  'last_position',
];
const tradeCols = [
  'stream',
  'order_id',
  'trade_id',
  'fill_seq',
  'strategy_id',
  'symbol',
  'side',
  'position_side',
  'quantity',
  'price',
  'liquidity',
  'realised_pnl',
  'fee',
  'global_position',
  'occurred_at',
];

const tables = {
  accounts: { name: 'rm_ledger_accounts', cols: accountCols, pk: ['stream'] },
  positions: { name: 'rm_ledger_positions', cols: positionCols, pk: ['stream', 'symbol', 'position_side'] },
  strategies: {
    name: 'rm_ledger_strategy_positions',
    cols: strategyCols,
    pk: ['stream', 'strategy_id', 'symbol', 'position_side'],
  },
  trades: { name: 'rm_ledger_trades', cols: tradeCols, pk: ['stream', 'order_id', 'trade_id'] },
} as const;

const intCols = new Set(['leverage', 'trades', 'liquidations', 'fill_seq']);
const bigCols = new Set(['last_position', 'global_position']);
const textCols = new Set([
  'stream',
  'account_id',
  'venue',
  'position_mode',
  'fee_tier',
  'symbol',
  'position_side',
  'margin_type',
  'strategy_id',
  'order_id',
  'trade_id',
  'side',
  'liquidity',
  'occurred_at',
]);

const createTable = async (
  db: ReadModelDb,
  t: { name: string; cols: readonly string[]; pk: readonly string[] },
) => {
  let b: CreateTableBuilder<string, string> = db.schema.createTable(t.name).ifNotExists();
  for (const c of t.cols) {
    const type = intCols.has(c) ? 'integer' : bigCols.has(c) ? 'bigint' : textCols.has(c) ? 'text' : dec;
    b = b.addColumn(c, type, (col) => col.notNull());
  }
  await b.addPrimaryKeyConstraint(`${t.name}_pk`, [...t.pk]).execute();
};

const upsert = async (
  db: Db,
  t: { name: string; cols: readonly string[]; pk: readonly string[] },
  rows: Row[],
) => {
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    await db
      .insertInto(t.name)
      .values(chunk)
      .onConflict((oc) =>
        oc
          .columns([...t.pk])
          .doUpdateSet(
            Object.fromEntries(
              t.cols.filter((c) => !t.pk.includes(c)).map((c) => [c, sql.ref(`excluded.${c}`)]),
            ),
          ),
      )
      .execute();
  }
};

// --- row ↔ view -------------------------------------------------------------------------------------

const accountRow = (a: AccountView): Row => ({
  stream: a.stream,
  account_id: a.accountId,
  venue: a.venue,
  position_mode: a.positionMode,
  fee_tier: a.feeTier,
  cross_wallet: toText(a.crossWallet),
  wallet_balance: toText(a.walletBalance),
  deposits: toText(a.deposits),
  withdrawals: toText(a.withdrawals),
  realised_pnl: toText(a.realisedPnl),
  fees: toText(a.fees),
  funding: toText(a.funding),
  last_position: a.lastPosition,
});
const accountView = (r: Row): AccountView => ({
  stream: String(r.stream),
  accountId: String(r.account_id),
  venue: String(r.venue),
  positionMode: String(r.position_mode),
  feeTier: String(r.fee_tier),
  crossWallet: fixed(String(r.cross_wallet)),
  walletBalance: fixed(String(r.wallet_balance)),
  deposits: fixed(String(r.deposits)),
  withdrawals: fixed(String(r.withdrawals)),
  realisedPnl: fixed(String(r.realised_pnl)),
  fees: fixed(String(r.fees)),
  funding: fixed(String(r.funding)),
  lastPosition: Number(r.last_position),
});
const positionRow = (p: PositionView): Row => ({
  stream: p.stream,
  symbol: p.symbol,
  position_side: p.positionSide,
  margin_type: p.marginType,
  leverage: p.leverage,
  quantity: toText(p.quantity),
  cost: toText(p.cost),
  entry_price: toText(p.entryPrice),
  isolated_wallet: toText(p.isolatedWallet),
  realised_pnl: toText(p.realisedPnl),
  fees: toText(p.fees),
  funding: toText(p.funding),
  trades: p.trades,
  liquidations: p.liquidations,
  last_position: p.lastPosition,
});
const positionView = (r: Row): PositionView => ({
  stream: String(r.stream),
  symbol: String(r.symbol),
  positionSide: String(r.position_side) as PositionSide,
  marginType: String(r.margin_type) as MarginType,
  leverage: Number(r.leverage),
  quantity: fixed(String(r.quantity)),
  cost: fixed(String(r.cost)),
  entryPrice: fixed(String(r.entry_price)),
  isolatedWallet: fixed(String(r.isolated_wallet)),
  realisedPnl: fixed(String(r.realised_pnl)),
  fees: fixed(String(r.fees)),
  funding: fixed(String(r.funding)),
  trades: Number(r.trades),
  liquidations: Number(r.liquidations),
  lastPosition: Number(r.last_position),
});
const strategyRow = (v: StrategyPositionView): Row => ({
  stream: v.stream,
  strategy_id: v.strategyId,
  symbol: v.symbol,
  position_side: v.positionSide,
  quantity: toText(v.quantity),
  realised_pnl: toText(v.realisedPnl),
  fees: toText(v.fees),
  trades: v.trades,
  last_position: v.lastPosition,
});
const strategyView = (r: Row): StrategyPositionView => ({
  stream: String(r.stream),
  strategyId: String(r.strategy_id),
  symbol: String(r.symbol),
  positionSide: String(r.position_side) as PositionSide,
  quantity: fixed(String(r.quantity)),
  realisedPnl: fixed(String(r.realised_pnl)),
  fees: fixed(String(r.fees)),
  trades: Number(r.trades),
  lastPosition: Number(r.last_position),
});
const tradeRow = (t: TradeView): Row => ({
  stream: t.stream,
  order_id: t.orderId,
  trade_id: t.tradeId,
  fill_seq: t.fillSeq,
  strategy_id: t.strategyId,
  symbol: t.symbol,
  side: t.side,
  position_side: t.positionSide,
  quantity: toText(t.quantity),
  price: toText(t.price),
  liquidity: t.liquidity,
  realised_pnl: toText(t.realisedPnl),
  fee: toText(t.fee),
  global_position: t.globalPosition,
  occurred_at: t.occurredAt,
});
const tradeView = (r: Row): TradeView => ({
  stream: String(r.stream),
  orderId: String(r.order_id),
  tradeId: String(r.trade_id),
  fillSeq: Number(r.fill_seq),
  strategyId: String(r.strategy_id),
  symbol: String(r.symbol),
  side: String(r.side),
  positionSide: String(r.position_side) as PositionSide,
  quantity: fixed(String(r.quantity)),
  price: fixed(String(r.price)),
  liquidity: String(r.liquidity),
  realisedPnl: fixed(String(r.realised_pnl)),
  fee: fixed(String(r.fee)),
  globalPosition: Number(r.global_position),
  occurredAt: String(r.occurred_at),
});

/** Loads the rows a batch touches into a read model, so the fold continues where the tables stand. */
const loadFor = async (db: Db, events: readonly RecordedEvent[]): Promise<LedgerReadModel> => {
  const model = new LedgerReadModel();
  const streams = [...new Set(events.map((e) => e.streamId))];
  if (streams.length === 0) return model;
  const [accounts, positions, strategies] = await Promise.all([
    db.selectFrom(tables.accounts.name).selectAll().where('stream', 'in', streams).execute(),
    db.selectFrom(tables.positions.name).selectAll().where('stream', 'in', streams).execute(),
    db.selectFrom(tables.strategies.name).selectAll().where('stream', 'in', streams).execute(),
  ]);
  for (const r of accounts) model.accounts.set(String(r.stream), accountView(r));
  for (const r of positions) {
    const v = positionView(r);
    model.positions.set(positionViewKey(v.stream, v.symbol, v.positionSide), v);
  }
  for (const r of strategies) {
    const v = strategyView(r);
    model.strategies.set(strategyViewKey(v.stream, v.strategyId, v.symbol, v.positionSide), v);
  }
  // A trade fee arrives right after its fill, usually in the same batch; load the trade only when not.
  const settled = new Set(
    events
      .filter((e) => e.type === 'FillSettled')
      .map((e) => {
        const d = e.data as { orderId: string; tradeId: string };
        return tradeViewKey(e.streamId, d.orderId, d.tradeId);
      }),
  );
  const orphanFees = events.flatMap((e) => {
    if (e.type !== 'FeeCharged') return [];
    const d = e.data as { orderId: string | null; tradeId: string | null };
    if (!d.orderId || !d.tradeId || settled.has(tradeViewKey(e.streamId, d.orderId, d.tradeId))) return [];
    return [{ stream: e.streamId, orderId: d.orderId, tradeId: d.tradeId }];
  });
  for (const f of orphanFees) {
    const r = await db
      .selectFrom(tables.trades.name)
      .selectAll()
      .where('stream', '=', f.stream)
      .where('order_id', '=', f.orderId)
      .where('trade_id', '=', f.tradeId)
      .executeTakeFirst();
    if (r) model.trades.set(tradeViewKey(f.stream, f.orderId, f.tradeId), tradeView(r));
  }
  return model;
};

export const ledgerProjection: Projection = {
  name: 'ledger',
  version: 1,
  tables: Object.values(tables).map((t) => t.name),
  types: ledgerProjectionTypes,
  async setup(db) {
    for (const t of Object.values(tables)) await createTable(db, t);
  },
  async apply(tx, events) {
    const model = await loadFor(tx, events);
    model.applyAll(events);
    const touched = model.drainTouched();
    await upsert(
      tx,
      tables.accounts,
      touched.accounts.map((k) => accountRow(model.accounts.get(k)!)),
    );
    await upsert(
      tx,
      tables.positions,
      touched.positions.map((k) => positionRow(model.positions.get(k)!)),
    );
    await upsert(
      tx,
      tables.strategies,
      touched.strategies.map((k) => strategyRow(model.strategies.get(k)!)),
    );
    await upsert(
      tx,
      tables.trades,
      touched.trades.map((k) => tradeRow(model.trades.get(k)!)),
    );
  },
};

/** Every ledger table in primary-key order: what the rebuild test compares byte for byte. */
export const dumpLedgerTables = async (db: ReadModelDb): Promise<Record<string, Row[]>> => {
  const out: Record<string, Row[]> = {};
  for (const t of Object.values(tables)) {
    let q = db.selectFrom(t.name).selectAll();
    for (const c of t.pk) q = q.orderBy(c);
    out[t.name] = (await q.execute()).map((r) => Object.fromEntries(t.cols.map((c) => [c, String(r[c])])));
  }
  return out;
};

export const readLedgerPositions = async (db: ReadModelDb, stream: string): Promise<PositionView[]> =>
  (
    await db
      .selectFrom(tables.positions.name)
      .selectAll()
      .where('stream', '=', stream)
      .orderBy('symbol')
      .orderBy('position_side')
      .execute()
  ).map(positionView);

export const readLedgerAccount = async (
  db: ReadModelDb,
  stream: string,
): Promise<AccountView | undefined> => {
  const r = await db
    .selectFrom(tables.accounts.name)
    .selectAll()
    .where('stream', '=', stream)
    .executeTakeFirst();
  return r ? accountView(r) : undefined;
};

/**
 * Account, positions and margin at the latest marks (the mark prices come from market data, which is not
 * event-sourced): unrealised PnL, initial and maintenance margin, margin ratio, available balance and
 * each position's liquidation price, computed from the read model rows with the domain's own formulas.
 */
export const readMarkedAccount = async (
  db: ReadModelDb,
  stream: string,
  marks: Readonly<Record<string, string>>,
  ctx: AccountContext,
): Promise<MarginReport | undefined> => {
  const account = await readLedgerAccount(db, stream);
  if (!account) return undefined;
  const model = new LedgerReadModel();
  model.accounts.set(stream, account);
  for (const p of await readLedgerPositions(db, stream)) {
    model.positions.set(positionViewKey(stream, p.symbol, p.positionSide), p);
  }
  return marginReport(model.accountState(stream), marks, ctx);
};
