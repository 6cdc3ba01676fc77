import { type CreateTableBuilder, sql } from 'kysely';
import type { RecordedEvent } from '../../domain/events/envelope.js';
import { fixed, mul, toText } from '../../domain/ledger/fixed.js';
import type { Projection, ReadModelDb } from '../projection.js';
import { type Db, dataOf, num, type Row, str, upsertRows } from '../support.js';

/*
 * Orders and fills for the orders screen. An order row is keyed by orderId and carries the position of
 * its OrderRequested (`global_position`) for newest-first pagination; fills come from the account's
 * FillSettled (which has the realised PnL) and take their fee from the FeeCharged that follows.
 * Decimals are text holding canonical decimal strings, as in the ledger projection.
 */

export const orderStatuses = [
  'new',
  'accepted',
  'triggered',
  'partially_filled',
  'filled',
  'rejected',
  'cancelled',
  'expired',
] as const;
export type OrderStatus = (typeof orderStatuses)[number];

const orderTypes = [
  'OrderRequested',
  'OrderAccepted',
  'OrderRejected',
  'OrderTriggered',
  'OrderFilled',
  'OrderCancelled',
  'OrderExpired',
  'FillSettled',
  'FeeCharged',
] as const;

interface OrderRow extends Row {
  order_id: string;
  account_id: string;
  symbol: string;
  side: string;
  type: string;
  quantity: string;
  price: string | null;
  stop_price: string | null;
  status: string;
  filled_quantity: string;
  filled_notional: string;
  strategy_id: string | null;
  correlation_id: string;
  created_at: string;
  updated_at: string;
  global_position: number;
  last_position: number;
}

interface FillRow extends Row {
  order_id: string;
  trade_id: string;
  account_id: string;
  strategy_id: string | null;
  symbol: string;
  side: string;
  quantity: string;
  price: string;
  fee: string;
  realised_pnl: string;
  liquidity: string;
  /** The exchange's own closing order (FillSettled.forced): liquidation, adl, settlement; null for ours. */
  forced: string | null;
  at: string;
  correlation_id: string;
  global_position: number;
}

const orderCols = [
  'order_id',
  'account_id',
  'symbol',
  'side',
  'type',
  'quantity',
  'price',
  'stop_price',
  'status',
  'filled_quantity',
  'filled_notional',
  'strategy_id',
  'correlation_id',
  'created_at',
  'updated_at',
  'global_position',
  'last_position',
] as const;

const terminal = new Set(['filled', 'rejected', 'cancelled', 'expired']);
const add = (a: string, b: string) => toText(fixed(a) + fixed(b));

const accountOfStream = (streamId: string): string => streamId.slice(streamId.indexOf(':') + 1);

export const ordersProjection: Projection = {
  name: 'orders',
  // 2: fills say which were the exchange's own closing orders (`forced`).
  version: 2,
  tables: ['rm_orders', 'rm_fills'],
  types: orderTypes,
  async setup(db) {
    let t: CreateTableBuilder<string, string> = db.schema.createTable('rm_orders').ifNotExists();
    for (const c of orderCols) {
      const type = c === 'global_position' || c === 'last_position' ? 'bigint' : 'text';
      const nullable = c === 'price' || c === 'stop_price' || c === 'strategy_id';
      t = t.addColumn(c, type, (col) => (nullable ? col : col.notNull()));
    }
    await t.addPrimaryKeyConstraint('rm_orders_pk', ['order_id']).execute();
    // Pagination scans by position; each filter an index that keeps that order (see audit for why).
    await sql`CREATE INDEX IF NOT EXISTS rm_orders_pos ON rm_orders (global_position)`.execute(db);
    await sql`CREATE INDEX IF NOT EXISTS rm_orders_symbol ON rm_orders (symbol, global_position)`.execute(db);
    await sql`CREATE INDEX IF NOT EXISTS rm_orders_strategy ON rm_orders (strategy_id, global_position)`.execute(
      db,
    );
    await sql`CREATE INDEX IF NOT EXISTS rm_orders_status ON rm_orders (status, global_position)`.execute(db);
    await db.schema
      .createTable('rm_fills')
      .ifNotExists()
      .addColumn('order_id', 'text', (c) => c.notNull())
      .addColumn('trade_id', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('strategy_id', 'text')
      .addColumn('symbol', 'text', (c) => c.notNull())
      .addColumn('side', 'text', (c) => c.notNull())
      .addColumn('quantity', 'text', (c) => c.notNull())
      .addColumn('price', 'text', (c) => c.notNull())
      .addColumn('fee', 'text', (c) => c.notNull())
      .addColumn('realised_pnl', 'text', (c) => c.notNull())
      .addColumn('liquidity', 'text', (c) => c.notNull())
      .addColumn('forced', 'text')
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('correlation_id', 'text', (c) => c.notNull())
      .addColumn('global_position', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('rm_fills_pk', ['order_id', 'trade_id'])
      .execute();
    await sql`CREATE UNIQUE INDEX IF NOT EXISTS rm_fills_pos ON rm_fills (global_position)`.execute(db);
    await sql`CREATE INDEX IF NOT EXISTS rm_fills_order ON rm_fills (order_id, global_position)`.execute(db);
    await sql`CREATE INDEX IF NOT EXISTS rm_fills_symbol ON rm_fills (symbol, global_position)`.execute(db);
  },
  async apply(tx, events) {
    const orders = await loadOrders(tx, events);
    const fills = new Map<string, FillRow>();
    const lateFees: { orderId: string; tradeId: string; amount: string }[] = [];
    for (const e of events) {
      const d = dataOf(e);
      if (e.type === 'FillSettled') {
        const f: FillRow = {
          order_id: String(d.orderId),
          trade_id: String(d.tradeId),
          account_id: accountOfStream(e.streamId),
          strategy_id: str(d.strategyId),
          symbol: String(d.symbol),
          side: String(d.side),
          quantity: String(d.quantity),
          price: String(d.price),
          fee: '0',
          realised_pnl: String(d.realisedPnl),
          liquidity: String(d.liquidity),
          forced: str(d.forced),
          at: e.metadata.occurredAt,
          correlation_id: e.metadata.correlationId,
          global_position: e.globalPosition,
        };
        fills.set(`${f.order_id}\u0000${f.trade_id}`, f);
        continue;
      }
      if (e.type === 'FeeCharged') {
        const orderId = str(d.orderId);
        const tradeId = str(d.tradeId);
        if (!orderId || !tradeId) continue;
        const f = fills.get(`${orderId}\u0000${tradeId}`);
        if (f) f.fee = add(f.fee, String(d.amount));
        else lateFees.push({ orderId, tradeId, amount: String(d.amount) });
        continue;
      }
      applyOrderEvent(orders, e, d);
    }
    await upsertRows(tx, 'rm_orders', ['order_id'], [...orders.values()]);
    await upsertRows(tx, 'rm_fills', ['order_id', 'trade_id'], [...fills.values()]);
    // A fee whose fill was folded in an earlier batch: add it in SQL, exactly, on the stored text.
    for (const f of lateFees) {
      const row = await tx
        .selectFrom('rm_fills')
        .select('fee')
        .where('order_id', '=', f.orderId)
        .where('trade_id', '=', f.tradeId)
        .executeTakeFirst();
      if (!row) continue;
      await tx
        .updateTable('rm_fills')
        .set({ fee: add(String(row.fee), f.amount) })
        .where('order_id', '=', f.orderId)
        .where('trade_id', '=', f.tradeId)
        .execute();
    }
  },
};

const loadOrders = async (db: Db, events: readonly RecordedEvent[]): Promise<Map<string, OrderRow>> => {
  const ids = new Set<string>();
  for (const e of events) {
    if (e.type.startsWith('Order') && e.type !== 'OrderRequested') ids.add(String(dataOf(e).orderId));
  }
  const out = new Map<string, OrderRow>();
  const list = [...ids];
  for (let i = 0; i < list.length; i += 500) {
    const rows = await db
      .selectFrom('rm_orders')
      .selectAll()
      .where('order_id', 'in', list.slice(i, i + 500))
      .execute();
    for (const r of rows) {
      const row = Object.fromEntries(orderCols.map((c) => [c, r[c] ?? null])) as OrderRow;
      row.global_position = num(r.global_position);
      row.last_position = num(r.last_position);
      out.set(row.order_id, row);
    }
  }
  return out;
};

const applyOrderEvent = (orders: Map<string, OrderRow>, e: RecordedEvent, d: Record<string, unknown>) => {
  const orderId = String(d.orderId);
  if (e.type === 'OrderRequested') {
    orders.set(orderId, {
      order_id: orderId,
      account_id: String(d.accountId),
      symbol: String(d.symbol),
      side: String(d.side),
      type: String(d.type),
      quantity: String(d.quantity),
      price: str(d.price),
      stop_price: str(d.stopPrice),
      status: 'new',
      filled_quantity: '0',
      filled_notional: '0',
      strategy_id: str(d.strategyId),
      correlation_id: e.metadata.correlationId,
      created_at: e.metadata.occurredAt,
      updated_at: e.metadata.occurredAt,
      global_position: e.globalPosition,
      last_position: e.globalPosition,
    });
    return;
  }
  const o = orders.get(orderId);
  if (!o) return;
  o.updated_at = e.metadata.occurredAt;
  o.last_position = e.globalPosition;
  switch (e.type) {
    case 'OrderAccepted':
      if (o.status === 'new') o.status = 'accepted';
      break;
    case 'OrderTriggered':
      if (!terminal.has(o.status)) o.status = 'triggered';
      break;
    case 'OrderFilled': {
      o.filled_quantity = String(d.filledQuantity);
      o.filled_notional = toText(
        fixed(o.filled_notional) + mul(fixed(String(d.quantity)), fixed(String(d.price))),
      );
      o.status = fixed(String(d.remainingQuantity)) === 0n ? 'filled' : 'partially_filled';
      break;
    }
    case 'OrderRejected':
      o.status = 'rejected';
      break;
    case 'OrderCancelled':
      o.status = 'cancelled';
      break;
    case 'OrderExpired':
      o.status = 'expired';
      break;
  }
};

// --- reads --------------------------------------------------------------------------------------------

export interface OrderView {
  orderId: string;
  accountId: string;
  symbol: string;
  side: string;
  type: string;
  quantity: string;
  price: string | null;
  stopPrice: string | null;
  status: OrderStatus;
  filledQuantity: string;
  averagePrice: string | null;
  strategyId: string | null;
  correlationId: string;
  createdAt: string;
  updatedAt: string;
  globalPosition: number;
}

export interface FillView {
  orderId: string;
  tradeId: string;
  accountId: string;
  strategyId: string | null;
  symbol: string;
  side: string;
  quantity: string;
  price: string;
  fee: string;
  realisedPnl: string;
  liquidity: string;
  forced: string | null;
  at: string;
  correlationId: string;
  globalPosition: number;
}

/** Average fill price to 8 significant decimals: a display figure, the exact notional stays stored. */
const average = (notional: string, qty: string): string | null => {
  const q = Number(qty);
  if (!(q > 0)) return null;
  return String(Number((Number(notional) / q).toPrecision(12)));
};

export interface Page<T> {
  items: T[];
  /** Position of the last item when more rows follow it: the next page reads below it. */
  next: number | null;
}

/**
 * The page of `limit` rows out of `limit + 1` read: the extra row only says whether another page exists,
 * so a last page that happens to be full carries no cursor to an empty one.
 */
const pageOf = <T extends { globalPosition: number }>(rows: T[], limit: number): Page<T> => {
  const items = rows.slice(0, limit);
  return { items, next: rows.length > limit ? items[items.length - 1]!.globalPosition : null };
};

export const readOrders = async (
  db: ReadModelDb,
  q: { symbol?: string; strategyId?: string; status?: string; before?: number; limit: number },
): Promise<Page<OrderView>> => {
  let s = db.selectFrom('rm_orders').selectAll();
  if (q.symbol) s = s.where('symbol', '=', q.symbol);
  if (q.strategyId) s = s.where('strategy_id', '=', q.strategyId);
  if (q.status) s = s.where('status', '=', q.status);
  if (q.before !== undefined) s = s.where('global_position', '<', q.before);
  const rows = await s
    .orderBy('global_position', 'desc')
    .limit(q.limit + 1)
    .execute();
  return pageOf(rows.map(orderView), q.limit);
};

const orderView = (r: Record<string, unknown>): OrderView => ({
  orderId: String(r.order_id),
  accountId: String(r.account_id),
  symbol: String(r.symbol),
  side: String(r.side),
  type: String(r.type),
  quantity: String(r.quantity),
  price: str(r.price),
  stopPrice: str(r.stop_price),
  status: String(r.status) as OrderStatus,
  filledQuantity: String(r.filled_quantity),
  averagePrice: average(String(r.filled_notional), String(r.filled_quantity)),
  strategyId: str(r.strategy_id),
  correlationId: String(r.correlation_id),
  createdAt: String(r.created_at),
  updatedAt: String(r.updated_at),
  globalPosition: num(r.global_position),
});

export const readOrder = async (db: ReadModelDb, orderId: string): Promise<OrderView | undefined> => {
  const r = await db.selectFrom('rm_orders').selectAll().where('order_id', '=', orderId).executeTakeFirst();
  return r ? orderView(r) : undefined;
};

export const readFills = async (
  db: ReadModelDb,
  q: { orderId?: string; symbol?: string; before?: number; limit: number },
): Promise<Page<FillView>> => {
  let s = db.selectFrom('rm_fills').selectAll();
  if (q.orderId) s = s.where('order_id', '=', q.orderId);
  if (q.symbol) s = s.where('symbol', '=', q.symbol);
  if (q.before !== undefined) s = s.where('global_position', '<', q.before);
  const rows = await s
    .orderBy('global_position', 'desc')
    .limit(q.limit + 1)
    .execute();
  const items = rows.map(
    (r): FillView => ({
      orderId: String(r.order_id),
      tradeId: String(r.trade_id),
      accountId: String(r.account_id),
      strategyId: str(r.strategy_id),
      symbol: String(r.symbol),
      side: String(r.side),
      quantity: String(r.quantity),
      price: String(r.price),
      fee: String(r.fee),
      realisedPnl: String(r.realised_pnl),
      liquidity: String(r.liquidity),
      forced: str(r.forced),
      at: String(r.at),
      correlationId: String(r.correlation_id),
      globalPosition: num(r.global_position),
    }),
  );
  return pageOf(items, q.limit);
};

export interface BackstopView {
  readonly orderId: string;
  readonly price: string;
  /** Resting at the exchange (accepted), or fired and working as a market order (triggered). */
  readonly status: string;
}

/**
 * Each (account, symbol)'s working backstop at the exchange (replay/engine: correlation `backstop:…`), for
 * the accounts given: what protects the position when the node is not there (docs/risk.md).
 */
export const readBackstops = async (
  db: ReadModelDb,
  accountIds: readonly string[],
): Promise<Map<string, BackstopView>> => {
  const out = new Map<string, BackstopView>();
  if (accountIds.length === 0) return out;
  const rows = await db
    .selectFrom('rm_orders')
    .select(['order_id', 'account_id', 'symbol', 'stop_price', 'status', 'last_position'])
    .where('account_id', 'in', [...accountIds])
    .where('type', '=', 'STOP_MARKET')
    .where('status', 'in', ['new', 'accepted', 'triggered', 'partially_filled'])
    .where('correlation_id', 'like', 'backstop:%')
    .orderBy('last_position', 'asc')
    .execute();
  for (const r of rows)
    out.set(`${r.account_id}\u0000${r.symbol}`, {
      orderId: String(r.order_id),
      price: String(r.stop_price),
      status: String(r.status),
    });
  return out;
};
