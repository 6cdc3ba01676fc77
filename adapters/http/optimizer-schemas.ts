import { z } from 'zod';
import { userId } from './approvers.js';

/* Bodies of the optimizer and parameter-version routes (docs/api.md); /openapi.json is generated from them. */

const idParam = z.string().min(1).max(200);
const stat = z.number().nullable();
const params = z.record(z.union([z.number(), z.string(), z.boolean()]));

export const runParams = z.object({ runId: idParam });
export const runsQuery = z.object({ strategyId: idParam.optional() }).strict();

export const gate = z.object({
  gate: z.string(),
  value: stat,
  comparator: z.string(),
  threshold: stat,
  verdict: z.enum(['pass', 'fail', 'disabled']),
});

export const runListItem = z.object({
  runId: z.string(),
  strategyId: z.string(),
  method: z.string(),
  objective: z.string(),
  state: z.enum(['running', 'completed']),
  tasksDone: z.number().int(),
  tasksExpected: z.number().int(),
  verdict: z.enum(['pass', 'fail']).nullable(),
  dsr: stat,
  pbo: stat,
  startedAt: z.string(),
  completedAt: z.string().nullable(),
});
export const runList = z.array(runListItem);

const summary = z
  .object({ totalReturn: stat, sharpe: stat, sortino: stat, maxDrawdown: stat, calmar: stat, cagr: stat })
  .passthrough();
const range = z.object({ start: z.string(), end: z.string() });

export const runWindow = z.object({
  index: z.number().int(),
  inSample: range,
  outOfSample: range,
  trials: z.number().int(),
  selected: params,
  selectedFeasible: z.boolean(),
  inSampleSummary: summary.nullable(),
  outOfSampleSummary: summary.nullable(),
  outOfSampleTrades: z.number().int().nullable(),
  outOfSampleFailure: z.string().nullable(),
  dsr: stat,
  pbo: stat,
  pboNote: z.string().nullable(),
});

export const runDetail = runListItem.extend({
  config: z.record(z.unknown()),
  windows: z.array(runWindow),
  candidate: params.nullable(),
  evidence: z.record(stat).nullable(),
  efficiency: stat,
  stability: stat,
  outOfSample: summary.nullable(),
  gates: z.array(gate),
  /** The stitched out-of-sample equity, one point per mark. */
  stitched: z.array(z.object({ at: z.string(), equity: z.number() })),
});

export const trial = z.object({
  taskId: z.string(),
  window: z.number().int(),
  trial: z.number().int().nullable(),
  kind: z.enum(['in-sample', 'out-of-sample']),
  method: z.string(),
  params,
  score: stat,
  sharpe: stat,
  failure: z.string().nullable(),
});
export const trials = z.object({ runId: z.string(), objective: z.string(), items: z.array(trial) });

export const strategyParams = z.object({ id: idParam });
export const proposal = z.object({
  proposalId: z.string(),
  runId: z.string(),
  /** `canary`: trading as a canary beside the version in force (its version number is taken). */
  status: z.enum(['pending', 'canary', 'promoted', 'rejected']),
  version: z.number().int().nullable(),
  approval: z.string().nullable(),
  verdict: z.enum(['pass', 'fail']),
  reason: z.string().nullable(),
  params,
  gates: z.array(gate),
  proposedAt: z.string(),
  decidedAt: z.string().nullable(),
  decidedBy: z.string().nullable(),
});
export const canary = z.object({
  version: z.number().int(),
  proposalId: z.string(),
  incumbentVersion: z.number().int(),
  params,
  plan: z.record(z.string(), z.number()),
  /** Market time it started. */
  startedAt: z.string(),
  state: z.enum(['trading', 'adopted', 'rolled-back']),
  by: z.enum(['automatic', 'manual']).nullable(),
  reason: z.string().nullable(),
  /** Market time of the judgement that ended it; null while trading or for a person's decision. */
  judgedAt: z.string().nullable(),
  checks: z.array(
    z.object({
      name: z.string(),
      value: z.number().nullable(),
      threshold: z.number(),
      pass: z.boolean(),
      detail: z.string(),
    }),
  ),
  evidence: z.record(z.string(), z.number().nullable()).nullable(),
  concludedAt: z.string().nullable(),
  concludedBy: z.string().nullable(),
});
export const parameterVersions = z.object({
  strategyId: z.string(),
  activeVersion: z.number().int().nullable(),
  lastChange: z.object({ what: z.string(), at: z.string(), by: z.string() }).nullable(),
  proposals: z.array(proposal),
  /** Automation 2's canaries, newest first. */
  canaries: z.array(canary),
});

/**
 * A pending proposal is promoted by its id: it has no version number until it is promoted (the next one).
 * `approver` must be the user the `x-perpetua-user` header names.
 */
export const promoteBody = z.object({ proposalId: idParam, approver: userId }).strict();
/** Rejects a pending proposal, or rolls back the canary trading it. */
export const rejectBody = z
  .object({ proposalId: idParam, approver: userId, reason: z.string().min(1).max(500).optional() })
  .strict();
export const rollbackBody = z
  .object({
    toVersion: z.number().int().nonnegative(),
    approver: userId,
    reason: z.string().min(1).max(500).optional(),
  })
  .strict();
/** "Re-optimise now": an approver asks; the scheduler on the node runs it (see /api/status). */
export const reoptimizeBody = z.object({ approver: userId }).strict();
export const reoptimizeAccepted = z.object({
  strategyId: z.string(),
  requestId: z.string(),
  /** The market time the request was made at: the run looks back from it. */
  at: z.string(),
});
export const parameterAction = z.object({
  strategyId: z.string(),
  events: z.array(z.object({ type: z.string(), version: z.number().int().nullable() })),
  activeVersion: z.number().int().nullable(),
});
