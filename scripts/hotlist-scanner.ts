import type { HotlistHandlers } from '../commands/hotlist/handlers.js';
import type { HotlistScannedData } from '../domain/hotlist/events.js';
import type { HotlistSource } from '../domain/hotlist/source.js';
import type { PaperClock } from '../replay/engine/paper.js';

export interface HotlistScannerOptions {
  readonly handlers: HotlistHandlers;
  readonly source: HotlistSource;
  /**
   * The universe each scan ranks: fixed, or asked afresh at each scan (a live market's most traded
   * perpetuals move from day to day).
   */
  readonly symbols: readonly string[] | (() => Promise<readonly string[]>);
  /** The market clock the runs follow (null before they start): scans look at the market as of it. */
  readonly marketNow: () => number | null;
  readonly clock: PaperClock;
  /** Market time between scans, on its grid (the design scans hourly). */
  readonly everyMs?: number;
  /**
   * Wall time between scans at least. A replay at 3600× crosses a market hour every second; a scan per
   * second would flood the log, and a person could never approve on the latest ranking.
   */
  readonly minWallMs?: number;
  readonly log: (m: string) => void;
  /** Called with each scan as recorded (the volatility trigger reads it); a failure is logged. */
  readonly onScan?: (scan: HotlistScannedData) => Promise<void>;
}

/**
 * The hotlist's scheduler (automation 10): a scan at each market hour of the runs' clock, no more often
 * than `minWallMs` of wall time, starting at once. A failed scan is logged and tried again at the next
 * turn; it never stops the node.
 */
export class HotlistScanner {
  private readonly every: number;
  private readonly minWall: number;
  private lastWall = Number.NEGATIVE_INFINITY;
  scans = 0;
  failures = 0;

  constructor(private readonly o: HotlistScannerOptions) {
    this.every = o.everyMs ?? 3_600_000;
    this.minWall = o.minWallMs ?? 300_000;
  }

  async run(signal: AbortSignal): Promise<void> {
    // Where the log's scans end; read again after a failure, so a store that was briefly away stops nothing.
    let lastAt: number | null = null;
    while (!signal.aborted) {
      if (lastAt === null) {
        try {
          lastAt = (await this.o.handlers.state()).latest?.at ?? Number.NEGATIVE_INFINITY;
        } catch (err) {
          this.failures++;
          this.o.log(
            `hotlist: cannot read the scans so far: ${err instanceof Error ? err.message : String(err)}`,
          );
          await this.o.clock.sleep(1_000, signal);
          continue;
        }
      }
      const now = this.o.marketNow();
      const wall = this.o.clock.now();
      if (now !== null && wall - this.lastWall >= this.minWall) {
        const at = Math.floor(now / this.every) * this.every;
        if (at > lastAt) {
          this.lastWall = wall;
          try {
            const symbols = typeof this.o.symbols === 'function' ? await this.o.symbols() : this.o.symbols;
            const d = await this.o.handlers.scan(this.o.source, symbols, at);
            lastAt = at;
            this.scans++;
            const scanned = d.events[0]?.type === 'HotlistScanned' ? d.events[0].data : null;
            if (scanned && this.o.onScan)
              await this.o
                .onScan(scanned)
                .catch((err: unknown) =>
                  this.o.log(
                    `hotlist: after scan ${d.scanId}: ${err instanceof Error ? err.message : String(err)}`,
                  ),
                );
            const top = scanned?.candidates[0];
            this.o.log(
              `hotlist ${d.scanId} at ${new Date(at).toISOString()}: ${scanned?.candidates.length ?? 0} ranked` +
                (top
                  ? `, top ${top.symbol} ${top.score.toFixed(2)}${top.labels.length ? ` [${top.labels.map((l) => l.code).join(', ')}]` : ''}`
                  : '') +
                (scanned?.skipped.length ? `, ${scanned.skipped.length} skipped` : ''),
            );
          } catch (err) {
            this.failures++;
            this.o.log(
              `hotlist scan at ${new Date(at).toISOString()} failed: ${err instanceof Error ? err.message : String(err)}`,
            );
          }
        }
      }
      await this.o.clock.sleep(1_000, signal);
    }
  }
}
