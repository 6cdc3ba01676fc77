import { sql } from 'kysely';
import type { HotlistScannedData } from '../../domain/hotlist/events.js';
import type { Projection, ReadModelDb } from '../projection.js';
import { dataOf, num, type Row, str, upsertRows } from '../support.js';

/*
 * The hotlist as the UI shows it: the latest scan (ranking, dimensions, labels, price ranges and safe
 * leverage as JSON, since those shapes are the domain's and grow; the scan's market sentiment beside
 * it), the symbols on the whitelist with what their approver
 * acknowledged, and every person's decision in log order.
 */

export const hotlistProjection: Projection = {
  name: 'hotlist',
  version: 2,
  tables: ['rm_hotlist_scan', 'rm_hotlist_whitelist', 'rm_hotlist_decisions'],
  types: ['HotlistScanned', 'HotlistSymbolApproved', 'HotlistSymbolDeclined', 'WhitelistSymbolRemoved'],
  async setup(db) {
    await db.schema
      .createTable('rm_hotlist_scan')
      .ifNotExists()
      .addColumn('slot', 'text', (c) => c.primaryKey())
      .addColumn('scan_id', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('candidates', 'text', (c) => c.notNull())
      .addColumn('skipped', 'text', (c) => c.notNull())
      .addColumn('global_position', 'bigint', (c) => c.notNull())
      .execute();
    // Added with version 2: a database from before gets the column, and the version bump rebuilds the row.
    await sql`ALTER TABLE rm_hotlist_scan ADD COLUMN IF NOT EXISTS sentiment text`.execute(db);
    await db.schema
      .createTable('rm_hotlist_whitelist')
      .ifNotExists()
      .addColumn('symbol', 'text', (c) => c.primaryKey())
      .addColumn('approver', 'text', (c) => c.notNull())
      .addColumn('scan_id', 'text', (c) => c.notNull())
      .addColumn('approved_at', 'text', (c) => c.notNull())
      .addColumn('labels', 'text', (c) => c.notNull())
      .addColumn('acknowledged', 'text', (c) => c.notNull())
      .addColumn('note', 'text', (c) => c.notNull())
      .addColumn('global_position', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('rm_hotlist_decisions')
      .ifNotExists()
      .addColumn('global_position', 'bigint', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('symbol', 'text', (c) => c.notNull())
      .addColumn('approver', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('scan_id', 'text')
      .addColumn('text', 'text', (c) => c.notNull())
      .execute();
  },
  async apply(tx, events) {
    let scan: Row | null = null;
    // symbol → its row, or null once removed: the batch's last word per symbol is what is written.
    const whitelist = new Map<string, Row | null>();
    const decisions: Row[] = [];
    for (const e of events) {
      const d = dataOf(e);
      const at = e.metadata.occurredAt;
      switch (e.type) {
        case 'HotlistScanned':
          scan = {
            slot: 'latest',
            scan_id: String(d.scanId),
            at: num(d.at),
            source: String(d.source),
            candidates: JSON.stringify(d.candidates ?? []),
            skipped: JSON.stringify(d.skipped ?? []),
            sentiment: d.sentiment == null ? null : JSON.stringify(d.sentiment),
            global_position: e.globalPosition,
          };
          break;
        case 'HotlistSymbolApproved':
          whitelist.set(String(d.symbol), {
            symbol: String(d.symbol),
            approver: String(d.approver),
            scan_id: String(d.scanId),
            approved_at: at,
            labels: JSON.stringify(d.labels ?? []),
            acknowledged: JSON.stringify(d.acknowledged ?? []),
            note: String(d.note ?? ''),
            global_position: e.globalPosition,
          });
          decisions.push(decision(e.globalPosition, 'approved', d, at, String(d.note ?? '')));
          break;
        case 'HotlistSymbolDeclined':
          decisions.push(decision(e.globalPosition, 'declined', d, at, String(d.reason ?? '')));
          break;
        case 'WhitelistSymbolRemoved':
          whitelist.set(String(d.symbol), null);
          decisions.push(decision(e.globalPosition, 'removed', d, at, String(d.reason ?? '')));
          break;
      }
    }
    if (scan) await upsertRows(tx, 'rm_hotlist_scan', ['slot'], [scan]);
    const kept = [...whitelist.values()].filter((r): r is Row => r !== null);
    const gone = [...whitelist].filter(([, r]) => r === null).map(([s]) => s);
    if (gone.length > 0) await tx.deleteFrom('rm_hotlist_whitelist').where('symbol', 'in', gone).execute();
    await upsertRows(tx, 'rm_hotlist_whitelist', ['symbol'], kept);
    await upsertRows(tx, 'rm_hotlist_decisions', ['global_position'], decisions);
  },
};

const decision = (
  position: number,
  kind: 'approved' | 'declined' | 'removed',
  d: Record<string, unknown>,
  at: string,
  text: string,
): Row => ({
  global_position: position,
  kind,
  symbol: String(d.symbol),
  approver: String(d.approver),
  at,
  scan_id: str(d.scanId),
  text,
});

type StoredScanCandidate = HotlistScannedData['candidates'][number];
export type PriceRange = NonNullable<StoredScanCandidate['priceRange']>;
export type SafeLeverage = NonNullable<StoredScanCandidate['safeLeverage']>;
export type MarketSentiment = NonNullable<HotlistScannedData['sentiment']>;

export interface HotlistLabelView {
  code: string;
  severity: 'info' | 'warn' | 'danger';
  detail: string;
}

export interface HotlistCandidateView {
  symbol: string;
  score: number;
  rank: number;
  dimensions: { name: string; value: number | null; score: number; detail: string }[];
  labels: HotlistLabelView[];
  turnover24h: number;
  return24h: number;
  lastPrice: number;
  lastBarOpen: string;
  bars: number;
  /** Null for a scan recorded before these figures existed. */
  priceRange: PriceRange | null;
  safeLeverage: SafeLeverage | null;
  status: 'candidate' | 'whitelisted' | 'declined';
}

export interface WhitelistEntryView {
  symbol: string;
  approver: string;
  scanId: string;
  approvedAt: string;
  labels: HotlistLabelView[];
  acknowledged: string[];
  note: string;
}

export interface HotlistDecisionView {
  kind: 'approved' | 'declined' | 'removed';
  symbol: string;
  approver: string;
  at: string;
  scanId: string | null;
  text: string;
}

export interface HotlistView {
  scan: {
    scanId: string;
    at: string;
    source: string;
    candidates: HotlistCandidateView[];
    skipped: { symbol: string; reason: string }[];
    /** The scan's market mood; null when it scored no symbol or was recorded before the mood existed. */
    sentiment: MarketSentiment | null;
  } | null;
  whitelist: WhitelistEntryView[];
  history: HotlistDecisionView[];
}

type StoredCandidate = Omit<
  HotlistCandidateView,
  'status' | 'lastBarOpen' | 'priceRange' | 'safeLeverage'
> & {
  lastBarOpen: number;
  priceRange?: PriceRange;
  safeLeverage?: SafeLeverage;
};

export const readWhitelist = async (db: ReadModelDb): Promise<WhitelistEntryView[]> =>
  (await db.selectFrom('rm_hotlist_whitelist').selectAll().orderBy('symbol').execute()).map((r) => ({
    symbol: String(r.symbol),
    approver: String(r.approver),
    scanId: String(r.scan_id),
    approvedAt: String(r.approved_at),
    labels: JSON.parse(String(r.labels)) as HotlistLabelView[],
    acknowledged: JSON.parse(String(r.acknowledged)) as string[],
    note: String(r.note),
  }));

/** The latest scan with each candidate's standing, the whitelist, and the latest `historyLimit` decisions. */
export const readHotlist = async (db: ReadModelDb, historyLimit = 50): Promise<HotlistView> => {
  const row = await db
    .selectFrom('rm_hotlist_scan')
    .selectAll()
    .where('slot', '=', 'latest')
    .executeTakeFirst();
  const whitelist = await readWhitelist(db);
  const history = (
    await db
      .selectFrom('rm_hotlist_decisions')
      .selectAll()
      .orderBy('global_position', 'desc')
      .limit(historyLimit)
      .execute()
  ).map(
    (r): HotlistDecisionView => ({
      kind: String(r.kind) as HotlistDecisionView['kind'],
      symbol: String(r.symbol),
      approver: String(r.approver),
      at: String(r.at),
      scanId: str(r.scan_id),
      text: String(r.text),
    }),
  );
  if (!row) return { scan: null, whitelist, history };
  const scanId = String(row.scan_id);
  const listed = new Set(whitelist.map((w) => w.symbol));
  const declined = new Set(
    (
      await db
        .selectFrom('rm_hotlist_decisions')
        .select('symbol')
        .where('kind', '=', 'declined')
        .where('scan_id', '=', scanId)
        .execute()
    ).map((r) => String(r.symbol)),
  );
  const candidates = (JSON.parse(String(row.candidates)) as StoredCandidate[]).map(
    (c): HotlistCandidateView => ({
      ...c,
      lastBarOpen: new Date(c.lastBarOpen).toISOString(),
      priceRange: c.priceRange ?? null,
      safeLeverage: c.safeLeverage ?? null,
      status: listed.has(c.symbol) ? 'whitelisted' : declined.has(c.symbol) ? 'declined' : 'candidate',
    }),
  );
  return {
    scan: {
      scanId,
      at: new Date(num(row.at)).toISOString(),
      source: String(row.source),
      candidates,
      skipped: JSON.parse(String(row.skipped)) as { symbol: string; reason: string }[],
      sentiment: row.sentiment == null ? null : (JSON.parse(String(row.sentiment)) as MarketSentiment),
    },
    whitelist,
    history,
  };
};
