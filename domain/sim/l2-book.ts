import { BookSyncError } from './errors.js';
import { LadderSide } from './ladder-side.js';

export type BookSideName = 'bid' | 'ask';

export type DepthVerdict = 'apply' | 'drop';

/**
 * An L2 order book rebuilt from a REST snapshot plus the diff-depth stream, with Binance's USDⓈ-M sync
 * rule: drop messages whose last id u < snapshot id L; the first applied message must straddle the
 * snapshot (U ≤ L + 1 and u ≥ L); every later message's pu must equal the previous message's u. A break
 * throws rather than resyncing, because a replay that quietly skips a gap would fill orders against levels
 * that never existed.
 *
 * Messages are fed as `beginMessage(U, u, pu)` then one `setLevel` per changed level, so a replay of
 * columnar data allocates nothing per update.
 */
export class L2Book {
  readonly bids = new LadderSide(1);
  readonly asks = new LadderSide(-1);
  private snapshotId = Number.NaN;
  private lastU = Number.NaN;
  private state: 'empty' | 'awaiting-first' | 'synced' = 'empty';

  get synced(): boolean {
    return this.state === 'synced';
  }

  /** The last applied update id (the snapshot's until the first diff applies). */
  get lastUpdateId(): number {
    return this.state === 'synced' ? this.lastU : this.snapshotId;
  }

  /** Clears the book and starts a snapshot; follow with `setLevel` for each snapshot level. */
  resetToSnapshot(lastUpdateId: number): void {
    this.bids.clear();
    this.asks.clear();
    this.snapshotId = lastUpdateId;
    this.lastU = Number.NaN;
    this.state = 'awaiting-first';
  }

  /** Decides whether a diff message applies; throws on a sequence break, naming the ids involved. */
  beginMessage(firstId: number, lastId: number, prevId: number): DepthVerdict {
    if (this.state === 'synced') {
      if (prevId !== this.lastU) {
        throw new BookSyncError(
          'gap',
          `depth gap: update U=${firstId} u=${lastId} has pu=${prevId} but the previous update ended at u=${this.lastU}`,
          firstId,
          lastId,
          prevId,
          this.lastU,
        );
      }
      this.lastU = lastId;
      return 'apply';
    }
    if (this.state === 'empty') {
      throw new BookSyncError(
        'no-snapshot',
        `depth update U=${firstId} u=${lastId} arrived before any snapshot`,
        firstId,
        lastId,
        prevId,
        Number.NaN,
      );
    }
    const L = this.snapshotId;
    if (lastId < L) return 'drop';
    if (firstId > L + 1) {
      throw new BookSyncError(
        'stale-snapshot',
        `depth update U=${firstId} u=${lastId} starts after snapshot lastUpdateId=${L} + 1: updates between are missing`,
        firstId,
        lastId,
        prevId,
        L,
      );
    }
    this.state = 'synced';
    this.lastU = lastId;
    return 'apply';
  }

  /** Sets one level (0 lots deletes it) and returns its previous displayed lots. */
  setLevel(side: BookSideName, ticks: number, lots: number): number {
    return (side === 'bid' ? this.bids : this.asks).set(ticks, lots);
  }

  bestBid(): number {
    return this.bids.best();
  }

  bestAsk(): number {
    return this.asks.best();
  }

  /** True when both sides are present and bid ≥ ask. */
  crossed(): boolean {
    return this.bids.size > 0 && this.asks.size > 0 && this.bids.best() >= this.asks.best();
  }

  displayed(side: BookSideName, ticks: number): number {
    return (side === 'bid' ? this.bids : this.asks).get(ticks);
  }
}
