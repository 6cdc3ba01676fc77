import { type CreateTableBuilder, sql } from 'kysely';
import type { RecordedEvent } from '../../domain/events/envelope.js';
import type { Projection, ReadModelDb } from '../projection.js';
import { type Db, dataOf, num, type Row, str, upsertRows } from '../support.js';

/*
 * The status of every stop leg (armed → triggered → filled, or cancelled) with its current price and
 * layer. The engine names positions `<runId>-<symbol>-<n>`, so the leg also records its run: a paper
 * run's account id is its run id (scripts/paper), which is how a position row finds its stop.
 */

interface LegRow extends Row {
  leg_id: string;
  position_id: string;
  run_id: string;
  symbol: string;
  kind: string;
  layer: string;
  status: string;
  price: string;
  quantity: string;
  updated_at: string;
  last_position: number;
}

const cols = [
  'leg_id',
  'position_id',
  'run_id',
  'symbol',
  'kind',
  'layer',
  'status',
  'price',
  'quantity',
  'updated_at',
  'last_position',
] as const;

export const runOfPosition = (positionId: string, symbol: string): string => {
  const marker = `-${symbol}-`;
  const i = positionId.lastIndexOf(marker);
  return i > 0 ? positionId.slice(0, i) : positionId;
};

export const stopsProjection: Projection = {
  name: 'stops',
  version: 1,
  tables: ['rm_stops'],
  types: ['StopAdjusted', 'StopStatusChanged'],
  async setup(db) {
    let t: CreateTableBuilder<string, string> = db.schema.createTable('rm_stops').ifNotExists();
    for (const c of cols)
      t = t.addColumn(c, c === 'last_position' ? 'bigint' : 'text', (col) => col.notNull());
    await t.addPrimaryKeyConstraint('rm_stops_pk', ['leg_id']).execute();
    await sql`CREATE INDEX IF NOT EXISTS rm_stops_run ON rm_stops (run_id, symbol, last_position)`.execute(
      db,
    );
  },
  async apply(tx, events) {
    const legs = await load(tx, events);
    for (const e of events) {
      const d = dataOf(e);
      const legId = String(d.legId);
      const symbol = String(d.symbol);
      const leg: LegRow = legs.get(legId) ?? {
        leg_id: legId,
        position_id: String(d.positionId),
        run_id: runOfPosition(String(d.positionId), symbol),
        symbol,
        kind: String(d.kind),
        layer: String(d.layer),
        status: 'armed',
        price: String(d.price),
        quantity: String(d.quantity),
        updated_at: e.metadata.occurredAt,
        last_position: e.globalPosition,
      };
      leg.layer = String(d.layer);
      leg.price = str(d.price) ?? leg.price;
      leg.quantity = str(d.quantity) ?? leg.quantity;
      if (e.type === 'StopStatusChanged') leg.status = String(d.to);
      leg.updated_at = e.metadata.occurredAt;
      leg.last_position = e.globalPosition;
      legs.set(legId, leg);
    }
    await upsertRows(tx, 'rm_stops', ['leg_id'], [...legs.values()]);
  },
};

const load = async (db: Db, events: readonly RecordedEvent[]): Promise<Map<string, LegRow>> => {
  const ids = [...new Set(events.map((e) => String(dataOf(e).legId)))];
  const out = new Map<string, LegRow>();
  for (let i = 0; i < ids.length; i += 500) {
    for (const r of await db
      .selectFrom('rm_stops')
      .selectAll()
      .where('leg_id', 'in', ids.slice(i, i + 500))
      .execute()) {
      const row = Object.fromEntries(cols.map((c) => [c, String(r[c])])) as LegRow;
      row.last_position = num(r.last_position);
      out.set(row.leg_id, row);
    }
  }
  return out;
};

export interface StopView {
  status: 'armed' | 'triggered' | 'filled' | 'cancelled';
  price: string;
  layer: string;
}

/**
 * The protective stop of each (run, symbol): the most recently touched stop leg. An armed or
 * triggered leg beats a newer cancelled one (a take-profit cancelling does not disarm the stop).
 */
export const readStops = async (
  db: ReadModelDb,
  runIds: readonly string[],
): Promise<Map<string, StopView>> => {
  const out = new Map<string, StopView & { live: boolean }>();
  if (runIds.length === 0) return out;
  const rows = await db
    .selectFrom('rm_stops')
    .selectAll()
    .where('run_id', 'in', [...runIds])
    .where('kind', '=', 'stop')
    .orderBy('last_position', 'asc')
    .execute();
  for (const r of rows) {
    const key = `${r.run_id}\u0000${r.symbol}`;
    const status = String(r.status) as StopView['status'];
    const live = status === 'armed' || status === 'triggered';
    const prev = out.get(key);
    if (prev?.live && !live) continue;
    out.set(key, { status, price: String(r.price), layer: String(r.layer), live });
  }
  return new Map([...out].map(([k, v]) => [k, { status: v.status, price: v.price, layer: v.layer }]));
};

export interface LegView {
  readonly kind: string;
  readonly layer: string;
  readonly status: 'armed' | 'triggered';
  /** Null for the time stop, which has no level. */
  readonly price: string | null;
  readonly quantity: string;
}

const kindOrder: Record<string, number> = { stop: 0, 'take-profit': 1, time: 2 };

/**
 * Every live leg (armed or triggered) of each (run, symbol)'s latest position, the protective stop first,
 * then the take-profits by price, then the time stop: the position list’s multi-layer indicator
 * (design §12.9).
 */
export const readLadders = async (
  db: ReadModelDb,
  runIds: readonly string[],
): Promise<Map<string, LegView[]>> => {
  const out = new Map<string, LegView[]>();
  if (runIds.length === 0) return out;
  const rows = await db
    .selectFrom('rm_stops')
    .selectAll()
    .where('run_id', 'in', [...runIds])
    .execute();
  const latest = new Map<string, { position: string; at: number }>();
  for (const r of rows) {
    const key = `${r.run_id}\u0000${r.symbol}`;
    const at = num(r.last_position);
    const seen = latest.get(key);
    if (seen === undefined || at > seen.at) latest.set(key, { position: String(r.position_id), at });
  }
  for (const r of rows) {
    const key = `${r.run_id}\u0000${r.symbol}`;
    const status = String(r.status);
    if (latest.get(key)?.position !== String(r.position_id)) continue;
    if (status !== 'armed' && status !== 'triggered') continue;
    const legs = out.get(key) ?? [];
    legs.push({
      kind: String(r.kind),
      layer: String(r.layer),
      status,
      // A leg without a level (the time stop) was filed with its null price as text.
      price: r.price === null || String(r.price) === 'null' ? null : String(r.price),
      quantity: String(r.quantity),
    });
    out.set(key, legs);
  }
  for (const legs of out.values())
    legs.sort(
      (a, b) => (kindOrder[a.kind] ?? 3) - (kindOrder[b.kind] ?? 3) || Number(a.price) - Number(b.price),
    );
  return out;
};
