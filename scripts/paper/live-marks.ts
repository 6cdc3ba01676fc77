import { Subject } from 'rxjs';
import type { MarketTick } from '../../adapters/http/ws.js';
import type { LiveMarkPrices } from '../../domain/market/live-feed.js';
import type { PaperClock } from '../../replay/engine/paper.js';

export type MarkSource = LiveMarkPrices;

/**
 * The venue's mark prices, polled: live runs trade on bar closes, but their open positions are worth what
 * the venue marks them at now, and the API values them so between closes. `version` moves with every new
 * mark, so responses cached against the log's version are not served stale (see start.ts).
 */
export class LiveMarks {
  private readonly marks = new Map<string, { price: number; time: number }>();
  private failing = false;
  version = 0;
  /** Every mark that moved (a new price or a newer time), as it comes: the WebSocket's `market` channel. */
  readonly ticks = new Subject<MarketTick>();

  constructor(
    private readonly source: MarkSource,
    private readonly symbols: readonly string[],
    private readonly opts: {
      readonly everyMs?: number;
      readonly clock: PaperClock;
      readonly log?: (m: string) => void;
    },
  ) {}

  /** The latest mark of a symbol, null before the first answer. */
  get(symbol: string): number | null {
    return this.marks.get(symbol)?.price ?? null;
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const fresh = await this.source.markPrices(this.symbols);
        for (const [symbol, m] of fresh) {
          const old = this.marks.get(symbol);
          this.marks.set(symbol, m);
          if (old?.price !== m.price) this.version++;
          if (old?.price !== m.price || old.time !== m.time)
            this.ticks.next({ symbol, markPrice: m.price, time: m.time });
        }
        if (this.failing) this.opts.log?.('mark prices: the venue answers again');
        this.failing = false;
      } catch (err) {
        // Said once per outage: positions are valued at the runs' last closes meanwhile.
        if (!this.failing)
          this.opts.log?.(
            `mark prices: ${err instanceof Error ? err.message : String(err)}; positions keep their last marks`,
          );
        this.failing = true;
      }
      await this.opts.clock.sleep(this.opts.everyMs ?? 5_000, signal);
    }
  }
}
