import type { Liquidity, OrderSide } from '../../domain/ledger/events.js';
import type { LatencyConfig } from '../../domain/sim/latency.js';
import type { TickScale } from '../../domain/sim/scale.js';

export interface TickVenueConfig {
  readonly symbol: string;
  readonly scale: TickScale;
  /** Seeds the latency draws; the same data, orders and seed give the same reports. */
  readonly seed: number | string;
  /** Default: no delay anywhere. */
  readonly latency?: LatencyConfig;
  /** λ for the λ·√notional impact added to taker fills (0 = the walked book alone). */
  readonly impactLambda?: number;
}

export interface LimitRequest {
  /** Used as the order id when given; otherwise the venue numbers orders in placement order. */
  readonly clientOrderId?: string;
  readonly side: OrderSide;
  readonly price: number;
  readonly qty: number;
  /** GTC rests the remainder, IOC cancels it, FOK fills completely or not at all. Default GTC. */
  readonly timeInForce?: 'GTC' | 'IOC' | 'FOK';
  /** Rejected instead of taking when it would cross on arrival (Binance GTX). */
  readonly postOnly?: boolean;
}

export interface MarketRequest {
  readonly clientOrderId?: string;
  readonly side: OrderSide;
  readonly qty: number;
}

/** A conditional market order (Binance STOP_MARKET or TAKE_PROFIT_MARKET) watching the last trade price. */
export interface StopRequest {
  readonly clientOrderId?: string;
  readonly side: OrderSide;
  readonly kind: 'stop' | 'take-profit';
  readonly stopPrice: number;
  readonly qty: number;
}

/**
 * What the venue tells the strategy, as plain objects. `time` is when it happened at the venue (the
 * data's clock, epoch ms); `receivedAt` adds the ack latency: when the strategy may know it.
 */
export type TickReport =
  | {
      readonly kind: 'accepted';
      readonly orderId: string;
      readonly time: number;
      readonly receivedAt: number;
    }
  | {
      readonly kind: 'rejected';
      readonly orderId: string;
      readonly time: number;
      readonly receivedAt: number;
      readonly reason: 'book-not-synced' | 'would-take' | 'no-liquidity' | 'would-trigger';
    }
  | {
      readonly kind: 'triggered';
      readonly orderId: string;
      readonly time: number;
      readonly receivedAt: number;
      /** The print that crossed the stop. */
      readonly triggerPrice: number;
    }
  | {
      readonly kind: 'fill';
      readonly orderId: string;
      /** Unique per fill: `<orderId>:<n>`, the ledger's idempotency key for a venue trade. */
      readonly fillId: string;
      readonly time: number;
      readonly receivedAt: number;
      readonly side: OrderSide;
      readonly price: number;
      readonly qty: number;
      readonly liquidity: Liquidity;
      /** The market print that filled a resting order (null for taker fills against the book). */
      readonly tradeId: number | null;
      /** Quantity still open after this fill. */
      readonly leavesQty: number;
    }
  | {
      readonly kind: 'cancelled';
      readonly orderId: string;
      readonly time: number;
      readonly receivedAt: number;
      readonly reason: 'user' | 'ioc-remainder' | 'fok-unfilled' | 'book-thin';
      readonly cancelledQty: number;
    }
  | {
      readonly kind: 'cancel-rejected';
      readonly orderId: string;
      readonly time: number;
      readonly receivedAt: number;
      readonly reason: 'not-open';
    };

/** Counts of what the replay has consumed: the benchmark's denominator. */
export interface ReplayCounts {
  trades: number;
  depthMessages: number;
  depthRows: number;
  droppedMessages: number;
}
