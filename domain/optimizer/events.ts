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
      previousVersion: version.nullable(),
      params: paramsSchema,
      /** automatic: by the gates alone; manual: an authorised user approved a proposal that passed them. */
      approval: z.enum(['automatic', 'manual']),
      gates: z.array(gateResultSchema).min(1),
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
      fromVersion: version,
      toVersion: version,
      /** The parameters now in force (those of toVersion), so a reader needs no second lookup. */
      params: paramsSchema,
      reason: z.string().min(1),
    })
    .strict(),
});

export type ParameterSetProposedData = z.infer<typeof ParameterSetProposed.schema>;
export type ParameterSetPromotedData = z.infer<typeof ParameterSetPromoted.schema>;
export type ParameterSetRejectedData = z.infer<typeof ParameterSetRejected.schema>;
export type ParameterSetRolledBackData = z.infer<typeof ParameterSetRolledBack.schema>;
export type GateResultData = z.infer<typeof gateResultSchema>;

export type ParameterVersionEvent =
  | { readonly type: 'ParameterSetProposed'; readonly data: ParameterSetProposedData }
  | { readonly type: 'ParameterSetPromoted'; readonly data: ParameterSetPromotedData }
  | { readonly type: 'ParameterSetRejected'; readonly data: ParameterSetRejectedData }
  | { readonly type: 'ParameterSetRolledBack'; readonly data: ParameterSetRolledBackData };

export const parametersStreamId = (strategyId: string): string => `parameters-${strategyId}`;

export const optimizerEvents = [
  ParameterSetProposed,
  ParameterSetPromoted,
  ParameterSetRejected,
  ParameterSetRolledBack,
] as const;
