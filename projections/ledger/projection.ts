import type { RecordedEvent } from '../../domain/events/envelope.js';
import type { AccountContext } from '../../domain/ledger/account.js';
import type { AccountState } from '../../domain/ledger/account-state.js';
import { type MarginReport, marginReport } from '../../domain/ledger/margin-report.js';
import type { Projection, ReadModelDb } from '../projection.js';
import {
  type AccountView,
  LedgerReadModel,
  ledgerProjectionTypes,
  type PositionView,
  positionViewKey,
  strategyViewKey,
  tradeViewKey,
} from './read-model.js';

import {
  accountRow,
  accountView,
  createTable,
  type Db,
  positionRow,
  positionView,
  type Row,
  strategyRow,
  strategyView,
  tables,
  tradeRow,
  tradeView,
  upsert,
} from './tables.js';

/** Loads the rows a batch touches into a read model, so the fold continues where the tables stand. */
const loadFor = async (db: Db, events: readonly RecordedEvent[]): Promise<LedgerReadModel> => {
  const model = new LedgerReadModel({ trackTouched: true });
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
  // 2: accounts gained fees_other_assets (fees paid in BNB).
  version: 2,
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
/**
 * An account's state as the read model holds it. The account row and its positions are read in one
 * repeatable-read transaction: read one after the other, a fill folded between the two reads showed a
 * position the account row did not account for (or the reverse), and a caller pricing the positions it
 * had found a moment before met one it had no mark for.
 */
export const readLedgerAccountState = (db: ReadModelDb, stream: string): Promise<AccountState | undefined> =>
  db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (tx) => {
      const account = await readLedgerAccount(tx, stream);
      if (!account) return undefined;
      const model = new LedgerReadModel();
      model.accounts.set(stream, account);
      for (const p of await readLedgerPositions(tx, stream))
        model.positions.set(positionViewKey(stream, p.symbol, p.positionSide), p);
      return model.accountState(stream);
    });

export const readMarkedAccount = async (
  db: ReadModelDb,
  stream: string,
  marks: Readonly<Record<string, string>>,
  ctx: AccountContext,
): Promise<MarginReport | undefined> => {
  const state = await readLedgerAccountState(db, stream);
  return state && marginReport(state, marks, ctx);
};
