import { fixed, toText } from '../../domain/ledger/fixed.js';
import type {
  AdoptingVenue,
  BookedSoFar,
  ClearanceCharge,
  FundingCharge,
  FundingReportingVenue,
  VenueForcedFill,
  VenueOrder,
  VenueReport,
} from '../../domain/ledger/venue-port.js';
import { type InstrumentBook, instrumentBook } from '../instruments/binance-files.js';
import { ExpiringSet } from './expiring-map.js';
import type { IncomeKind, Observation } from './observation.js';
import { OrderTrack } from './order-track.js';
import { ReportInbox, type VenueClock } from './report-inbox.js';
import {
  type CallContext,
  type FundingSettlement,
  openCall,
  type StreamHandlers,
  type SymbolSetting,
  VenueCallError,
  type VenueSession,
} from './venue-session.js';

export interface CcxtVenueOptions {
  /** The exchange account (binance/usdm-session.ts for Binance USDⓈ-M). */
  readonly session: VenueSession;
  /** Stamps `receivedAt`. */
  readonly clock: VenueClock;
  /**
   * How long a reply may show fills the stream has not delivered before they are fetched over REST. The
   * stream normally delivers them within milliseconds; the fetch is for a stream that lost them.
   */
  readonly fillGraceMs?: number;
  /** Pause between lookups of an order whose submit got no verdict. */
  readonly lookupRetryMs?: number;
  /**
   * Added to a request's expiry before "the venue has no such order" is taken as final, for the skew
   * between the clock requests are signed with and the exchange's.
   */
  readonly expiryMarginMs?: number;
  /** Pause before income records (funding, clearance fees) are listed again after a listing failed. */
  readonly incomeRetryMs?: number;
  /**
   * How long the ids of an order that ended are kept (default a day; let go by twice that): a message
   * about it later than that is counted as not ours.
   */
  readonly endedOrderTtlMs?: number;
  /** Called whenever a report is received: a live engine polls on it. */
  readonly onReport?: () => void;
  /**
   * Each order placed or cancelled: its round trip and how the venue answered (design §14, a slow
   * venue). `unknown`: no verdict came (a timeout, a dropped connection).
   */
  readonly onCall?: (sample: VenueCallSample) => void;
  /** The user stream (the account's reports) came up or went down. */
  readonly onStream?: (state: 'up' | 'down', detail: string) => void;
  readonly log?: (line: string) => void;
}

export interface VenueCallSample {
  readonly call: 'place' | 'cancel';
  readonly ms: number;
  readonly outcome: 'answered' | 'refused' | 'unknown';
}

const DAY_MS = 86_400_000;

/** The settlement nearest `time`, within a minute of it: how an income record finds its rate and mark. */
const nearestSettlement = (
  settlements: readonly FundingSettlement[],
  time: number,
): FundingSettlement | null => {
  let best: FundingSettlement | null = null;
  for (const s of settlements)
    if (
      Math.abs(s.time - time) <= 60_000 &&
      (best === null || Math.abs(s.time - time) < Math.abs(best.time - time))
    )
      best = s;
  return best;
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const asCallError = (e: unknown): VenueCallError =>
  e instanceof VenueCallError
    ? e
    : new VenueCallError('unknown', `no verdict (unexpected: ${(e as Error)?.message ?? String(e)})`, {
        cause: e,
      });

/**
 * A live exchange behind the Venue port, through ccxt (one VenueSession per exchange account).
 *
 * `submit` and `cancel` return at once; the REST call runs behind them, one at a time per order (so a
 * cancel follows its order's submit), and what comes back, from the reply or from the user stream, is
 * buffered as reports that `poll` hands out in arrival order. An OrderTrack per order makes every fact a
 * report once however many sources repeat it.
 *
 * What a call without a verdict means is never guessed. A submit that timed out, lost its connection or
 * got an unreadable reply may have placed the order: it is looked up by clientOrderId until the venue
 * shows it, or until the request's recvWindow has passed (after which the exchange can no longer execute
 * it) and the venue still has no such order; only then is it reported rejected.
 *
 * Each time the user stream (re)connects, or brings a message that cannot be read, every open order is
 * fetched by clientOrderId, with its trades when the venue counts fills the trader has not been told
 * about, and what was missed is reported before any message the stream brings meanwhile (those wait until
 * the catch-up is done).
 */
export class CcxtVenue implements AdoptingVenue, FundingReportingVenue {
  private readonly session: VenueSession;
  private readonly inbox: ReportInbox;
  private readonly fillGraceMs: number;
  private readonly lookupRetryMs: number;
  private readonly expiryMarginMs: number;
  private readonly log: (line: string) => void;
  private readonly onCall: ((sample: VenueCallSample) => void) | undefined;
  /** By clientOrderId, in submission order. */
  private readonly tracks = new Map<string, OrderTrack>();
  private readonly byVenueId = new Map<string, OrderTrack>();
  /** By our client id as the venue spells it, where that differs (VenueSession.wireId). */
  private readonly byWireId = new Map<string, OrderTrack>();
  /** The tail of each order's call queue. */
  private readonly queues = new Map<string, Promise<void>>();
  private readonly busy = new Set<Promise<void>>();
  private readonly graceTimers = new Map<string, NodeJS.Timeout>();
  /** Stream messages waiting for a catch-up to finish; null when none is running. */
  private held: (readonly Observation[])[] | null = null;
  private catchUpAgain = false;
  /**
   * Orders that ended, by clientOrderId and by the venue's ids, once nothing more can come of them: their
   * tracks are let go and a late repeat of a message about one is recognised and dropped. Their ids are
   * kept for a day or two, not for ever: a node trading for months would otherwise hold every id it ever
   * used. Messages come within seconds of what they report; a day later one is not a repeat to expect.
   */
  private readonly finished: ExpiringSet;
  private readonly finishedVenueIds: ExpiringSet;
  /** Orders a catch-up skipped because their submit was still being settled (see place). */
  private readonly passedOver = new Set<string>();
  private now = Number.NEGATIVE_INFINITY;
  private closed = false;
  /** Stream messages about orders this venue did not place (placed by hand, or by an earlier process). */
  unmatched = 0;
  /** The exchange's closing trades reported, by order and trade id: a repeated message is reported once. */
  private readonly forcedSeen = new Set<string>();
  /**
   * Whether the exchange's funding records are reported (VenueFunding): a run on this venue then books
   * funding as the exchange charged it.
   */
  readonly reportsFunding: boolean;
  /**
   * The income records (funding, clearance fees) reported, by the exchange's id; each kind is listed from
   * the last record of it reported, one listing at a time.
   */
  private readonly incomeSeen = new Set<string>();
  private readonly listings: Record<IncomeKind, IncomeListing>;
  private readonly incomeRetryMs: number;

  private constructor(opts: CcxtVenueOptions) {
    this.session = opts.session;
    this.inbox = new ReportInbox(opts.clock, opts.onReport);
    this.fillGraceMs = opts.fillGraceMs ?? 2000;
    this.lookupRetryMs = opts.lookupRetryMs ?? 500;
    this.expiryMarginMs = opts.expiryMarginMs ?? 1000;
    this.log = opts.log ?? (() => {});
    this.onCall = opts.onCall;
    this.reportsFunding = opts.session.incomeSince !== undefined;
    // Income before this venue opened belongs to whatever ran then (a close-out's business).
    const opened = opts.session.now();
    const listing = (): IncomeListing => ({
      cursor: opened,
      running: null,
      again: false,
      retry: null,
      failures: 0,
    });
    this.listings = { funding: listing(), 'clearance-fee': listing() };
    this.incomeRetryMs = opts.incomeRetryMs ?? 5_000;
    this.finished = new ExpiringSet(opts.endedOrderTtlMs ?? DAY_MS);
    this.finishedVenueIds = new ExpiringSet(opts.endedOrderTtlMs ?? DAY_MS);
  }

  /** Loads the venue's markets and waits until the user stream is connected. */
  static async open(opts: CcxtVenueOptions): Promise<CcxtVenue> {
    const v = new CcxtVenue(opts);
    const handlers: StreamHandlers = {
      connected: () => {
        opts.onStream?.('up', `${v.session.name}: user stream connected`);
        v.catchUpSoon();
      },
      message: (obs) => v.streamMessage(obs),
      gap: (reason) => {
        v.log(`${v.session.name}: ${reason}; fetching the open orders`);
        v.catchUpSoon();
      },
      disconnected: (e) => {
        const why = `${v.session.name}: user stream down: ${(e as Error)?.message ?? String(e)}`;
        v.log(why);
        opts.onStream?.('down', why);
      },
    };
    await opts.session.start(handlers);
    return v;
  }

  // --- the port -----------------------------------------------------------------------------------

  submit(order: VenueOrder, at: number): void {
    this.checkCall(at);
    if (this.tracks.has(order.clientOrderId) || this.finished.has(order.clientOrderId))
      throw new RangeError(`clientOrderId ${order.clientOrderId} was already submitted`);
    if (!this.session.trades(order.symbol))
      throw new RangeError(`${this.session.name} does not trade ${order.symbol}`);
    const track = new OrderTrack(order);
    this.follow(track);
    this.enqueue(track, () => this.place(track));
  }

  /**
   * Follows an order an earlier process placed (AdoptingVenue): it is looked up by clientOrderId, and what
   * the venue holds beyond `booked` is reported. One the venue does not know ends: expired when it had been
   * accepted, rejected when not (the venue forgets unfilled orders that ended long ago, too).
   */
  adopt(order: VenueOrder, booked: BookedSoFar, at: number): void {
    this.checkCall(at);
    if (this.tracks.has(order.clientOrderId) || this.finished.has(order.clientOrderId))
      throw new RangeError(`clientOrderId ${order.clientOrderId} is already followed`);
    if (!this.session.trades(order.symbol))
      throw new RangeError(`${this.session.name} does not trade ${order.symbol}`);
    const track = new OrderTrack(order);
    track.seed(booked);
    this.follow(track);
    this.enqueue(track, async () => {
      try {
        if (!(await this.refresh(track)))
          this.apply(track, [
            {
              clientOrderId: track.clientOrderId,
              venueOrderId: null,
              time: this.session.now(),
              kind: 'end',
              end: track.accepted ? 'expired' : 'rejected',
              reason: `${this.session.name} has no order ${track.clientOrderId} any more`,
              cumFilled: toText(track.filled),
            },
          ]);
      } catch (e) {
        this.log(`${track.clientOrderId}: lookup of an adopted order failed: ${asCallError(e).reason}`);
        this.recheckLater(track, true);
      }
    });
  }

  cancel(clientOrderId: string, at: number): void {
    this.checkCall(at);
    const track = this.tracks.get(clientOrderId);
    if (track === undefined) {
      this.inbox.push({
        kind: 'cancel-rejected',
        clientOrderId,
        time: this.session.now(),
        reason: this.finished.has(clientOrderId)
          ? 'the order has ended'
          : 'unknown order: never submitted through this venue',
      });
      return;
    }
    this.enqueue(track, () => this.cancelNow(track));
  }

  poll(t: number): readonly VenueReport[] {
    this.checkTime(t);
    return this.inbox.take(t);
  }

  /** A live venue cannot know when the exchange will speak: the engine polls on its own clock. */
  nextEventAt(): number {
    return Number.POSITIVE_INFINITY;
  }

  /**
   * The account's open positions as the exchange holds them (symbol → signed quantity): what the ledger's
   * positions are reconciled against (scripts/account-check.ts). Throws VenueCallError.
   */
  positions(): Promise<ReadonlyMap<string, string>> {
    return this.tracked(() => this.session.positions());
  }

  /**
   * The instruments as the exchange lists them now, as a book (a symbol it does not list is refused by
   * rule, as the recorded book refuses it): every one, or at least `symbols` (VenueSession.instruments).
   * Throws VenueCallError when the listing fails or cannot be read.
   */
  async instrumentBook(symbols?: readonly string[]): Promise<InstrumentBook> {
    if (this.session.instruments === undefined)
      throw new VenueCallError('unknown', `${this.session.name} cannot list its instruments`);
    const list = this.session.instruments.bind(this.session);
    return instrumentBook(await this.tracked(() => list(symbols)));
  }

  /**
   * The account's wallet balance in `asset`, canonical decimal text. Throws VenueCallError when the
   * exchange cannot be asked or its answer read.
   */
  async walletBalance(asset: string): Promise<string> {
    if (this.session.walletBalance === undefined)
      throw new VenueCallError('unknown', `${this.session.name} cannot say its wallet balance`);
    const read = this.session.walletBalance.bind(this.session);
    return canonical(await this.tracked(() => read(asset)));
  }

  /**
   * The account's own commission rates on each symbol (canonical decimal text), for the runs' ledgers to
   * charge and price fees by (SetFeeRates). Throws VenueCallError when the exchange cannot be asked or its
   * answer read.
   */
  async commissionRates(
    symbols: readonly string[],
  ): Promise<ReadonlyMap<string, { readonly maker: string; readonly taker: string }>> {
    if (this.session.commissionRates === undefined)
      throw new VenueCallError('unknown', `${this.session.name} cannot list its commission rates`);
    const read = this.session.commissionRates.bind(this.session);
    const out = new Map<string, { maker: string; taker: string }>();
    for (const symbol of symbols) {
      const r = await this.tracked(() => read(symbol));
      out.set(symbol, { maker: canonical(r.maker), taker: canonical(r.taker) });
    }
    return out;
  }

  /**
   * Makes the account trade the symbols as the runs' ledgers book them: one-way position mode (refused, not
   * changed, when the account is in hedge mode: a person chose it, and may hold positions in it) and each
   * symbol's margin type and leverage. Throws VenueCallError, naming what the exchange refused.
   */
  async configure(symbols: ReadonlyMap<string, SymbolSetting>): Promise<void> {
    const s = this.session;
    if (s.positionMode === undefined || s.configureSymbol === undefined)
      throw new VenueCallError('unknown', `${s.name} cannot set leverage and margin type`);
    const mode = s.positionMode.bind(s);
    const set = s.configureSymbol.bind(s);
    if ((await this.tracked(mode)) === 'hedge')
      throw new VenueCallError(
        'refused',
        `the ${s.name} account is in hedge mode (a long and a short per symbol); the ledger trades one-way: switch the account to one-way mode`,
      );
    // In Multi-Assets mode the exchange margins and liquidates on the whole wallet's collateral, not the
    // USDT the ledger books: its margin ratio and liquidation prices would not be the ledger's.
    if (s.assetMode !== undefined && (await this.tracked(s.assetMode.bind(s))) === 'multi')
      throw new VenueCallError(
        'refused',
        `the ${s.name} account is in Multi-Assets mode (every asset margins every position); the ledger books USDT-margined positions on their own: switch the account to single-asset mode`,
      );
    for (const [symbol, setting] of symbols) {
      try {
        await this.tracked(() => set(symbol, setting));
      } catch (e) {
        const err = asCallError(e);
        throw new VenueCallError(
          err.outcome,
          `${symbol} ${setting.marginType} ${setting.leverage}x: ${err.reason}`,
          {
            cause: e,
          },
        );
      }
    }
  }

  /** Orders followed and not ended (or ended with a call or recheck still due): what it holds per order. */
  get following(): number {
    return this.tracks.size;
  }

  /** Ended orders whose ids are still kept (see `endedOrderTtlMs`). */
  get endedHeld(): number {
    return this.finished.size;
  }

  /** Reports received so far, handed out by `poll` or still waiting. */
  get received(): number {
    return this.inbox.received;
  }

  /**
   * Resolves once no call is running or queued, no catch-up is in progress and no recheck is scheduled
   * (a lookup that failed is retried after the grace: until then the venue is not done).
   */
  async idle(): Promise<void> {
    while (!this.quiet) {
      await Promise.allSettled([...this.busy]);
      if (!this.quiet) await sleep(5);
    }
  }

  /** True when no call is running or queued, no catch-up is in progress and no recheck is scheduled: idle() now. */
  get quiet(): boolean {
    return (
      this.busy.size === 0 &&
      this.held === null &&
      this.graceTimers.size === 0 &&
      Object.values(this.listings).every((l) => l.running === null && l.retry === null)
    );
  }

  /** Stops the stream and waits for the calls already running; reports received stay pollable. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.graceTimers.values()) clearTimeout(t);
    this.graceTimers.clear();
    for (const l of Object.values(this.listings)) {
      if (l.retry !== null) clearTimeout(l.retry);
      l.retry = null;
    }
    await Promise.allSettled([...this.busy]);
    await this.session.close();
  }

  // --- calls --------------------------------------------------------------------------------------

  /**
   * A call about the account rather than an order (its instruments, wallet, positions, settings), counted
   * as in flight while it runs: `quiet` and `idle` mean no call to the exchange at all.
   */
  private tracked<T>(call: () => Promise<T>): Promise<T> {
    const run = call();
    const done = run.then(
      () => {},
      () => {},
    );
    this.busy.add(done);
    void done.finally(() => this.busy.delete(done));
    return run;
  }

  private enqueue(track: OrderTrack, call: () => Promise<void>): void {
    const id = track.clientOrderId;
    const run = (this.queues.get(id) ?? Promise.resolve())
      .then(() => (this.closed ? undefined : call()))
      .catch((e: unknown) => this.log(`${id}: ${(e as Error)?.message ?? String(e)}`));
    this.queues.set(id, run);
    this.busy.add(run);
    void run.finally(() => {
      this.busy.delete(run);
      if (this.queues.get(id) === run) {
        this.queues.delete(id);
        this.retire(track);
      }
    });
  }

  private async place(track: OrderTrack): Promise<void> {
    // Whether the order's state as the venue holds it is known once the call is done.
    let settled = true;
    const sent = performance.now();
    let call: CallContext | null = null;
    try {
      const obs = await openCall((c) => {
        call = c;
        return this.session.place(track.order);
      });
      this.timed('place', sent, call, 'answered');
      this.apply(track, obs);
    } catch (e) {
      const err = asCallError(e);
      // Held back or answered 429 for the rate limits: what that says of the venue is the gate's to report.
      if (!err.extra.throttled)
        this.timed('place', sent, call, err.outcome === 'refused' ? 'refused' : 'unknown');
      if (err.outcome === 'refused') this.apply(track, [this.rejection(track, err.reason, err.extra)]);
      else {
        track.submit = 'unknown';
        this.log(`${track.clientOrderId}: submit ${err.reason}; looking the order up`);
        // When the stream showed the order first (NEW, maybe a fill), no lookup was needed to know it
        // exists, and the stream may have dropped in the middle of its fills.
        settled = await this.settleUnknownSubmit(track, err.extra.expiresAt ?? this.session.now());
      }
    }
    // A catch-up that ran while this call was out left the order to it: the reply, or the stream before
    // a drop, may be older than what the venue did meanwhile. The order's state is fetched, and again if
    // a catch-up passes it over during that fetch.
    const id = track.clientOrderId;
    while (!this.closed && !track.done && (!settled || this.passedOver.has(id))) {
      this.passedOver.delete(id);
      settled = true;
      try {
        await this.refresh(track);
      } catch (e) {
        this.log(`${id}: lookup failed: ${asCallError(e).reason}`);
        this.recheckLater(track, true);
        break;
      }
    }
    this.passedOver.delete(id);
    track.submit = 'answered';
  }

  /**
   * Looks the order up until the venue shows it (or the stream does), or until a lookup that started after
   * the request expired still finds nothing: only then can the order no longer appear. True when it ended
   * on a lookup (the order's state and trades are then as the venue holds them), false when the stream
   * showed the order first.
   */
  private async settleUnknownSubmit(track: OrderTrack, expiresAt: number): Promise<boolean> {
    const final = expiresAt + this.expiryMarginMs;
    while (!this.closed && !track.accepted && !track.done) {
      const startedAt = this.session.now();
      try {
        const obs = await this.session.lookup(track.order);
        if (obs !== null) {
          this.apply(track, obs);
          await this.fetchMissingFills(track);
          return true;
        }
        if (startedAt > final) {
          this.apply(track, [
            this.rejection(
              track,
              `not placed: the submit got no verdict and the venue has no order ${track.clientOrderId} after the request expired`,
            ),
          ]);
          return true;
        }
      } catch (e) {
        this.log(`${track.clientOrderId}: lookup failed: ${asCallError(e).reason}`);
      }
      await sleep(Math.max(1, Math.min(this.lookupRetryMs, final - this.session.now() + 1)));
    }
    return false;
  }

  /**
   * The round trip of a call that moves money, for the latency watch (wall time: it measures the network),
   * without any wait for the exchange's rate budget: that says nothing of the venue's speed.
   */
  private timed(
    call: VenueCallSample['call'],
    sent: number,
    context: CallContext | null,
    outcome: VenueCallSample['outcome'],
  ): void {
    const ms = performance.now() - sent - (context?.waitedMs ?? 0);
    this.onCall?.({ call, ms: Math.max(0, ms), outcome });
  }

  private async cancelNow(track: OrderTrack): Promise<void> {
    const sent = performance.now();
    let call: CallContext | null = null;
    try {
      const obs = await openCall((c) => {
        call = c;
        return this.session.cancel(track.order);
      });
      this.timed('cancel', sent, call, 'answered');
      this.apply(track, obs);
    } catch (e) {
      const err = asCallError(e);
      if (!err.extra.throttled)
        this.timed('cancel', sent, call, err.outcome === 'refused' ? 'refused' : 'unknown');
      if (err.outcome === 'refused') {
        this.cancelRejected(track, err.reason);
        return;
      }
      // The cancel may or may not have landed: the order's state says which.
      try {
        const obs = await this.session.lookup(track.order);
        if (obs !== null) this.apply(track, obs);
        await this.fetchMissingFills(track);
      } catch (e2) {
        this.log(`${track.clientOrderId}: lookup after cancel failed: ${asCallError(e2).reason}`);
      }
      if (!track.done)
        this.cancelRejected(track, `cancel ${err.reason}; the order is still open at the venue`);
    }
  }

  /**
   * The order's state by clientOrderId, then the trades behind any fills not reported yet. False when the
   * venue does not know the order.
   */
  private async refresh(track: OrderTrack): Promise<boolean> {
    const obs = await this.session.lookup(track.order);
    if (obs !== null) this.apply(track, obs);
    await this.fetchMissingFills(track);
    return obs !== null;
  }

  private async fetchMissingFills(track: OrderTrack): Promise<void> {
    if (!track.missingFills || track.fillsOrderId === null) return;
    this.apply(track, await this.session.fills(track.order, track.fillsOrderId));
  }

  /** An error reply carries no exchange time; the session's clock (the one requests are signed with) stands in. */
  private rejection(
    track: OrderTrack,
    reason: string,
    why: { readonly listing?: boolean; readonly unmetTerms?: boolean } = {},
  ): Observation {
    return {
      clientOrderId: track.clientOrderId,
      venueOrderId: null,
      time: this.session.now(),
      kind: 'end',
      end: 'rejected',
      reason,
      cumFilled: '0',
      ...(why.listing ? { listing: true } : {}),
      ...(why.unmetTerms ? { unmetTerms: true } : {}),
    };
  }

  private cancelRejected(track: OrderTrack, reason: string): void {
    this.inbox.push({
      kind: 'cancel-rejected',
      clientOrderId: track.clientOrderId,
      time: this.session.now(),
      reason,
    });
  }

  /** The venue's spelling of our client id (VenueSession.wireId). */
  private wire(clientOrderId: string): string {
    return this.session.wireId?.(clientOrderId) ?? clientOrderId;
  }

  private follow(track: OrderTrack): void {
    const id = track.clientOrderId;
    this.tracks.set(id, track);
    const wire = this.wire(id);
    if (wire !== id) this.byWireId.set(wire, track);
  }

  // --- observations -------------------------------------------------------------------------------

  private apply(track: OrderTrack, observations: readonly Observation[]): void {
    for (const o of observations) for (const r of track.apply(o)) this.inbox.push(r);
    if (track.venueOrderId !== null) this.byVenueId.set(track.venueOrderId, track);
    if (track.fillsOrderId !== null) this.byVenueId.set(track.fillsOrderId, track);
    this.recheckLater(track);
    this.retire(track);
  }

  /** Lets an ended order's track go once no call on it is queued and no recheck is due. */
  private retire(track: OrderTrack): void {
    const id = track.clientOrderId;
    if (!track.done || this.queues.has(id) || this.graceTimers.has(id) || this.tracks.get(id) !== track)
      return;
    this.tracks.delete(id);
    this.passedOver.delete(id);
    const now = this.session.now();
    this.finished.add(id, now);
    const wire = this.wire(id);
    if (wire !== id) {
      if (this.byWireId.get(wire) === track) this.byWireId.delete(wire);
      this.finished.add(wire, now);
    }
    for (const venueId of [track.venueOrderId, track.fillsOrderId]) {
      if (venueId === null) continue;
      if (this.byVenueId.get(venueId) === track) this.byVenueId.delete(venueId);
      this.finishedVenueIds.add(venueId, now);
    }
  }

  /**
   * Fills a reply counted but the stream has not delivered are fetched if they are still missing after the
   * grace; with `always` (a lookup failed, so nobody knows what was missed) the order is fetched regardless.
   */
  private recheckLater(track: OrderTrack, always = false): void {
    const id = track.clientOrderId;
    if ((!always && !track.missingFills) || this.graceTimers.has(id) || this.closed) return;
    const timer = setTimeout(() => {
      this.graceTimers.delete(id);
      if (!always && !track.missingFills) {
        this.retire(track);
        return;
      }
      this.enqueue(track, () =>
        this.refresh(track).then(
          () => {},
          (e: unknown) => {
            this.log(`${id}: lookup failed: ${asCallError(e).reason}`);
            this.recheckLater(track, true);
          },
        ),
      );
    }, this.fillGraceMs);
    this.graceTimers.set(id, timer);
  }

  private streamMessage(observations: readonly Observation[]): void {
    if (this.held !== null) {
      this.held.push(observations);
      return;
    }
    this.route(observations);
  }

  private route(observations: readonly Observation[]): void {
    for (const o of observations) {
      if (o.kind === 'forced') {
        this.forced(o);
        continue;
      }
      if (o.kind === 'income-posted') {
        this.listIncomeSoon(o.income);
        continue;
      }
      if (o.kind === 'funding' || o.kind === 'clearance-fee') {
        this.income(o);
        continue;
      }
      const track =
        (o.clientOrderId === null
          ? undefined
          : (this.tracks.get(o.clientOrderId) ?? this.byWireId.get(o.clientOrderId))) ??
        (o.venueOrderId === null ? undefined : this.byVenueId.get(o.venueOrderId));
      if (track === undefined) {
        // A late repeat about an order that ended is nothing new; anything else is not ours.
        const ended =
          (o.clientOrderId !== null && this.finished.has(o.clientOrderId)) ||
          (o.venueOrderId !== null && this.finishedVenueIds.has(o.venueOrderId));
        if (!ended) this.unmatched++;
        continue;
      }
      this.apply(track, [o]);
    }
  }

  /** A trade of the exchange's own closing order: reported once, for the runs to book by symbol. */
  private forced(o: ForcedObservation): void {
    const draft = this.forcedDraft(o);
    if (draft !== null) this.inbox.push(draft);
  }

  /**
   * The exchange's closing trades on `symbol` since `since` that this venue has not reported yet, oldest
   * first: what a process that was down missed (a close-out books them into the run that held the
   * position). They are not queued as reports: the runs now trading the account did not hold that position.
   */
  async forcedFillsSince(symbol: string, since: number): Promise<readonly ForcedDraft[]> {
    if (this.session.forcedFills === undefined) return [];
    const found = await this.session.forcedFills(symbol, since);
    return found.flatMap((o) => {
      if (o.kind !== 'forced') return [];
      const draft = this.forcedDraft(o);
      return draft === null ? [] : [draft];
    });
  }

  /** An income record (funding, a clearance fee): reported once. */
  private income(o: IncomeObservation): void {
    if (this.incomeSeen.has(o.incomeId)) return;
    this.incomeSeen.add(o.incomeId);
    const listing = this.listings[o.kind];
    if (o.time > listing.cursor) listing.cursor = o.time;
    const { time, symbol, asset, incomeId } = o;
    if (o.kind === 'funding') {
      this.inbox.push({
        kind: 'funding',
        clientOrderId: `funding:${incomeId}`,
        time,
        symbol,
        amount: canonical(o.amount),
        asset,
        incomeId,
      });
      return;
    }
    // Binance lists the fee as income, so negative: the report says what was taken.
    const taken = -fixed(o.amount);
    this.log(
      `${this.session.name}: liquidation clearance fee ${toText(taken)} ${asset} on ${symbol} (record ${incomeId})`,
    );
    this.inbox.push({
      kind: 'clearance-fee',
      clientOrderId: `clearance:${incomeId}`,
      time,
      symbol,
      amount: toText(taken),
      asset,
      incomeId,
    });
  }

  /**
   * Lists the income records of a kind since the last one reported (the stream said the balance moved for
   * it, or came back after a gap in which it may have). One listing per kind at a time; a request
   * meanwhile runs another after it. A listing that fails is tried again after `incomeRetryMs`.
   */
  private listIncomeSoon(kind: IncomeKind): void {
    const list = this.session.incomeSince?.bind(this.session);
    if (list === undefined || this.closed) return;
    const l = this.listings[kind];
    if (l.running !== null) {
      l.again = true;
      return;
    }
    if (l.retry !== null) {
      clearTimeout(l.retry);
      l.retry = null;
    }
    const run = async () => {
      do {
        l.again = false;
        try {
          for (const o of await list(kind, l.cursor))
            if (o.kind === 'funding' || o.kind === 'clearance-fee') this.income(o);
          l.failures = 0;
        } catch (e) {
          // Doubling from incomeRetryMs up to five minutes: an endpoint that keeps failing is tried, and
          // logged, a few times an hour rather than every few seconds.
          const wait = Math.min(this.incomeRetryMs * 2 ** l.failures++, 300_000);
          this.log(
            `${this.session.name}: listing ${kind} records failed: ${asCallError(e).reason}; trying again in ${wait} ms`,
          );
          if (!this.closed)
            l.retry = setTimeout(() => {
              l.retry = null;
              this.listIncomeSoon(kind);
            }, wait);
          return;
        }
      } while (l.again && !this.closed);
    };
    l.running = run().finally(() => {
      l.running = null;
    });
  }

  /**
   * Funding the exchange charged on `symbol` since `since` that this venue has not reported, oldest first,
   * each with the rate and mark of its settlement (the nearest within a minute of it in the exchange's
   * funding history, null without one): what a close-out books for a run the node was down for. Not
   * queued as reports: the runs now trading did not hold that position then.
   */
  async fundingChargedSince(symbol: string, since: number): Promise<readonly FundingCharge[]> {
    if (this.session.incomeSince === undefined) return [];
    const found = (await this.session.incomeSince('funding', since)).flatMap((o) =>
      o.kind === 'funding' && o.symbol === symbol && !this.incomeSeen.has(o.incomeId) ? [o] : [],
    );
    if (found.length === 0) return [];
    const settlements =
      this.session.fundingSettlements === undefined
        ? []
        : await this.session.fundingSettlements(
            symbol,
            found[0]!.time - 60_000,
            found[found.length - 1]!.time + 60_000,
          );
    return found.map((o) => {
      const best = nearestSettlement(settlements, o.time);
      return {
        symbol,
        time: o.time,
        amount: canonical(o.amount),
        asset: o.asset,
        incomeId: o.incomeId,
        rate: best === null ? null : canonical(best.rate),
        markPrice: best?.markPrice == null ? null : canonical(best.markPrice),
      };
    });
  }

  /**
   * The rate and mark price of the symbol's funding settlement at `time` (within a minute: the income record
   * and the settlement are stamped apart), or null when the exchange lists none or cannot list them.
   */
  async fundingSettlementAt(symbol: string, time: number): Promise<FundingSettlement | null> {
    if (this.session.fundingSettlements === undefined) return null;
    return nearestSettlement(
      await this.session.fundingSettlements(symbol, time - 60_000, time + 60_000),
      time,
    );
  }

  /**
   * The clearance fees the exchange took on `symbol` since `since` that this venue has not reported, oldest
   * first, each as what was taken: what a close-out books against a liquidation made while the node was
   * down. Not queued as reports.
   */
  async clearanceFeesSince(symbol: string, since: number): Promise<readonly ClearanceCharge[]> {
    if (this.session.incomeSince === undefined) return [];
    return (await this.session.incomeSince('clearance-fee', since)).flatMap((o) =>
      o.kind === 'clearance-fee' && o.symbol === symbol && !this.incomeSeen.has(o.incomeId)
        ? [{ symbol, time: o.time, amount: toText(-fixed(o.amount)), asset: o.asset, incomeId: o.incomeId }]
        : [],
    );
  }

  /** The report of a closing trade, or null when it was reported already. */
  private forcedDraft(o: ForcedObservation): ForcedDraft | null {
    const key = `${o.venueOrderId}:${o.tradeId}`;
    if (this.forcedSeen.has(key)) return null;
    this.forcedSeen.add(key);
    this.log(
      `${this.session.name}: ${o.reason} ${o.side} ${canonical(o.quantity)} ${o.symbol} at ${canonical(o.price)} (order ${o.venueOrderId}, trade ${o.tradeId})`,
    );
    const { kind, reason, clientOrderId, venueOrderId, time, symbol, side, tradeId } = o;
    // Binance pads decimals to the symbol's precision ("95000.00"); reports carry canonical text.
    return {
      kind,
      reason,
      clientOrderId,
      venueOrderId,
      time,
      symbol,
      side,
      tradeId,
      price: canonical(o.price),
      quantity: canonical(o.quantity),
      ...(o.fee === null ? {} : { fee: { amount: canonical(o.fee.amount), asset: o.fee.asset } }),
    };
  }

  private catchUpSoon(): void {
    if (this.closed) return;
    if (this.held !== null) {
      this.catchUpAgain = true;
      return;
    }
    this.held = [];
    void this.catchUp();
  }

  /**
   * Fetches every open order whose submit was answered (one still waiting for its answer is settled by its
   * own call) and reports what the stream missed; then releases the messages held meanwhile, in order.
   */
  private async catchUp(): Promise<void> {
    do {
      this.catchUpAgain = false;
      for (const track of [...this.tracks.values()]) {
        if (this.closed) break;
        if (track.done) continue;
        if (track.submit !== 'answered') {
          // Its submit is still being settled: that call fetches the order once it has (see place).
          this.passedOver.add(track.clientOrderId);
          continue;
        }
        try {
          await this.refresh(track);
        } catch (e) {
          this.log(`${track.clientOrderId}: catch-up lookup failed: ${asCallError(e).reason}`);
          this.recheckLater(track, true);
        }
      }
    } while (this.catchUpAgain && !this.closed);
    // Funding or a clearance fee charged while the stream was away said so only on the stream.
    this.listIncomeSoon('funding');
    this.listIncomeSoon('clearance-fee');
    const held = this.held ?? [];
    this.held = null;
    for (const m of held) this.route(m);
  }

  private checkCall(at: number): void {
    if (this.closed) throw new Error(`${this.session.name} venue is closed`);
    this.checkTime(at);
  }

  private checkTime(t: number): void {
    if (t < this.now) throw new RangeError(`time ${t} is before the venue's last call at ${this.now}`);
    this.now = t;
  }
}

const canonical = (d: string): string => toText(fixed(d));

type ForcedObservation = Extract<Observation, { kind: 'forced' }>;
type IncomeObservation = Extract<Observation, { kind: 'funding' | 'clearance-fee' }>;

/** One kind of income record as the venue lists it: from where, and whether a listing runs or waits. */
interface IncomeListing {
  cursor: number;
  running: Promise<void> | null;
  again: boolean;
  retry: NodeJS.Timeout | null;
  /** Listings failed in a row: the next retry waits twice as long as the last. */
  failures: number;
}
/** A forced-fill report before the inbox stamps when it arrived. */
export type ForcedDraft = Omit<VenueForcedFill, 'receivedAt'>;
