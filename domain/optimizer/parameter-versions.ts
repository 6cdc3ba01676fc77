import { type CanaryPlan, checkCanaryPlan, judgeCanary, type RunRecord } from './canary.js';
import type { ParameterSetProposedData, ParameterVersionEvent } from './events.js';
import {
  defaultPromotionPolicy,
  evaluateGates,
  type PromotionEvidence,
  type PromotionPolicy,
} from './gates.js';
import type { SearchMethod } from './search.js';
import type { Params } from './space.js';

/**
 * The parameter-version aggregate of one strategy (stream `parameters-<strategyId>`): proposals, the
 * numbered versions they became, and which version is in force. Gates are evaluated inside decide, from
 * the evidence and policy in the command, so the verdict recorded is the verdict computed — a caller
 * cannot record a pass it did not earn. Rollback points at any earlier version and is an event too.
 *
 * A passing proposal becomes a version either at once (ProposeParameterSet's autoPromote, or a person's
 * ApproveParameterSet) or through a canary (StartCanary, then JudgeCanary until canary.ts's judge adopts or
 * rolls it back; canary.ts says how). One canary at a time: while it trades, nothing else is promoted and
 * nothing is rolled back, so the version it is compared with stays the version in force.
 */

export class ParameterVersionError extends Error {
  constructor(
    readonly rule: string,
    detail: string,
  ) {
    super(`${rule}: ${detail}`);
    this.name = 'ParameterVersionError';
  }
}

const refuse = (rule: string, detail: string): never => {
  throw new ParameterVersionError(rule, detail);
};

interface Proposal {
  readonly data: ParameterSetProposedData;
  readonly status: 'pending' | 'canary' | 'promoted' | 'rejected';
}

/** The canary trading now. */
export interface CanaryState {
  readonly proposalId: string;
  readonly version: number;
  readonly incumbentVersion: number;
  readonly params: Params;
  readonly startedAt: number;
  readonly plan: CanaryPlan;
}

export interface ParameterVersionsState {
  readonly strategyId: string | null;
  readonly proposals: ReadonlyMap<string, Proposal>;
  /** version → params, of the versions that were promoted (in force at some time). */
  readonly versions: ReadonlyMap<number, Params>;
  readonly active: number | null;
  readonly canary: CanaryState | null;
  /** The highest version number taken, by a promotion or a canary (a rolled-back canary's is not reused). */
  readonly lastVersion: number;
  /**
   * version → market time from which a node trades it: its canary's start, or when a node promoted it
   * (a promotion with `at`). A version without one trades from the node's paper start. A rollback
   * reinstates the run the version had, so it changes none.
   */
  readonly runStarts: ReadonlyMap<number, number>;
  /**
   * The version that took over from its canary, while a risk hit may still roll it back to the version it
   * replaced (design §13: any risk hit rolls back to the previous stable version). Cleared by any change.
   */
  readonly probation: {
    readonly version: number;
    readonly since: number;
    readonly incumbentVersion: number;
  } | null;
}

export const initialParameterVersionsState: ParameterVersionsState = {
  strategyId: null,
  proposals: new Map(),
  versions: new Map(),
  active: null,
  canary: null,
  lastVersion: 0,
  runStarts: new Map(),
  probation: null,
};

export type ParameterVersionCommand =
  | {
      readonly kind: 'ProposeParameterSet';
      readonly strategyId: string;
      readonly proposalId: string;
      readonly runId: string;
      readonly params: Params;
      readonly method: SearchMethod;
      readonly trials: number;
      readonly walkForward: string | null;
      readonly evidence: PromotionEvidence;
      readonly policy?: PromotionPolicy;
      /** Promote or reject by the gates at once (default); false leaves a passing proposal for approval. */
      readonly autoPromote?: boolean;
    }
  /** `at`: the market time a node puts the decision in force (absent: at its next start). */
  | { readonly kind: 'ApproveParameterSet'; readonly proposalId: string; readonly at?: number }
  | {
      readonly kind: 'RejectParameterSet';
      readonly proposalId: string;
      readonly reason: string;
      readonly at?: number;
    }
  /** Version 0 is the strategy's schema defaults. */
  | {
      readonly kind: 'RollBackParameters';
      readonly toVersion: number;
      readonly reason: string;
      readonly at?: number;
    }
  /** Trades a pending, passing proposal as a canary from market time `at`. */
  | {
      readonly kind: 'StartCanary';
      readonly proposalId: string;
      readonly at: number;
      readonly plan: CanaryPlan;
    }
  /** The system rolls the canary back for a reason outside the judge's (its run could not start). */
  | { readonly kind: 'AbortCanary'; readonly version: number; readonly reason: string; readonly at: number }
  /** The runs' records at market time `at`: the judge adopts the canary, rolls it back, or lets it trade on. */
  | {
      readonly kind: 'JudgeCanary';
      readonly version: number;
      readonly at: number;
      readonly canary: RunRecord;
      readonly incumbent: RunRecord;
    };

const orNull = (v: number | undefined): number | null => (v === undefined || !Number.isFinite(v) ? null : v);

const nextVersion = (state: ParameterVersionsState): number =>
  Math.max(state.lastVersion, ...state.versions.keys()) + 1;

const promote = (
  state: ParameterVersionsState,
  p: ParameterSetProposedData,
  approval: 'automatic' | 'manual',
  version = nextVersion(state),
  at?: number,
): ParameterVersionEvent => ({
  type: 'ParameterSetPromoted',
  data: {
    strategyId: p.strategyId,
    proposalId: p.proposalId,
    version,
    previousVersion: state.active,
    params: { ...p.params },
    approval,
    gates: p.gates.map((g) => ({ ...g })),
    ...(at !== undefined ? { at: Math.floor(at) } : {}),
  },
});

export const decideParameterVersions = (
  command: ParameterVersionCommand,
  state: ParameterVersionsState,
): ParameterVersionEvent[] => {
  switch (command.kind) {
    case 'ProposeParameterSet': {
      if (state.strategyId !== null && state.strategyId !== command.strategyId) {
        return refuse(
          'wrong-strategy',
          `stream holds ${state.strategyId}, command is for ${command.strategyId}`,
        );
      }
      const evaluation = evaluateGates(command.evidence, command.policy ?? defaultPromotionPolicy);
      const e = command.evidence;
      const proposed: ParameterSetProposedData = {
        strategyId: command.strategyId,
        proposalId: command.proposalId,
        runId: command.runId,
        params: { ...command.params },
        method: command.method,
        trials: command.trials,
        walkForward: command.walkForward,
        evidence: {
          dsr: orNull(e.dsr),
          pbo: orNull(e.pbo),
          wfe: orNull(e.wfe),
          oosMaxDrawdown: orNull(e.oosMaxDrawdown),
          oosTrades: e.oosTrades,
          oosSharpe: orNull(e.oosSharpe),
          parameterStability: orNull(e.parameterStability),
          ...(e.oosTradesPerDay !== undefined ? { oosTradesPerDay: orNull(e.oosTradesPerDay) } : {}),
          ...(e.oosCostCoverage !== undefined ? { oosCostCoverage: orNull(e.oosCostCoverage) } : {}),
        },
        gates: evaluation.gates.map((g) => ({ ...g })),
        verdict: evaluation.verdict,
      };
      const existing = state.proposals.get(command.proposalId);
      if (existing) {
        // A retried command (coordinator restart) decides nothing; a different one under the same id is a bug.
        if (JSON.stringify(existing.data) === JSON.stringify(proposed)) return [];
        return refuse(
          'proposal-id-reused',
          `proposal ${command.proposalId} already exists with different content`,
        );
      }
      const events: ParameterVersionEvent[] = [{ type: 'ParameterSetProposed', data: proposed }];
      if (evaluation.verdict === 'fail') {
        events.push({
          type: 'ParameterSetRejected',
          data: {
            strategyId: command.strategyId,
            proposalId: command.proposalId,
            reason: `gates failed: ${evaluation.failed.join(', ')}`,
            failedGates: [...evaluation.failed],
            gates: proposed.gates,
          },
        });
      } else if ((command.autoPromote ?? true) && state.canary === null) {
        // While a canary trades, a passing proposal waits: promoting it would change what the canary is
        // compared with.
        events.push(promote(state, proposed, 'automatic'));
      }
      return events;
    }
    case 'ApproveParameterSet': {
      const p =
        state.proposals.get(command.proposalId) ??
        refuse('unknown-proposal', `no proposal ${command.proposalId}`);
      if (p.status === 'promoted') return [];
      // A person may cut a canary short: it takes over now.
      if (p.status === 'canary')
        return conclude(state, state.canary!, 'adopted', 'manual', 'approved by a person', atOf(command.at));
      if (state.canary !== null)
        return refuse(
          'canary-in-progress',
          `version ${state.canary.version} is trading as a canary; adopt or roll it back first`,
        );
      if (p.status === 'rejected')
        return refuse('proposal-rejected', `proposal ${command.proposalId} was rejected`);
      // Gates are not advisory: a failing proposal was rejected when proposed and cannot get here.
      return [promote(state, p.data, 'manual', nextVersion(state), command.at)];
    }
    case 'RejectParameterSet': {
      const p =
        state.proposals.get(command.proposalId) ??
        refuse('unknown-proposal', `no proposal ${command.proposalId}`);
      if (p.status === 'rejected') return [];
      // Rejecting the proposal a canary trades rolls the canary back.
      if (p.status === 'canary')
        return conclude(state, state.canary!, 'rolled-back', 'manual', command.reason, atOf(command.at));
      if (p.status === 'promoted') {
        return refuse(
          'proposal-promoted',
          `proposal ${command.proposalId} is already a version; roll back instead`,
        );
      }
      return [
        {
          type: 'ParameterSetRejected',
          data: {
            strategyId: p.data.strategyId,
            proposalId: p.data.proposalId,
            reason: command.reason,
            failedGates: [],
            gates: p.data.gates,
          },
        },
      ];
    }
    case 'RollBackParameters': {
      if (state.canary !== null)
        return refuse(
          'canary-in-progress',
          `version ${state.canary.version} is trading as a canary beside version ${state.canary.incumbentVersion}; roll the canary back first`,
        );
      if (state.active === null)
        return refuse('nothing-to-roll-back', 'no parameter version has been promoted');
      // Version 0, the schema defaults, always exists: its parameters are recorded as none.
      const params =
        command.toVersion === 0
          ? {}
          : (state.versions.get(command.toVersion) ??
            refuse('unknown-version', `version ${command.toVersion} does not exist`));
      if (command.toVersion === state.active) return [];
      return [
        {
          type: 'ParameterSetRolledBack',
          data: {
            strategyId: state.strategyId!,
            fromVersion: state.active,
            toVersion: command.toVersion,
            params: { ...params },
            reason: command.reason,
            ...(command.at !== undefined ? { at: Math.floor(command.at) } : {}),
          },
        },
      ];
    }
    case 'StartCanary': {
      const p =
        state.proposals.get(command.proposalId) ??
        refuse('unknown-proposal', `no proposal ${command.proposalId}`);
      if (p.status === 'canary') return [];
      if (state.canary !== null)
        return refuse('canary-in-progress', `version ${state.canary.version} is already trading as a canary`);
      if (p.status !== 'pending')
        return refuse('proposal-not-pending', `proposal ${command.proposalId} is ${p.status}`);
      if (!Number.isInteger(command.at))
        return refuse('bad-time', `start time ${command.at} is not whole ms`);
      try {
        checkCanaryPlan(command.plan);
      } catch (err) {
        return refuse('bad-canary-plan', (err as Error).message);
      }
      return [
        {
          type: 'ParameterCanaryStarted',
          data: {
            strategyId: p.data.strategyId,
            proposalId: p.data.proposalId,
            version: nextVersion(state),
            incumbentVersion: state.active ?? 0,
            params: { ...p.data.params },
            startedAt: command.at,
            plan: { ...command.plan },
          },
        },
      ];
    }
    case 'AbortCanary': {
      const c = state.canary;
      if (c === null || c.version !== command.version)
        return refuse('no-such-canary', `version ${command.version} is not trading as a canary`);
      return conclude(state, c, 'rolled-back', 'automatic', command.reason, Math.floor(command.at));
    }
    case 'JudgeCanary': {
      const c = state.canary;
      if (c === null || c.version !== command.version)
        return refuse('no-such-canary', `version ${command.version} is not trading as a canary`);
      if (!(command.at >= c.startedAt))
        return refuse('bad-time', `judged at ${command.at}, before the canary started (${c.startedAt})`);
      const v = judgeCanary(c.plan, c.startedAt, command.at, command.canary, command.incumbent);
      if (v.outcome === 'continue') return [];
      return conclude(state, c, v.outcome, 'automatic', v.reason, Math.floor(command.at), v);
    }
  }
};

const atOf = (at: number | undefined): number | null => (at === undefined ? null : Math.floor(at));

/** The canary's end, and its promotion when it takes over, in one decision. */
const conclude = (
  state: ParameterVersionsState,
  c: CanaryState,
  outcome: 'adopted' | 'rolled-back',
  by: 'automatic' | 'manual',
  reason: string,
  at: number | null,
  verdict?: ReturnType<typeof judgeCanary>,
): ParameterVersionEvent[] => {
  const p = state.proposals.get(c.proposalId)!;
  const events: ParameterVersionEvent[] = [
    {
      type: 'ParameterCanaryConcluded',
      data: {
        strategyId: p.data.strategyId,
        proposalId: c.proposalId,
        version: c.version,
        incumbentVersion: c.incumbentVersion,
        outcome,
        by,
        reason,
        at,
        checks: verdict ? verdict.checks.map((k) => ({ ...k })) : [],
        evidence: verdict ? { ...verdict.evidence } : null,
      },
    },
  ];
  if (outcome === 'adopted') events.push(promote(state, p.data, by, c.version));
  return events;
};

export const evolveParameterVersions = (
  state: ParameterVersionsState,
  event: ParameterVersionEvent,
): ParameterVersionsState => {
  switch (event.type) {
    case 'ParameterSetProposed': {
      const proposals = new Map(state.proposals).set(event.data.proposalId, {
        data: event.data,
        status: 'pending',
      });
      return { ...state, strategyId: event.data.strategyId, proposals };
    }
    case 'ParameterSetPromoted': {
      const p = state.proposals.get(event.data.proposalId);
      const proposals = p
        ? new Map(state.proposals).set(event.data.proposalId, { ...p, status: 'promoted' })
        : state.proposals;
      const versions = new Map(state.versions).set(event.data.version, event.data.params);
      const at = event.data.at;
      return {
        ...state,
        proposals,
        versions,
        active: event.data.version,
        canary: null,
        lastVersion: Math.max(state.lastVersion, event.data.version),
        runStarts: at === undefined ? state.runStarts : new Map(state.runStarts).set(event.data.version, at),
        // A canary's adoption (just recorded) starts its probation; any other promotion ends one.
        probation: state.probation?.version === event.data.version ? state.probation : null,
      };
    }
    case 'ParameterCanaryStarted': {
      const d = event.data;
      const p = state.proposals.get(d.proposalId);
      const proposals = p
        ? new Map(state.proposals).set(d.proposalId, { ...p, status: 'canary' })
        : state.proposals;
      return {
        ...state,
        proposals,
        canary: {
          proposalId: d.proposalId,
          version: d.version,
          incumbentVersion: d.incumbentVersion,
          params: d.params,
          startedAt: d.startedAt,
          plan: d.plan,
        },
        lastVersion: Math.max(state.lastVersion, d.version),
        runStarts: new Map(state.runStarts).set(d.version, d.startedAt),
      };
    }
    case 'ParameterCanaryConcluded': {
      const d = event.data;
      // The ParameterSetPromoted that follows puts it in force; from the judgement's time, a risk hit rolls
      // it back (a person's decision without a market time starts no probation).
      if (d.outcome === 'adopted')
        return d.at === null
          ? state
          : {
              ...state,
              probation: { version: d.version, since: d.at, incumbentVersion: d.incumbentVersion },
            };
      const p = state.proposals.get(d.proposalId);
      const proposals = p
        ? new Map(state.proposals).set(d.proposalId, { ...p, status: 'rejected' })
        : state.proposals;
      return { ...state, proposals, canary: null };
    }
    case 'ParameterSetRejected': {
      const p = state.proposals.get(event.data.proposalId);
      const proposals = p
        ? new Map(state.proposals).set(event.data.proposalId, { ...p, status: 'rejected' })
        : state.proposals;
      return { ...state, proposals };
    }
    // The version rolled back to trades in the run it had (it is reinstated), so its start is unchanged.
    case 'ParameterSetRolledBack':
      return { ...state, active: event.data.toVersion, probation: null };
  }
};
