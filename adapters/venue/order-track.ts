import { isConditional } from '../../domain/ledger/events.js';
import { type Fixed, fixed, toText } from '../../domain/ledger/fixed.js';
import type { BookedSoFar, VenueOrder } from '../../domain/ledger/venue-port.js';
import type { Observation, ReportDraft } from './observation.js';

type End = Extract<Observation, { kind: 'end' }>;

/**
 * One order as the trader has been told about it so far. Observations arrive from REST replies, lookups
 * and the user stream, in any mix and with repeats; this turns them into the reports the ledger can book:
 * each fact once, and in an order the order decider accepts (accepted, then triggered, then fills, then
 * the end). A fill that outruns its acceptance (the stream's NEW was lost) brings the acceptance with it; an
 * end whose filled total is ahead of the fills reported waits until the missing trades are in, because
 * the ledger refuses a fill on an order it has closed. State only moves forward, so a stale snapshot that
 * lands after a newer message changes nothing.
 */
export class OrderTrack {
  readonly quantity: Fixed;
  readonly conditional: boolean;
  accepted = false;
  triggered = false;
  /** Ended or fully filled: nothing more will be reported. */
  done = false;
  filled: Fixed = 0n;
  /** The most the venue has said is filled; above `filled` means trades are still to be reported. */
  venueFilled: Fixed = 0n;
  /** The venue's id for the order (for a conditional order, the algo order's). */
  venueOrderId: string | null = null;
  /** The id of the order that carries the fills (a conditional order's child in the book). */
  fillsOrderId: string | null = null;
  /** placing: no answer yet; unknown: the call failed without a verdict and is being settled; answered. */
  submit: 'placing' | 'unknown' | 'answered' = 'placing';
  private readonly tradeIds = new Set<string>();
  private parkedEnd: End | null = null;
  /** Trades that arrived ahead of an earlier one not yet reported, by the filled total before them. */
  private readonly parkedTrades = new Map<string, Extract<Observation, { kind: 'trade' }>>();

  constructor(readonly order: VenueOrder) {
    this.quantity = fixed(order.quantity);
    this.conditional = isConditional(order.type);
  }

  get clientOrderId(): string {
    return this.order.clientOrderId;
  }

  /**
   * An order an earlier process placed, as far as the ledger booked it: what the venue says from here on
   * is reported only where it is new.
   */
  seed(booked: BookedSoFar): void {
    this.accepted = booked.accepted;
    this.triggered = booked.triggered;
    this.filled = fixed(booked.filled);
    this.venueFilled = this.filled;
    for (const id of booked.tradeIds) this.tradeIds.add(id);
    this.submit = 'answered';
  }

  /** Fills the venue has counted that no trade reported yet (they need fetching if the stream lost them). */
  get missingFills(): boolean {
    return !this.done && this.venueFilled > this.filled;
  }

  apply(o: Observation): ReportDraft[] {
    // The exchange's own closing orders and its funding are about a position, not this order:
    // CcxtVenue.route takes them.
    if (
      o.kind === 'forced' ||
      o.kind === 'funding' ||
      o.kind === 'clearance-fee' ||
      o.kind === 'income-posted'
    )
      return [];
    this.learnIds(o);
    switch (o.kind) {
      case 'ack':
        return this.done ? [] : this.ensureAccepted(o);
      case 'trigger':
        if (this.done || this.triggered) return [];
        return [...this.ensureAccepted(o), ...this.markTriggered(o.time, o.triggerPrice)];
      case 'filled-so-far':
        this.seeFilled(o.cumFilled);
        return [];
      case 'trade':
        return this.trade(o);
      case 'end':
        return this.end(o);
    }
  }

  private learnIds(o: Observation): void {
    if (o.kind === 'trigger' && o.childOrderId !== null) this.fillsOrderId = o.childOrderId;
    if (o.venueOrderId === null) return;
    if (this.venueOrderId === null) this.venueOrderId = o.venueOrderId;
    if (!this.conditional) this.fillsOrderId ??= o.venueOrderId;
    else if (o.kind === 'trade') this.fillsOrderId = o.venueOrderId;
  }

  private seeFilled(cum: string | null): void {
    if (cum === null) return;
    const v = fixed(cum);
    if (v > this.venueFilled) this.venueFilled = v;
  }

  private ensureAccepted(o: Observation): ReportDraft[] {
    if (this.accepted) return [];
    this.accepted = true;
    return [
      {
        kind: 'accepted',
        clientOrderId: this.clientOrderId,
        time: o.time,
        venueOrderId: this.venueOrderId ?? o.venueOrderId ?? this.clientOrderId,
      },
    ];
  }

  private markTriggered(time: number, triggerPrice: string): ReportDraft[] {
    this.triggered = true;
    return [
      { kind: 'triggered', clientOrderId: this.clientOrderId, time, triggerPrice: canonical(triggerPrice) },
    ];
  }

  private trade(o: Extract<Observation, { kind: 'trade' }>): ReportDraft[] {
    if (this.tradeIds.has(o.tradeId) || this.done) return [];
    const qty = fixed(o.quantity);
    if (o.cumFilled !== null) {
      // The stream says how much was filled with this trade: if that leaves more before it than has been
      // reported, an earlier trade is missing (its message was lost or unreadable). This one waits for it,
      // so the fills reach the ledger in the exchange's order; the gap is fetched like any missing fill.
      const before = fixed(o.cumFilled) - qty;
      if (before > this.filled) {
        this.seeFilled(o.cumFilled);
        this.parkedTrades.set(toText(before), o);
        return [];
      }
    }
    const out = this.report(o, qty);
    // The trades it was holding up, in order.
    for (let next = this.parkedTrades.get(toText(this.filled)); next !== undefined && !this.done; ) {
      this.parkedTrades.delete(toText(this.filled));
      if (!this.tradeIds.has(next.tradeId)) out.push(...this.report(next, fixed(next.quantity)));
      next = this.parkedTrades.get(toText(this.filled));
    }
    if (!this.done && this.parkedEnd !== null) out.push(...this.end(this.parkedEnd));
    return out;
  }

  private report(o: Extract<Observation, { kind: 'trade' }>, qty: Fixed): ReportDraft[] {
    const out = this.ensureAccepted(o);
    // A conditional order only fills once triggered; a fill proves the trigger even if its event was lost.
    if (this.conditional && !this.triggered) out.push(...this.markTriggered(o.time, this.order.stopPrice!));
    this.tradeIds.add(o.tradeId);
    this.filled += qty;
    this.seeFilled(o.cumFilled);
    if (this.filled > this.venueFilled) this.venueFilled = this.filled;
    out.push({
      kind: 'fill',
      clientOrderId: this.clientOrderId,
      time: o.time,
      tradeId: o.tradeId,
      price: canonical(o.price),
      quantity: toText(qty),
      liquidity: o.liquidity,
      remaining: toText(this.quantity - this.filled),
      ...(o.fee === null ? {} : { fee: { amount: canonical(o.fee.amount), asset: o.fee.asset } }),
    });
    if (this.filled >= this.quantity) this.done = true;
    return out;
  }

  private end(o: End): ReportDraft[] {
    if (this.done) return [];
    this.seeFilled(o.cumFilled);
    if (fixed(o.cumFilled) > this.filled) {
      this.parkedEnd = o;
      return [];
    }
    this.parkedEnd = null;
    this.done = true;
    const base = { clientOrderId: this.clientOrderId, time: o.time };
    if (o.end === 'rejected' && !this.accepted)
      return [
        {
          ...base,
          kind: 'rejected',
          reason: o.reason,
          ...(o.listing ? { listing: true } : {}),
          ...(o.unmetTerms ? { unmetTerms: true } : {}),
        },
      ];
    const out = this.ensureAccepted(o);
    if (o.end === 'cancelled') out.push({ ...base, kind: 'cancelled', reason: o.reason });
    // A venue that refuses an order it had accepted (a conditional order failing its margin check when it
    // fires) ended it by its own rules: for the ledger that is an expiry, not a rejection.
    else if (o.end === 'rejected')
      out.push({ ...base, kind: 'expired', reason: `refused after acceptance: ${o.reason}` });
    else out.push({ ...base, kind: 'expired', reason: o.reason });
    return out;
  }
}

/**
 * Venues pad decimals to the symbol's precision ("100000.10"); the ledger's text has no trailing zeros.
 * The sign is kept: a fee below zero is a maker's rebate, and a negative price is the ledger's to refuse.
 */
const canonical = (text: string): string => toText(fixed(text));
