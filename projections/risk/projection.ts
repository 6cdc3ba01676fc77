import { sql } from 'kysely';
import type { Projection, ReadModelDb } from '../projection.js';
import { dataOf, num, type Row, str, upsertRows } from '../support.js';

/*
 * Risk decisions as recorded (every rule with its threshold, the value seen and the verdict; kept as
 * JSON because the rule list is the domain's and grows) and the current level of each breaker.
 */

export const riskProjection: Projection = {
  name: 'risk',
  version: 1,
  tables: ['rm_risk_decisions', 'rm_breakers'],
  types: ['RiskDecided', 'BreakerLevelChanged'],
  async setup(db) {
    await db.schema
      .createTable('rm_risk_decisions')
      .ifNotExists()
      .addColumn('global_position', 'bigint', (c) => c.primaryKey())
      .addColumn('decision_id', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('strategy_id', 'text')
      .addColumn('symbol', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('approved_quantity', 'text')
      .addColumn('intent', 'text', (c) => c.notNull())
      .addColumn('checks', 'text', (c) => c.notNull())
      .addColumn('occurred_at', 'text', (c) => c.notNull())
      .addColumn('correlation_id', 'text', (c) => c.notNull())
      .execute();
    await sql`CREATE INDEX IF NOT EXISTS rm_risk_outcome ON rm_risk_decisions (outcome, global_position)`.execute(
      db,
    );
    await db.schema
      .createTable('rm_breakers')
      .ifNotExists()
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('scope_id', 'text', (c) => c.notNull())
      .addColumn('level', 'text', (c) => c.notNull())
      .addColumn('since', 'text', (c) => c.notNull())
      .addColumn('measured', 'text', (c) => c.notNull())
      .addColumn('global_position', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('rm_breakers_pk', ['scope', 'scope_id'])
      .execute();
  },
  async apply(tx, events) {
    const decisions: Row[] = [];
    const breakers = new Map<string, Row>();
    for (const e of events) {
      const d = dataOf(e);
      if (e.type === 'RiskDecided') {
        decisions.push({
          global_position: e.globalPosition,
          decision_id: String(d.decisionId),
          event_id: e.eventId,
          account_id: String(d.accountId),
          strategy_id: str(d.strategyId),
          symbol: String(d.symbol),
          outcome: String(d.outcome),
          approved_quantity: str(d.approvedQuantity),
          intent: JSON.stringify(d.intent ?? null),
          checks: JSON.stringify(d.checks ?? []),
          occurred_at: e.metadata.occurredAt,
          correlation_id: e.metadata.correlationId,
        });
      } else {
        breakers.set(`${d.scope}\u0000${d.scopeId}`, {
          scope: String(d.scope),
          scope_id: String(d.scopeId),
          level: String(d.to),
          since: new Date(num(d.at)).toISOString(),
          measured: JSON.stringify(d.measured ?? {}),
          global_position: e.globalPosition,
        });
      }
    }
    await upsertRows(tx, 'rm_risk_decisions', ['global_position'], decisions);
    await upsertRows(tx, 'rm_breakers', ['scope', 'scope_id'], [...breakers.values()]);
  },
};

export interface RiskDecisionView {
  globalPosition: number;
  decisionId: string;
  eventId: string;
  accountId: string;
  strategyId: string | null;
  symbol: string;
  outcome: string;
  approvedQuantity: string | null;
  intent: unknown;
  checks: unknown[];
  occurredAt: string;
  correlationId: string;
}

export const readRiskDecisions = async (
  db: ReadModelDb,
  q: { outcome?: string; before?: number; limit: number },
): Promise<{ items: RiskDecisionView[]; next: number | null }> => {
  let s = db.selectFrom('rm_risk_decisions').selectAll();
  if (q.outcome) s = s.where('outcome', '=', q.outcome);
  if (q.before !== undefined) s = s.where('global_position', '<', q.before);
  // One row past the page says whether another follows: a full last page gets no cursor.
  const rows = await s
    .orderBy('global_position', 'desc')
    .limit(q.limit + 1)
    .execute();
  const items = rows.slice(0, q.limit).map(
    (r): RiskDecisionView => ({
      globalPosition: num(r.global_position),
      decisionId: String(r.decision_id),
      eventId: String(r.event_id),
      accountId: String(r.account_id),
      strategyId: str(r.strategy_id),
      symbol: String(r.symbol),
      outcome: String(r.outcome),
      approvedQuantity: str(r.approved_quantity),
      intent: JSON.parse(String(r.intent)) as unknown,
      checks: JSON.parse(String(r.checks)) as unknown[],
      occurredAt: String(r.occurred_at),
      correlationId: String(r.correlation_id),
    }),
  );
  return { items, next: rows.length > q.limit ? items[items.length - 1]!.globalPosition : null };
};

export interface BreakerView {
  scope: string;
  scopeId: string;
  level: string;
  since: string;
  measured: Record<string, unknown>;
}

export const readBreakers = async (db: ReadModelDb): Promise<BreakerView[]> =>
  (await db.selectFrom('rm_breakers').selectAll().orderBy('scope').orderBy('scope_id').execute()).map(
    (r) => ({
      scope: String(r.scope),
      scopeId: String(r.scope_id),
      level: String(r.level),
      since: String(r.since),
      measured: JSON.parse(String(r.measured)) as Record<string, unknown>,
    }),
  );
