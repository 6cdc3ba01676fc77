import { LedgerHandlers, runOrderStream } from '../../commands/ledger/handlers.js';
import type { EventMetadata } from '../../domain/events/envelope.js';
import type { EventStore } from '../../domain/events/event-store.js';
import { accountStreamId, positionKey } from '../../domain/ledger/account.js';
import { LedgerRuleError } from '../../domain/ledger/errors.js';
import type { OrderRequestedData } from '../../domain/ledger/events.js';
import { type Fixed, fixed, mul, roundTo, toText } from '../../domain/ledger/fixed.js';
import {
  type ForcedFill,
  forcedCorrelationId,
  forcedOrderId,
  forcedSettleFill,
} from '../../domain/ledger/forced-fill.js';
import { isChargeFor } from '../../domain/ledger/funding.js';
import type { Instrument } from '../../domain/ledger/instrument.js';
import { isFinalOrder } from '../../domain/ledger/order.js';
import { positionAt, proRata } from '../../domain/ledger/shares.js';
import type { VenueRules } from '../../domain/ledger/venue.js';
import type {
  AdoptingVenue,
  ClearanceCharge,
  FundingCharge,
  HoldingVenue,
  VenueClearanceFee,
  VenueFunding,
  VenueReport,
} from '../../domain/ledger/venue-port.js';
import type { PaperClock } from '../../replay/engine/paper.js';
import type { RunLeftovers } from './leftovers.js';

export interface CloseOutOptions {
  /** The main log, where the earlier run's events were copied. */
  readonly store: EventStore;
  /** The account, able to follow orders an earlier process placed. */
  readonly venue: AdoptingVenue;
  readonly rules: VenueRules;
  readonly instrument: (symbol: string) => Instrument;
  readonly clock: PaperClock;
  readonly newEventId: () => string;
  readonly log: (m: string) => void;
  /** How long the exchange has to answer (default 30 s). */
  readonly timeoutMs?: number;
  /** Between two looks at the venue's reports (default 200 ms). */
  readonly pollMs?: number;
  /**
   * The exchange's own closing trades (liquidations, ADL) on a symbol since a time, that no process booked
   * (CcxtVenue.forcedFillsSince). Without it, a position the exchange closed while the node was down is
   * found only when closing it is refused.
   */
  readonly forcedFills?: (symbol: string, since: number) => Promise<readonly ForcedFill[]>;
  /**
   * Funding the exchange charged on a symbol since a time that no process booked, with each settlement's
   * rate and mark (CcxtVenue.fundingChargedSince). Without it, funding charged while the node was down is
   * not booked.
   */
  readonly fundingCharged?: (symbol: string, since: number) => Promise<readonly FundingCharge[]>;
  /**
   * The clearance fees the exchange took on a symbol since a time that no process booked
   * (CcxtVenue.clearanceFeesSince). Without it, the fee of a liquidation made while the node was down is
   * not booked.
   */
  readonly clearanceFees?: (symbol: string, since: number) => Promise<readonly ClearanceCharge[]>;
  /**
   * Every real run's position in a symbol just before a time, by account stream, as their ledgers in the main
   * log say (`realPositionsAt`): what funding charged while the node was down on an account several runs
   * shared is split by. Without it, a record is booked only when it is this run's alone.
   */
  readonly positionsAt?: (symbol: string, time: number) => Promise<ReadonlyMap<string, Fixed>>;
  /**
   * The rate and mark of the symbol's funding settlement at a time (CcxtVenue.fundingSettlementAt): what the
   * run's share of funding charged during the close-out is booked with. Without it, that share is logged.
   */
  readonly fundingSettlement?: (
    symbol: string,
    time: number,
  ) => Promise<{ readonly rate: string; readonly markPrice: string | null } | null>;
}

const REASON = 'closed out after a restart: the run that placed it has ended';

/** A liquidation's clearance fee as the ledger books it: a venue-priced liquidation fee on the order, with no trade. */
const isClearanceOf = (data: unknown, orderId: string): boolean => {
  const d = data as { reason?: string; orderId?: string | null; tradeId?: string | null; source?: string };
  return d.reason === 'liquidation' && d.orderId === orderId && d.tradeId === null && d.source === 'venue';
};

/**
 * Closes out a real run an earlier process left behind (a crash, or a stop with LIVE_ON_STOP=keep), so the
 * strategy can trade again from flat. No process followed the run's orders meanwhile, and its backstops
 * rested at the exchange for exactly this case. So, into the run's own streams, as its ledger would have:
 * 0. funding the exchange charged on what the run held meanwhile is booked, where the figure is the run's;
 * 1. each order the log shows working is adopted (looked up by clientOrderId) and what the exchange did
 *    with it is booked: a backstop that fired shows up as its trigger and fills;
 * 2. whatever still works is cancelled (2½: the exchange's own closing trades meanwhile are booked);
 * 3. what the run's ledger still holds is closed with reduce-only market orders, booked as they fill.
 * Throughout, what the exchange does meanwhile is booked as the engine would: its closing trades, the run's
 * share of funding, and a liquidation's clearance fee.
 * Returns what is still left (empty: the run holds nothing and has no order working).
 */
export const closeOutRun = async (left: RunLeftovers, o: CloseOutOptions): Promise<string[]> =>
  (await closeOut(left, o, false)).left;

/** A whole cross position an earlier run's ledger holds, exactly: what a new run can carry on. */
export interface HeldPosition {
  readonly symbol: string;
  readonly quantity: string;
  readonly cost: string;
  readonly marginType: 'cross' | 'isolated';
}

/**
 * Steps 0–2½ of a close-out, for a new run that carries on what the earlier one held: what the exchange
 * did while no process followed the run is booked, and its orders (its backstops) are cancelled, but its
 * positions are left open, for the new run to take over (Engine's liveOrders.carry). Returns them as the
 * ledger holds them after the bookings, and what else is left (an order that would not end, say).
 */
export const settleForCarry = (
  left: RunLeftovers,
  o: CloseOutOptions,
): Promise<{
  readonly left: string[];
  readonly held: readonly HeldPosition[];
  /** Symbols the exchange liquidated while no process followed the run (booked by the settling). */
  readonly liquidated: readonly string[];
}> => closeOut(left, o, true);

const closeOut = async (
  left: RunLeftovers,
  o: CloseOutOptions,
  carry: boolean,
): Promise<{ left: string[]; held: HeldPosition[]; liquidated: string[] }> => {
  const handlers = new LedgerHandlers({
    store: o.store,
    instrument: o.instrument,
    rules: o.rules,
    newEventId: o.newEventId,
    orderStream: runOrderStream,
  });
  const accountId = left.accountId;
  const correlationId = `closeout:${left.runId}:${o.clock.now()}`;
  const meta = (t: number): EventMetadata => ({
    correlationId,
    causationId: null,
    actor: 'system:closeout',
    mode: left.mode,
    occurredAt: new Date(t).toISOString(),
  });
  const deadline = o.clock.now() + (o.timeoutMs ?? 30_000);
  /** The orders followed until they end, with the margin asset of their symbol (a fill's fee is in it). */
  const following = new Map<string, string>();
  const problems: string[] = [];
  let last = Number.NEGATIVE_INFINITY;
  const now = () => {
    last = Math.max(last, o.clock.now());
    return last;
  };
  /**
   * What the run still holds, by symbol, as its ledger says after each booking. On a shared account the
   * exchange's funding is split among the runs holding a symbol (SharedVenue); this run holds its part
   * until it is closed, so it follows its symbols with it, or a neighbour would be handed this run's share,
   * which the close-out books (bookFundingNow).
   */
  const holding = new Map<string, Fixed>();
  const accountStream = accountStreamId(o.rules.venue, accountId);
  const refreshHolding = async (): Promise<void> => {
    const state = (await handlers.accounts.load(accountStream)).state;
    holding.clear();
    for (const p of state.positions.values()) holding.set(p.symbol, (holding.get(p.symbol) ?? 0n) + p.qty);
  };
  const follow = (o.venue as Partial<HoldingVenue>).follow?.bind(o.venue);
  await refreshHolding();
  follow?.([...holding.keys()], (symbol) => holding.get(symbol) ?? 0n);

  const book = async (r: VenueReport): Promise<void> => {
    const id = r.clientOrderId;
    const m = meta(r.time);
    try {
      switch (r.kind) {
        case 'accepted':
          await handlers.order(accountId, id, { kind: 'AcceptOrder', venueOrderId: r.venueOrderId }, m);
          return;
        case 'triggered':
          await handlers.order(accountId, id, { kind: 'TriggerOrder', price: r.triggerPrice }, m);
          return;
        case 'fill': {
          const margin = following.get(id);
          const { order } = await handlers.fillOrder(
            {
              accountId,
              clientOrderId: id,
              tradeId: r.tradeId,
              quantity: r.quantity,
              price: r.price,
              liquidity: r.liquidity,
              ...(r.fee === undefined
                ? {}
                : r.fee.asset === margin
                  ? { fee: r.fee.amount }
                  : { fee: r.fee.amount, feeAsset: r.fee.asset }),
            },
            m,
          );
          // The last fill leaves nothing to fill: the order has ended.
          const filled = order.events.find((e) => e.type === 'OrderFilled');
          if (filled?.type === 'OrderFilled' && fixed(filled.data.remainingQuantity) === 0n)
            following.delete(id);
          return;
        }
        case 'cancelled':
          await handlers.order(accountId, id, { kind: 'CancelOrder', reason: REASON }, m);
          following.delete(id);
          return;
        case 'expired':
          await handlers.order(accountId, id, { kind: 'ExpireOrder', reason: r.reason }, m);
          following.delete(id);
          return;
        case 'rejected':
          await handlers.order(accountId, id, { kind: 'RejectOrder', reason: r.reason }, m);
          following.delete(id);
          return;
        case 'cancel-rejected':
          // The order filled or ended first: its own reports say how.
          return;
        case 'forced': {
          // This run's share of a closing trade the exchange made during the close-out (its lane follows what
          // the run holds); the ones no process saw are listed and booked in step 2½.
          const { receivedAt: _r, kind: _k, ...f } = r;
          await bookOneForced(f, 'during the close-out');
          return;
        }
        case 'clearance-fee':
          await bookClearanceNow(r);
          return;
        case 'funding':
          await bookFundingNow(r);
          return;
      }
    } catch (err) {
      if (!(err instanceof LedgerRuleError)) throw err;
      problems.push(`${id}: the ledger refused the exchange's ${r.kind}: ${err.message}`);
      following.delete(id);
    }
  };

  /** Books one account command of the run; null when booked, the ledger's reason when it refuses. */
  const ledgerVerdict = async (
    command: Parameters<typeof handlers.account>[1],
    metadata: Parameters<typeof handlers.account>[2],
  ): Promise<string | null> => {
    try {
      await handlers.account(accountId, command, metadata);
      return null;
    } catch (err) {
      if (!(err instanceof LedgerRuleError)) throw err;
      return err.message;
    }
  };

  /** Funding as the exchange charged it, into the run's account; the ledger's reason when it refuses. */
  const applyCharged = (
    symbol: string,
    fundingTime: number,
    rate: string,
    markPrice: string,
    charged: string,
  ): Promise<string | null> =>
    ledgerVerdict(
      { kind: 'ApplyFunding', symbol, fundingTime, rate, markPrice, charged },
      { ...meta(fundingTime), correlationId: `funding:${symbol}:${fundingTime}` },
    );

  /**
   * A liquidation's clearance fee, into the run's account against the liquidation order `orderId` (what it
   * closed of the run: `notional`), correlated with it; the ledger's reason when it refuses.
   */
  const chargeClearance = (
    symbol: string,
    orderId: string,
    notional: Fixed,
    amount: string,
    time: number,
  ): Promise<string | null> =>
    ledgerVerdict(
      {
        kind: 'ChargeClearanceFee',
        symbol,
        positionSide: 'BOTH',
        orderId,
        strategyId: left.strategyId,
        notional: toText(notional),
        amount,
      },
      { ...meta(time), correlationId: `liquidation:${orderId.slice(orderId.lastIndexOf('/') + 1)}` },
    );

  /**
   * This run's share of funding the exchange charged while it is closed out (its lane follows what the run
   * holds), booked as charged. The booking names the settlement's rate and mark: the exchange's funding
   * history gives them (`fundingSettlement`); without it, or when it does not have them, the share is logged.
   */
  const bookFundingNow = async (r: VenueFunding): Promise<void> => {
    const what = `close-out ${left.runId}: the exchange's funding ${r.amount} ${r.asset} on ${r.symbol} at ${new Date(r.time).toISOString()} (its share of what the account held)`;
    let settlement: { readonly rate: string; readonly markPrice: string | null } | null | undefined;
    try {
      settlement = await o.fundingSettlement?.(r.symbol, r.time);
    } catch (err) {
      o.log(`${what} is not booked: the exchange's funding history could not be listed (${String(err)})`);
      return;
    }
    if (r.asset !== o.instrument(r.symbol).marginAsset) {
      o.log(`${what} is not booked: it is not in the margin asset`);
      return;
    }
    if (settlement?.rate == null || settlement.markPrice == null) {
      o.log(`${what} is not booked: the exchange gives no rate and mark for it`);
      return;
    }
    const refused = await applyCharged(r.symbol, r.time, settlement.rate, settlement.markPrice, r.amount);
    if (refused !== null) {
      o.log(`${what} is not booked: ${refused}`);
      return;
    }
    o.log(`${what}, charged during the close-out; booked`);
  };

  /**
   * The liquidations the close-out booked, by symbol (the latest): what a clearance fee the exchange takes
   * during the close-out follows, as the engine charges it (Engine.clearanceFee).
   */
  const liquidated = new Map<string, { orderId: string; notional: Fixed }>();

  /** This run's share of a liquidation's clearance fee taken during the close-out, charged against it, once. */
  const bookClearanceNow = async (r: VenueClearanceFee): Promise<void> => {
    const what = `close-out ${left.runId}: the exchange's liquidation clearance fee ${r.amount} ${r.asset} on ${r.symbol}`;
    const l = liquidated.get(r.symbol);
    if (l === undefined) {
      o.log(`${what} is not booked: the close-out booked no liquidation of the run on ${r.symbol}`);
      return;
    }
    const events = await o.store.readStream(accountStream);
    if (events.some((e) => e.type === 'FeeCharged' && isClearanceOf(e.data, l.orderId))) return;
    const refused = await chargeClearance(r.symbol, l.orderId, l.notional, r.amount, r.time);
    if (refused !== null) {
      o.log(`${what} is not booked: ${refused}`);
      return;
    }
    o.log(`${what} (this run's share), taken during the close-out; booked`);
  };

  /** The exchange's closing trades the run's ledger has booked (an earlier close-out may have booked some). */
  let forcedBooked: Set<string> | null = null;
  const bookedForced = async (): Promise<Set<string>> => {
    // The ledger's own record: the account's fill sequence would take a trade offered again as a new one.
    forcedBooked ??= new Set(
      (await o.store.readStream(accountStream)).flatMap((e) => {
        const d = e.data as { forced?: string; orderId: string; tradeId: string };
        return e.type === 'FillSettled' && d.forced !== undefined ? [`${d.orderId} ${d.tradeId}`] : [];
      }),
    );
    return forcedBooked;
  };

  /**
   * One trade of the exchange's own closing order, booked into the run's account as the engine books it
   * (Engine.forcedFill): reduce-only, at most what the run holds, the exchange's fee shared the same way.
   */
  const bookOneForced = async (f: ForcedFill, when: string): Promise<void> => {
    const orderId = forcedOrderId(f);
    const booked = await bookedForced();
    if (booked.has(`${orderId} ${f.tradeId}`)) return;
    const state = (await handlers.accounts.load(accountStream)).state;
    const { command, unbooked } = forcedSettleFill(
      f,
      state.positions.get(positionKey(f.symbol, 'BOTH'))?.qty ?? 0n,
      o.instrument(f.symbol).marginAsset,
      (state.settledFills.get(orderId) ?? 0) + 1,
      left.strategyId,
    );
    // Not the run's to book, nor to wait for: the account check finds a position opened by hand.
    if (unbooked > 0n)
      o.log(
        `close-out ${left.runId}: the exchange's ${f.reason} ${f.side} ${toText(unbooked)} ${f.symbol} is more than the run held; not booked`,
      );
    if (command === null) return;
    try {
      await handlers.account(accountId, command, { ...meta(f.time), correlationId: forcedCorrelationId(f) });
    } catch (err) {
      if (!(err instanceof LedgerRuleError)) throw err;
      problems.push(`${f.reason} ${f.side} ${command.quantity} ${f.symbol}: ${err.message}`);
      return;
    }
    booked.add(`${orderId} ${f.tradeId}`);
    if (f.reason === 'liquidation') {
      const l = liquidated.get(f.symbol);
      const notional = mul(fixed(command.quantity), fixed(f.price));
      if (l?.orderId === orderId) l.notional += notional;
      else liquidated.set(f.symbol, { orderId, notional });
    }
    o.log(
      `close-out ${left.runId}: the exchange closed ${command.quantity} ${f.symbol} itself (${f.reason} at ${f.price}) ${when}; booked`,
    );
  };

  /**
   * For each position the run's ledger holds, the exchange's closing trades since the position last
   * changed (bookOneForced); then the clearance fee of each liquidation among them (bookClearance).
   */
  const bookForced = async (forcedFills: NonNullable<CloseOutOptions['forcedFills']>): Promise<void> => {
    const events = await o.store.readStream(accountStream);
    /** The liquidation orders listed, by the ledger's order id: their first trade and all they closed. */
    const liquidations = new Map<string, { symbol: string; time: number; closed: Fixed }>();
    for (const p of (await handlers.accounts.load(accountStream)).state.positions.values()) {
      if (p.qty === 0n) continue;
      const changed = events.findLast(
        (e) => e.type === 'FillSettled' && (e.data as { symbol: string }).symbol === p.symbol,
      );
      // A trade since the position last changed closed this run's position. The exchange lists closing
      // orders by when they were placed, so the listing starts a minute earlier and the trades are cut here.
      const since = changed === undefined ? 0 : Date.parse(changed.metadata.occurredAt);
      let found: readonly ForcedFill[];
      try {
        found = (await forcedFills(p.symbol, Math.max(0, since - 60_000))).filter((f) => f.time >= since);
      } catch (err) {
        problems.push(`${p.symbol}: the exchange's closing orders could not be listed: ${String(err)}`);
        continue;
      }
      for (const f of found) {
        if (f.reason === 'liquidation') {
          const l = liquidations.get(forcedOrderId(f));
          if (l === undefined)
            liquidations.set(forcedOrderId(f), { symbol: f.symbol, time: f.time, closed: fixed(f.quantity) });
          else l.closed += fixed(f.quantity);
        }
        await bookOneForced(f, 'while no process followed the run');
      }
    }
    if (o.clearanceFees !== undefined && liquidations.size > 0)
      await bookClearance(o.clearanceFees, liquidations);
  };

  /**
   * The clearance fee of each liquidation made while no process followed the run. The exchange's record is
   * the account's, for the whole order: the run is charged its share, in proportion to what the order
   * closed of the run's position (what the ledger booked) against all it closed, to 8 places down. A
   * record is matched to the liquidation nearest in time, within a minute; one already booked (an earlier
   * close-out) is not booked again.
   */
  const bookClearance = async (
    clearanceFees: NonNullable<CloseOutOptions['clearanceFees']>,
    liquidations: ReadonlyMap<string, { symbol: string; time: number; closed: Fixed }>,
  ): Promise<void> => {
    const events = await o.store.readStream(accountStream);
    const listed = new Map<string, readonly ClearanceCharge[]>();
    for (const [orderId, l] of liquidations) {
      if (events.some((e) => e.type === 'FeeCharged' && isClearanceOf(e.data, orderId))) continue;
      let booked = 0n;
      let notional = 0n;
      for (const e of events) {
        const d = e.data as { forced?: string; orderId: string; quantity: string; price: string };
        if (e.type !== 'FillSettled' || d.forced !== 'liquidation' || d.orderId !== orderId) continue;
        booked += fixed(d.quantity);
        notional += mul(fixed(d.quantity), fixed(d.price));
      }
      if (booked === 0n) continue;
      let records = listed.get(l.symbol);
      if (records === undefined) {
        try {
          records = await clearanceFees(l.symbol, l.time - 60_000);
        } catch (err) {
          problems.push(`${l.symbol}: the exchange's clearance fees could not be listed: ${String(err)}`);
          continue;
        }
        listed.set(l.symbol, records);
      }
      const near = records
        .filter((r) => Math.abs(r.time - l.time) <= 60_000)
        .sort((a, b) => Math.abs(a.time - l.time) - Math.abs(b.time - l.time))[0];
      if (near === undefined) continue;
      const share =
        booked === l.closed
          ? fixed(near.amount)
          : roundTo((fixed(near.amount) * booked) / l.closed, 8, 'down');
      const refused = await chargeClearance(l.symbol, orderId, notional, toText(share), near.time);
      if (refused !== null) {
        problems.push(`the clearance fee ${near.amount} on ${l.symbol}: ${refused}`);
        continue;
      }
      o.log(
        `close-out ${left.runId}: the exchange's liquidation clearance fee on ${l.symbol}, ${toText(share)} ${near.asset} of ${near.amount} (this run's share of the liquidation), taken while no process followed the run; booked`,
      );
    }
  };

  /**
   * Funding the exchange charged on what the run held while no process followed it, booked as charged
   * before anything else (the ledger still holds the position it was charged on). A record is the account's,
   * on its net position: the real runs' positions in the symbol at that settlement, as their ledgers say
   * (`positionsAt`; without it, this run's alone). It is booked when it is exactly what that net pays at the
   * settlement's mark and rate (to one unit of the last place), and then this run gets its share, split by
   * signed positions as the shared account splits live funding (`proRata`, the runs in the order of their
   * streams, so each run's close-out computes the same split). A record that is not (a position opened by
   * hand) is logged, not booked.
   */
  const bookFundingWhileDown = async (
    charged: NonNullable<CloseOutOptions['fundingCharged']>,
  ): Promise<void> => {
    const events = await o.store.readStream(accountStream);
    const state = (await handlers.accounts.load(accountStream)).state;
    for (const p of state.positions.values()) {
      if (p.qty === 0n) continue;
      const first = events.find(
        (e) => e.type === 'FillSettled' && (e.data as { symbol: string }).symbol === p.symbol,
      );
      const booked = state.lastFundingTime.get(p.symbol);
      const since = Math.max(
        booked === undefined ? 0 : booked + 1,
        first === undefined ? 0 : Date.parse(first.metadata.occurredAt),
      );
      let found: readonly FundingCharge[];
      try {
        found = await charged(p.symbol, since);
      } catch (err) {
        problems.push(`${p.symbol}: the exchange's funding records could not be listed: ${String(err)}`);
        continue;
      }
      for (const f of found) {
        const own = positionAt(events, p.symbol, f.time);
        if (own === 0n) continue; // the run held none of the symbol at that settlement
        const what = `close-out ${left.runId}: the exchange's funding ${f.amount} ${f.asset} on ${p.symbol} at ${new Date(f.time).toISOString()}`;
        let holders: ReadonlyMap<string, Fixed>;
        try {
          holders = (await o.positionsAt?.(p.symbol, f.time)) ?? new Map([[accountStream, own]]);
        } catch (err) {
          problems.push(`${what}: the real runs' positions then could not be read: ${String(err)}`);
          break;
        }
        const streams = [...new Set([...holders.keys(), accountStream])].sort();
        const weights = streams.map((s) => (s === accountStream ? own : (holders.get(s) ?? 0n)));
        const net = weights.reduce((sum, w) => sum + w, 0n);
        const ours =
          f.rate !== null &&
          f.markPrice !== null &&
          f.asset === o.instrument(p.symbol).marginAsset &&
          net !== 0n &&
          isChargeFor(fixed(f.amount), net, fixed(f.markPrice), fixed(f.rate), o.rules);
        if (!ours) {
          o.log(
            `${what} is not what the real runs' ${toText(net)} then pays${f.markPrice === null ? ' (the exchange gives no mark for it)' : ''}: not booked`,
          );
          continue;
        }
        const share = proRata(fixed(f.amount), weights, o.rules.moneyDecimals)[
          streams.indexOf(accountStream)
        ]!;
        const refused = await applyCharged(p.symbol, f.time, f.rate!, f.markPrice!, toText(share));
        if (refused !== null) {
          problems.push(`${what}: ${refused}`);
          break;
        }
        o.log(
          `${what}, charged while no process followed the run; booked${streams.length > 1 ? ` this run's share, ${toText(share)}` : ''}`,
        );
      }
    }
  };

  /** Books what the exchange reports until every followed order has ended, or the time is up. */
  const settle = async (): Promise<void> => {
    while (following.size > 0 && o.clock.now() < deadline) {
      for (const r of o.venue.poll(now())) await book(r);
      await refreshHolding();
      if (following.size > 0) await o.clock.sleep(o.pollMs ?? 200);
    }
    for (const r of o.venue.poll(now())) await book(r);
    await refreshHolding();
  };

  const stillWorking = () => [...following.keys()].map((id) => `${left.runId} has order ${id} working`);
  try {
    // 0. Funding charged on what the run held while no process followed it.
    if (o.fundingCharged !== undefined) await bookFundingWhileDown(o.fundingCharged);

    // 1–2. The orders the log shows working: what the exchange did with them, then cancel what still works.
    for (const id of left.workingOrders) {
      const { state } = await handlers.orders.load(runOrderStream(accountId, id));
      if (state.request === null || isFinalOrder(state)) continue;
      try {
        o.venue.adopt(
          state.request,
          {
            accepted: state.status !== 'requested',
            triggered: state.triggered,
            filled: toText(state.filled),
            tradeIds: [...state.tradeIds],
          },
          now(),
        );
      } catch (err) {
        // An earlier attempt on this lane already follows it (its cancel had not landed in time): ask again.
        if (!(err instanceof RangeError)) throw err;
      }
      try {
        o.venue.cancel(id, now());
      } catch (err) {
        // Another run of this process follows it: that run's engine books it, not this close-out.
        if (!(err instanceof RangeError)) throw err;
        problems.push(`${id}: ${err.message}`);
        continue;
      }
      following.set(id, o.instrument(state.request.symbol).marginAsset);
    }
    await settle();

    // 2½. What the exchange closed by itself while no process watched (a liquidation, an ADL): booked as the
    // exchange made it, or step 3 would try to close what the exchange no longer holds.
    if (o.forcedFills !== undefined) {
      await bookForced(o.forcedFills);
      await refreshHolding();
    }

    // 3. What the run's ledger still holds: closed, or left to the run that carries it on.
    const account = (await handlers.accounts.load(accountStreamId(o.rules.venue, accountId))).state;
    if (carry) {
      const held: HeldPosition[] = [];
      for (const p of account.positions.values())
        if (p.qty !== 0n)
          held.push({
            symbol: p.symbol,
            quantity: toText(p.qty),
            cost: toText(p.cost),
            marginType: p.marginType,
          });
      return { left: [...problems, ...stillWorking()], held, liquidated: [...liquidated.keys()] };
    }
    let k = 0;
    for (const p of account.positions.values()) {
      if (p.qty === 0n) continue;
      // Unique across attempts (one that timed out may be followed by another), and short: Binance takes 36.
      const clientOrderId = `${left.runId}-c${now().toString(36)}${++k}`;
      const placed = await handlers.placeOrder(
        {
          orderId: clientOrderId,
          clientOrderId,
          accountId,
          venue: o.rules.venue,
          strategyId: left.strategyId,
          symbol: p.symbol,
          side: p.qty > 0n ? 'SELL' : 'BUY',
          positionSide: p.side,
          type: 'MARKET',
          quantity: toText(p.qty > 0n ? p.qty : -p.qty),
          reduceOnly: p.side === 'BOTH',
        },
        meta(now()),
      );
      const requested = placed.events[0];
      if (requested?.type !== 'OrderRequested') continue;
      o.venue.submit(requested.data as OrderRequestedData, now());
      following.set(clientOrderId, o.instrument(p.symbol).marginAsset);
      o.log(`close-out ${left.runId}: closing ${p.symbol} ${toText(p.qty)} at market`);
    }
    await settle();

    // What is left, as the ledger now holds it.
    const after = (await handlers.accounts.load(accountStreamId(o.rules.venue, accountId))).state;
    const out = [...problems];
    for (const p of after.positions.values())
      if (p.qty !== 0n) out.push(`${left.runId} holds ${p.symbol} ${p.qty > 0n ? 'long' : 'short'}`);
    out.push(...stillWorking());
    return { left: out, held: [], liquidated: [...liquidated.keys()] };
  } finally {
    // The lane no longer speaks for the run.
    follow?.([], () => 0n);
  }
};
