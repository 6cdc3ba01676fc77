import type { RecordedEvent } from '../../domain/events/envelope.js';
import type {
  OptimizerRunCompletedData,
  OptimizerRunStartedData,
  ParameterCanaryConcludedData,
  ParameterCanaryStartedData,
  ParameterSetPromotedData,
  ParameterSetProposedData,
  ParameterSetRejectedData,
  ParameterSetRolledBackData,
  TrialCompletedData,
} from '../../domain/optimizer/events.js';
import type { Projection } from '../projection.js';
import { type Db, type Row, upsertRows } from '../support.js';

/*
 * Optimizer runs and parameter versions for the Optimizer screen. Trials keep only what the iteration
 * curve and the heatmap need (params and a score), never the equity curves: a 10k-trial run stays small.
 * The report's nested parts (windows, stitched curve) are JSON text, read whole by the run page.
 */

const types = [
  'OptimizerRunStarted',
  'TrialCompleted',
  'OptimizerRunCompleted',
  'ParameterSetProposed',
  'ParameterSetPromoted',
  'ParameterSetRejected',
  'ParameterSetRolledBack',
  'ParameterCanaryStarted',
  'ParameterCanaryConcluded',
] as const;

const runIdOf = (streamId: string): string | null =>
  streamId.startsWith('optimizer-') ? streamId.slice('optimizer-'.length) : null;

/** The trial's score is the run's objective read off the summary; PSR is not in it, so Sharpe stands in. */
const scoreOf = (objective: string, t: TrialCompletedData): number | null => {
  const s = t.outcome?.summary;
  if (!s) return null;
  const key = objective === 'psr' ? 'sharpe' : objective;
  const v = (s as Record<string, unknown>)[key];
  return typeof v === 'number' ? v : null;
};

const loadRuns = async (tx: Db, ids: readonly string[]): Promise<Map<string, Row>> => {
  const out = new Map<string, Row>();
  if (ids.length === 0) return out;
  for (const r of await tx.selectFrom('rm_opt_runs').selectAll().where('run_id', 'in', ids).execute())
    out.set(String(r.run_id), r as Row);
  return out;
};

const loadProposals = async (tx: Db, keys: readonly string[]): Promise<Map<string, Row>> => {
  const out = new Map<string, Row>();
  if (keys.length === 0) return out;
  // A composite key does not fit `in`; one query by proposal id, then keep the exact pairs.
  const rows = await tx
    .selectFrom('rm_param_proposals')
    .selectAll()
    .where('proposal_id', 'in', [...new Set(keys.map((k) => k.split('\u0000')[1]!))])
    .execute();
  const wanted = new Set(keys);
  for (const r of rows) {
    const key = `${r.strategy_id}\u0000${r.proposal_id}`;
    if (wanted.has(key)) out.set(key, r as Row);
  }
  return out;
};

/** The canaries the batch's conclusions refer to, keyed strategy \u0000 version. */
const loadCanaries = async (tx: Db, events: readonly RecordedEvent[]): Promise<Map<string, Row>> => {
  const out = new Map<string, Row>();
  const strategies = new Set<string>();
  for (const e of events)
    if (e.type === 'ParameterCanaryConcluded')
      strategies.add((e.data as ParameterCanaryConcludedData).strategyId);
  if (strategies.size === 0) return out;
  for (const r of await tx
    .selectFrom('rm_param_canaries')
    .selectAll()
    .where('strategy_id', 'in', [...strategies])
    .execute())
    out.set(`${r.strategy_id}\u0000${r.version}`, r as Row);
  return out;
};

export const optimizerProjection: Projection = {
  name: 'optimizer',
  // 2: parameter canaries (rm_param_canaries, proposal status `canary`).
  version: 2,
  tables: [
    'rm_opt_runs',
    'rm_opt_trials',
    'rm_opt_windows',
    'rm_opt_gates',
    'rm_param_proposals',
    'rm_param_strategies',
    'rm_param_canaries',
  ],
  types,
  async setup(db) {
    await db.schema
      .createTable('rm_opt_runs')
      .ifNotExists()
      .addColumn('run_id', 'text', (c) => c.primaryKey())
      .addColumn('strategy_id', 'text', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('objective', 'text', (c) => c.notNull())
      .addColumn('config', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('expected_tasks', 'integer', (c) => c.notNull())
      .addColumn('verdict', 'text')
      .addColumn('dsr', 'double precision')
      .addColumn('pbo', 'double precision')
      .addColumn('report', 'text')
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('completed_at', 'text')
      .addColumn('global_position', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('rm_opt_trials')
      .ifNotExists()
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('task_id', 'text', (c) => c.notNull())
      .addColumn('window', 'integer', (c) => c.notNull())
      .addColumn('trial', 'integer')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('params', 'text', (c) => c.notNull())
      .addColumn('score', 'double precision')
      .addColumn('sharpe', 'double precision')
      .addColumn('failure', 'text')
      .addColumn('global_position', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('rm_opt_trials_pk', ['run_id', 'task_id'])
      .execute();
    await db.schema
      .createTable('rm_opt_windows')
      .ifNotExists()
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('idx', 'integer', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('rm_opt_windows_pk', ['run_id', 'idx'])
      .execute();
    await db.schema
      .createTable('rm_opt_gates')
      .ifNotExists()
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('idx', 'integer', (c) => c.notNull())
      .addColumn('gate', 'text', (c) => c.notNull())
      .addColumn('value', 'double precision')
      .addColumn('comparator', 'text', (c) => c.notNull())
      .addColumn('threshold', 'double precision')
      .addColumn('verdict', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('rm_opt_gates_pk', ['run_id', 'idx'])
      .execute();
    await db.schema
      .createTable('rm_param_proposals')
      .ifNotExists()
      .addColumn('strategy_id', 'text', (c) => c.notNull())
      .addColumn('proposal_id', 'text', (c) => c.notNull())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('version', 'integer')
      .addColumn('approval', 'text')
      .addColumn('verdict', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('params', 'text', (c) => c.notNull())
      .addColumn('gates', 'text', (c) => c.notNull())
      .addColumn('proposed_at', 'text', (c) => c.notNull())
      .addColumn('decided_at', 'text')
      .addColumn('decided_by', 'text')
      .addColumn('global_position', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('rm_param_proposals_pk', ['strategy_id', 'proposal_id'])
      .execute();
    await db.schema
      .createTable('rm_param_strategies')
      .ifNotExists()
      .addColumn('strategy_id', 'text', (c) => c.primaryKey())
      .addColumn('active_version', 'integer')
      .addColumn('last_change', 'text', (c) => c.notNull())
      .addColumn('changed_at', 'text', (c) => c.notNull())
      .addColumn('changed_by', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('rm_param_canaries')
      .ifNotExists()
      .addColumn('strategy_id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('proposal_id', 'text', (c) => c.notNull())
      .addColumn('incumbent_version', 'integer', (c) => c.notNull())
      .addColumn('params', 'text', (c) => c.notNull())
      .addColumn('plan', 'text', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('by', 'text')
      .addColumn('reason', 'text')
      .addColumn('judged_at', 'bigint')
      .addColumn('checks', 'text')
      .addColumn('evidence', 'text')
      .addColumn('concluded_at', 'text')
      .addColumn('concluded_by', 'text')
      .addColumn('global_position', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('rm_param_canaries_pk', ['strategy_id', 'version'])
      .execute();
  },
  async apply(tx, events) {
    await applyRuns(tx, events);
    await applyParameters(tx, events);
  },
};

const applyRuns = async (tx: Db, events: readonly RecordedEvent[]): Promise<void> => {
  const ids = new Set<string>();
  for (const e of events) {
    const id = runIdOf(e.streamId);
    if (id) ids.add(id);
  }
  const runs = await loadRuns(tx, [...ids]);
  const trials: Row[] = [];
  const windows: Row[] = [];
  const gates: Row[] = [];
  for (const e of events) {
    const runId = runIdOf(e.streamId);
    if (!runId) continue;
    if (e.type === 'OptimizerRunStarted') {
      const d = e.data as OptimizerRunStartedData;
      runs.set(runId, {
        run_id: runId,
        strategy_id: d.strategyId,
        method: d.method,
        objective: d.objective,
        config: JSON.stringify(d),
        state: 'running',
        // Every window runs `budget` in-sample trials and one out-of-sample task: progress is done/expected.
        expected_tasks: d.windows.length * (d.budget + 1),
        verdict: null,
        dsr: null,
        pbo: null,
        report: null,
        started_at: e.metadata.occurredAt,
        completed_at: null,
        global_position: e.globalPosition,
      });
    } else if (e.type === 'TrialCompleted') {
      const run = runs.get(runId);
      if (!run) continue;
      const d = e.data as TrialCompletedData;
      trials.push({
        run_id: runId,
        task_id: d.taskId,
        window: d.window,
        trial: d.trialId,
        kind: d.kind,
        method: String(run.method),
        params: JSON.stringify(d.params),
        score: scoreOf(String(run.objective), d),
        sharpe: d.outcome?.summary.sharpe ?? null,
        failure: d.failure,
        global_position: e.globalPosition,
      });
    } else if (e.type === 'OptimizerRunCompleted') {
      const run = runs.get(runId);
      if (!run) continue;
      const d = e.data as OptimizerRunCompletedData;
      const { windows: ws, gates: gs, ...report } = d;
      runs.set(runId, {
        ...run,
        state: 'completed',
        verdict: d.verdict,
        dsr: d.evidence.dsr,
        pbo: d.evidence.pbo,
        report: JSON.stringify(report),
        completed_at: e.metadata.occurredAt,
      });
      for (const w of ws) windows.push({ run_id: runId, idx: w.index, data: JSON.stringify(w) });
      for (const [idx, g] of gs.entries()) {
        gates.push({
          run_id: runId,
          idx,
          gate: g.gate,
          value: g.value,
          comparator: g.comparator,
          threshold: g.threshold,
          verdict: g.verdict,
        });
      }
    }
  }
  await upsertRows(tx, 'rm_opt_runs', ['run_id'], [...runs.values()]);
  await upsertRows(tx, 'rm_opt_trials', ['run_id', 'task_id'], trials);
  await upsertRows(tx, 'rm_opt_windows', ['run_id', 'idx'], windows);
  await upsertRows(tx, 'rm_opt_gates', ['run_id', 'idx'], gates);
};

const applyParameters = async (tx: Db, events: readonly RecordedEvent[]): Promise<void> => {
  const keys = new Set<string>();
  for (const e of events) {
    const d = e.data as { strategyId?: string; proposalId?: string };
    if (
      (e.type.startsWith('ParameterSet') || e.type.startsWith('ParameterCanary')) &&
      d.strategyId &&
      d.proposalId
    )
      keys.add(`${d.strategyId}\u0000${d.proposalId}`);
  }
  const proposals = await loadProposals(tx, [...keys]);
  const canaries = await loadCanaries(tx, events);
  const strategies = new Map<string, Row>();
  const decided = (e: RecordedEvent) => ({ decided_at: e.metadata.occurredAt, decided_by: e.metadata.actor });
  const setActive = (e: RecordedEvent, strategyId: string, version: number, change: string) =>
    strategies.set(strategyId, {
      strategy_id: strategyId,
      active_version: version,
      last_change: change,
      changed_at: e.metadata.occurredAt,
      changed_by: e.metadata.actor,
    });
  for (const e of events) {
    if (e.type === 'ParameterSetProposed') {
      const d = e.data as ParameterSetProposedData;
      proposals.set(`${d.strategyId}\u0000${d.proposalId}`, {
        strategy_id: d.strategyId,
        proposal_id: d.proposalId,
        run_id: d.runId,
        status: 'pending',
        version: null,
        approval: null,
        verdict: d.verdict,
        reason: null,
        params: JSON.stringify(d.params),
        gates: JSON.stringify(d.gates),
        proposed_at: e.metadata.occurredAt,
        decided_at: null,
        decided_by: null,
        global_position: e.globalPosition,
      });
    } else if (e.type === 'ParameterSetPromoted') {
      const d = e.data as ParameterSetPromotedData;
      const key = `${d.strategyId}\u0000${d.proposalId}`;
      const p = proposals.get(key);
      if (p)
        proposals.set(key, {
          ...p,
          status: 'promoted',
          version: d.version,
          approval: d.approval,
          ...decided(e),
        });
      setActive(e, d.strategyId, d.version, `promoted v${d.version}`);
    } else if (e.type === 'ParameterSetRejected') {
      const d = e.data as ParameterSetRejectedData;
      const key = `${d.strategyId}\u0000${d.proposalId}`;
      const p = proposals.get(key);
      if (p) proposals.set(key, { ...p, status: 'rejected', reason: d.reason, ...decided(e) });
    } else if (e.type === 'ParameterSetRolledBack') {
      const d = e.data as ParameterSetRolledBackData;
      setActive(e, d.strategyId, d.toVersion, `rolled back v${d.fromVersion} → v${d.toVersion}: ${d.reason}`);
    } else if (e.type === 'ParameterCanaryStarted') {
      const d = e.data as ParameterCanaryStartedData;
      const key = `${d.strategyId}\u0000${d.proposalId}`;
      const p = proposals.get(key);
      if (p) proposals.set(key, { ...p, status: 'canary', version: d.version });
      canaries.set(`${d.strategyId}\u0000${d.version}`, {
        strategy_id: d.strategyId,
        version: d.version,
        proposal_id: d.proposalId,
        incumbent_version: d.incumbentVersion,
        params: JSON.stringify(d.params),
        plan: JSON.stringify(d.plan),
        started_at: d.startedAt,
        state: 'trading',
        by: null,
        reason: null,
        judged_at: null,
        checks: null,
        evidence: null,
        concluded_at: null,
        concluded_by: null,
        global_position: e.globalPosition,
      });
    } else if (e.type === 'ParameterCanaryConcluded') {
      const d = e.data as ParameterCanaryConcludedData;
      const ck = `${d.strategyId}\u0000${d.version}`;
      const c = canaries.get(ck);
      if (c)
        canaries.set(ck, {
          ...c,
          state: d.outcome,
          by: d.by,
          reason: d.reason,
          judged_at: d.at,
          checks: JSON.stringify(d.checks),
          evidence: d.evidence === null ? null : JSON.stringify(d.evidence),
          concluded_at: e.metadata.occurredAt,
          concluded_by: e.metadata.actor,
        });
      const key = `${d.strategyId}\u0000${d.proposalId}`;
      const p = proposals.get(key);
      if (p && d.outcome === 'rolled-back')
        proposals.set(key, {
          ...p,
          status: 'rejected',
          reason: `canary rolled back: ${d.reason}`,
          ...decided(e),
        });
    }
  }
  await upsertRows(tx, 'rm_param_canaries', ['strategy_id', 'version'], [...canaries.values()]);
  await upsertRows(tx, 'rm_param_proposals', ['strategy_id', 'proposal_id'], [...proposals.values()]);
  await upsertRows(tx, 'rm_param_strategies', ['strategy_id'], [...strategies.values()]);
};
