import type { EvidenceData, LifecycleEvent } from './events.js';
import { type Check, type Evidence, type GateConfig, gateChecks, type Stage } from './gates.js';

/**
 * A strategy's lifecycle (stream `lifecycle-<strategyId>`). The rules:
 * - every strategy starts on paper, and moves on only by its evidence: paper → shadow when its paper run
 *   passes the shadow gate; shadow → canary when its shadow run passes the canary gate *and* a person has
 *   let it trade real money; canary → prod when the canary run passes the prod gate against the shadow run;
 * - letting a strategy trade real money is the one decision a person takes (an actor `user:<approver>`),
 *   once: after it, promotion and demotion are automatic;
 * - real money is taken away at once when the canary or prod run trips its breaker or draws down past the
 *   demotion limit, or the account disagrees with the ledger (back to shadow, with a cooldown before canary
 *   again), when a person revokes the approval, or when the strategy is retired.
 */

export class LifecycleError extends Error {
  constructor(
    readonly rule: string,
    detail: string,
  ) {
    super(`${rule}: ${detail}`);
    this.name = 'LifecycleError';
  }
}

const refuse = (rule: string, detail: string): never => {
  throw new LifecycleError(rule, detail);
};

export interface LifecycleState {
  readonly strategyId: string | null;
  readonly stage: Stage | null;
  /** Market time of the last stage change (or the onboarding). */
  readonly since: number;
  readonly approvedBy: string | null;
  /** Market time of the last demotion: the cooldown before canary again runs from it. */
  readonly demotedAt: number | null;
}

export const initialLifecycleState: LifecycleState = {
  strategyId: null,
  stage: null,
  since: 0,
  approvedBy: null,
  demotedAt: null,
};

/** The canary gate on the shadow evidence, and, after a demotion, its cooldown (at market time `at`). */
export const canaryChecks = (state: LifecycleState, e: Evidence, config: GateConfig, at: number): Check[] => {
  const checks = gateChecks('canary', e, config);
  if (state.demotedAt === null) return checks;
  const hours = (at - state.demotedAt) / 3_600_000;
  const needed = config.cooldownMs / 3_600_000;
  return [
    ...checks,
    {
      name: 'cooldown',
      value: hours,
      threshold: needed,
      pass: hours >= needed,
      detail: `hours since it was taken off real money ${Math.round(hours * 10) / 10} ≥ ${needed}`,
    },
  ];
};

interface ByPerson {
  readonly actor: string;
  readonly approver: string;
  readonly note: string;
}

/** What the runs showed at `at`: the evidence of each stage the strategy trades in (absent: no such run). */
export interface StageEvidence {
  readonly paper?: Evidence;
  readonly shadow?: Evidence;
  /** The canary or prod run on the real account, since the current stage began. */
  readonly real?: Evidence;
}

export type LifecycleCommand =
  | {
      readonly kind: 'Onboard';
      readonly strategyId: string;
      readonly strategyVersion: string;
      readonly at: number;
    }
  | {
      readonly kind: 'Evaluate';
      readonly at: number;
      readonly evidence: StageEvidence;
      readonly config: GateConfig;
    }
  | (ByPerson & {
      readonly kind: 'ApproveRealMoney';
      /** The shadow evidence and canary checks the approver was shown (computed by the handler, not sent). */
      readonly evidence: Evidence | null;
      readonly checks: readonly Check[];
    })
  | (ByPerson & { readonly kind: 'RevokeRealMoney'; readonly at: number })
  /** The system takes real money away at once (the account disagrees with the ledger): back to shadow. */
  | { readonly kind: 'TakeOffRealMoney'; readonly at: number; readonly reason: string }
  | (ByPerson & { readonly kind: 'Retire'; readonly at: number });

const person = (c: ByPerson): void => {
  if (!c.approver || c.actor !== `user:${c.approver}`)
    refuse(
      'person-only',
      `only a person can decide on real money: the actor is ${JSON.stringify(c.actor)}, not user:${c.approver}`,
    );
};

/** The evidence as recorded: the figures, with the count of returns instead of the returns. */
export const evidenceData = (e: Evidence): EvidenceData => ({
  runId: e.runId,
  days: e.days,
  trades: e.trades,
  totalReturn: e.totalReturn,
  maxDrawdown: e.maxDrawdown,
  sharpe: e.sharpe,
  returns: e.returns.length,
  slippageBps: e.slippageBps,
  breakerTripped: e.breakerTripped,
});

const onReal = (s: Stage | null): boolean => s === 'canary' || s === 'prod';

const change = (
  state: LifecycleState,
  to: Stage,
  reason: 'gates-met' | 'demoted' | 'revoked' | 'retired',
  at: number,
  detail: string,
  evidence: Evidence | undefined,
  checks: readonly Check[],
  shadow?: Evidence,
): LifecycleEvent => ({
  type: 'StrategyStageChanged',
  data: {
    strategyId: state.strategyId!,
    from: state.stage!,
    to,
    reason,
    at,
    detail,
    evidence: evidence ? evidenceData(evidence) : null,
    shadow: shadow ? evidenceData(shadow) : null,
    checks: checks.map((c) => ({ ...c })),
  },
});

const failing = (checks: readonly Check[]): string =>
  checks
    .filter((c) => !c.pass)
    .map((c) => c.detail)
    .join('; ');

/** The one move the evidence makes, if any. */
const evaluate = (
  state: LifecycleState,
  at: number,
  ev: StageEvidence,
  config: GateConfig,
): LifecycleEvent[] => {
  const stage = state.stage;
  // A node fed the live market paper-trades it: that run is the paper evidence when there is no other.
  const paper = ev.paper ?? ev.shadow;
  if (stage === 'paper' && paper) {
    const checks = gateChecks('shadow', paper, config);
    if (checks.every((c) => c.pass))
      return [
        change(
          state,
          'shadow',
          'gates-met',
          at,
          `the paper run ${paper.runId} passed the shadow gate`,
          paper,
          checks,
        ),
      ];
    return [];
  }
  if (stage === 'shadow' && ev.shadow && state.approvedBy !== null) {
    const checks = canaryChecks(state, ev.shadow, config, at);
    if (checks.every((c) => c.pass))
      return [
        change(
          state,
          'canary',
          'gates-met',
          at,
          `the shadow run passed the canary gate, and ${state.approvedBy} let it trade real money: ${config.canaryShare * 100} % of the capital`,
          ev.shadow,
          checks,
        ),
      ];
    return [];
  }
  if (onReal(stage) && ev.real) {
    const real = ev.real;
    if (real.breakerTripped || real.maxDrawdown > config.demoteDrawdown) {
      const why = real.breakerTripped
        ? 'its breaker halted the real run'
        : `the real run drew down ${(real.maxDrawdown * 100).toFixed(1)} % (limit ${config.demoteDrawdown * 100} %)`;
      return [change(state, 'shadow', 'demoted', at, `taken off real money: ${why}`, real, [])];
    }
    if (stage === 'canary') {
      const checks = gateChecks('prod', real, config, ev.shadow);
      if (checks.every((c) => c.pass))
        return [
          change(
            state,
            'prod',
            'gates-met',
            at,
            'the canary passed the prod gate: the whole allocation',
            real,
            checks,
            ev.shadow,
          ),
        ];
    }
  }
  return [];
};

export const decideLifecycle = (command: LifecycleCommand, state: LifecycleState): LifecycleEvent[] => {
  if (command.kind === 'Onboard') {
    if (state.stage !== null)
      return refuse('already-onboarded', `${command.strategyId} is on its way already (${state.stage})`);
    return [
      {
        type: 'StrategyOnboarded',
        data: { strategyId: command.strategyId, strategyVersion: command.strategyVersion, at: command.at },
      },
    ];
  }
  if (state.stage === null) return refuse('not-onboarded', 'the strategy has not been onboarded');
  switch (command.kind) {
    case 'Evaluate':
      if (command.at < state.since)
        return refuse(
          'evidence-out-of-order',
          `evidence at ${new Date(command.at).toISOString()} is older than the last change (${new Date(state.since).toISOString()})`,
        );
      return evaluate(state, command.at, command.evidence, command.config);
    case 'TakeOffRealMoney':
      if (!onReal(state.stage)) return [];
      return [
        change(
          state,
          'shadow',
          'demoted',
          command.at,
          `taken off real money: ${command.reason}`,
          undefined,
          [],
        ),
      ];
    case 'ApproveRealMoney': {
      person(command);
      if (state.stage === 'retired') return refuse('retired', `${state.strategyId} is retired`);
      if (state.approvedBy !== null)
        return refuse(
          'already-approved',
          `${state.approvedBy} let ${state.strategyId} trade real money already`,
        );
      return [
        {
          type: 'RealMoneyApproved',
          data: {
            strategyId: state.strategyId!,
            approver: command.approver,
            stage: state.stage,
            evidence: command.evidence ? evidenceData(command.evidence) : null,
            checks: command.checks.map((c) => ({ ...c })),
            note: command.note,
          },
        },
      ];
    }
    case 'RevokeRealMoney': {
      person(command);
      if (state.approvedBy === null)
        return refuse('not-approved', `${state.strategyId} is not allowed real money: nothing to revoke`);
      const out: LifecycleEvent[] = [
        {
          type: 'RealMoneyRevoked',
          data: { strategyId: state.strategyId!, approver: command.approver, note: command.note },
        },
      ];
      if (onReal(state.stage))
        out.push(
          change(
            state,
            'shadow',
            'revoked',
            command.at,
            `${command.approver} revoked real money: ${command.note}`,
            undefined,
            [],
          ),
        );
      return out;
    }
    case 'Retire': {
      person(command);
      if (state.stage === 'retired') return refuse('retired', `${state.strategyId} is retired already`);
      return [
        change(
          state,
          'retired',
          'retired',
          command.at,
          `${command.approver} retired it: ${command.note}`,
          undefined,
          [],
        ),
      ];
    }
  }
};

export const evolveLifecycle = (state: LifecycleState, e: LifecycleEvent): LifecycleState => {
  switch (e.type) {
    case 'StrategyOnboarded':
      return {
        strategyId: e.data.strategyId,
        stage: 'paper',
        since: e.data.at,
        approvedBy: null,
        demotedAt: null,
      };
    case 'StrategyStageChanged':
      return {
        ...state,
        stage: e.data.to,
        since: Math.max(state.since, e.data.at),
        demotedAt: e.data.reason === 'demoted' ? e.data.at : state.demotedAt,
      };
    case 'RealMoneyApproved':
      return { ...state, approvedBy: e.data.approver };
    case 'RealMoneyRevoked':
      return { ...state, approvedBy: null };
  }
};

/** Why a stage is not passed yet, for the page: the failing checks, or what it waits for. */
export const waitingFor = (state: LifecycleState, checks: readonly Check[]): string => {
  if (state.stage === 'shadow' && state.approvedBy === null)
    return checks.every((c) => c.pass)
      ? 'a person to let it trade real money'
      : `its shadow gate (${failing(checks)}) and a person to let it trade real money`;
  return failing(checks);
};
