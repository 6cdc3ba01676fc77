import type { Liquidity } from '../../domain/ledger/events.js';
import type { ForcedCloseReason, VenueReport } from '../../domain/ledger/venue-port.js';

interface ObservationBase {
  /** Our clientOrderId as the venue echoes it; null when the message does not carry it (a trade list). */
  readonly clientOrderId: string | null;
  /** The venue's id of the order the message is about. */
  readonly venueOrderId: string | null;
  /** The venue's transaction time, epoch ms. */
  readonly time: number;
}

/**
 * What one venue message or reply says about one order, in terms no venue owns. A venue's mapping turns
 * its REST replies and stream events into these; OrderTrack turns them into reports, once each. Several
 * sources repeat each other (a REST reply and the stream both say an order is open; a lookup after a
 * reconnect repeats fills already reported), so every observation is safe to see twice.
 */
export type Observation =
  /** The venue holds the order. */
  | (ObservationBase & { readonly kind: 'ack' })
  /** A conditional order's trigger fired and it now works in the book as `childOrderId`. */
  | (ObservationBase & {
      readonly kind: 'trigger';
      readonly triggerPrice: string;
      readonly childOrderId: string | null;
    })
  | (ObservationBase & {
      readonly kind: 'trade';
      readonly tradeId: string;
      readonly price: string;
      readonly quantity: string;
      readonly liquidity: Liquidity;
      /** What the exchange took, as the ledger signs it: below zero a maker's rebate, paid to the account. */
      readonly fee: { readonly amount: string; readonly asset: string } | null;
      /** The order's filled total after this trade, when the message says it. */
      readonly cumFilled: string | null;
    })
  /** A snapshot's filled total: more than the trades seen so far means trades were missed. */
  | (ObservationBase & { readonly kind: 'filled-so-far'; readonly cumFilled: string })
  /**
   * A trade of an order the exchange placed itself (a liquidation, an ADL, a delisting settlement): it is
   * about a position, not about one of our orders, and carries what the ledger needs to book it.
   */
  | (ObservationBase & {
      readonly kind: 'forced';
      readonly reason: ForcedCloseReason;
      readonly clientOrderId: string;
      readonly venueOrderId: string;
      readonly symbol: string;
      readonly side: 'BUY' | 'SELL';
      readonly tradeId: string;
      readonly price: string;
      readonly quantity: string;
      readonly fee: { readonly amount: string; readonly asset: string } | null;
    })
  /**
   * Funding the exchange charged (−) or paid (+) the account on a symbol's position at a funding time (the
   * observation's time): its own income record, `incomeId` unique per record.
   */
  | (ObservationBase & {
      readonly kind: 'funding';
      readonly symbol: string;
      readonly amount: string;
      readonly asset: string;
      readonly incomeId: string;
    })
  /**
   * The exchange's liquidation clearance fee (Binance's INSURANCE_CLEAR income record): what it took for
   * the insurance fund when it liquidated a position of `symbol`; `amount` signed as the income (paid −).
   */
  | (ObservationBase & {
      readonly kind: 'clearance-fee';
      readonly symbol: string;
      readonly amount: string;
      readonly asset: string;
      readonly incomeId: string;
    })
  /**
   * The stream says funding or a clearance fee moved the balance, without saying on which symbol
   * (Binance's brief ACCOUNT_UPDATE for a cross position): the income records are to be fetched.
   */
  | (ObservationBase & { readonly kind: 'income-posted'; readonly income: IncomeKind })
  | (ObservationBase & {
      readonly kind: 'end';
      readonly end: 'cancelled' | 'expired' | 'rejected';
      readonly reason: string;
      /** A refusal by the instrument's listed rules (VenueCallError's `listing`). */
      readonly listing?: boolean;
      /** Refused on arrival by its own terms (VenueCallError's `unmetTerms`). */
      readonly unmetTerms?: boolean;
      /** The filled total the order ended with: the end waits until that much has been reported. */
      readonly cumFilled: string;
    });

/** The kinds of income record a venue reports: funding, and a liquidation's clearance fee. */
export type IncomeKind = 'funding' | 'clearance-fee';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A report before it is received: the inbox stamps `receivedAt` as it buffers it. */
export type ReportDraft = DistributiveOmit<VenueReport, 'receivedAt'>;
