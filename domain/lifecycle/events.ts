import { z } from 'zod';
import { defineEvent, type EventData } from '../events/define-event.js';
import { stages } from './gates.js';

/**
 * A strategy's way to real money (automation 8), in stream `lifecycle-<strategyId>`: where it stands,
 * every move with the evidence and the gate's checks that made it, and the one decision only a person
 * can take, letting it trade real money. An audit reads here why a strategy traded the real account
 * on a given day, on what figures, and who allowed it.
 */

export const lifecycleStreamId = (strategyId: string): string => `lifecycle-${strategyId}`;

const strategyId = z.string().min(1).max(128);
const stage = z.enum(stages);
const person = z.string().min(1).max(128);
const note = z.string().max(2000);
const finite = z.number().finite();

export const evidenceSchema = z
  .object({
    runId: z.string().min(1),
    days: finite,
    trades: z.number().int().nonnegative(),
    totalReturn: finite,
    maxDrawdown: finite,
    sharpe: finite.nullable(),
    /** How many per-mark returns the run had (the returns themselves stay in the run's log). */
    returns: z.number().int().nonnegative(),
    slippageBps: finite.nullable(),
    breakerTripped: z.boolean(),
  })
  .strict();

export const checkSchema = z
  .object({
    name: z.string(),
    value: finite.nullable(),
    threshold: finite,
    pass: z.boolean(),
    detail: z.string(),
  })
  .strict();

export const StrategyOnboarded = defineEvent({
  type: 'StrategyOnboarded',
  schema: z.object({ strategyId, strategyVersion: z.string().min(1), at: z.number().int() }).strict(),
});

export const StrategyStageChanged = defineEvent({
  type: 'StrategyStageChanged',
  schema: z
    .object({
      strategyId,
      from: stage,
      to: stage,
      /** gates-met: promoted on evidence; demoted: taken back on evidence; revoked / retired: by a person. */
      reason: z.enum(['gates-met', 'demoted', 'revoked', 'retired']),
      /** Market time of the evidence. */
      at: z.number().int(),
      detail: z.string(),
      evidence: evidenceSchema.nullable(),
      /** The run the real returns were compared with (canary → prod). */
      shadow: evidenceSchema.nullable(),
      checks: z.array(checkSchema),
    })
    .strict(),
});

/** The one human approval: the strategy may trade real money (canary, then prod on evidence alone). */
export const RealMoneyApproved = defineEvent({
  type: 'RealMoneyApproved',
  schema: z
    .object({
      strategyId,
      approver: person,
      /** The stage it was at, and the evidence the approver was shown. */
      stage,
      evidence: evidenceSchema.nullable(),
      checks: z.array(checkSchema),
      note,
    })
    .strict(),
});

export const RealMoneyRevoked = defineEvent({
  type: 'RealMoneyRevoked',
  schema: z.object({ strategyId, approver: person, note }).strict(),
});

/** Stream of the real account's reconciliations: `account-check-<venue>`. */
export const accountCheckStreamId = (venue: string): string => `account-check-${venue}`;

/**
 * The real account against the ledgers of the runs that trade it, recorded when the answer changes (the
 * first check, a difference, agreement again). A difference takes every strategy off real money.
 */
export const AccountReconciled = defineEvent({
  type: 'AccountReconciled',
  schema: z
    .object({
      venue: z.string().min(1),
      /** Wall time of the check. */
      at: z.number().int(),
      matched: z.boolean(),
      rows: z.array(
        z.object({ symbol: z.string().min(1), exchange: z.string(), ledger: z.string() }).strict(),
      ),
      /** The real runs whose ledgers were summed. */
      runs: z.array(z.string()),
      /**
       * The wallet against the money every real run's ledger moved (domain/lifecycle/account-check.ts,
       * checkWallet). Optional: checks recorded before it, and accounts that cannot say, have none.
       */
      wallet: z
        .object({
          asset: z.string().min(1),
          exchange: z.string(),
          ledgers: z.string(),
          baseline: z.string(),
          unexplained: z.string(),
          /** When the wallet was read: older than the check when the check carried the last reading on. */
          // A pattern, not .datetime(): the store's fast parser compiles patterns, not zod's refinements.
          readAt: z
            .string()
            .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
            .optional(),
        })
        .strict()
        .optional(),
    })
    .strict(),
});

export const lifecycleEvents = [
  StrategyOnboarded,
  StrategyStageChanged,
  RealMoneyApproved,
  RealMoneyRevoked,
  AccountReconciled,
];

export type StrategyOnboardedData = EventData<typeof StrategyOnboarded>;
export type StrategyStageChangedData = EventData<typeof StrategyStageChanged>;
export type RealMoneyApprovedData = EventData<typeof RealMoneyApproved>;
export type RealMoneyRevokedData = EventData<typeof RealMoneyRevoked>;
export type AccountReconciledData = EventData<typeof AccountReconciled>;
export type EvidenceData = z.infer<typeof evidenceSchema>;

export type LifecycleEvent =
  | { readonly type: 'StrategyOnboarded'; readonly data: StrategyOnboardedData }
  | { readonly type: 'StrategyStageChanged'; readonly data: StrategyStageChangedData }
  | { readonly type: 'RealMoneyApproved'; readonly data: RealMoneyApprovedData }
  | { readonly type: 'RealMoneyRevoked'; readonly data: RealMoneyRevokedData };

export const lifecycleEventTypes: ReadonlySet<string> = new Set(lifecycleEvents.map((d) => d.type));
