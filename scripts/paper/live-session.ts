import { type InstrumentBook, instrumentBook } from '../../adapters/instruments/binance-files.js';
import type { RunInputs } from '../../domain/backtest/events.js';
import { recordedInstruments } from '../../domain/backtest/instrument-record.js';
import type { StoredEvent } from '../../domain/events/envelope.js';
import type { EventLookup, EventStore } from '../../domain/events/event-store.js';
import type { Instrument } from '../../domain/ledger/instrument.js';
import type { BarSeries } from '../../domain/market/bars.js';
import type { ListsInstruments, LiveBars } from '../../domain/market/live-feed.js';
import type { ReadModelDb } from '../../projections/projection.js';
import { recordedAllocations } from '../../replay/engine/allocations.js';
import type { Allocation } from '../../replay/engine/config.js';
import { engineTag } from '../../replay/engine/engine-version.js';
import { OPEN_END, runLive, steppableUntil } from '../../replay/engine/live.js';
import { checkLiveRequest, prepareLiveRun } from '../../replay/engine/live-run.js';
import { type PaperClock, wallClock } from '../../replay/engine/paper.js';
import { recordedLimitChanges } from '../../replay/engine/recorded-limits.js';
import { type RunRequest, RunRequestError } from '../../replay/engine/run.js';
import { recordedStepDowns } from '../../replay/engine/step-downs.js';
import { EngineRun, FUNDING_WAIT_MS } from './engine-run.js';
import { type FeeRates, runFeeRates } from './fee-settings.js';
import {
  type ActiveParameters,
  type PaperRun,
  type PaperRunStatus,
  paperRunId,
  symbolsTag,
  versionTag,
} from './session.js';

/**
 * How a live run's id begins: `live-` on Binance's market, as before other venues' feeds existed, and
 * `live-<venue>-` on another's, so that a node fed another venue's market starts runs of its own rather
 * than carrying on a run of bars from two exchanges.
 */
const livePrefix = (venue: string): string => (venue === 'binance' ? 'live-' : `live-${venue}-`);

/**
 * The start day (YYYY-MM-DD) of the latest live run of a strategy on these symbols and this venue's market
 * that the log holds, or null: a node restarted on a later day carries its runs on rather than opening new
 * accounts.
 */
export const latestLiveStart = async (
  db: ReadModelDb,
  strategyId: string,
  symbols: readonly string[],
  paramsVersion = 0,
  venue = 'binance',
): Promise<string | null> => {
  const head = `${livePrefix(venue)}${strategyId}-`;
  const tail = `-${symbolsTag(symbols)}${versionTag(paramsVersion)}${engineTag()}`;
  const rows = await db
    .selectFrom('rm_runs')
    .select(['run_id'])
    .where('run_id', 'like', `${head}%${tail}`)
    .where('mode', '=', 'paper')
    .orderBy('global_position', 'desc')
    .execute();
  for (const r of rows as { run_id: string }[]) {
    const day = r.run_id.slice(head.length, r.run_id.length - tail.length);
    if (/^\d{8}$/.test(day)) return `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)}`;
  }
  return null;
};

/**
 * The venue's listing a paper run fed `feed` takes at its first start (LivePaperSessionOptions.listing).
 * Binance's lists only the symbols the recorded metadata (`recorded`) has brackets for, and always will:
 * its public data has no brackets. So a run on another is refused, saying so, where another venue's run
 * waits for a symbol its venue does not list yet.
 */
export const venueListingOf =
  (feed: LiveBars & ListsInstruments, recorded: ReadonlyMap<string, Instrument>) =>
  async (symbols: readonly string[]): Promise<ReadonlyMap<string, Instrument>> => {
    if (feed.venue === 'binance') {
      const bare = symbols.filter((s) => (recorded.get(s)?.brackets.length ?? 0) === 0);
      if (bare.length > 0)
        throw new RunRequestError(
          `${bare.join(', ')}: no leverage brackets in the recorded metadata, and Binance gives them only to an account`,
        );
    }
    return (await feed.listing(symbols)).instruments;
  };

export interface LivePaperSessionOptions {
  readonly strategyId: string;
  readonly symbols: readonly string[];
  /** YYYY-MM-DD or an ISO time: the run's first bar opens at or after it. Same start, same run. */
  readonly from: string;
  /** Exclusive end (YYYY-MM-DD or ISO); the run finishes once the venue has closed its last bar before it. Default: none. */
  readonly to?: string;
  /** The promoted parameter version to trade (automation 2); absent: the schema defaults, version 0. */
  readonly parameters?: ActiveParameters;
  /** Applied before the run's first step when its log holds no allocation yet (a canary's share). */
  readonly initialAllocation?: Allocation;
  readonly feed: LiveBars;
  /**
   * The venue's own listing of the run's symbols (venueListingOf), taken when the run first starts and
   * recorded with it; a restart trades by the one recorded. Absent: the recorded (Binance) metadata.
   */
  readonly listing?: (symbols: readonly string[]) => Promise<ReadonlyMap<string, Instrument>>;
  /** The account's own commission rates (PAPER_FEE_RATES), as PaperSessionOptions.feeRates. */
  readonly feeRates?: FeeRates;
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
    super(
      paperRunId(opts.strategyId, opts.from, opts.symbols, opts.parameters?.version).replace(
        /^paper-/,
        livePrefix(opts.feed.venue),
      ),
      opts.store,
      opts,
    );
    this.clock = opts.clock ?? wallClock;
  }

  private get request(): RunRequest {
    return {
      strategyId: this.opts.strategyId,
      symbols: this.opts.symbols,
      from: this.opts.from,
      ...(this.opts.to !== undefined ? { to: this.opts.to } : {}),
      runId: this.runId,
      ...(this.opts.parameters
        ? { params: this.opts.parameters.params, paramsVersion: this.opts.parameters.version }
        : {}),
    };
  }

  /**
   * Checks the request only: a strategy or symbol that cannot run is refused here, at start. The venue
   * is first asked in `run`, so a venue that does not answer delays this run, not the node's start.
   */
  async prepare(): Promise<void> {
    await checkLiveRequest(this.request);
  }

  /** Nothing yet: the catch-up after a restart needs the venue's bars, and happens in `run`. */
  async fastForward(): Promise<number> {
    return 0;
  }

  /**
   * Fetches the warm-up and the bars closed since the start (waiting, with back-off, while the venue does
   * not answer), replays them, skips the events the log already holds, then trades the bars as they close.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (!(await this.openWithRetry(signal, this.clock, () => this.open()))) return;
    await this.drive(signal, (engine) =>
      runLive(engine, this.opts.feed, {
        clock: this.clock,
        signal,
        fundingWaitMs: FUNDING_WAIT_MS,
        log: (m) => this.opts.log?.(`paper ${this.runId}: ${m}`),
        onFeed: (c) => this.recordFeed(c),
      }),
    );
  }

  /**
   * The listing the run trades by: the one its RunStarted recorded when it has started before (its log
   * must come out the same), else the venue's of now when there is one to take. Undefined: the recorded
   * metadata, as for a run that started before it recorded any.
   */
  private async instruments(): Promise<InstrumentBook | undefined> {
    const [started] = await this.opts.store.readStream(`run-${this.runId}`, { limit: 1 });
    if (started?.type === 'RunStarted') {
      let listed: ReturnType<typeof recordedInstruments>;
      try {
        listed = recordedInstruments((started.data as RunInputs).config, this.runId);
      } catch (err) {
        // A recorded listing that cannot be read will not read better later: the run fails, saying why.
        throw new RunRequestError(err instanceof Error ? err.message : String(err));
      }
      return listed === null ? undefined : instrumentBook(listed);
    }
    if (this.opts.listing === undefined) return undefined;
    const listed = await this.opts.listing(this.opts.symbols);
    const missing = this.opts.symbols.filter((s) => !listed.has(s));
    if (missing.length > 0)
      throw new Error(`the venue's listing has no ${missing.join(', ')}: the run waits for it`);
    return instrumentBook(new Map(this.opts.symbols.map((s) => [s, listed.get(s)!])));
  }

  /** The engine with the venue's bars so far, replayed as far as is safe, and the copier past the log's part. */
  private async open(): Promise<void> {
    const allocations = await recordedAllocations(this.opts.store, this.runId);
    const stepDowns = await recordedStepDowns(this.opts.store, this.runId, this.runId);
    const limitChanges = await recordedLimitChanges(this.opts.store, this.runId);
    const instruments = await this.instruments();
    const feeRates = await runFeeRates(this.opts.store, this.runId, this.opts.feeRates ?? null);
    const { engine } = await prepareLiveRun(
      {
        ...this.request,
        ...(instruments ? { instruments } : {}),
        ...(feeRates ? { engine: { feeRates } } : {}),
        ...(allocations.length ? { allocations } : {}),
        ...(stepDowns.length ? { stepDowns } : {}),
        ...(limitChanges.length ? { limitChanges } : {}),
      },
      this.opts.feed,
      this.clock.now(),
    );
    engine.start();
    if (allocations.length === 0 && this.opts.initialAllocation) engine.allocate(this.opts.initialAllocation);
    const limit = steppableUntil(engine, this.clock.now(), FUNDING_WAIT_MS);
    while (engine.nextTime() <= limit && engine.step()) {}
    this.attach(engine);
    let skipped: number;
    try {
      skipped = await this.copier!.resume();
    } catch (err) {
      // Copying must start after what the log holds: without knowing where that is, start over next time.
      this.engine = null;
      this.copier = null;
      throw err;
    }
    if (skipped > 0)
      this.opts.log?.(`paper ${this.runId}: resumed after ${skipped} events already in the log`);
  }

  bars(symbol: string, timeframe: string): BarSeries | undefined {
    const engine = this.engine;
    if (!engine?.config.symbols.includes(symbol) || engine.config.strategy.timeframe !== timeframe)
      return undefined;
    return engine.barSeries(symbol);
  }

  lastBarCloses(): ReadonlyMap<string, number> {
    const engine = this.engine;
    if (!engine) return new Map();
    return new Map(engine.config.symbols.map((symbol) => [symbol, engine.lastBarClose(symbol)]));
  }

  get simTime(): number {
    return this.engine?.now ?? this.clock.now();
  }

  get paramsVersion(): number {
    return this.opts.parameters?.version ?? 0;
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
      mode: 'paper',
      from: new Date(from).toISOString(),
      to: open ? null : new Date(to).toISOString(),
      simTime: new Date(now).toISOString(),
      progress: open ? null : Math.min(1, (now - from) / (to - from)),
      speed: 1,
      state: this.state,
      events: engine?.store.total ?? 0,
      copied: this.copier?.position ?? 0,
      error: this.error,
    };
  }
}
