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
  readonly status: 'pending' | 'promoted' | 'rejected';
}

export interface ParameterVersionsState {
  readonly strategyId: string | null;
  readonly proposals: ReadonlyMap<string, Proposal>;
  /** version → params */
  readonly versions: ReadonlyMap<number, Params>;
  readonly active: number | null;
}

export const initialParameterVersionsState: ParameterVersionsState = {
  strategyId: null,
  proposals: new Map(),
  versions: new Map(),
  active: null,
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
  | { readonly kind: 'ApproveParameterSet'; readonly proposalId: string }
  | { readonly kind: 'RejectParameterSet'; readonly proposalId: string; readonly reason: string }
  | { readonly kind: 'RollBackParameters'; readonly toVersion: number; readonly reason: string };

const orNull = (v: number | undefined): number | null => (v === undefined || !Number.isFinite(v) ? null : v);

const nextVersion = (state: ParameterVersionsState): number => Math.max(0, ...state.versions.keys()) + 1;

const promote = (
  state: ParameterVersionsState,
  p: ParameterSetProposedData,
  approval: 'automatic' | 'manual',
): ParameterVersionEvent => ({
  type: 'ParameterSetPromoted',
  data: {
    strategyId: p.strategyId,
    proposalId: p.proposalId,
    version: nextVersion(state),
    previousVersion: state.active,
    params: { ...p.params },
    approval,
    gates: p.gates.map((g) => ({ ...g })),
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
      } else if (command.autoPromote ?? true) {
        events.push(promote(state, proposed, 'automatic'));
      }
      return events;
    }
    case 'ApproveParameterSet': {
      const p =
        state.proposals.get(command.proposalId) ??
        refuse('unknown-proposal', `no proposal ${command.proposalId}`);
      if (p.status === 'promoted') return [];
      if (p.status === 'rejected')
        return refuse('proposal-rejected', `proposal ${command.proposalId} was rejected`);
      // Gates are not advisory: a failing proposal was rejected when proposed and cannot get here.
      return [promote(state, p.data, 'manual')];
    }
    case 'RejectParameterSet': {
      const p =
        state.proposals.get(command.proposalId) ??
        refuse('unknown-proposal', `no proposal ${command.proposalId}`);
      if (p.status === 'rejected') return [];
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
      if (state.active === null)
        return refuse('nothing-to-roll-back', 'no parameter version has been promoted');
      const params =
        state.versions.get(command.toVersion) ??
        refuse('unknown-version', `version ${command.toVersion} does not exist`);
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
          },
        },
      ];
    }
  }
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
      return { ...state, proposals, versions, active: event.data.version };
    }
    case 'ParameterSetRejected': {
      const p = state.proposals.get(event.data.proposalId);
      const proposals = p
        ? new Map(state.proposals).set(event.data.proposalId, { ...p, status: 'rejected' })
        : state.proposals;
      return { ...state, proposals };
    }
    case 'ParameterSetRolledBack':
      return { ...state, active: event.data.toVersion };
  }
};
