import type { StoredEvent } from '../../domain/events/envelope.js';
import type { EventLookup, EventStore } from '../../domain/events/event-store.js';
import type { BarSeries } from '../../domain/market/bars.js';
import type { LiveBars } from '../../domain/market/live-feed.js';
import { OPEN_END, runLive, steppableUntil } from '../../replay/engine/live.js';
import { prepareLiveRun } from '../../replay/engine/live-run.js';
import { type PaperClock, wallClock } from '../../replay/engine/paper.js';
import { EngineRun } from './engine-run.js';
import { type PaperRun, type PaperRunStatus, paperRunId } from './session.js';

/** How long a bar waits for its funding record (runLive's fundingWaitMs); also what fastForward leaves to run(). */
const FUNDING_WAIT_MS = 120_000;

export interface LivePaperSessionOptions {
  readonly strategyId: string;
  readonly symbols: readonly string[];
  /** YYYY-MM-DD or an ISO time: the run's first bar opens at or after it. Same start, same run. */
  readonly from: string;
  /** Exclusive end (YYYY-MM-DD or ISO); the run finishes once the venue has closed its last bar before it. Default: none. */
  readonly to?: string;
  readonly feed: LiveBars;
  readonly store: EventStore & EventLookup;
  readonly clock?: PaperClock;
  readonly flushMs?: number;
  readonly onAppended?: (events: readonly StoredEvent[]) => void;
  readonly log?: (m: string) => void;
}

/**
 * One strategy paper-trading on a venue's live bars: the engine of a backtest fed by runLive, its events
 * copied into the main log as they are written. Fills are simulated on the bars (the bar venue), as in a
 * backtest; the venue is asked for market data only.
 *
 * The run id derives from the strategy, the start and the symbols. A restart with the same three fetches
 * the bars closed since the start, replays them (the same events with the same ids: the engine is
 * deterministic) and copies from the first event the log lacks, so the run carries on where it was.
 */
export class LivePaperSession extends EngineRun implements PaperRun {
  private readonly clock: PaperClock;

  constructor(private readonly opts: LivePaperSessionOptions) {
    super(paperRunId(opts.strategyId, opts.from, opts.symbols).replace(/^paper-/, 'live-'), opts.store, opts);
    this.clock = opts.clock ?? wallClock;
  }

  async prepare(): Promise<void> {
    const { engine } = await prepareLiveRun(
      {
        strategyId: this.opts.strategyId,
        symbols: this.opts.symbols,
        from: this.opts.from,
        ...(this.opts.to !== undefined ? { to: this.opts.to } : {}),
        runId: this.runId,
      },
      this.opts.feed,
      this.clock.now(),
    );
    this.attach(engine);
  }

  /**
   * Replays the bars closed since the start (a restart's catch-up), then skips what the log already holds.
   * Returns how many events were skipped.
   */
  async fastForward(): Promise<number> {
    const engine = this.need();
    engine.start();
    const limit = steppableUntil(engine, this.clock.now(), FUNDING_WAIT_MS);
    while (engine.nextTime() <= limit && engine.step()) {}
    return this.copier!.resume();
  }

  run(signal: AbortSignal): Promise<void> {
    return this.drive(signal, (engine) =>
      runLive(engine, this.opts.feed, {
        clock: this.clock,
        signal,
        fundingWaitMs: FUNDING_WAIT_MS,
        log: (m) => this.opts.log?.(`paper ${this.runId}: ${m}`),
      }),
    );
  }

  bars(symbol: string, timeframe: string): BarSeries | undefined {
    const engine = this.engine;
    if (!engine?.config.symbols.includes(symbol) || engine.config.strategy.timeframe !== timeframe)
      return undefined;
    return engine.barSeries(symbol);
  }

  get simTime(): number {
    return this.engine?.now ?? this.clock.now();
  }

  status(): PaperRunStatus {
    const engine = this.engine;
    const from = engine?.config.from ?? this.clock.now();
    const to = engine?.config.to ?? OPEN_END;
    const open = to >= OPEN_END;
    const now = Math.max(from, this.simTime);
    return {
      runId: this.runId,
      strategyId: this.opts.strategyId,
      accountId: this.runId,
      symbols: [...this.opts.symbols],
      feed: 'live',
      from: new Date(from).toISOString(),
      to: open ? null : new Date(to).toISOString(),
      simTime: new Date(now).toISOString(),
      progress: open ? null : Math.min(1, (now - from) / (to - from)),
      speed: 1,
      state: this.state,
      events: engine?.store.raw().length ?? 0,
      copied: this.copier?.position ?? 0,
      error: this.error,
    };
  }
}
