import { riskLimitsStreamId } from '../../domain/risk/events.js';
import { applyLimitChange, type LimitScope, type LimitsPatch } from '../../domain/risk/limit-changes.js';
import { defaultRiskLimits, type RiskConfig } from '../../domain/risk/limits.js';
import type { Projection, ReadModelDb } from '../projection.js';
import { dataOf, num, type Row, str, upsertRows } from '../support.js';

/*
 * The desk's limit changes (RiskLimitsSet), one row each. The config is not stored but folded on read:
 * a change replaces one layer, so the order of the rows is all the fold needs, and a handful of
 * person-made changes costs nothing to fold again.
 */

export const riskLimitsProjection: Projection = {
  name: 'risk-limits',
  version: 1,
  tables: ['rm_risk_limit_changes'],
  types: ['RiskLimitsSet'],
  async setup(db) {
    await db.schema
      .createTable('rm_risk_limit_changes')
      .ifNotExists()
      .addColumn('global_position', 'bigint', (c) => c.primaryKey())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('change_id', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('key', 'text')
      .addColumn('limits', 'text', (c) => c.notNull())
      .addColumn('approver', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('occurred_at', 'text', (c) => c.notNull())
      .execute();
  },
  async apply(tx, events) {
    const rows: Row[] = [];
    for (const e of events) {
      // The desk's stream alone, as commands/risk/set-limits.ts reads it: the read model and the
      // command side must add up to the same config.
      if (e.streamId !== riskLimitsStreamId) continue;
      const d = dataOf(e);
      rows.push({
        global_position: e.globalPosition,
        event_id: e.eventId,
        change_id: String(d.changeId),
        scope: String(d.scope),
        key: str(d.key),
        limits: JSON.stringify(d.limits ?? {}),
        approver: String(d.approver),
        reason: String(d.reason),
        occurred_at: e.metadata.occurredAt,
      });
    }
    await upsertRows(tx, 'rm_risk_limit_changes', ['global_position'], rows);
  },
};

export interface RiskLimitChangeView {
  globalPosition: number;
  eventId: string;
  changeId: string;
  scope: LimitScope;
  key: string | null;
  limits: LimitsPatch;
  approver: string;
  reason: string;
  occurredAt: string;
}

export interface RiskLimitsView {
  /** Every change folded in log order onto the built-in defaults. */
  config: RiskConfig;
  /** Newest first; at most `limit` of them when one is given. */
  changes: RiskLimitChangeView[];
}

export const readRiskLimits = async (
  db: ReadModelDb,
  q: { limit?: number } = {},
): Promise<RiskLimitsView> => {
  const rows = await db.selectFrom('rm_risk_limit_changes').selectAll().orderBy('global_position').execute();
  const all = rows.map(
    (r): RiskLimitChangeView => ({
      globalPosition: num(r.global_position),
      eventId: String(r.event_id),
      changeId: String(r.change_id),
      scope: String(r.scope) as LimitScope,
      key: str(r.key),
      limits: JSON.parse(String(r.limits)) as LimitsPatch,
      approver: String(r.approver),
      reason: String(r.reason),
      occurredAt: String(r.occurred_at),
    }),
  );
  const config = all.reduce<RiskConfig>((c, x) => applyLimitChange(c, x), { defaults: defaultRiskLimits });
  const newestFirst = all.reverse();
  return { config, changes: q.limit === undefined ? newestFirst : newestFirst.slice(0, q.limit) };
};
