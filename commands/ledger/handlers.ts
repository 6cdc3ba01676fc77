import { WrongExpectedVersionError } from '../../domain/events/errors.js';
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
import { AggregateRepository, type CommandMetadata, type Decision, type Loaded } from './aggregate.js';

export interface LedgerDeps {
  readonly store: EventStore;
  readonly instrument: (symbol: string) => Instrument;
  readonly rules: VenueRules;
  /** UUID v7 source (adapters pass uuidv7; a backtest may pass a seeded one). */
  readonly newEventId: () => string;
  /** See RepositoryOptions.singleWriter. */
  readonly singleWriter?: boolean;
  /**
   * The order stream of a client order id (default orderStreamId). An engine run writes `order-<orderId>`
   * (its order ids are its client ids): runOrderStream books into a run's own streams.
   */
  readonly orderStream?: (accountId: string, clientOrderId: string) => string;
}

/** The order streams an engine run writes (replay/engine/ledger-desk.ts). */
export const runOrderStream = (_accountId: string, clientOrderId: string): string => `order-${clientOrderId}`;

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
  'FeeRatesSet',
  'FillSettled',
  'FeeCharged',
  'FundingPaid',
  'PositionLiquidated',
  'PositionHandedOver',
  'PositionTakenOver',
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
  /** The venue's fee for the fill, when it reports one (SettleFill.fee). */
  readonly fee?: string;
  /** The asset of `fee` when it is not the margin asset (BNB; SettleFill.feeAsset). */
  readonly feeAsset?: string;
}

/**
 * The ledger's command handlers: validate → load stream → decide → append with the expected version.
 * A fill touches two streams: the order's (OrderFilled) and the account's (FillSettled + FeeCharged).
 * They are written in one appendAll, both or neither: were they two appends, a crash between them would
 * leave a fill the account books later, after fills the venue made after it, and every position and
 * realised PnL from there on would follow the wrong order (a property test found exactly that). Logs
 * written before can still hold such a fill: the next fill or a retry of that one books it first.
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

  private orderStream(accountId: string, clientOrderId: string): string {
    return (this.deps.orderStream ?? orderStreamId)(accountId, clientOrderId);
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
    return this.orders.execute(this.orderStream(command.accountId, command.clientOrderId), place, meta);
  }

  /**
   * Place, accept and fill in one go, for a simulated venue that fills a marketable order on arrival (a
   * backtest): the same events as the three separate commands, and the account's booking of the fill,
   * in one appendAll. Rules are checked before anything is appended.
   */
  async placeAndFill(
    command: Omit<PlaceOrder, 'kind'>,
    venueOrderId: string,
    fill: Omit<FillOrder, 'accountId' | 'clientOrderId'>,
    meta: CommandMetadata,
  ): Promise<{ order: Decision<OrderEvent>; account: Decision<AccountEvent> }> {
    const place = await this.placement(command);
    const stream = this.orderStream(command.accountId, command.clientOrderId);
    const accountStream = this.accountStream(command.accountId);
    for (let attempt = 0; ; attempt++) {
      const order = await this.orders.load(stream);
      const placed = place(order.state);
      if (placed.length === 0) {
        // A retry: the order is already in the log. Book whatever fill the account may have missed.
        return this.fillOrder(
          { ...fill, accountId: command.accountId, clientOrderId: command.clientOrderId },
          meta,
        );
      }
      let state = order.state;
      for (const e of placed) state = evolveOrder(state, e);
      const accepted = decideOrder({ kind: 'AcceptOrder', venueOrderId }, state, this.orderCtx);
      for (const e of accepted) state = evolveOrder(state, e);
      const filled = decideOrder({ kind: 'FillOrder', ...fill }, state, this.orderCtx)[0];
      if (filled?.type !== 'OrderFilled') throw new Error('placeAndFill: the order decided no fill');
      const account = await this.accounts.load(accountStream);
      const accountEvents = decideAccount(
        this.settle(state.request!, filled.data.fillSeq, fill),
        account.state,
        this.accountCtx,
      );
      const booked = await this.appendBoth(
        stream,
        order,
        [...placed, ...accepted, filled],
        accountStream,
        account,
        accountEvents,
        meta,
      );
      if (booked !== null) return booked;
      if (attempt >= 3) throw new Error(`placeAndFill: ${stream} kept changing under the append`);
    }
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
      this.orderStream(accountId, clientOrderId),
      (s) => decideOrder(command, s, this.orderCtx),
      meta,
    );
  }

  /**
   * Records the fill on the order and books it on the account in one appendAll: both or neither, so no
   * crash can leave a fill on the order that the account has not booked. The account's rules decide
   * before anything is written; a fill they refuse lands on neither stream.
   */
  async fillOrder(
    fill: FillOrder,
    meta: CommandMetadata,
  ): Promise<{ order: Decision<OrderEvent>; account: Decision<AccountEvent> }> {
    const stream = this.orderStream(fill.accountId, fill.clientOrderId);
    const accountStream = this.accountStream(fill.accountId);
    const command = {
      kind: 'FillOrder' as const,
      tradeId: fill.tradeId,
      quantity: fill.quantity,
      price: fill.price,
      liquidity: fill.liquidity,
    };
    for (let attempt = 0; ; attempt++) {
      const order = await this.orders.load(stream);
      const orderEvents = decideOrder(command, order.state, this.orderCtx);
      const req = order.state.request!; // a fill on an order never placed was refused by decideOrder above
      let account = await this.accounts.load(accountStream);
      // Fills a log written before bookings were atomic may hold without their booking: first, in order.
      const missing = order.state.fills > (account.state.settledFills.get(req.orderId) ?? 0);
      const earlier = missing
        ? await this.bookMissingFills(stream, req, accountStream, meta)
        : { events: [], version: account.version, eventIds: [] };
      if (missing) account = await this.accounts.load(accountStream);
      if (orderEvents.length === 0) {
        // A retry of a fill already on the order.
        return { order: { events: [], version: order.version, eventIds: [] }, account: earlier };
      }
      const filled = orderEvents[0]!;
      if (filled.type !== 'OrderFilled')
        throw new Error('fillOrder: the order decided something other than a fill');
      const accountEvents = decideAccount(
        // Object.assign, not `{ ...data, fee }`: a spread followed by a new key is V8's slow path.
        this.settle(
          req,
          filled.data.fillSeq,
          Object.assign({}, filled.data, { fee: fill.fee, feeAsset: fill.feeAsset }),
        ),
        account.state,
        this.accountCtx,
      );
      const booked = await this.appendBoth(
        stream,
        order,
        orderEvents,
        accountStream,
        account,
        accountEvents,
        meta,
      );
      if (booked === null) {
        if (attempt >= 3) throw new Error(`fillOrder: ${stream} kept changing under the append`);
        continue;
      }
      return {
        order: booked.order,
        account: {
          events: [...earlier.events, ...booked.account.events],
          version: booked.account.version,
          eventIds: [...earlier.eventIds, ...booked.account.eventIds],
        },
      };
    }
  }

  /**
   * The order's events and the account's booking of them in one appendAll, each stream at the version
   * it was decided on; the account's events answer the order's fill. Null when another writer moved a
   * stream first (both caches are dropped, and the caller decides again).
   */
  private async appendBoth(
    orderStream: string,
    order: Loaded<OrderState>,
    orderEvents: readonly OrderEvent[],
    accountStream: string,
    account: Loaded<AccountState>,
    accountEvents: readonly AccountEvent[],
    meta: CommandMetadata,
  ): Promise<{ order: Decision<OrderEvent>; account: Decision<AccountEvent> } | null> {
    const orderBatch = this.orders.batch(orderEvents, meta);
    const fillId = orderBatch[orderEvents.findIndex((e) => e.type === 'OrderFilled')]?.eventId;
    const accountBatch = this.accounts.batch(accountEvents, {
      ...meta,
      causationId: fillId ?? meta.causationId,
    });
    try {
      const [o, a] = await this.deps.store.appendAll([
        { streamId: orderStream, expectedVersion: order.version, events: orderBatch },
        { streamId: accountStream, expectedVersion: account.version, events: accountBatch },
      ]);
      this.orders.advance(orderStream, order, orderEvents, o!.nextExpectedVersion);
      this.accounts.advance(accountStream, account, accountEvents, a!.nextExpectedVersion);
      return {
        order: {
          events: orderEvents,
          version: o!.nextExpectedVersion,
          eventIds: orderBatch.map((e) => e.eventId),
        },
        account: {
          events: accountEvents,
          version: a!.nextExpectedVersion,
          eventIds: accountBatch.map((e) => e.eventId),
        },
      };
    } catch (err) {
      this.orders.forget(orderStream);
      this.accounts.forget(accountStream);
      if (err instanceof WrongExpectedVersionError) return null;
      throw err;
    }
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
    f: Pick<FillOrder, 'tradeId' | 'quantity' | 'price' | 'liquidity' | 'fee' | 'feeAsset'>,
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
      ...(f.fee == null ? {} : { fee: f.fee }),
      ...(f.feeAsset == null ? {} : { feeAsset: f.feeAsset }),
    };
  }
}
