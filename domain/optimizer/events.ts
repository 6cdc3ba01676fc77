import { z } from 'zod';
import { defineEvent } from '../events/define-event.js';
import { gateNames } from './gates.js';
import { searchMethods } from './search.js';

/**
 * Parameter versions of a strategy, in stream `parameters-<strategyId>` (parameter-versions.ts decides
 * them). Every event that records a promotion decision carries each gate's value, threshold and verdict.
 * Version numbers start at 1; version 0 means "the strategy's schema defaults" (SignalEmitted's
 * paramsVersion 0), which always exists and needs no promotion.
 */

const id = z.string().min(1).max(128);
const finite = z.number().finite();
const version = z.number().int().positive();

export const paramsSchema = z.record(z.string().min(1), z.union([finite, z.string(), z.boolean()]));

export const gateResultSchema = z
  .object({
    gate: z.enum(gateNames),
    value: finite.nullable(),
    comparator: z.enum(['>=', '<=']),
    threshold: finite.nullable(),
    verdict: z.enum(['pass', 'fail', 'disabled']),
  })
  .strict();

const evidenceSchema = z
  .object({
    dsr: finite.nullable(),
    pbo: finite.nullable(),
    wfe: finite.nullable(),
    oosMaxDrawdown: finite.nullable(),
    oosTrades: z.number().int().nonnegative(),
    oosSharpe: finite.nullable(),
    parameterStability: finite.nullable(),
    /** Absent in events recorded before the risk-check gates. */
    oosTradesPerDay: finite.nullable().optional(),
    oosCostCoverage: finite.nullable().optional(),
  })
  .strict();

export const ParameterSetProposed = defineEvent({
  type: 'ParameterSetProposed',
  schema: z
    .object({
      strategyId: id,
      proposalId: id,
      /** The optimizer run (stream `optimizer-<runId>`) the candidate came from. */
      runId: id,
      params: paramsSchema,
      method: z.enum(searchMethods),
      /** Trials the run evaluated: the N that DSR deflates by. */
      trials: z.number().int().positive(),
      /** e.g. `rolling:90d/30d`; null for a single in-sample/out-of-sample split. */
      walkForward: z.string().min(1).nullable(),
      evidence: evidenceSchema,
      gates: z.array(gateResultSchema).min(1),
      verdict: z.enum(['pass', 'fail']),
    })
    .strict(),
});

export const ParameterSetPromoted = defineEvent({
  type: 'ParameterSetPromoted',
  schema: z
    .object({
      strategyId: id,
      proposalId: id,
      version,
      /** 0: the schema defaults (after a rollback to them); null: nothing was ever promoted. */
      previousVersion: z.number().int().nonnegative().nullable(),
      params: paramsSchema,
      /** automatic: by the gates alone; manual: an authorised user approved a proposal that passed them. */
      approval: z.enum(['automatic', 'manual']),
      gates: z.array(gateResultSchema).min(1),
      /**
       * Market time a node put it in force (its run trades from that day); absent when it takes effect at
       * a node's next start, or when it took over from its canary (whose run it keeps).
       */
      at: z.number().int().optional(),
    })
    .strict(),
});

export const ParameterSetRejected = defineEvent({
  type: 'ParameterSetRejected',
  schema: z
    .object({
      strategyId: id,
      proposalId: id,
      reason: z.string().min(1),
      failedGates: z.array(z.enum(gateNames)),
      gates: z.array(gateResultSchema).min(1),
    })
    .strict(),
});

export const ParameterSetRolledBack = defineEvent({
  type: 'ParameterSetRolledBack',
  schema: z
    .object({
      strategyId: id,
      fromVersion: z.number().int().nonnegative(),
      /** 0: back to the strategy's schema defaults. */
      toVersion: z.number().int().nonnegative(),
      /** The parameters now in force (those of toVersion), so a reader needs no second lookup. */
      params: paramsSchema,
      reason: z.string().min(1),
      /** Market time a node switched back (the version's earlier run is reinstated); absent: at its next start. */
      at: z.number().int().optional(),
    })
    .strict(),
});

const canaryPlanSchema = z
  .object({
    share: z.number().gt(0).lt(1),
    minHours: z.number().nonnegative(),
    minTrades: z.number().int().nonnegative(),
    maxHours: z.number().positive(),
    maxDrawdown: z.number().gt(0).lt(1),
    confidence: z.number().gt(0.5).lt(1),
    minPairs: z.number().int().min(2),
  })
  .strict();

/**
 * A proposal that passed the gates trades as a canary (automation 2): version `version` at `plan.share`
 * of the strategy's capital beside `incumbentVersion` (0: the schema defaults), judged from `startedAt`
 * (market time, ms). The version number is taken here; it is in force only once ParameterSetPromoted says so.
 */
export const ParameterCanaryStarted = defineEvent({
  type: 'ParameterCanaryStarted',
  schema: z
    .object({
      strategyId: id,
      proposalId: id,
      version,
      incumbentVersion: z.number().int().nonnegative(),
      params: paramsSchema,
      startedAt: z.number().int(),
      plan: canaryPlanSchema,
    })
    .strict(),
});

const canaryCheckSchema = z
  .object({
    name: z.enum(['breaker', 'max-drawdown', 'not-worse', 'hours', 'trades']),
    value: finite.nullable(),
    threshold: finite,
    pass: z.boolean(),
    detail: z.string(),
  })
  .strict();

/**
 * The canary's end: `adopted` (followed in the same append by ParameterSetPromoted of its version) or
 * `rolled-back` (the version in force stays; the proposal is rejected). `by`: the judge on the runs'
 * records (`automatic`, with its checks and evidence) or a person (`manual`, neither).
 */
export const ParameterCanaryConcluded = defineEvent({
  type: 'ParameterCanaryConcluded',
  schema: z
    .object({
      strategyId: id,
      proposalId: id,
      version,
      incumbentVersion: z.number().int().nonnegative(),
      outcome: z.enum(['adopted', 'rolled-back']),
      by: z.enum(['automatic', 'manual']),
      reason: z.string().min(1),
      /** Market time of the judgement (ms); null for a person's decision. */
      at: z.number().int().nullable(),
      checks: z.array(canaryCheckSchema),
      evidence: z
        .object({
          hours: finite,
          canaryReturn: finite,
          incumbentReturn: finite,
          canaryMaxDrawdown: finite,
          canaryTrades: z.number().int().nonnegative(),
          pairs: z.number().int().nonnegative(),
          meanDifference: finite,
          t: finite.nullable(),
        })
        .strict()
        .nullable(),
    })
    .strict(),
});

export type ParameterSetProposedData = z.infer<typeof ParameterSetProposed.schema>;
export type ParameterSetPromotedData = z.infer<typeof ParameterSetPromoted.schema>;
export type ParameterSetRejectedData = z.infer<typeof ParameterSetRejected.schema>;
export type ParameterSetRolledBackData = z.infer<typeof ParameterSetRolledBack.schema>;
export type ParameterCanaryStartedData = z.infer<typeof ParameterCanaryStarted.schema>;
export type ParameterCanaryConcludedData = z.infer<typeof ParameterCanaryConcluded.schema>;
export type GateResultData = z.infer<typeof gateResultSchema>;

export type ParameterVersionEvent =
  | { readonly type: 'ParameterSetProposed'; readonly data: ParameterSetProposedData }
  | { readonly type: 'ParameterSetPromoted'; readonly data: ParameterSetPromotedData }
  | { readonly type: 'ParameterSetRejected'; readonly data: ParameterSetRejectedData }
  | { readonly type: 'ParameterSetRolledBack'; readonly data: ParameterSetRolledBackData }
  | { readonly type: 'ParameterCanaryStarted'; readonly data: ParameterCanaryStartedData }
  | { readonly type: 'ParameterCanaryConcluded'; readonly data: ParameterCanaryConcludedData };

export const parametersStreamId = (strategyId: string): string => `parameters-${strategyId}`;

/**
 * An optimizer run, in stream `optimizer-<runId>`: the configuration it was started with (enough to
 * rebuild the run on another machine or after a restart), one TrialCompleted per backtest task, and the
 * report. A restarted coordinator replays TrialCompleted into a fresh run instead of re-running them.
 */
const range = z.object({ start: z.number().int(), end: z.number().int() }).strict();
/** Statistics that may be ±Infinity or NaN are recorded as null (JSON has neither). */
const stat = finite.nullable();
const policySchema = z
  .object({
    minDsr: stat,
    maxPbo: stat,
    minWfe: stat,
    maxOosDrawdown: stat,
    minOosTrades: stat,
    minOosSharpe: stat,
    minParameterStability: stat,
    /** Absent in runs recorded before the risk-check gates: not checked for them. */
    maxOosTradesPerDay: stat.optional(),
    minOosCostCoverage: stat.optional(),
  })
  .strict();
const summarySchema = z
  .object({
    totalReturn: stat,
    cagr: stat,
    volatility: stat,
    sharpe: stat,
    sortino: stat,
    calmar: stat,
    maxDrawdown: stat,
    maxDrawdownPeriods: z.number().int().nonnegative(),
    periods: z.number().int().nonnegative(),
  })
  .strict();

export const OptimizerRunStarted = defineEvent({
  type: 'OptimizerRunStarted',
  schema: z
    .object({
      runId: id,
      strategyId: id,
      symbols: z.array(z.string().min(1)).min(1),
      timeframe: z.string().min(1).nullable(),
      method: z.enum(searchMethods),
      /** Trials per walk-forward window. */
      budget: z.number().int().min(2),
      /** Trials asked from a window's search at a time. */
      batch: z.number().int().positive(),
      /**
       * Tasks in flight at once. Part of the configuration, not of the machine: results are applied in
       * hand-out order within this window, so the trials do not depend on how many workers ran them.
       */
      inFlight: z.number().int().positive(),
      walkForward: z.string().min(1),
      range,
      windows: z
        .array(
          z.object({ index: z.number().int().nonnegative(), inSample: range, outOfSample: range }).strict(),
        )
        .min(1),
      objective: z.enum(['sharpe', 'sortino', 'calmar', 'cagr', 'totalReturn', 'psr']),
      constraints: z
        .object({
          maxDrawdown: finite.positive().nullable(),
          minTrades: z.number().int().nonnegative().nullable(),
        })
        .strict(),
      pboBlocks: z.number().int().min(2),
      policy: policySchema,
      /** Seed of the engine's simulated venue in every trial. */
      seed: z.number().int(),
      /**
       * Seed of every window's search. Absent, the run id seeds it: a run's id alone then fixes its trials.
       * Given, two runs with different ids draw the same trials (a researcher repeating a search, a benchmark
       * timing identical work).
       */
      searchSeed: z.string().min(1).max(100).optional(),
    })
    .strict(),
});

/** What a trial's outcome carries beside its curve or stats, in either form. */
const trialFigures = {
  periodsPerYear: finite.positive(),
  trades: z.number().int().nonnegative(),
  turnover: finite.nonnegative(),
  fees: finite.nonnegative(),
};

/** A v1 TrialCompleted's outcome was always a curve: v2 names the form (stats came with v2). */
const upcastTrialCompletedV1 = (raw: unknown): unknown => {
  const d = raw as { outcome: Record<string, unknown> | null } & Record<string, unknown>;
  return d.outcome === null ? d : { ...d, outcome: { form: 'curve', ...d.outcome } };
};

export const TrialCompleted = defineEvent({
  type: 'TrialCompleted',
  schemaVersion: 2,
  upcasters: { 1: upcastTrialCompletedV1 },
  schema: z
    .object({
      runId: id,
      /** `<window>:is:<trial>` or `<window>:oos`: the idempotency key of the task. */
      taskId: z.string().regex(/^\d+:(is:\d+|oos)$/),
      kind: z.enum(['in-sample', 'out-of-sample']),
      window: z.number().int().nonnegative(),
      trialId: z.number().int().nonnegative().nullable(),
      params: paramsSchema,
      /**
       * Null when the backtest refused or failed (see `failure`); the search ranks such a trial last.
       * An out-of-sample run records its curve; an in-sample trial its stats (domain/optimizer/
       * trial-stats.ts), or its curve when an older worker sent that or the run predates stats.
       */
      outcome: z
        .discriminatedUnion('form', [
          z
            .object({
              form: z.literal('curve'),
              /** Equity at each mark, initial capital first: little-endian float64, base64 (exact and compact). */
              equity: z.string(),
              /** Times (ms) of the equity points, same encoding; kept for out-of-sample runs, which are stitched. */
              times: z.string().nullable(),
              ...trialFigures,
              /** For readers; the run recomputes everything from `equity`. */
              summary: summarySchema,
            })
            .strict(),
          z
            .object({
              form: z.literal('stats'),
              /** packTrialStats() floats, little-endian float64, base64: what the run scores, bit for bit. */
              stats: z.string(),
              ...trialFigures,
              /** For readers (JSON has no NaN or infinity); the run reads `stats`. */
              summary: summarySchema,
            })
            .strict(),
        ])
        .nullable(),
      failure: z.string().min(1).nullable(),
    })
    .strict(),
});

export const OptimizerRunCompleted = defineEvent({
  type: 'OptimizerRunCompleted',
  schema: z
    .object({
      runId: id,
      strategyId: id,
      trials: z.number().int().nonnegative(),
      windows: z.array(
        z
          .object({
            index: z.number().int().nonnegative(),
            inSample: range,
            outOfSample: range,
            trials: z.number().int().nonnegative(),
            selected: paramsSchema,
            selectedFeasible: z.boolean(),
            inSampleSummary: summarySchema.nullable(),
            outOfSampleSummary: summarySchema.nullable(),
            outOfSampleTrades: z.number().int().nonnegative().nullable(),
            outOfSampleFailure: z.string().nullable(),
            dsr: stat,
            pbo: stat,
            pboNote: z.string().nullable(),
          })
          .strict(),
      ),
      candidate: paramsSchema,
      /** The stitched out-of-sample curve (float64 base64, as in TrialCompleted), for charts and audits. */
      stitched: z.object({ equity: z.string(), times: z.string() }).strict().nullable(),
      outOfSample: summarySchema.nullable(),
      outOfSampleTrades: z.number().int().nonnegative(),
      efficiency: stat,
      stability: stat,
      evidence: evidenceSchema,
      /** The proposal in `parameters-<strategyId>` this run produced (its id is the run id). */
      proposalId: id,
      verdict: z.enum(['pass', 'fail']),
      gates: z.array(gateResultSchema).min(1),
    })
    .strict(),
});

/** Automation 1 and the schedule: a request to re-optimise a strategy, in stream `reoptimization-<strategyId>`. */
export const ReoptimizationRequested = defineEvent({
  type: 'ReoptimizationRequested',
  // v2 adds the `backtestPercentile` KPI; a v1 event reads as it was (it had only the other two).
  schemaVersion: 2,
  upcasters: { 1: (d) => d },
  schema: z
    .object({
      strategyId: id,
      requestId: id,
      trigger: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('schedule'), cron: z.string().min(1), dueAt: z.number().int() }).strict(),
        /** A person asked for it (the UI's "re-optimise now", an approver only). */
        z.object({ kind: z.literal('manual'), requestedBy: z.string().regex(/^[\w.@-]{1,64}$/) }).strict(),
        /**
         * The market's volatility spiked (automation 7): a symbol the strategy trades is at the top of its
         * own volatility range, as the hotlist scan measured it.
         */
        z
          .object({
            kind: z.literal('volatility'),
            symbol: z.string().min(1),
            percentile: finite,
            threshold: finite,
            scanId: id,
          })
          .strict(),
        z
          .object({
            kind: z.literal('kpi'),
            /** Every KPI checked with its value and threshold, breached or not. */
            checks: z
              .array(
                z
                  .object({
                    kpi: z.enum(['rollingSharpe', 'drawdown', 'backtestPercentile']),
                    value: stat,
                    comparator: z.enum(['>=', '<=']),
                    threshold: finite,
                    breached: z.boolean(),
                    /**
                     * `backtestPercentile` only: what the window was compared with, the out-of-sample curve
                     * of the optimizer run that chose the parameters in force (design §14).
                     */
                    reference: z
                      .object({
                        paramsVersion: z.number().int().positive(),
                        optimizerRunId: id,
                        windows: z.number().int().positive(),
                        liveReturn: finite,
                        medianReturn: finite,
                      })
                      .strict()
                      .optional(),
                  })
                  .strict(),
              )
              .min(1),
            window: z.number().int().positive(),
          })
          .strict(),
      ]),
    })
    .strict(),
});

export type OptimizerRunStartedData = z.infer<typeof OptimizerRunStarted.schema>;
export type TrialCompletedData = z.infer<typeof TrialCompleted.schema>;
export type OptimizerRunCompletedData = z.infer<typeof OptimizerRunCompleted.schema>;
export type ReoptimizationRequestedData = z.infer<typeof ReoptimizationRequested.schema>;
export type RunSummaryData = z.infer<typeof summarySchema>;

export const optimizerStreamId = (runId: string): string => `optimizer-${runId}`;
export const reoptimizationStreamId = (strategyId: string): string => `reoptimization-${strategyId}`;

export const optimizerEvents = [
  ParameterSetProposed,
  ParameterSetPromoted,
  ParameterSetRejected,
  ParameterSetRolledBack,
  ParameterCanaryStarted,
  ParameterCanaryConcluded,
  OptimizerRunStarted,
  TrialCompleted,
  OptimizerRunCompleted,
  ReoptimizationRequested,
] as const;
