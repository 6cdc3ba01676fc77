import { z } from 'zod';
import { LifecycleHandlers, type LifecyclePersonCommand } from '../../commands/lifecycle/handlers.js';
import type { EventStore } from '../../domain/events/event-store.js';
import { type Evidence, type GateConfig, gateChecks, type Stage } from '../../domain/lifecycle/gates.js';
import {
  canaryChecks,
  LifecycleError,
  type LifecycleState,
  type StageEvidence,
  waitingFor,
} from '../../domain/lifecycle/lifecycle.js';
import { readLifecycle } from '../../projections/lifecycle/projection.js';
import type { ReadModelDb } from '../../projections/projection.js';
import { newEventId } from '../ids/event-id.js';
import { authorise, userId } from './approvers.js';
import { ApiError } from './errors.js';
import type { RouteTable } from './routes.js';

/* Automation 8: each strategy's way to real money, and the one decision a person takes on it. */

/** The node's real-account run of a strategy (canary or prod), as the page shows it. */
export interface RealRunView {
  readonly runId: string;
  readonly mode: 'canary' | 'live';
  readonly state: string;
  /** Share of the capital it sizes on (the canary's 10 %, prod's 100 %, 0 once taken off). */
  readonly share: number;
  readonly error: string | null;
  /** What the exchange recorded that the run's ledger could not book, in words (see RealRun.unbooked). */
  readonly unbooked: string[];
  /** What it went on from at its start, in words (see RealRun.wentOnFrom); empty for a fresh start. */
  readonly wentOnFrom: string[];
}

export interface LifecycleRouteDeps {
  readonly db: ReadModelDb;
  readonly store: EventStore;
  /**
   * Waits (bounded) until the read model this page reads has folded everything the log holds now: a
   * decision answers once the next GET shows it, not the state before it (the read models follow the log
   * a moment behind, longer on a loaded machine). Absent: it answers at once.
   */
  readonly settled?: () => Promise<unknown>;
  readonly approvers: () => readonly string[] | null;
  readonly gates: GateConfig;
  /** What each strategy's runs show now (the node's fleet and real runs); absent: nothing runs here. */
  readonly evidence?: (strategyId: string) => StageEvidence;
  readonly realRun?: (strategyId: string) => RealRunView | null;
  /** Whether this node can trade real money, and why not. */
  readonly realMoney: () => {
    readonly venue: string | null;
    readonly why: string | null;
    readonly capital: string | null;
    /**
     * The share of what the real runs commit that the account's wallet backs (1: all of it): each sizes on
     * it × its stage's share. Null without real money.
     */
    readonly backing: number | null;
  };
  /**
   * The runs' market clock: a person's decision is stamped on it, as the evaluations are, so the
   * lifecycle's moves stay in one time order whether the runs replay history or follow the live market.
   */
  readonly marketNow?: () => number | null;
  readonly now?: () => number;
}

const strategyId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a strategy id like ema-cross');
const note = z.string().max(2000);
const reason = z.string().trim().min(1, 'say why').max(2000);

export const approveRealMoneyBody = z
  .object({ strategyId, approver: userId, note: note.optional() })
  .strict();
export const revokeRealMoneyBody = z.object({ strategyId, approver: userId, note: reason }).strict();

const check = z.object({
  name: z.string(),
  value: z.number().nullable(),
  threshold: z.number(),
  pass: z.boolean(),
  detail: z.string(),
});
const evidenceView = z.object({
  runId: z.string(),
  days: z.number(),
  trades: z.number().int(),
  totalReturn: z.number(),
  maxDrawdown: z.number(),
  sharpe: z.number().nullable(),
  returns: z.number().int(),
  slippageBps: z.number().nullable(),
  breakerTripped: z.boolean(),
});
export const lifecycleView = z.object({
  realMoney: z.object({
    venue: z.string().nullable(),
    why: z.string().nullable(),
    capital: z.string().nullable(),
    backing: z.number().min(0).max(1).nullable(),
  }),
  canaryShare: z.number(),
  /** The latest reconciliation of each real account with the real runs' ledgers (recorded when it changes). */
  accounts: z.array(
    z.object({
      venue: z.string(),
      at: z.string(),
      matched: z.boolean(),
      rows: z.array(z.object({ symbol: z.string(), exchange: z.string(), ledger: z.string() })),
      runs: z.array(z.string()),
      /** The wallet against the money every real run's ledger moved; `unexplained` ≠ 0: money no ledger booked. */
      wallet: z
        .object({
          asset: z.string(),
          exchange: z.string(),
          ledgers: z.string(),
          baseline: z.string(),
          unexplained: z.string(),
          readAt: z
            .string()
            .optional()
            .describe(
              'When the wallet was read: a check in the minutes after an hour (funding settling) carries the last reading on',
            ),
        })
        .nullable(),
    }),
  ),
  strategies: z.array(
    z.object({
      strategyId: z.string(),
      stage: z.enum(['paper', 'shadow', 'canary', 'prod', 'retired']),
      since: z.string(),
      approvedBy: z.string().nullable(),
      approvedAt: z.string().nullable(),
      evidence: z.object({
        paper: evidenceView.nullable(),
        shadow: evidenceView.nullable(),
        real: evidenceView.nullable(),
      }),
      /** The gate into the next stage, judged on what the runs show now; null at prod or retired. */
      next: z.object({ stage: z.string(), checks: z.array(check), waitingFor: z.string() }).nullable(),
      realRun: z
        .object({
          runId: z.string(),
          mode: z.enum(['canary', 'live']),
          state: z.string(),
          share: z.number(),
          error: z.string().nullable(),
          unbooked: z.array(z.string()),
          wentOnFrom: z.array(z.string()),
        })
        .nullable(),
    }),
  ),
  history: z.array(
    z.object({
      kind: z.enum(['onboarded', 'stage', 'approved', 'revoked']),
      strategyId: z.string(),
      from: z.string().nullable(),
      to: z.string().nullable(),
      reason: z.string().nullable(),
      at: z.string(),
      actor: z.string(),
      detail: z.string(),
      checks: z.array(check),
      evidence: z.unknown(),
    }),
  ),
});
export const lifecycleAction = z.object({ strategyId: z.string(), events: z.array(z.string()) });

const view = (e: Evidence | undefined) => (e === undefined ? null : { ...e, returns: e.returns.length });

/** The gate into the stage after `stage`, on the evidence that gate reads. */
const nextGate = (state: LifecycleState, ev: StageEvidence, gates: GateConfig, at: number) => {
  const stage = state.stage;
  const judge = (to: 'shadow' | 'canary' | 'prod', e: Evidence | undefined, shadow?: Evidence) => {
    const checks =
      e === undefined
        ? []
        : to === 'canary'
          ? canaryChecks(state, e, gates, at)
          : gateChecks(to, e, gates, shadow);
    const waiting =
      e === undefined
        ? `a ${to === 'shadow' ? 'paper' : to === 'canary' ? 'shadow' : 'real'} run to judge`
        : waitingFor(state, checks);
    return { stage: to, checks, waitingFor: waiting || 'the next evaluation' };
  };
  if (stage === 'paper') return judge('shadow', ev.paper ?? ev.shadow);
  if (stage === 'shadow') return judge('canary', ev.shadow);
  if (stage === 'canary') return judge('prod', ev.real, ev.shadow);
  return null;
};

export const addLifecycleRoutes = (routes: RouteTable, deps: LifecycleRouteDeps): void => {
  const handlers = new LifecycleHandlers(deps.store, newEventId, deps.gates);

  routes.add({
    method: 'get',
    path: '/api/lifecycle',
    summary:
      "Each strategy's stage on its way to real money (paper → shadow → canary → prod), the evidence of its runs, the next gate's checks, and every move",
    response: lifecycleView,
    handler: async () => {
      const { strategies, history, accounts } = await readLifecycle(deps.db);
      return {
        realMoney: deps.realMoney(),
        canaryShare: deps.gates.canaryShare,
        accounts,
        strategies: strategies.map((s) => {
          const ev = deps.evidence?.(s.strategyId) ?? {};
          const stage = s.stage as Stage;
          return {
            strategyId: s.strategyId,
            stage,
            since: new Date(s.since).toISOString(),
            approvedBy: s.approvedBy,
            approvedAt: s.approvedAt,
            evidence: { paper: view(ev.paper), shadow: view(ev.shadow), real: view(ev.real) },
            next: nextGate(
              {
                strategyId: s.strategyId,
                stage,
                since: s.since,
                approvedBy: s.approvedBy,
                demotedAt: s.demotedAt,
              },
              ev,
              deps.gates,
              deps.marketNow?.() ?? (deps.now ?? Date.now)(),
            ),
            realRun: deps.realRun?.(s.strategyId) ?? null,
          };
        }),
        history,
      };
    },
  });

  const act = async (
    id: string,
    approver: string,
    user: string | undefined,
    command: LifecyclePersonCommand,
  ) => {
    authorise(deps.approvers(), approver, user);
    try {
      const shadow = deps.evidence?.(id).shadow ?? null;
      const at = deps.marketNow?.() ?? (deps.now ?? Date.now)();
      const d = await handlers.decide(id, command, at, shadow);
      if (d.events.length > 0) await deps.settled?.();
      return { strategyId: id, events: d.events.map((e) => e.type) };
    } catch (err) {
      if (err instanceof LifecycleError) throw new ApiError(422, err.rule, err.message);
      throw err;
    }
  };

  routes.add({
    method: 'post',
    path: '/api/lifecycle/approve',
    summary:
      'Let a strategy trade real money (header x-perpetua-user: an approver). The one human decision: from then on it goes to canary and prod, and back, on its evidence',
    body: approveRealMoneyBody,
    response: lifecycleAction,
    errors: [403, 422],
    handler: ({ body }, c) =>
      act(body.strategyId, body.approver, c.req.header('x-perpetua-user'), {
        kind: 'ApproveRealMoney',
        approver: body.approver,
        note: body.note ?? '',
      }),
  });
  routes.add({
    method: 'post',
    path: '/api/lifecycle/revoke',
    summary:
      'Take real money away from a strategy now, with a reason (header x-perpetua-user: an approver): a canary or prod run flattens',
    body: revokeRealMoneyBody,
    response: lifecycleAction,
    errors: [403, 422],
    handler: ({ body }, c) =>
      act(body.strategyId, body.approver, c.req.header('x-perpetua-user'), {
        kind: 'RevokeRealMoney',
        approver: body.approver,
        note: body.note,
      }),
  });
  routes.add({
    method: 'post',
    path: '/api/lifecycle/retire',
    summary: 'Retire a strategy, with a reason (header x-perpetua-user: an approver): it moves no further',
    body: revokeRealMoneyBody,
    response: lifecycleAction,
    errors: [403, 422],
    handler: ({ body }, c) =>
      act(body.strategyId, body.approver, c.req.header('x-perpetua-user'), {
        kind: 'Retire',
        approver: body.approver,
        note: body.note,
      }),
  });
};
