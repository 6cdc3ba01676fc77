import { sql } from 'kysely';
import type { Projection, ReadModelDb } from '../projection.js';
import { dataOf, num, type Row, str, upsertRows } from '../support.js';

/*
 * Each strategy's way to real money as the Lifecycle page shows it: its stage now, who let it trade real
 * money, and every move (onboarding, promotion, demotion, approval, revocation) with the checks and the
 * evidence that made it, in log order.
 */

export const lifecycleProjection: Projection = {
  name: 'lifecycle',
  // 2: account checks gained the wallet.
  version: 2,
  tables: ['rm_lifecycle', 'rm_lifecycle_history', 'rm_account_checks'],
  types: [
    'StrategyOnboarded',
    'StrategyStageChanged',
    'RealMoneyApproved',
    'RealMoneyRevoked',
    'AccountReconciled',
  ],
  async setup(db) {
    await db.schema
      .createTable('rm_lifecycle')
      .ifNotExists()
      .addColumn('strategy_id', 'text', (c) => c.primaryKey())
      .addColumn('stage', 'text', (c) => c.notNull())
      .addColumn('since', 'bigint', (c) => c.notNull())
      .addColumn('approved_by', 'text')
      .addColumn('approved_at', 'text')
      .addColumn('demoted_at', 'bigint')
      .addColumn('global_position', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('rm_lifecycle_history')
      .ifNotExists()
      .addColumn('global_position', 'bigint', (c) => c.primaryKey())
      .addColumn('strategy_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('from_stage', 'text')
      .addColumn('to_stage', 'text')
      .addColumn('reason', 'text')
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('detail', 'text', (c) => c.notNull())
      .addColumn('checks', 'text', (c) => c.notNull())
      .addColumn('evidence', 'text')
      .execute();
    await db.schema
      .createTable('rm_account_checks')
      .ifNotExists()
      .addColumn('venue', 'text', (c) => c.primaryKey())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('matched', 'integer', (c) => c.notNull())
      .addColumn('rows', 'text', (c) => c.notNull())
      .addColumn('runs', 'text', (c) => c.notNull())
      .addColumn('global_position', 'bigint', (c) => c.notNull())
      .execute();
    // Added with version 2: a database from before gets the column, and the version bump rebuilds the rows.
    await sql`ALTER TABLE rm_account_checks ADD COLUMN IF NOT EXISTS wallet text`.execute(db);
  },
  async apply(tx, events) {
    const checks = new Map<string, Row>();
    for (const e of events) {
      if (e.type !== 'AccountReconciled') continue;
      const d = dataOf(e);
      checks.set(String(d.venue), {
        venue: String(d.venue),
        at: num(d.at),
        matched: d.matched === true ? 1 : 0,
        rows: JSON.stringify(d.rows ?? []),
        runs: JSON.stringify(d.runs ?? []),
        wallet: d.wallet === undefined ? null : JSON.stringify(d.wallet),
        global_position: e.globalPosition,
      });
    }
    await upsertRows(tx, 'rm_account_checks', ['venue'], [...checks.values()]);
    events = events.filter((e) => e.type !== 'AccountReconciled');
    const ids = [...new Set(events.map((e) => String(dataOf(e).strategyId)))];
    const current = new Map<string, Row>();
    if (ids.length > 0)
      for (const r of await tx
        .selectFrom('rm_lifecycle')
        .selectAll()
        .where('strategy_id', 'in', ids)
        .execute())
        current.set(String(r.strategy_id), r as Row);
    const history: Row[] = [];
    for (const e of events) {
      const d = dataOf(e);
      const id = String(d.strategyId);
      const row = current.get(id);
      const base = {
        global_position: e.globalPosition,
        strategy_id: id,
        at: e.metadata.occurredAt,
        actor: e.metadata.actor,
        from_stage: null,
        to_stage: null,
        reason: null,
        evidence: null,
        checks: '[]',
      };
      switch (e.type) {
        case 'StrategyOnboarded':
          current.set(id, {
            strategy_id: id,
            stage: 'paper',
            since: num(d.at),
            approved_by: null,
            approved_at: null,
            global_position: e.globalPosition,
          });
          history.push({
            ...base,
            kind: 'onboarded',
            to_stage: 'paper',
            detail: `version ${String(d.strategyVersion)} starts on paper`,
          });
          break;
        case 'StrategyStageChanged':
          if (row)
            current.set(id, {
              ...row,
              stage: String(d.to),
              since: num(d.at),
              demoted_at: d.reason === 'demoted' ? num(d.at) : (row.demoted_at ?? null),
              global_position: e.globalPosition,
            });
          history.push({
            ...base,
            kind: 'stage',
            from_stage: String(d.from),
            to_stage: String(d.to),
            reason: String(d.reason),
            detail: String(d.detail),
            checks: JSON.stringify(d.checks ?? []),
            evidence: JSON.stringify({ evidence: d.evidence ?? null, shadow: d.shadow ?? null }),
          });
          break;
        case 'RealMoneyApproved':
          if (row)
            current.set(id, {
              ...row,
              approved_by: String(d.approver),
              approved_at: e.metadata.occurredAt,
              global_position: e.globalPosition,
            });
          history.push({
            ...base,
            kind: 'approved',
            detail: `${String(d.approver)} let it trade real money${str(d.note) ? `: ${String(d.note)}` : ''}`,
            checks: JSON.stringify(d.checks ?? []),
            evidence: JSON.stringify({ evidence: d.evidence ?? null, shadow: null }),
          });
          break;
        case 'RealMoneyRevoked':
          if (row)
            current.set(id, {
              ...row,
              approved_by: null,
              approved_at: null,
              global_position: e.globalPosition,
            });
          history.push({
            ...base,
            kind: 'revoked',
            detail: `${String(d.approver)} revoked real money${str(d.note) ? `: ${String(d.note)}` : ''}`,
          });
          break;
      }
    }
    await upsertRows(tx, 'rm_lifecycle', ['strategy_id'], [...current.values()]);
    await upsertRows(tx, 'rm_lifecycle_history', ['global_position'], history);
  },
};

export interface CheckView {
  name: string;
  value: number | null;
  threshold: number;
  pass: boolean;
  detail: string;
}

export interface LifecycleMoveView {
  kind: 'onboarded' | 'stage' | 'approved' | 'revoked';
  strategyId: string;
  from: string | null;
  to: string | null;
  reason: string | null;
  at: string;
  actor: string;
  detail: string;
  checks: CheckView[];
  evidence: unknown;
}

export interface LifecycleStrategyView {
  strategyId: string;
  stage: string;
  since: number;
  approvedBy: string | null;
  approvedAt: string | null;
  /** Market time of the last demotion (the cooldown before canary runs from it). */
  demotedAt: number | null;
}

/** The latest reconciliation of a real account with the real runs' ledgers. */
export interface AccountCheckView {
  venue: string;
  at: string;
  matched: boolean;
  rows: { symbol: string; exchange: string; ledger: string }[];
  runs: string[];
  /**
   * The wallet against the money every real run's ledger moved: `unexplained` is what moved that no ledger
   * booked since the node's first check (a transfer, a trade by hand, a charge not booked). Null when the
   * check could not read it (or was recorded before the node read wallets).
   */
  wallet: {
    asset: string;
    exchange: string;
    ledgers: string;
    baseline: string;
    unexplained: string;
    /** When the wallet was read (absent in checks recorded before this was kept). */
    readAt?: string;
  } | null;
}

/** Every strategy's stage, the latest account check per venue, and the latest `historyLimit` moves (newest first). */
export const readLifecycle = async (
  db: ReadModelDb,
  historyLimit = 100,
): Promise<{
  strategies: LifecycleStrategyView[];
  history: LifecycleMoveView[];
  accounts: AccountCheckView[];
}> => {
  const strategies = (await db.selectFrom('rm_lifecycle').selectAll().orderBy('strategy_id').execute()).map(
    (r): LifecycleStrategyView => ({
      strategyId: String(r.strategy_id),
      stage: String(r.stage),
      since: num(r.since),
      approvedBy: str(r.approved_by),
      approvedAt: str(r.approved_at),
      demotedAt: r.demoted_at === null || r.demoted_at === undefined ? null : num(r.demoted_at),
    }),
  );
  const history = (
    await db
      .selectFrom('rm_lifecycle_history')
      .selectAll()
      .orderBy('global_position', 'desc')
      .limit(historyLimit)
      .execute()
  ).map(
    (r): LifecycleMoveView => ({
      kind: String(r.kind) as LifecycleMoveView['kind'],
      strategyId: String(r.strategy_id),
      from: str(r.from_stage),
      to: str(r.to_stage),
      reason: str(r.reason),
      at: String(r.at),
      actor: String(r.actor),
      detail: String(r.detail),
      checks: JSON.parse(String(r.checks)) as CheckView[],
      evidence: r.evidence === null ? null : JSON.parse(String(r.evidence)),
    }),
  );
  const accounts = (await db.selectFrom('rm_account_checks').selectAll().orderBy('venue').execute()).map(
    (r): AccountCheckView => ({
      venue: String(r.venue),
      at: new Date(num(r.at)).toISOString(),
      matched: num(r.matched) === 1,
      rows: JSON.parse(String(r.rows)) as AccountCheckView['rows'],
      runs: JSON.parse(String(r.runs)) as string[],
      wallet: r.wallet == null ? null : (JSON.parse(String(r.wallet)) as AccountCheckView['wallet']),
    }),
  );
  return { strategies, history, accounts };
};
