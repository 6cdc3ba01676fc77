import type { InstrumentBook } from '../../adapters/instruments/binance-files.js';
import type { StoredEvent } from '../../domain/events/envelope.js';
import type { Venue } from '../../domain/ledger/venue-port.js';
import type { BarSeries } from '../../domain/market/bars.js';
import type { FundingSeries } from '../../domain/market/funding.js';
import type { LiveBars } from '../../domain/market/live-feed.js';
import { bucketStart, timeframeMs } from '../../domain/market/timeframe.js';
import type { BackstopPlan } from '../../domain/risk/backstop.js';
import type { CarriedBreakers, CarriedRiskState, EngineConfig } from './config.js';
import { Engine } from './engine.js';
import { OPEN_END } from './live.js';
import { checkRequest, engineConfig, type RunRequest, RunRequestError, toMs } from './run.js';

/** Funding history fetched before the start: enough records to know each symbol's funding interval. */
export const FUNDING_LOOKBACK_MS = 7 * 86_400_000;

/** The real account a run trades (EngineConfig.liveOrders), and whether it is a canary or the real thing. */
export interface LiveOrders {
  readonly venue: Venue;
  readonly wall: () => number;
  readonly venueName: string;
  readonly mode?: 'live' | 'canary';
  /** Each position's backstop at the exchange (EngineConfig.liveOrders.backstop); absent: none. */
  readonly backstop?: BackstopPlan;
  /**
   * The instruments as the exchange lists them now (CcxtVenue.instrumentBook): a real account's orders and
   * fills are on its current grids and brackets. Absent: the recorded metadata.
   */
  readonly instruments?: InstrumentBook;
  /** The runner lists the venue's instruments again mid-run (EngineConfig.liveOrders.relisting). */
  readonly relisting?: boolean;
  /** The account's own commission rates by symbol (EngineConfig.liveOrders.feeRates). */
  readonly feeRates?: ReadonlyMap<string, { readonly maker: string; readonly taker: string }>;
  /** The strategy's earlier real run's breaker levels (EngineConfig.liveOrders.breakers). */
  readonly breakers?: CarriedBreakers;
  /** Its round trips, for Kelly sizing (EngineConfig.liveOrders.record). */
  readonly riskState?: CarriedRiskState;
}

export interface PreparedLiveRun {
  readonly engine: Engine;
  readonly config: EngineConfig;
  /** Bars per symbol the venue had before `from` (the warm-up), and after it (a restart's catch-up). */
  readonly history: ReadonlyMap<string, { readonly warmup: number; readonly since: number }>;
}

/** A request checked as a backtest's is, and refused when its strategy needs more than bars. */
export const checkLiveRequest = async (
  req: RunRequest,
  instruments?: InstrumentBook,
): ReturnType<typeof checkRequest> => {
  const checked = await checkRequest(req, instruments);
  const { strategy } = checked;
  if (strategy.feeds?.trades === true || strategy.feeds?.book === true)
    throw new RunRequestError(
      `${strategy.id} trades on trades and order books; a live feed gives closed bars only`,
    );
  return checked;
};

/**
 * A paper run on a venue's live bars: the request is checked as a backtest's is, `from` (default: now) is
 * moved up to the next bar open, and the engine starts with the warm-up bars and recent funding the venue
 * has. A run that started earlier (a restart with the same run id and `from`) also gets every bar closed
 * since, and replays them on its first step: the log it writes is the one it wrote before.
 */
export const prepareLiveRun = async (
  req: RunRequest,
  feed: LiveBars,
  now: number,
  observe?: (e: StoredEvent) => void,
  orders?: LiveOrders,
): Promise<PreparedLiveRun> => {
  const { strategy, symbols, params, book } = await checkLiveRequest(req, orders?.instruments);
  const tf = timeframeMs(strategy.timeframe);
  const asked = toMs(req.from, 'from') ?? now;
  const from = bucketStart(asked + tf - 1, tf);
  const to = toMs(req.to, 'to') ?? OPEN_END;
  if (!(to > from))
    throw new RunRequestError(
      `the end (to: ${new Date(to).toISOString()}) must be after the first bar open (${new Date(from).toISOString()})`,
    );
  const warmupBars = req.warmupBars ?? 300;
  const bars = new Map<string, BarSeries>();
  const funding = new Map<string, FundingSeries>();
  const history = new Map<string, { warmup: number; since: number }>();
  for (const symbol of symbols) {
    const batch = await feed.fetch(
      symbol,
      strategy.timeframe,
      from - (warmupBars + 1) * tf,
      from - FUNDING_LOOKBACK_MS,
    );
    bars.set(symbol, batch.bars);
    funding.set(symbol, batch.funding);
    let warmup = 0;
    while (warmup < batch.bars.openTime.length && batch.bars.openTime[warmup]! < from) warmup++;
    history.set(symbol, { warmup, since: batch.bars.openTime.length - warmup });
  }
  if (orders !== undefined) {
    const replayed = [...history].filter(([, h]) => h.since > 0).map(([symbol]) => symbol);
    if (replayed.length > 0)
      throw new RunRequestError(
        `a run on a live account starts at the next bar open and cannot replay the past (its orders would be sent again): ` +
          `${replayed.join(', ')} already closed bars after ${new Date(from).toISOString()}`,
      );
  }
  // A live run's id names it as one (engineConfig would derive a backtest's `bt-…` id); a run that
  // trades a real account is `real-…`, one that paper-trades the live feed `live-…`.
  const runId =
    req.runId ??
    `${orders ? 'real' : 'live'}-${strategy.id}-${symbols.join('_')}-${strategy.timeframe}-${from}`.replace(
      /[^A-Za-z0-9_.-]/g,
      '',
    );
  const config = engineConfig(
    // The ledger books by the rules of the venue the market comes from (its fees, its rounding).
    {
      ...req,
      runId,
      mode: orders?.mode ?? 'paper',
      warmupBars,
      venue: req.venue ?? feed.venue,
      // A real account's listing of today is what its orders and margin go by: recorded with the run.
      ...(orders?.instruments && !req.instruments ? { instruments: orders.instruments } : {}),
    },
    strategy,
    symbols,
    params,
    from,
    to,
    book,
  );
  const engine = new Engine(
    {
      ...config,
      feedSource: { kind: 'live', venue: feed.venue },
      retainEvents: true,
      ...(req.allocations?.length ? { allocations: req.allocations } : {}),
      ...(req.stepDowns?.length ? { stepDowns: req.stepDowns } : {}),
      ...(req.limitChanges?.length ? { limitChanges: req.limitChanges } : {}),
      ...(orders
        ? {
            liveOrders: {
              venue: orders.venue,
              wall: orders.wall,
              venueName: orders.venueName,
              ...(orders.backstop ? { backstop: orders.backstop } : {}),
              ...(orders.relisting ? { relisting: true } : {}),
              ...(orders.feeRates ? { feeRates: orders.feeRates } : {}),
              ...(orders.breakers ? { breakers: orders.breakers } : {}),
              ...(orders.riskState ? { riskState: orders.riskState } : {}),
            },
          }
        : {}),
      ...(observe ? { onEvent: observe } : {}),
    },
    { bars, funding },
  );
  return { engine, config: engine.config, history };
};
