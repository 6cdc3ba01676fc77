/** Shapes of the optimizer and parameter-version routes (docs/api.md; adapters/http/optimizer-schemas.ts). */

export type ParamValue = number | string | boolean;
export type Params = Record<string, ParamValue>;

export interface Gate {
  gate: string;
  value: number | null;
  comparator: string;
  threshold: number | null;
  verdict: 'pass' | 'fail' | 'disabled';
}

export interface OptimizerRun {
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

export interface RunSummary {
  totalReturn: number | null;
  sharpe: number | null;
  maxDrawdown: number | null;
}

export interface WfoWindow {
  index: number;
  inSample: { start: string; end: string };
  outOfSample: { start: string; end: string };
  trials: number;
  selected: Params;
  selectedFeasible: boolean;
  inSampleSummary: RunSummary | null;
  outOfSampleSummary: RunSummary | null;
  outOfSampleTrades: number | null;
  outOfSampleFailure: string | null;
  dsr: number | null;
  pbo: number | null;
  pboNote: string | null;
}

export interface OptimizerRunDetail extends OptimizerRun {
  config: Record<string, unknown>;
  windows: WfoWindow[];
  candidate: Params | null;
  evidence: Record<string, number | null> | null;
  efficiency: number | null;
  stability: number | null;
  outOfSample: RunSummary | null;
  gates: Gate[];
  stitched: { at: string; equity: number }[];
}

export interface Trial {
  taskId: string;
  window: number;
  trial: number | null;
  kind: 'in-sample' | 'out-of-sample';
  method: string;
  params: Params;
  score: number | null;
  sharpe: number | null;
  failure: string | null;
}

export interface Trials {
  runId: string;
  objective: string;
  items: Trial[];
}

export interface Proposal {
  proposalId: string;
  runId: string;
  status: 'pending' | 'canary' | 'promoted' | 'rejected';
  version: number | null;
  approval: string | null;
  verdict: 'pass' | 'fail';
  reason: string | null;
  params: Params;
  gates: Gate[];
  proposedAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
}

/** Automation 2: a version trading beside the one in force before it takes over, or how that ended. */
export interface ParameterCanary {
  version: number;
  proposalId: string;
  incumbentVersion: number;
  params: Params;
  plan: Record<string, number>;
  startedAt: string;
  state: 'trading' | 'adopted' | 'rolled-back';
  by: 'automatic' | 'manual' | null;
  reason: string | null;
  judgedAt: string | null;
  checks: { name: string; value: number | null; threshold: number; pass: boolean; detail: string }[];
  evidence: Record<string, number | null> | null;
  concludedAt: string | null;
  concludedBy: string | null;
}

export interface ParameterVersions {
  strategyId: string;
  activeVersion: number | null;
  lastChange: { what: string; at: string; by: string } | null;
  proposals: Proposal[];
  /** Newest first. */
  canaries: ParameterCanary[];
}

export interface ParameterAction {
  strategyId: string;
  events: { type: string; version: number | null }[];
  activeVersion: number | null;
}
