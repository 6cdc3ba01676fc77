import { instrumentFromListing } from '../../domain/backtest/instrument-record.js';
import type { Instrument } from '../../domain/ledger/instrument.js';
import type { Projection, ReadModelDb } from '../projection.js';
import { type Db, dataOf, num, type Row, rec, runIdOfStream, upsertRows } from '../support.js';

/*
 * The listing each run trades each symbol by, where it is not the recorded (Binance) metadata: what its
 * RunStarted recorded (`config.instruments`: another venue's listing, or an exchange's of today), moved on
 * by each InstrumentUpdated the run took since. The account views margin a run's positions by it, so a
 * Bybit or OKX account's maintenance margin is the venue's, as its ledger books it, not Binance's.
 */

interface RunInstrumentRow extends Row {
  run_id: string;
  symbol: string;
  venue: string;
  /** The listing as JSON: instrumentListing's fields, the venue and symbol, and the identity when known. */
  listing: string;
  global_position: number;
}

export const runInstrumentsProjection: Projection = {
  name: 'run-instruments',
  version: 1,
  tables: ['rm_run_instruments'],
  types: ['RunStarted', 'InstrumentUpdated'],
  async setup(db) {
    await db.schema
      .createTable('rm_run_instruments')
      .ifNotExists()
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('symbol', 'text', (c) => c.notNull())
      .addColumn('venue', 'text', (c) => c.notNull())
      .addColumn('listing', 'text', (c) => c.notNull())
      .addColumn('global_position', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('rm_run_instruments_pk', ['run_id', 'symbol'])
      .execute();
  },
  async apply(tx, events) {
    const rows = new Map<string, RunInstrumentRow>();
    const key = (runId: string, symbol: string) => `${runId}\u0000${symbol}`;
    for (const e of events) {
      const runId = runIdOfStream(e.streamId);
      if (runId === null) continue;
      const d = dataOf(e);
      if (e.type === 'RunStarted') {
        for (const [symbol, listing] of Object.entries(rec(rec(d.config).instruments))) {
          const l = rec(listing);
          rows.set(key(runId, symbol), {
            run_id: runId,
            symbol,
            venue: String(l.venue),
            listing: JSON.stringify(l),
            global_position: e.globalPosition,
          });
        }
        continue;
      }
      // InstrumentUpdated: the new listing keeps the identity the run's start recorded, when it did.
      const symbol = String(d.symbol);
      const k = key(runId, symbol);
      const before = rows.get(k) ?? (await loadRow(tx, runId, symbol));
      const identity = before ? identityOf(JSON.parse(before.listing) as Record<string, unknown>) : {};
      rows.set(k, {
        run_id: runId,
        symbol,
        venue: String(d.venue),
        listing: JSON.stringify({ ...identity, venue: d.venue, symbol, ...rec(d.instrument) }),
        global_position: e.globalPosition,
      });
    }
    await upsertRows(tx, 'rm_run_instruments', ['run_id', 'symbol'], [...rows.values()]);
  },
};

const identityOf = (l: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(
    (['contractType', 'baseAsset', 'quoteAsset'] as const).flatMap((f) => (f in l ? [[f, l[f]]] : [])),
  );

const loadRow = async (db: Db, runId: string, symbol: string): Promise<RunInstrumentRow | undefined> => {
  const r = await db
    .selectFrom('rm_run_instruments')
    .selectAll()
    .where('run_id', '=', runId)
    .where('symbol', '=', symbol)
    .executeTakeFirst();
  if (!r) return undefined;
  return {
    run_id: String(r.run_id),
    symbol: String(r.symbol),
    venue: String(r.venue),
    listing: String(r.listing),
    global_position: num(r.global_position),
  };
};

/**
 * The listings the runs trade by, by run id then symbol: only what the runs recorded (a run on the
 * recorded metadata has none here). A stored listing that cannot be read is an error naming the run.
 */
export const readRunInstruments = async (
  db: ReadModelDb,
  runIds: readonly string[],
): Promise<Map<string, Map<string, Instrument>>> => {
  const out = new Map<string, Map<string, Instrument>>();
  if (runIds.length === 0) return out;
  const rows = await db
    .selectFrom('rm_run_instruments')
    .select(['run_id', 'symbol', 'listing'])
    .where('run_id', 'in', [...runIds])
    .execute();
  for (const r of rows) {
    const runId = String(r.run_id);
    const symbol = String(r.symbol);
    const byRun = out.get(runId) ?? new Map<string, Instrument>();
    out.set(runId, byRun);
    byRun.set(symbol, instrumentFromListing(JSON.parse(String(r.listing)), `${runId} ${symbol}`));
  }
  return out;
};
