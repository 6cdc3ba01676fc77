import type { EventStore } from '../../domain/events/event-store.js';
import {
  type AccountCommand,
  type AccountState,
  accountStreamId,
  checkPositionLimit,
  decideAccount,
  evolveAccount,
  initialAccountState,
} from '../../domain/ledger/account.js';
import { refuse } from '../../domain/ledger/errors.js';
import type {
  AccountEvent,
  Liquidity,
  OrderEvent,
  OrderFilledData,
  OrderRequestedData,
} from '../../domain/ledger/events.js';
import { fixed } from '../../domain/ledger/fixed.js';
import type { Instrument } from '../../domain/ledger/instrument.js';
import {
  decideOrder,
  evolveOrder,
  initialOrderState,
  isFinalOrder,
  type OrderState,
  orderStreamId,
  type PlaceOrder,
} from '../../domain/ledger/order.js';
import type { VenueRules } from '../../domain/ledger/venue.js';
import { AggregateRepository, type CommandMetadata, type Decision } from './aggregate.js';

export interface LedgerDeps {
  readonly store: EventStore;
  readonly instrument: (symbol: string) => Instrument;
  readonly rules: VenueRules;
  /** UUID v7 source (adapters pass uuidv7; a backtest may pass a seeded one). */
  readonly newEventId: () => string;
  /** See RepositoryOptions.singleWriter. */
  readonly singleWriter?: boolean;
}

const orderTypes = new Set([
  'OrderRequested',
  'OrderAccepted',
  'OrderRejected',
  'OrderTriggered',
  'OrderFilled',
  'OrderCancelled',
  'OrderExpired',
]);
const accountTypes = new Set([
  'AccountOpened',
  'FundsDeposited',
  'FundsWithdrawn',
  'PositionModeSet',
  'LeverageSet',
  'MarginTypeSet',
  'FillSettled',
  'FeeCharged',
  'FundingPaid',
  'PositionLiquidated',
]);

export type OrderLifecycleCommand =
  | { readonly kind: 'AcceptOrder'; readonly venueOrderId: string }
  | { readonly kind: 'RejectOrder'; readonly reason: string }
  | { readonly kind: 'TriggerOrder'; readonly price: string }
  | { readonly kind: 'CancelOrder'; readonly reason: string }
  | { readonly kind: 'ExpireOrder'; readonly reason: string };

export interface FillOrder {
  readonly accountId: string;
  readonly clientOrderId: string;
  readonly tradeId: string;
  readonly quantity: string;
  readonly price: string;
  readonly liquidity: Liquidity;
}

/**
 * The ledger's command handlers: validate → load stream → decide → append with the expected version.
 * A fill touches two streams: the order's (OrderFilled) and the account's (FillSettled + FeeCharged).
 * They are two appends, so the account step books every fill of the order it has not booked yet
 * (tracked by orderId + fillSeq): a crash between the two is repaired by retrying the same fill, which
 * the order stream answers with nothing new and the account step completes.
 */
export class LedgerHandlers {
  readonly orders: AggregateRepository<OrderState, OrderEvent>;
  readonly accounts: AggregateRepository<AccountState, AccountEvent>;

  constructor(private readonly deps: LedgerDeps) {
    this.orders = new AggregateRepository(
      deps.store,
      { initial: () => initialOrderState, evolve: evolveOrder, types: orderTypes, isFinal: isFinalOrder },
      deps.newEventId,
      { singleWriter: deps.singleWriter ?? false },
    );
    this.accounts = new AggregateRepository(
      deps.store,
      { initial: initialAccountState, evolve: evolveAccount, types: accountTypes },
      deps.newEventId,
      { singleWriter: deps.singleWriter ?? false },
    );
  }

  private get orderCtx() {
    return { instrument: this.deps.instrument };
  }

  private get accountCtx() {
    return { instrument: this.deps.instrument, rules: this.deps.rules };
  }

  accountStream(accountId: string): string {
    return accountStreamId(this.deps.rules.venue, accountId);
  }

  async account(
    accountId: string,
    command: AccountCommand,
    meta: CommandMetadata,
  ): Promise<Decision<AccountEvent>> {
    return this.accounts.execute(
      this.accountStream(accountId),
      (s) => decideAccount(command, s, this.accountCtx),
      meta,
    );
  }

  async placeOrder(command: Omit<PlaceOrder, 'kind'>, meta: CommandMetadata): Promise<Decision<OrderEvent>> {
    const place = await this.placement(command);
    return this.orders.execute(orderStreamId(command.accountId, command.clientOrderId), place, meta);
  }

  /**
   * Place, accept and fill in one go, for a simulated venue that fills a marketable order on arrival (a
   * backtest): the same events as the three separate commands, appended as one batch on the order
   * stream, then the fill booked on the account. Rules are checked before anything is appended.
   */
  async placeAndFill(
    command: Omit<PlaceOrder, 'kind'>,
    venueOrderId: string,
    fill: Omit<FillOrder, 'accountId' | 'clientOrderId'>,
    meta: CommandMetadata,
  ): Promise<{ order: Decision<OrderEvent>; account: Decision<AccountEvent> }> {
    const place = await this.placement(command);
    const accountStream = this.accountStream(command.accountId);
    const account = await this.accounts.load(accountStream);
    const order = await this.orders.execute(
      orderStreamId(command.accountId, command.clientOrderId),
      (s) => {
        const placed = place(s);
        if (placed.length === 0) return []; // a retry of an order already placed: nothing new
        let state = s;
        for (const e of placed) state = evolveOrder(state, e);
        const accepted = decideOrder({ kind: 'AcceptOrder', venueOrderId }, state, this.orderCtx);
        for (const e of accepted) state = evolveOrder(state, e);
        const filled = decideOrder({ kind: 'FillOrder', ...fill }, state, this.orderCtx);
        // Dry run of the account rules before the order batch is appended (see fillOrder).
        decideAccount(this.settle(state.request!, 1, fill), account.state, this.accountCtx);
        return [...placed, ...accepted, ...filled];
      },
      meta,
    );
    if (order.events.length === 0) {
      // A retry: the order is already in the log. Book whatever fill the account may have missed.
      const repaired = await this.fillOrder(
        { ...fill, accountId: command.accountId, clientOrderId: command.clientOrderId },
        meta,
      );
      return { order, account: repaired.account };
    }
    const filled = order.events.find((e) => e.type === 'OrderFilled');
    if (filled?.type !== 'OrderFilled') throw new Error('placeAndFill: the order batch has no fill');
    const req = (order.events[0] as Extract<OrderEvent, { type: 'OrderRequested' }>).data;
    const booked = await this.accounts.execute(
      accountStream,
      (acc) => decideAccount(this.settle(req, filled.data.fillSeq, fill), acc, this.accountCtx),
      { ...meta, causationId: order.eventIds[order.events.indexOf(filled)] ?? meta.causationId },
    );
    return { order, account: booked };
  }

  /** Account-level checks of a new order, then its decision (shared by placeOrder and placeAndFill). */
  private async placement(command: Omit<PlaceOrder, 'kind'>): Promise<(s: OrderState) => OrderEvent[]> {
    if (command.venue !== this.deps.rules.venue) {
      refuse(
        'venue-rules-mismatch',
        `order for ${command.venue} sent to the ${this.deps.rules.venue} ledger`,
      );
    }
    const account = await this.accounts.load(this.accountStream(command.accountId));
    if (!account.state.exists) refuse('account-not-open', `account ${command.accountId} is not open`);
    const mode = account.state.positionMode;
    if ((mode === 'hedge') === (command.positionSide === 'BOTH')) {
      refuse('position-side-mismatch', `positionSide ${command.positionSide} is not valid in ${mode} mode`);
    }
    return (s) => {
      const events = decideOrder({ kind: 'PlaceOrder', ...command }, s, this.orderCtx);
      const placed = events[0];
      if (placed?.type === 'OrderRequested') {
        const d = placed.data;
        const reference = d.price ?? d.stopPrice ?? command.markPrice;
        if (reference !== undefined) {
          checkPositionLimit(
            account.state,
            { ...d, quantity: fixed(d.quantity) },
            fixed(reference),
            this.accountCtx,
          );
        }
      }
      return events;
    };
  }

  async order(
    accountId: string,
    clientOrderId: string,
    command: OrderLifecycleCommand,
    meta: CommandMetadata,
  ): Promise<Decision<OrderEvent>> {
    return this.orders.execute(
      orderStreamId(accountId, clientOrderId),
      (s) => decideOrder(command, s, this.orderCtx),
      meta,
    );
  }

  /** Records the fill on the order, then books it (and any earlier unbooked fill) on the account. */
  async fillOrder(
    fill: FillOrder,
    meta: CommandMetadata,
  ): Promise<{ order: Decision<OrderEvent>; account: Decision<AccountEvent> }> {
    const stream = orderStreamId(fill.accountId, fill.clientOrderId);
    const accountStream = this.accountStream(fill.accountId);
    const before = await this.orders.load(stream);
    const pending = before.state.request;
    const repaired: AccountEvent[] = [];
    const repairedIds: string[] = [];
    if (pending && !before.state.tradeIds.has(fill.tradeId)) {
      // Earlier fills the account missed (a crash between the two appends) are booked first, in order.
      const earlier = await this.bookMissingFills(stream, pending, accountStream, meta);
      repaired.push(...earlier.events);
      repairedIds.push(...earlier.eventIds);
      // Dry run of the account rules (reduce-only, hedge flips, position side) before anything is
      // appended: a fill the account would refuse must not land on the order stream either.
      decideAccount(
        this.settle(pending, before.state.fills + 1, fill),
        (await this.accounts.load(accountStream)).state,
        this.accountCtx,
      );
    }
    const order = await this.orders.execute(
      stream,
      (s) =>
        decideOrder(
          {
            kind: 'FillOrder',
            tradeId: fill.tradeId,
            quantity: fill.quantity,
            price: fill.price,
            liquidity: fill.liquidity,
          },
          s,
          this.orderCtx,
        ),
      meta,
    );
    const req = pending!; // a fill on an order never placed was refused by decideOrder above
    if (order.events.length === 0) {
      // A retry of a fill already on the order: book whatever the account has not.
      const retried = await this.bookMissingFills(stream, req, accountStream, meta);
      return {
        order,
        account: {
          ...retried,
          events: [...repaired, ...retried.events],
          eventIds: [...repairedIds, ...retried.eventIds],
        },
      };
    }
    const filled = order.events[0]!;
    if (filled.type !== 'OrderFilled')
      throw new Error('fillOrder: the order decided something other than a fill');
    const d = await this.accounts.execute(
      accountStream,
      (acc) => decideAccount(this.settle(req, filled.data.fillSeq, filled.data), acc, this.accountCtx),
      { ...meta, causationId: order.eventIds[0] ?? meta.causationId },
    );
    return {
      order,
      account: {
        events: [...repaired, ...d.events],
        version: d.version,
        eventIds: [...repairedIds, ...d.eventIds],
      },
    };
  }

  /**
   * Books, one append each and in fillSeq order, the fills of an order that the account has not booked.
   * Each is decided on the state the previous one left: the account folds in place, so several fills
   * cannot be decided against one state.
   */
  private async bookMissingFills(
    orderStream: string,
    req: OrderRequestedData,
    accountStream: string,
    meta: CommandMetadata,
  ): Promise<Decision<AccountEvent>> {
    const account = await this.accounts.load(accountStream);
    const booked = account.state.settledFills.get(req.orderId) ?? 0;
    const { state } = await this.orders.load(orderStream);
    if (state.fills <= booked) return { events: [], version: account.version, eventIds: [] };
    const missing = (await this.deps.store.readStream(orderStream)).filter(
      (e) => e.type === 'OrderFilled' && (e.data as OrderFilledData).fillSeq > booked,
    );
    const events: AccountEvent[] = [];
    const eventIds: string[] = [];
    let version = account.version;
    for (const e of missing) {
      const f = e.data as OrderFilledData;
      const d = await this.accounts.execute(
        accountStream,
        (acc) => decideAccount(this.settle(req, f.fillSeq, f), acc, this.accountCtx),
        { ...meta, causationId: e.eventId },
      );
      events.push(...d.events);
      eventIds.push(...d.eventIds);
      version = d.version;
    }
    return { events, version, eventIds };
  }

  private settle(
    req: OrderRequestedData,
    fillSeq: number,
    f: Pick<FillOrder, 'tradeId' | 'quantity' | 'price' | 'liquidity'>,
  ): AccountCommand {
    return {
      kind: 'SettleFill',
      orderId: req.orderId,
      fillSeq,
      tradeId: f.tradeId,
      strategyId: req.strategyId,
      symbol: req.symbol,
      side: req.side,
      positionSide: req.positionSide,
      quantity: f.quantity,
      price: f.price,
      liquidity: f.liquidity,
      reduceOnly: req.reduceOnly,
    };
  }
}
