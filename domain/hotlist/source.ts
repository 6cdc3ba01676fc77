import type { HotlistInput, Skipped } from './scan.js';

/**
 * The hotlist's market-data port: bars and funding of the symbols asked, at market time `at`.
 * adapters/marketdata/hotlist-inputs.ts implements it on the recorded files and on a venue's live feed.
 */
export interface HotlistSource {
  /** Recorded in each scan: `recorded`, or the venue of a live feed. */
  readonly source: string;
  inputs(symbols: readonly string[], at: number): Promise<{ inputs: HotlistInput[]; skipped: Skipped[] }>;
}
