import type { PaperClock } from '../replay/engine/paper.js';

/**
 * When a node's manager acts on the runs' market clock: once per `everyMs` of market time (on its grid),
 * and at most every `minWallMs` of wall time, since a replay at 3600× would otherwise act every second.
 * The lifecycle and the parameter canary keep it in memory; the portfolio and the hotlist read theirs
 * back from the log.
 */
export class MarketCadence {
  private lastWall = Number.NEGATIVE_INFINITY;
  private lastAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly everyMs: number,
    private readonly minWallMs: number,
  ) {}

  /** The market time `now` floored to the grid, and whether a turn is due there (taking it if so). */
  take(now: number, wall: number): { readonly at: number; readonly due: boolean } {
    const at = Math.floor(now / this.everyMs) * this.everyMs;
    const due = at > this.lastAt && wall - this.lastWall >= this.minWallMs;
    if (due) {
      this.lastWall = wall;
      this.lastAt = at;
    }
    return { at, due };
  }
}

/**
 * Runs `turn` every `turnMs` of wall time until `signal` aborts. A failed turn is counted and logged, and
 * the next one runs as usual: a store that was briefly away stops nothing.
 */
export const runTurns = async (
  turn: () => Promise<void>,
  o: { clock: PaperClock; turnMs: number; signal: AbortSignal; failed: (err: unknown) => void },
): Promise<void> => {
  while (!o.signal.aborted) {
    try {
      await turn();
    } catch (err) {
      o.failed(err);
    }
    await o.clock.sleep(o.turnMs, o.signal);
  }
};
