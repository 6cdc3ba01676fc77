/**
 * The tick-level simulated venue for one symbol (SimVenue puts it behind the Venue port,
 * domain/ledger/venue-port.ts). An engine builds one per symbol from the loaded feeds
 * (adapters/marketdata/tick-data.ts), merges `nextEventTime()` across venues and its other feeds, calls
 * `advanceTo(t)`, places or cancels orders at its current time, and reads `drainReports()`.
 */
export { SimVenue } from './sim-venue.js';
export type { TickFeeds } from './tick-venue.js';
export { TickVenue } from './tick-venue.js';
export type {
  LimitRequest,
  MarketRequest,
  ReplayCounts,
  StopRequest,
  TickReport,
  TickVenueConfig,
} from './types.js';
