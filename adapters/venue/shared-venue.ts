import { type Fixed, fixed, min, roundTo, toText } from '../../domain/ledger/fixed.js';
import { proRata } from '../../domain/ledger/shares.js';
import {
  type AdoptingVenue,
  type BookedSoFar,
  type FundingReportingVenue,
  type HoldingVenue,
  reportsFunding,
  type Venue,
  type VenueClearanceFee,
  type VenueForcedFill,
  type VenueFunding,
  type VenueOrder,
  type VenueReport,
} from '../../domain/ledger/venue-port.js';
import { ExpiringMap } from './expiring-map.js';

/**
 * One exchange account, many runs: each run trades through its own lane, and gets back the reports on
 * its own orders only, in the order they arrived. The account's venue (CcxtVenue) has one user stream and
 * one report queue for the whole account; a run polling it directly would take, and lose, its neighbours'
 * reports.
 *
 * The account's venue wants its calls in time order; the lanes' clocks each run forward but not in step,
 * so every call to it is stamped with the latest time any lane has used.
 */
export interface SharedVenueOptions {
  /**
   * How long an ended order's run is remembered (default a day; forgotten by twice that): a report on
   * it later than that is unrouted.
   */
  readonly endedOrderTtlMs?: number;
}

/** Whether a report is the last the venue makes about its order (a cancel of it may still be answered). */
const endsOrder = (r: VenueReport): boolean =>
  r.kind === 'rejected' ||
  r.kind === 'cancelled' ||
  r.kind === 'expired' ||
  (r.kind === 'fill' && fixed(r.remaining) === 0n);

export class SharedVenue {
  /** The run of each order still working. */
  private readonly owner = new Map<string, Lane>();
  /**
   * The run of each order that ended, for a while: a node trading for months would otherwise hold one
   * entry per order it ever placed. A late answer (a cancel that crossed the order's end) still finds its run.
   */
  private readonly endedOwner: ExpiringMap<Lane>;
  /** In the order they were opened: a forced fill is shared out in this order. */
  private readonly lanes: Lane[] = [];
  private last = Number.NEGATIVE_INFINITY;
  /** Reports on orders no lane placed (placed by hand, or by an earlier process). */
  unrouted = 0;
  /** Forced-fill quantity no run held (a position opened by hand, or one no run follows any more). */
  readonly forcedUnrouted: string[] = [];
  /** Funding the exchange charged on a symbol no run held when the record came. */
  readonly fundingUnrouted: string[] = [];
  /** Clearance fees of a liquidation no run here took a share of. */
  readonly clearanceUnrouted: string[] = [];
  /** By symbol, the exchange's last liquidation order and the share of it each run took: what its fee follows. */
  private readonly liquidated = new Map<string, { venueOrderId: string; shares: Map<Lane, Fixed> }>();

  constructor(
    private readonly account: Venue,
    private readonly log: (line: string) => void = () => {},
    opts: SharedVenueOptions = {},
  ) {
    this.endedOwner = new ExpiringMap(opts.endedOrderTtlMs ?? 86_400_000);
  }

  /** Orders whose run is remembered: those working, and those that ended within the last day or two. */
  get ordersHeld(): number {
    return this.owner.size + this.endedOwner.size;
  }

  private ownerOf(clientOrderId: string): Lane | undefined {
    return this.owner.get(clientOrderId) ?? this.endedOwner.get(clientOrderId);
  }

  /** Whether the account's venue reports the funding the exchange charged. */
  get reportsFunding(): boolean {
    return reportsFunding(this.account);
  }

  /** A new lane: a Venue for one run. */
  lane(): AdoptingVenue & HoldingVenue & FundingReportingVenue {
    const lane = new Lane(this);
    this.lanes.push(lane);
    return lane;
  }

  /** @internal */
  adopt(lane: Lane, order: VenueOrder, booked: BookedSoFar, at: number): void {
    if (this.ownerOf(order.clientOrderId) !== undefined)
      throw new RangeError(`clientOrderId ${order.clientOrderId} is already followed`);
    const account = this.account as Partial<AdoptingVenue>;
    if (account.adopt === undefined) throw new RangeError('this account cannot follow orders placed earlier');
    account.adopt.call(this.account, order, booked, this.time(at));
    this.owner.set(order.clientOrderId, lane);
  }

  /** @internal */
  submit(lane: Lane, order: VenueOrder, at: number): void {
    if (this.ownerOf(order.clientOrderId) !== undefined)
      throw new RangeError(`clientOrderId ${order.clientOrderId} was already submitted`);
    const sent = this.asSent(lane, order);
    if (sent !== order)
      this.log(
        `${order.clientOrderId}: sent without reduce-only: it closes ${order.quantity} ${order.symbol} of its run's position, and the other runs' opposite holdings leave the account's net position smaller than that`,
      );
    this.account.submit(sent, this.time(at));
    this.owner.set(order.clientOrderId, lane);
  }

  /**
   * One-way mode nets the runs' positions into one per symbol, and the exchange judges reduce-only against
   * that net position: it fills such an order only up to it and refuses one where there is none (Binance,
   * FAQ 360039707291). A run closing its long of 0.010 while another run holds a short of 0.006 would have
   * its close cut to 0.004, its ledger left holding what the account no longer has, and every later
   * reduce-only close refused. So a market or limit order that closes the run's own position goes without
   * the flag when the runs' holdings summed cannot take it: on the account it then does what it does in
   * the run's ledger, and the account still equals the sum of the runs. Conditional orders (the backstops)
   * keep the flag: one that fires after its position is gone must not open another.
   */
  private asSent(lane: Lane, order: VenueOrder): VenueOrder {
    if (!order.reduceOnly || (order.type !== 'MARKET' && order.type !== 'LIMIT')) return order;
    const qty = fixed(order.quantity);
    // What an order on this side can take off a position: a long's size for a sell, a short's for a buy.
    const room = (pos: Fixed): Fixed => (order.side === 'SELL' ? pos : -pos);
    let net = 0n;
    for (const l of this.lanes) net += l.holding(order.symbol);
    if (room(net) >= qty || room(lane.holding(order.symbol)) < qty) return order;
    return { ...order, reduceOnly: false };
  }

  /** @internal */
  cancel(lane: Lane, clientOrderId: string, at: number): void {
    if (this.ownerOf(clientOrderId) !== lane)
      throw new RangeError(`clientOrderId ${clientOrderId} is not an order of this lane`);
    this.account.cancel(clientOrderId, this.time(at));
  }

  /** @internal Hands every lane what the account received by `t`. */
  collect(t: number): void {
    for (const r of this.account.poll(this.time(t))) {
      if (r.kind === 'forced') {
        this.shareOut(r);
        continue;
      }
      if (r.kind === 'funding') {
        this.shareFunding(r);
        continue;
      }
      if (r.kind === 'clearance-fee') {
        this.shareClearance(r);
        continue;
      }
      const lane = this.ownerOf(r.clientOrderId);
      if (lane === undefined) {
        this.unrouted++;
        continue;
      }
      lane.inbox.push(r);
      if (endsOrder(r) && this.owner.delete(r.clientOrderId))
        this.endedOwner.set(r.clientOrderId, lane, this.last);
    }
  }

  /**
   * The exchange closed `quantity` of the account's net position: in one-way mode that is the sum of the
   * runs' positions, so the fill goes to the runs holding the side it closes, each at most what it holds,
   * in the order the runs were opened (in a liquidation every such position closes whole, so the order
   * rarely matters; in a partial ADL the first runs give up theirs first). Each gets its share as its own
   * fill, at the exchange's price and trade id, with the fee shared pro rata. What no run held is left
   * unrouted: the account check then finds the difference.
   */
  private shareOut(r: VenueForcedFill): void {
    const total = fixed(r.quantity);
    const sign = r.side === 'SELL' ? 1n : -1n;
    let left = total;
    const shares: { lane: Lane; qty: Fixed }[] = [];
    for (const lane of this.lanes) {
      if (left === 0n) break;
      const open = sign * lane.holding(r.symbol);
      if (open <= 0n) continue;
      const qty = min(open, left);
      shares.push({ lane, qty });
      left -= qty;
    }
    if (left > 0n) {
      const what = `${r.reason} ${r.side} ${toText(left)} ${r.symbol} (trade ${r.tradeId})`;
      this.forcedUnrouted.push(what);
      this.log(
        `the exchange's own closing order: ${what} is more than the runs held; the account check will see it`,
      );
    }
    const fee = r.fee;
    // The fee of what no run held stays with the unrouted remainder.
    let feeLeft =
      fee === undefined
        ? 0n
        : left === 0n
          ? fixed(fee.amount)
          : roundTo((fixed(fee.amount) * (total - left)) / total, 8, 'floor');
    shares.forEach(({ lane, qty }, i) => {
      let share: VenueForcedFill = { ...r, quantity: toText(qty) };
      if (fee !== undefined) {
        // Pro rata, down to the fee's 8 places; the last share takes the rest, so the shares add up to
        // what the exchange charged, exactly.
        const part =
          i === shares.length - 1 ? feeLeft : roundTo((fixed(fee.amount) * qty) / total, 8, 'floor');
        feeLeft -= part;
        share = { ...share, fee: { amount: toText(part), asset: fee.asset } };
      }
      lane.take(share, sign * qty);
    });
    if (r.reason === 'liquidation' && shares.length > 0) {
      let last = this.liquidated.get(r.symbol);
      if (last?.venueOrderId !== r.venueOrderId) {
        last = { venueOrderId: r.venueOrderId, shares: new Map() };
        this.liquidated.set(r.symbol, last);
      }
      for (const { lane, qty } of shares) last.shares.set(lane, (last.shares.get(lane) ?? 0n) + qty);
    }
  }

  /**
   * The clearance fee of the symbol's last liquidation, shared among the runs whose positions it closed, pro
   * rata to what each gave up, to 8 places down, the last taking the rest (so the shares add up exactly).
   * A fee after no liquidation this process saw is left unrouted and logged.
   */
  private shareClearance(r: VenueClearanceFee): void {
    const last = this.liquidated.get(r.symbol);
    if (last === undefined) {
      const what = `${r.symbol} ${r.amount} ${r.asset} (record ${r.incomeId})`;
      this.clearanceUnrouted.push(what);
      this.log(`the exchange's liquidation clearance fee ${what}: no run here was liquidated on ${r.symbol}`);
      return;
    }
    handOut(r, [...last.shares]);
  }

  /**
   * Funding the exchange charged on the account's net position in a symbol. In one-way mode that position
   * is the sum of the runs' (signed), so each run holding the symbol gets amount × its position ÷ the sum,
   * to 8 places toward zero, the last taking the rest: the shares add up to the exchange's figure exactly.
   * Positions are read when the record arrives, seconds after the funding time; a run whose position
   * changed in between is shared by the new split (the sum still adds up). Funding on a symbol no run
   * holds is left unrouted and logged.
   */
  private shareFunding(r: VenueFunding): void {
    const holders = this.lanes
      .map((lane): [Lane, Fixed] => [lane, lane.holding(r.symbol)])
      .filter(([, q]) => q !== 0n);
    if (holders.reduce((sum, [, q]) => sum + q, 0n) === 0n) {
      const what = `${r.symbol} ${r.amount} ${r.asset} at ${r.time} (record ${r.incomeId})`;
      this.fundingUnrouted.push(what);
      this.log(`funding the exchange charged: ${what}, and no run holds ${r.symbol}`);
      return;
    }
    handOut(r, holders);
  }

  private time(t: number): number {
    if (t > this.last) this.last = t;
    return this.last;
  }
}

/**
 * An account-wide amount (funding, a clearance fee) handed to each lane in proportion to its weight (signed
 * positions, or what a liquidation closed), to 8 places toward zero, the last taking the rest: the parts add
 * up to the exchange's figure exactly.
 */
const handOut = <R extends VenueFunding | VenueClearanceFee>(
  r: R,
  weights: readonly (readonly [Lane, Fixed])[],
): void => {
  const parts = proRata(
    fixed(r.amount),
    weights.map(([, w]) => w),
    8,
  );
  weights.forEach(([lane], i) => {
    lane.inbox.push({ ...r, amount: toText(parts[i]!) });
  });
};

class Lane implements AdoptingVenue, HoldingVenue, FundingReportingVenue {
  /** @internal */
  readonly inbox: VenueReport[] = [];
  private now = Number.NEGATIVE_INFINITY;
  private symbols: ReadonlySet<string> = new Set();
  private held: ((symbol: string) => Fixed) | null = null;
  /** Forced fills waiting in the inbox, signed (a SELL takes from a long), by symbol. */
  private readonly waitingForced = new Map<string, Fixed>();

  constructor(private readonly shared: SharedVenue) {}

  get reportsFunding(): boolean {
    return this.shared.reportsFunding;
  }

  submit(order: VenueOrder, at: number): void {
    this.check(at);
    this.shared.submit(this, order, at);
  }

  cancel(clientOrderId: string, at: number): void {
    this.check(at);
    this.shared.cancel(this, clientOrderId, at);
  }

  adopt(order: VenueOrder, booked: BookedSoFar, at: number): void {
    this.check(at);
    this.shared.adopt(this, order, booked, at);
  }

  follow(symbols: readonly string[], holding: (symbol: string) => Fixed): void {
    this.symbols = new Set(symbols);
    this.held = holding;
  }

  /** @internal What this lane's run holds of `symbol`, counting forced fills it has not handed on yet. */
  holding(symbol: string): Fixed {
    if (this.held === null || !this.symbols.has(symbol)) return 0n;
    return this.held(symbol) - (this.waitingForced.get(symbol) ?? 0n);
  }

  /** @internal A share of a forced fill; `signedClose` is what it takes off the position (+ from a long). */
  take(share: VenueForcedFill, signedClose: Fixed): void {
    this.waitingForced.set(share.symbol, (this.waitingForced.get(share.symbol) ?? 0n) + signedClose);
    this.inbox.push(share);
  }

  poll(t: number): readonly VenueReport[] {
    this.check(t);
    this.shared.collect(t);
    let n = 0;
    while (n < this.inbox.length && this.inbox[n]!.receivedAt <= t) n++;
    if (n === 0) return [];
    const out = this.inbox.splice(0, n);
    for (const r of out) {
      if (r.kind !== 'forced') continue;
      // Handed on: from now on the run's own `holding` counts it until it is booked.
      const signed = r.side === 'SELL' ? fixed(r.quantity) : -fixed(r.quantity);
      this.waitingForced.set(r.symbol, this.waitingForced.get(r.symbol)! - signed);
    }
    return out;
  }

  nextEventAt(): number {
    return Number.POSITIVE_INFINITY;
  }

  private check(t: number): void {
    if (t < this.now) throw new RangeError(`time ${t} is before this lane's last call at ${this.now}`);
    this.now = t;
  }
}
