/**
 * Shapes of the lifecycle routes (automation 8): `GET /api/lifecycle` and the approver's three actions.
 * Each strategy makes its way to real money paper → shadow → canary → prod on the evidence of its runs;
 * letting it trade real money is the one decision a person takes, after which promotion and demotion are
 * automatic.
 */

export type LifecycleStage = 'paper' | 'shadow' | 'canary' | 'prod' | 'retired';

/** One check of a gate: the figure, its threshold, and the sentence that says both. */
export interface GateCheck {
  /** e.g. days, trades, sharpe, max-drawdown, breaker; into prod also annualised, ks, slippage. */
  name: string;
  value: number | null;
  threshold: number;
  pass: boolean;
  detail: string;
}

/** What one run showed: the figures the gates read. */
export interface EvidenceView {
  runId: string;
  /** Market time the run covers, in days. */
  days: number;
  /** Fills that closed or reduced a position. */
  trades: number;
  /** Fractions: 0.05 is +5 %. */
  totalReturn: number;
  maxDrawdown: number;
  /** Annualised; null without spread. */
  sharpe: number | null;
  /** How many per-mark (hourly) returns the run had. */
  returns: number;
  /** Mean adverse slippage of the run's fills, in bps; null without fills. */
  slippageBps: number | null;
  breakerTripped: boolean;
}

/** The node's run of the strategy on the real account. */
export interface RealRunView {
  runId: string;
  mode: 'canary' | 'live';
  state: string;
  /** Share of the capital it sizes on: the canary's share, 1 in prod, 0 once taken off. */
  share: number;
  error: string | null;
  /**
   * What the exchange recorded that the run's ledger could not book (a closing trade beyond what it held,
   * funding on a position it does not hold), in words: the account check settles what it means.
   */
  unbooked: string[];
  /**
   * What it went on from when it started, in words: the positions and stop ladders it took over, and the
   * breaker levels, risk state and evidence of the real runs before it. Empty for a fresh start.
   */
  wentOnFrom: string[];
}

export interface NextGate {
  /** The stage the gate leads into. */
  stage: 'shadow' | 'canary' | 'prod' | (string & {});
  /** Judged on what the runs show now; empty while there is no run to judge. */
  checks: GateCheck[];
  /** The failing checks, or what the move waits for (a person's approval, a run, the next evaluation). */
  waitingFor: string;
}

export interface LifecycleStrategy {
  strategyId: string;
  stage: LifecycleStage;
  /** When the current stage began (market time of the evidence, or of a person's decision). */
  since: string;
  approvedBy: string | null;
  approvedAt: string | null;
  evidence: {
    paper: EvidenceView | null;
    shadow: EvidenceView | null;
    /** The canary or prod run on the real account, since the current stage began. */
    real: EvidenceView | null;
  };
  /** The gate into the next stage; null at prod or retired. */
  next: NextGate | null;
  realRun: RealRunView | null;
}

export type LifecycleMoveKind = 'onboarded' | 'stage' | 'approved' | 'revoked';

export interface LifecycleMove {
  kind: LifecycleMoveKind;
  strategyId: string;
  from: string | null;
  to: string | null;
  /** For a stage move: gates-met, demoted, revoked or retired. */
  reason: string | null;
  at: string;
  /** system:lifecycle, or user:<approver>. */
  actor: string;
  detail: string;
  checks: GateCheck[];
  /** As recorded: `{ evidence, shadow }` for a stage move or an approval, else null. */
  evidence: unknown;
}

/** The latest reconciliation of a real account with the real runs' ledgers (recorded when its answer changes). */
export interface AccountCheck {
  venue: string;
  at: string;
  matched: boolean;
  rows: { symbol: string; exchange: string; ledger: string }[];
  runs: string[];
  /**
   * The wallet against the money every real run's ledger moved: `unexplained` is what moved that no ledger
   * booked since the node's first check (a transfer, a trade by hand, a charge not booked). Null when the
   * check could not read it (or was recorded before the node read wallets).
   */
  wallet: {
    asset: string;
    exchange: string;
    ledgers: string;
    baseline: string;
    unexplained: string;
    /** When the wallet was read; older than the check when it carried the last reading on. */
    readAt?: string;
  } | null;
}

export interface Lifecycle {
  realMoney: {
    /** The venue real orders go to, or null when this node cannot trade real money… */
    venue: string | null;
    /** …and why. */
    why: string | null;
    /** The capital each strategy trades on real money, as the node states it. */
    capital: string | null;
    /**
     * The share of what the real runs commit that the account's wallet backs (1: all of it): each sizes on
     * it × its stage's share. Null without real money.
     */
    backing: number | null;
  };
  /** The canary's share of the capital (0.1 is 10 %). */
  canaryShare: number;
  accounts: AccountCheck[];
  strategies: LifecycleStrategy[];
  /** Newest first (log order), the latest moves. */
  history: LifecycleMove[];
}

export interface LifecycleApproveBody {
  strategyId: string;
  note?: string;
}
export interface LifecycleReasonBody {
  strategyId: string;
  /** Required: the reason of a revocation or a retirement. */
  note: string;
}

export interface LifecycleActionResult {
  strategyId: string;
  /** The events recorded, e.g. RealMoneyApproved, or RealMoneyRevoked then StrategyStageChanged. */
  events: string[];
}
