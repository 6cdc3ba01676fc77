import type { ReadModelDb } from '../projection.js';
import { num } from '../support.js';

/** Read side of the optimizer projection: plain objects shaped for the API, JSON columns parsed. */

const parse = <T>(text: unknown): T => JSON.parse(String(text)) as T;
const optNum = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));

export interface OptimizerRunListItem {
  runId: string;
  strategyId: string;
  method: string;
  objective: string;
  state: 'running' | 'completed';
  tasksDone: number;
  tasksExpected: number;
  verdict: 'pass' | 'fail' | null;
  dsr: number | null;
  pbo: number | null;
  startedAt: string;
  completedAt: string | null;
}

const listItem = (r: Record<string, unknown>, done: number): OptimizerRunListItem => ({
  runId: String(r.run_id),
  strategyId: String(r.strategy_id),
  method: String(r.method),
  objective: String(r.objective),
  state: r.state === 'completed' ? 'completed' : 'running',
  tasksDone: done,
  tasksExpected: num(r.expected_tasks),
  verdict: r.verdict === 'pass' || r.verdict === 'fail' ? r.verdict : null,
  dsr: optNum(r.dsr),
  pbo: optNum(r.pbo),
  startedAt: String(r.started_at),
  completedAt: r.completed_at === null ? null : String(r.completed_at),
});

const taskCounts = async (db: ReadModelDb, runIds: readonly string[]): Promise<Map<string, number>> => {
  if (runIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('rm_opt_trials')
    .select(['run_id', (eb) => eb.fn.countAll().as('n')])
    .where('run_id', 'in', runIds)
    .groupBy('run_id')
    .execute();
  return new Map(rows.map((r) => [String(r.run_id), num(r.n)]));
};

/** Newest first. */
export const readOptimizerRuns = async (
  db: ReadModelDb,
  q: { strategyId?: string } = {},
): Promise<OptimizerRunListItem[]> => {
  let s = db.selectFrom('rm_opt_runs').selectAll();
  if (q.strategyId) s = s.where('strategy_id', '=', q.strategyId);
  const rows = await s.orderBy('global_position', 'desc').execute();
  const counts = await taskCounts(
    db,
    rows.map((r) => String(r.run_id)),
  );
  return rows.map((r) => listItem(r, counts.get(String(r.run_id)) ?? 0));
};

export interface OptimizerRunDetail extends OptimizerRunListItem {
  config: Record<string, unknown>;
  windows: Record<string, unknown>[];
  gates: {
    gate: string;
    value: number | null;
    comparator: string;
    threshold: number | null;
    verdict: string;
  }[];
  /** The report without its windows and gates (candidate, evidence, stitched curve as recorded, ...). */
  report: Record<string, unknown> | null;
}

export const readOptimizerRun = async (
  db: ReadModelDb,
  runId: string,
): Promise<OptimizerRunDetail | undefined> => {
  const r = await db.selectFrom('rm_opt_runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
  if (!r) return undefined;
  const done = (await taskCounts(db, [runId])).get(runId) ?? 0;
  const windows = await db
    .selectFrom('rm_opt_windows')
    .select('data')
    .where('run_id', '=', runId)
    .orderBy('idx')
    .execute();
  const gates = await db
    .selectFrom('rm_opt_gates')
    .selectAll()
    .where('run_id', '=', runId)
    .orderBy('idx')
    .execute();
  return {
    ...listItem(r, done),
    config: parse(r.config),
    windows: windows.map((w) => parse<Record<string, unknown>>(w.data)),
    gates: gates.map((g) => ({
      gate: String(g.gate),
      value: optNum(g.value),
      comparator: String(g.comparator),
      threshold: optNum(g.threshold),
      verdict: String(g.verdict),
    })),
    report: r.report === null ? null : parse(r.report),
  };
};

export interface OptimizerTrialRow {
  taskId: string;
  window: number;
  trial: number | null;
  kind: string;
  method: string;
  params: Record<string, number | string | boolean>;
  score: number | null;
  sharpe: number | null;
  failure: string | null;
}

/** In the order they were recorded, which is the order the coordinator applied them. */
export const readOptimizerTrials = async (db: ReadModelDb, runId: string): Promise<OptimizerTrialRow[]> =>
  (
    await db
      .selectFrom('rm_opt_trials')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('global_position')
      .execute()
  ).map((t) => ({
    taskId: String(t.task_id),
    window: num(t.window),
    trial: optNum(t.trial),
    kind: String(t.kind),
    method: String(t.method),
    params: parse(t.params),
    score: optNum(t.score),
    sharpe: optNum(t.sharpe),
    failure: t.failure === null ? null : String(t.failure),
  }));

export interface ParameterProposalRow {
  proposalId: string;
  runId: string;
  status: 'pending' | 'canary' | 'promoted' | 'rejected';
  version: number | null;
  approval: string | null;
  verdict: 'pass' | 'fail';
  reason: string | null;
  params: Record<string, number | string | boolean>;
  gates: OptimizerRunDetail['gates'];
  proposedAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
}

/** A parameter version's canary (automation 2): trading beside the version in force, or how it ended. */
export interface ParameterCanaryRow {
  version: number;
  proposalId: string;
  incumbentVersion: number;
  params: Record<string, number | string | boolean>;
  plan: Record<string, number>;
  /** Market time it started (ISO). */
  startedAt: string;
  state: 'trading' | 'adopted' | 'rolled-back';
  by: 'automatic' | 'manual' | null;
  reason: string | null;
  /** Market time of the judgement that ended it (ISO); null while trading or for a person's decision. */
  judgedAt: string | null;
  checks: { name: string; value: number | null; threshold: number; pass: boolean; detail: string }[];
  evidence: Record<string, number | null> | null;
  concludedAt: string | null;
  concludedBy: string | null;
}

export interface StrategyParameters {
  strategyId: string;
  activeVersion: number | null;
  lastChange: { what: string; at: string; by: string } | null;
  proposals: ParameterProposalRow[];
  /** Newest first; the first is trading when its state says so. */
  canaries: ParameterCanaryRow[];
}

export const readStrategyParameters = async (
  db: ReadModelDb,
  strategyId: string,
): Promise<StrategyParameters> => {
  const head = await db
    .selectFrom('rm_param_strategies')
    .selectAll()
    .where('strategy_id', '=', strategyId)
    .executeTakeFirst();
  const rows = await db
    .selectFrom('rm_param_proposals')
    .selectAll()
    .where('strategy_id', '=', strategyId)
    .orderBy('global_position', 'desc')
    .execute();
  const canaries = await db
    .selectFrom('rm_param_canaries')
    .selectAll()
    .where('strategy_id', '=', strategyId)
    .orderBy('version', 'desc')
    .execute();
  return {
    strategyId,
    activeVersion: head ? optNum(head.active_version) : null,
    lastChange: head
      ? { what: String(head.last_change), at: String(head.changed_at), by: String(head.changed_by) }
      : null,
    proposals: rows.map((p) => ({
      proposalId: String(p.proposal_id),
      runId: String(p.run_id),
      status:
        p.status === 'promoted' || p.status === 'rejected' || p.status === 'canary' ? p.status : 'pending',
      version: optNum(p.version),
      approval: p.approval === null ? null : String(p.approval),
      verdict: p.verdict === 'pass' ? 'pass' : 'fail',
      reason: p.reason === null ? null : String(p.reason),
      params: parse(p.params),
      gates: parse(p.gates),
      proposedAt: String(p.proposed_at),
      decidedAt: p.decided_at === null ? null : String(p.decided_at),
      decidedBy: p.decided_by === null ? null : String(p.decided_by),
    })),
    canaries: canaries.map((c) => ({
      version: num(c.version),
      proposalId: String(c.proposal_id),
      incumbentVersion: num(c.incumbent_version),
      params: parse(c.params),
      plan: parse(c.plan),
      startedAt: new Date(num(c.started_at)).toISOString(),
      state: c.state === 'adopted' || c.state === 'rolled-back' ? c.state : 'trading',
      by: c.by === 'automatic' || c.by === 'manual' ? c.by : null,
      reason: c.reason === null ? null : String(c.reason),
      judgedAt: c.judged_at === null ? null : new Date(num(c.judged_at)).toISOString(),
      checks: c.checks === null ? [] : parse(c.checks),
      evidence: c.evidence === null ? null : parse(c.evidence),
      concludedAt: c.concluded_at === null ? null : String(c.concluded_at),
      concludedBy: c.concluded_by === null ? null : String(c.concluded_by),
    })),
  };
};
