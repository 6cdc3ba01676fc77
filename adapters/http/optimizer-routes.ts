import type { z } from 'zod';
import { decodeFloat64 } from '../../commands/optimizer/float-codec.js';
import { ParameterVersionHandlers } from '../../commands/optimizer/parameter-versions.js';
import { ReoptimizationTriggers } from '../../commands/optimizer/triggers.js';
import type { EventStore } from '../../domain/events/event-store.js';
import type { ParameterVersionCommand } from '../../domain/optimizer/parameter-versions.js';
import { ParameterVersionError } from '../../domain/optimizer/parameter-versions.js';
import {
  readOptimizerRun,
  readOptimizerRuns,
  readOptimizerTrials,
  readStrategyParameters,
} from '../../projections/optimizer/read.js';
import type { ReadModelDb } from '../../projections/projection.js';
import { newEventId } from '../ids/event-id.js';
import { authorise } from './approvers.js';
import { ApiError, notFound } from './errors.js';
import * as o from './optimizer-schemas.js';
import type { RouteTable } from './routes.js';

export interface OptimizerRouteDeps {
  readonly db: ReadModelDb;
  readonly store: EventStore;
  /**
   * Waits (bounded) until the read model this page reads has folded everything the log holds now: a
   * decision answers once the next GET shows it, not the state before it (the read models follow the log
   * a moment behind, longer on a loaded machine). Absent: it answers at once.
   */
  readonly settled?: () => Promise<unknown>;
  readonly strategyIds: readonly string[];
  /** Who may promote and roll back; null: nobody (the variable is unset). Read per request. */
  readonly approvers: () => readonly string[] | null;
  readonly now?: () => number;
  /** The market clock the paper runs follow (null before they start): a manual request is made at it. */
  readonly marketNow?: () => number | null;
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoRange = (r: { start: number; end: number }) => ({ start: iso(r.start), end: iso(r.end) });

type Window = z.input<typeof o.runWindow>;
const windowOf = (w: Record<string, unknown>): Window => {
  const x = w as unknown as Window & {
    inSample: { start: number; end: number };
    outOfSample: { start: number; end: number };
  };
  return { ...x, inSample: isoRange(x.inSample), outOfSample: isoRange(x.outOfSample) };
};

/** Run list and detail, trials, and the parameter versions with their promote/rollback actions. */
export const addOptimizerRoutes = (routes: RouteTable, deps: OptimizerRouteDeps): void => {
  const handlers = new ParameterVersionHandlers(deps.store, newEventId);
  const knownStrategy = (id: string) => {
    if (!deps.strategyIds.includes(id)) throw notFound('strategy', id);
  };

  routes.add({
    method: 'get',
    path: '/api/optimizer/runs',
    cache: 'log',
    summary: 'Optimizer runs, newest first, with progress, verdict, DSR and PBO',
    query: o.runsQuery,
    response: o.runList,
    handler: ({ query }) =>
      readOptimizerRuns(deps.db, query.strategyId ? { strategyId: query.strategyId } : {}),
  });
  routes.add({
    method: 'get',
    path: '/api/optimizer/runs/:runId',
    cache: 'log',
    summary: 'One run: configuration, walk-forward windows, DSR, PBO, gates, verdict and stitched OOS curve',
    params: o.runParams,
    response: o.runDetail,
    errors: [404],
    handler: async ({ params }) => {
      const r = await readOptimizerRun(deps.db, params.runId);
      if (!r) throw notFound('optimizer run', params.runId);
      const { report, windows, gates, config, ...rest } = r;
      const rep = (report ?? {}) as {
        candidate?: Record<string, number | string | boolean>;
        evidence?: Record<string, number | null>;
        efficiency?: number | null;
        stability?: number | null;
        outOfSample?: z.input<typeof o.runDetail>['outOfSample'];
        stitched?: { equity: string; times: string } | null;
      };
      const equity = rep.stitched ? decodeFloat64(rep.stitched.equity) : [];
      const times = rep.stitched ? decodeFloat64(rep.stitched.times) : [];
      return {
        ...rest,
        config,
        windows: windows.map(windowOf),
        candidate: rep.candidate ?? null,
        evidence: rep.evidence ?? null,
        efficiency: rep.efficiency ?? null,
        stability: rep.stability ?? null,
        outOfSample: rep.outOfSample ?? null,
        gates: gates as z.input<typeof o.gate>[],
        stitched: equity.map((e, i) => ({ at: iso(times[i] ?? 0), equity: e })),
      };
    },
  });
  routes.add({
    method: 'get',
    path: '/api/optimizer/runs/:runId/trials',
    cache: 'log',
    summary:
      'Every trial of a run in the order it was applied: params and score (iteration curves, heatmaps)',
    params: o.runParams,
    response: o.trials,
    errors: [404],
    handler: async ({ params }) => {
      const r = await readOptimizerRun(deps.db, params.runId);
      if (!r) throw notFound('optimizer run', params.runId);
      const items = (await readOptimizerTrials(deps.db, params.runId)) as z.input<typeof o.trial>[];
      return { runId: r.runId, objective: r.objective, items };
    },
  });
  routes.add({
    method: 'get',
    path: '/api/strategies/:id/parameters',
    cache: 'log',
    summary: 'Parameter proposals and versions of a strategy, the active version and the last change',
    params: o.strategyParams,
    response: o.parameterVersions,
    errors: [404],
    handler: async ({ params }) => {
      knownStrategy(params.id);
      return (await readStrategyParameters(deps.db, params.id)) as z.input<typeof o.parameterVersions>;
    },
  });

  // On a node whose runs have a market clock, a decision takes effect there and then: the node's runs
  // switch at that market time (scripts/parameter-canary.ts). Without one, at the next start.
  const marketAt = (): { at?: number } => {
    const at = deps.marketNow?.();
    return at === null || at === undefined ? {} : { at };
  };

  const act = async (
    strategyId: string,
    approver: string,
    user: string | undefined,
    command: ParameterVersionCommand,
  ): Promise<z.input<typeof o.parameterAction>> => {
    authorise(deps.approvers(), approver, user);
    knownStrategy(strategyId);
    try {
      const at = (deps.now ?? Date.now)();
      const d = await handlers.handle(strategyId, command, {
        correlationId: `approval:${newEventId()}`,
        causationId: null,
        actor: `user:${user}`,
        mode: 'backtest',
        occurredAt: iso(at),
      });
      const state = await handlers.state(strategyId);
      if (d.events.length > 0) await deps.settled?.();
      return {
        strategyId,
        events: d.events.map((e) => ({
          type: e.type,
          version:
            e.type === 'ParameterSetPromoted' ||
            e.type === 'ParameterCanaryStarted' ||
            e.type === 'ParameterCanaryConcluded'
              ? e.data.version
              : e.type === 'ParameterSetRolledBack'
                ? e.data.toVersion
                : null,
        })),
        activeVersion: state.active,
      };
    } catch (err) {
      // The decider's refusals are the client's mistake (unknown proposal, rejected, nothing to roll back).
      if (err instanceof ParameterVersionError) throw new ApiError(422, err.rule, err.message);
      throw err;
    }
  };

  routes.add({
    method: 'post',
    path: '/api/strategies/:id/parameters/promote',
    summary:
      'Approve a pending proposal, or adopt the canary trading it now (header x-perpetua-user: an approver from PERPETUA_APPROVERS)',
    params: o.strategyParams,
    body: o.promoteBody,
    response: o.parameterAction,
    errors: [403, 404, 422],
    handler: ({ params, body }, c) =>
      act(params.id, body.approver, c.req.header('x-perpetua-user'), {
        kind: 'ApproveParameterSet',
        proposalId: body.proposalId,
        ...marketAt(),
      }),
  });
  routes.add({
    method: 'post',
    path: '/api/strategies/:id/parameters/reject',
    summary:
      'Reject a pending proposal, or roll back the canary trading it (header x-perpetua-user: an approver)',
    params: o.strategyParams,
    body: o.rejectBody,
    response: o.parameterAction,
    errors: [403, 404, 422],
    handler: ({ params, body }, c) =>
      act(params.id, body.approver, c.req.header('x-perpetua-user'), {
        kind: 'RejectParameterSet',
        proposalId: body.proposalId,
        reason: body.reason ?? `rejected by ${body.approver}`,
        ...marketAt(),
      }),
  });
  routes.add({
    method: 'post',
    path: '/api/strategies/:id/parameters/rollback',
    summary: 'Make an earlier version active again (header x-perpetua-user: an approver)',
    params: o.strategyParams,
    body: o.rollbackBody,
    response: o.parameterAction,
    errors: [403, 404, 422],
    handler: ({ params, body }, c) =>
      act(params.id, body.approver, c.req.header('x-perpetua-user'), {
        kind: 'RollBackParameters',
        toVersion: body.toVersion,
        reason: body.reason ?? `rolled back by ${body.approver}`,
        ...marketAt(),
      }),
  });

  const triggers = new ReoptimizationTriggers(deps.store, newEventId);
  routes.add({
    method: 'post',
    path: '/api/strategies/:id/reoptimize',
    summary:
      'Re-optimise now (header x-perpetua-user: an approver): records ReoptimizationRequested, which the scheduler runs',
    params: o.strategyParams,
    body: o.reoptimizeBody,
    status: 202,
    response: o.reoptimizeAccepted,
    errors: [403, 404],
    handler: async ({ params, body }, c) => {
      authorise(deps.approvers(), body.approver, c.req.header('x-perpetua-user'));
      knownStrategy(params.id);
      const at = deps.marketNow?.() ?? (deps.now ?? Date.now)();
      const r = await triggers.manual(params.id, body.approver, at);
      await deps.settled?.();
      return { strategyId: params.id, requestId: r.requestId, at: iso(at) };
    },
  });
};
