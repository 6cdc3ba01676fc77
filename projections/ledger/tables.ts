import { type CreateTableBuilder, sql } from 'kysely';
import type { OtherAssetFees } from '../../domain/ledger/account.js';
import type { MarginType, PositionSide } from '../../domain/ledger/events.js';
import { fixed, toText } from '../../domain/ledger/fixed.js';
import type { ReadModelDb, ReadModelTx } from '../projection.js';
import type { AccountView, PositionView, StrategyPositionView, TradeView } from './read-model.js';

/*
 * The ledger read-model tables and the row ↔ view mapping.
 *
 * Decimal columns are text holding canonical decimal strings (domain/ledger/fixed.ts): exact, and
 * byte-identical across rebuilds and across PGlite/PostgreSQL, which a numeric column's display scale
 * would not guarantee. Cast to numeric in SQL to sort or aggregate.
 */
const dec = 'text';

export type Db = ReadModelDb | ReadModelTx;
export type Row = Record<string, string | number>;

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
  'fees_other_assets',
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

export const tables = {
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
  'fees_other_assets',
]);

export const createTable = async (
  db: ReadModelDb,
  t: { name: string; cols: readonly string[]; pk: readonly string[] },
) => {
  let b: CreateTableBuilder<string, string> = db.schema.createTable(t.name).ifNotExists();
  for (const c of t.cols) {
    const type = intCols.has(c) ? 'integer' : bigCols.has(c) ? 'bigint' : textCols.has(c) ? 'text' : dec;
    b = b.addColumn(c, type, (col) => col.notNull());
  }
  await b.addPrimaryKeyConstraint(`${t.name}_pk`, [...t.pk]).execute();
  // Columns added after a table was first made: a database from before gets them here, and the version
  // bump that came with them rebuilds the rows.
  for (const c of t.cols) {
    const fill = addedLater[c];
    if (fill === undefined) continue;
    await sql`ALTER TABLE ${sql.table(t.name)} ADD COLUMN IF NOT EXISTS ${sql.ref(c)} text NOT NULL DEFAULT ${sql.lit(fill)}`.execute(
      db,
    );
  }
};

/** Columns added in a later projection version, with the value rows from before read as. */
const addedLater: Readonly<Record<string, string>> = { fees_other_assets: '{}' };

export const upsert = async (
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

/**
 * Fees paid in other assets as JSON text, assets in order and amounts as canonical decimals
 * (`{"BNB":{"paid":"0.00045","worth":"0.135"}}`): byte-identical across rebuilds.
 */
export const otherAssetFeesText = (m: ReadonlyMap<string, OtherAssetFees>): string =>
  JSON.stringify(
    Object.fromEntries(
      [...m.keys()].sort().map((k) => [k, { paid: toText(m.get(k)!.paid), worth: toText(m.get(k)!.worth) }]),
    ),
  );
const otherAssetFeesOf = (text: string): Map<string, OtherAssetFees> =>
  new Map(
    Object.entries(JSON.parse(text) as Record<string, { paid: string; worth: string }>).map(([k, v]) => [
      k,
      { paid: fixed(v.paid), worth: fixed(v.worth) },
    ]),
  );

export const accountRow = (a: AccountView): Row => ({
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
  fees_other_assets: otherAssetFeesText(a.otherAssetFees),
  last_position: a.lastPosition,
});
export const accountView = (r: Row): AccountView => ({
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
  otherAssetFees: otherAssetFeesOf(String(r.fees_other_assets ?? '{}')),
  lastPosition: Number(r.last_position),
});
export const positionRow = (p: PositionView): Row => ({
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
export const positionView = (r: Row): PositionView => ({
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
export const strategyRow = (v: StrategyPositionView): Row => ({
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
export const strategyView = (r: Row): StrategyPositionView => ({
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
export const tradeRow = (t: TradeView): Row => ({
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
export const tradeView = (r: Row): TradeView => ({
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
