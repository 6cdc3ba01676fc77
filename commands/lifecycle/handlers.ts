import type { EventMetadata } from '../../domain/events/envelope.js';
import type { EventStore } from '../../domain/events/event-store.js';
import type { AccountRow, WalletCheck } from '../../domain/lifecycle/account-check.js';
import {
  type AccountReconciledData,
  accountCheckStreamId,
  type LifecycleEvent,
  lifecycleEventTypes,
  lifecycleStreamId,
} from '../../domain/lifecycle/events.js';
import type { Evidence, GateConfig } from '../../domain/lifecycle/gates.js';
import {
  canaryChecks,
  decideLifecycle,
  evolveLifecycle,
  initialLifecycleState,
  type LifecycleCommand,
  type LifecycleState,
  type StageEvidence,
} from '../../domain/lifecycle/lifecycle.js';
import { AggregateRepository, type Decision } from '../ledger/aggregate.js';

const iso = (ms: number) => new Date(ms).toISOString();

type AccountCheckEvent = { readonly type: 'AccountReconciled'; readonly data: AccountReconciledData };

/** A person's command as a caller names it: the actor is derived from the approver, never passed in. */
export type LifecyclePersonCommand =
  | { readonly kind: 'ApproveRealMoney'; readonly approver: string; readonly note: string }
  | { readonly kind: 'RevokeRealMoney'; readonly approver: string; readonly note: string }
  | { readonly kind: 'Retire'; readonly approver: string; readonly note: string };

/**
 * Commands on the `lifecycle-<strategyId>` streams. Onboarding and evaluation are the system's
 * (`system:lifecycle`); approving, revoking and retiring carry `user:<approver>`, which the decider checks.
 * An approval records the shadow evidence and canary checks as the handler computed them when the person
 * decided, not as a page sent them.
 */
export class LifecycleHandlers {
  private readonly repo: AggregateRepository<LifecycleState, LifecycleEvent>;
  /** The account-check stream: its state is the last reconciliation recorded. */
  private readonly checks: AggregateRepository<AccountReconciledData | null, AccountCheckEvent>;

  constructor(
    store: EventStore,
    private readonly newEventId: () => string,
    private readonly config: GateConfig,
    private readonly mode: EventMetadata['mode'] = 'paper',
  ) {
    this.repo = new AggregateRepository(
      store,
      { initial: () => initialLifecycleState, evolve: evolveLifecycle, types: lifecycleEventTypes },
      newEventId,
    );
    this.checks = new AggregateRepository<AccountReconciledData | null, AccountCheckEvent>(
      store,
      {
        initial: (): AccountReconciledData | null => null,
        evolve: (_s, e) => e.data,
        types: new Set(['AccountReconciled']),
      },
      newEventId,
    );
  }

  /** Puts a strategy on paper unless it is on its way already; true when it was onboarded now. */
  async onboard(strategyId: string, strategyVersion: string, at: number): Promise<boolean> {
    if ((await this.state(strategyId)).stage !== null) return false;
    await this.repo.execute(
      lifecycleStreamId(strategyId),
      (s) => decideLifecycle({ kind: 'Onboard', strategyId, strategyVersion, at }, s),
      this.metadata('system:lifecycle', `lifecycle:${strategyId}:onboard`, at),
    );
    return true;
  }

  /** Judges the strategy's stage on what its runs show at market time `at`. */
  evaluate(strategyId: string, evidence: StageEvidence, at: number): Promise<Decision<LifecycleEvent>> {
    return this.repo.execute(
      lifecycleStreamId(strategyId),
      (s) => decideLifecycle({ kind: 'Evaluate', at, evidence, config: this.config }, s),
      this.metadata('system:lifecycle', `lifecycle:${strategyId}:${at}`, at),
    );
  }

  /** A person's decision, taken at wall time `at`; `shadow` is the shadow run's evidence now (if it runs). */
  decide(
    strategyId: string,
    command: LifecyclePersonCommand,
    at: number,
    shadow: Evidence | null,
  ): Promise<Decision<LifecycleEvent>> {
    const actor = `user:${command.approver}`;
    const full = (s: LifecycleState): LifecycleCommand =>
      command.kind === 'ApproveRealMoney'
        ? {
            ...command,
            actor,
            evidence: shadow,
            checks: shadow ? canaryChecks(s, shadow, this.config, at) : [],
          }
        : { ...command, actor, at };
    return this.repo.execute(
      lifecycleStreamId(strategyId),
      (s) => decideLifecycle(full(s), s),
      this.metadata(actor, `lifecycle:${strategyId}:${this.newEventId()}`, at),
    );
  }

  /** The system takes the strategy off real money at once (if it trades it), for `reason`. */
  takeOff(strategyId: string, at: number, reason: string): Promise<Decision<LifecycleEvent>> {
    return this.repo.execute(
      lifecycleStreamId(strategyId),
      (s) => decideLifecycle({ kind: 'TakeOffRealMoney', at: Math.max(at, s.since), reason }, s),
      this.metadata('system:lifecycle', `account-check:${at}`, at),
    );
  }

  /**
   * Records a reconciliation of the real account when its answer differs from the last one recorded (the
   * first, a difference, agreement again); returns whether it was recorded.
   */
  async recordAccountCheck(
    venue: string,
    check: { readonly matched: boolean; readonly rows: readonly AccountRow[]; readonly wallet?: WalletCheck },
    runs: readonly string[],
    at: number,
  ): Promise<boolean> {
    const d = await this.checks.execute(
      accountCheckStreamId(venue),
      (last) =>
        // The wallet's balance moves with every trade; what is news is the money no ledger explains.
        last !== null &&
        last.matched === check.matched &&
        JSON.stringify(last.rows) === JSON.stringify(check.rows) &&
        last.wallet?.unexplained === check.wallet?.unexplained
          ? []
          : [
              {
                type: 'AccountReconciled' as const,
                data: {
                  venue,
                  at,
                  matched: check.matched,
                  rows: check.rows.map((r) => ({ ...r })),
                  runs: [...runs],
                  ...(check.wallet === undefined ? {} : { wallet: { ...check.wallet } }),
                },
              },
            ],
      this.metadata('system:lifecycle', `account-check:${at}`, at),
    );
    return d.events.length > 0;
  }

  async state(strategyId: string): Promise<LifecycleState> {
    return (await this.repo.load(lifecycleStreamId(strategyId))).state;
  }

  private metadata(actor: string, correlationId: string, at: number): EventMetadata {
    return { correlationId, causationId: null, actor, mode: this.mode, occurredAt: iso(at) };
  }
}
