import {
  type AccountCommand,
  type AccountContext,
  type AccountState,
  decideAccount,
  evolveAccount,
  initialAccountState,
  type PositionState,
  positionKey,
  walletBalance,
} from '../../domain/ledger/account.js';
import type { AccountEvent, OrderEvent, OrderRequestedData } from '../../domain/ledger/events.js';
import type { Fixed } from '../../domain/ledger/fixed.js';
import {
  decideOrder,
  evolveOrder,
  initialOrderState,
  type OrderCommand,
  type OrderContext,
  type OrderState,
} from '../../domain/ledger/order.js';
import type { RunLog } from './run-log.js';

/**
 * The stream of one of a run's orders. Run order ids are unique across runs (they carry the run id), so
 * the stream needs no account in its name, unlike the command handlers' (orderStreamId).
 */
export const runOrderStreamId = (orderId: string): string => `order-${orderId}`;

/**
 * The engine's books: the ledger's order and account deciders, folded as the run goes and written to
 * the run's log with their causal links. Every amount the run reports comes from here, exactly.
 */
export class LedgerDesk {
  private state: AccountState = initialAccountState();
  private readonly orders = new Map<string, OrderState>();
  /** The order decider's context, made once rather than per command. */
  private readonly orderCtx: OrderContext;

  constructor(
    private readonly log: RunLog,
    private readonly accountStream: string,
    private readonly ctx: AccountContext,
  ) {
    this.orderCtx = { instrument: ctx.instrument };
  }

  get account(): AccountState {
    return this.state;
  }

  /** Decides an order command, appends its events to `order-<id>`; returns the last event id. */
  order(
    orderId: string,
    command: OrderCommand,
    at: number,
    correlationId: string,
    causationId: string | null,
  ): string | null {
    const state = this.orders.get(orderId) ?? initialOrderState;
    const events: OrderEvent[] = decideOrder(command, state, this.orderCtx);
    const stream = runOrderStreamId(orderId);
    let next = state;
    let last = causationId;
    for (const e of events) {
      next = evolveOrder(next, e);
      last = this.log.emit(stream, e.type, e.data, at, correlationId, last, 'system:venue');
    }
    // A finished order takes no more commands: dropping it (and its stream's version counter) keeps
    // memory independent of the order count.
    if (
      next.status === 'filled' ||
      next.status === 'cancelled' ||
      next.status === 'rejected' ||
      next.status === 'expired'
    ) {
      this.orders.delete(orderId);
      this.log.forget(stream);
      // Ended without its last fill: no SettleFill follows, so the account's memory of it goes now.
      if (next.status !== 'filled') this.state.settledFills.delete(orderId);
    } else this.orders.set(orderId, next);
    return last;
  }

  /** The order as OrderRequested recorded it, while the order is open: what goes to a venue. */
  requested(orderId: string): OrderRequestedData | null {
    return this.orders.get(orderId)?.request ?? null;
  }

  /** Decides an account command (fills, funding, liquidation checks) and appends its events. */
  book(
    command: AccountCommand,
    at: number,
    correlationId: string,
    causationId: string | null,
  ): { last: string | null; events: AccountEvent[] } {
    const events = decideAccount(command, this.state, this.ctx);
    let last = causationId;
    for (const e of events) {
      this.state = evolveAccount(this.state, e);
      last = this.log.emit(this.accountStream, e.type, e.data, at, correlationId, last, 'system:ledger');
    }
    // The account remembers each order's last settled fill so that a repeated SettleFill books nothing.
    // Here every fill has first passed the order's decider, which refuses a second fill of a finished
    // order, so once the order is finished the memory is redundant: dropped, it no longer grows with
    // every order of a long run.
    // The exchange's closing orders (`forced`) never pass the order decider: their memory is kept, as
    // they are few and may fill several times.
    if (command.kind === 'SettleFill' && command.forced === undefined && !this.orders.has(command.orderId))
      this.state.settledFills.delete(command.orderId);
    return { last, events };
  }

  /** The one-way position of a symbol, if any. */
  position(symbol: string): PositionState | undefined {
    return this.state.positions.get(positionKey(symbol, 'BOTH'));
  }

  wallet(): Fixed {
    return walletBalance(this.state);
  }
}
