import {
  type BreakerMeasurements,
  type BreakerParams,
  type BreakerState,
  decideBreaker,
  evolveBreaker,
  initialBreakerState,
} from '../../domain/risk/breaker.js';
import { type BreakerLevel, stricterLevel } from '../../domain/risk/breaker-levels.js';
import { breakerStreamId } from '../../domain/risk/events.js';
import type { RunLog } from './run-log.js';

/**
 * The strategy's and the account's breaker ladders. One strategy per account in a run, so both see the
 * same figures, but each has its own stream and, in production, its own thresholds and history. They
 * only step up here; stepping down takes a person's approval (commands/risk), which a backtest never has,
 * so a tripped backtest stays tripped — as the account would until someone looks.
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
    const params = this.params;
    if (params === null) return null;
    let last: string | null = null;
    const step = (state: BreakerState): BreakerState => {
      let next = state;
      for (const e of decideBreaker(state, params, { kind: 'ObserveBreaker', at, measured })) {
        next = evolveBreaker(next, e);
        last = this.log.emit(
          breakerStreamId(state.scope, state.scopeId),
          e.type,
          e.data,
          at,
          correlationId,
          last,
          'system:breaker',
        );
      }
      return next;
    };
    this.strategy = step(this.strategy);
    this.account = step(this.account);
    return last;
  }
}
