import {
  type BreakerCommand,
  type BreakerEvent,
  type BreakerMeasurements,
  type BreakerParams,
  type BreakerState,
  decideBreaker,
  evolveBreaker,
  initialBreakerState,
} from '../../domain/risk/breaker.js';
import { type BreakerLevel, levelIndex, stricterLevel } from '../../domain/risk/breaker-levels.js';
import { breakerStreamId } from '../../domain/risk/events.js';
import type { BreakerStepDown } from './config.js';
import type { RunLog } from './run-log.js';

/**
 * The strategy's and the account's breaker ladders. One strategy per account in a run, so both see the
 * same figures, but each has its own stream and, in production, its own thresholds and history. They
 * step up on measurements alone; stepping down takes a person's approval (`stepDown`, from the API for a
 * paper run), which a backtest never has, so a tripped backtest stays tripped — as the account would
 * until someone looks.
 */
export class BreakerDesk {
  private strategy: BreakerState;
  private account: BreakerState;

  constructor(
    private readonly log: RunLog,
    private readonly params: BreakerParams | null,
    strategyScopeId: string,
    accountId: string,
  ) {
    this.strategy = initialBreakerState('strategy', strategyScopeId);
    this.account = initialBreakerState('account', accountId);
  }

  /** The stricter of the two ladders is what sizing and the risk check see. */
  get level(): BreakerLevel {
    return stricterLevel(this.strategy.level, this.account.level);
  }

  /** Measures both ladders; returns the last event written (null when neither moved). */
  observe(at: number, measured: BreakerMeasurements, correlationId: string): string | null {
    const cmd: BreakerCommand = { kind: 'ObserveBreaker', at, measured };
    return this.moveBoth(cmd, cmd, correlationId);
  }

  /**
   * Starts each ladder at the level its predecessor's reached (CarryBreaker): the earlier run's ladders,
   * `from` being its run. A ladder already as high stays. Returns the last event written.
   */
  carry(
    at: number,
    levels: { readonly from: string; readonly strategy: BreakerLevel; readonly account: BreakerLevel },
    measured: BreakerMeasurements,
    correlationId: string,
  ): string | null {
    const carry = (level: BreakerLevel): BreakerCommand => ({
      kind: 'CarryBreaker',
      at,
      level,
      from: levels.from,
      measured,
    });
    return this.moveBoth(carry(levels.strategy), carry(levels.account), correlationId);
  }

  /** Decides and writes a system command on each ladder, the strategy's first; the last event written. */
  private moveBoth(strategy: BreakerCommand, account: BreakerCommand, correlationId: string): string | null {
    const params = this.params;
    if (params === null) return null;
    let last: string | null = null;
    const step = (state: BreakerState, cmd: BreakerCommand): BreakerState => {
      let next = state;
      for (const e of decideBreaker(state, params, cmd)) {
        next = evolveBreaker(next, e);
        last = this.log.emit(
          breakerStreamId(state.scope, state.scopeId),
          e.type,
          e.data,
          cmd.at,
          correlationId,
          last,
          'system:breaker',
        );
      }
      return next;
    };
    this.strategy = step(this.strategy, strategy);
    this.account = step(this.account, account);
    return last;
  }

  /**
   * A person's step-down of every ladder above `cmd.to`, judged on `measured`. Both ladders are decided
   * before either is written: a refusal (BreakerRuleError: the cooldown, measurements that still breach)
   * writes nothing. Returns the last event written.
   */
  stepDown(
    at: number,
    cmd: BreakerStepDown,
    measured: BreakerMeasurements,
    seq: number,
    correlationId: string,
  ): string {
    const params = this.params;
    if (params === null) throw new RangeError('the run has no breaker to step down');
    const above = [this.strategy, this.account].filter((s) => levelIndex(s.level) > levelIndex(cmd.to));
    if (above.length === 0)
      throw new RangeError(`the run's breakers are at ${this.level}; ${cmd.to} is not below it`);
    const decided = above.map((state) => ({
      state,
      events: decideBreaker(state, params, {
        kind: 'ApproveStepDown',
        at,
        measured,
        approver: cmd.approver,
        to: cmd.to,
        reason: cmd.reason,
      }),
    }));
    let last: string | null = null;
    for (const { state, events } of decided) {
      let next = state;
      for (const e of events) {
        const data = e.type === 'BreakerStepDownApproved' ? { ...e.data, seq } : e.data;
        next = evolveBreaker(next, { type: e.type, data } as BreakerEvent);
        last = this.log.emit(
          breakerStreamId(state.scope, state.scopeId),
          e.type,
          data,
          at,
          correlationId,
          last,
          cmd.approver,
        );
      }
      if (state.scope === 'strategy') this.strategy = next;
      else this.account = next;
    }
    return last!;
  }
}
