import { createHash } from 'node:crypto';
import { canonicalJson } from '../../adapters/eventstore/canonical-json.js';
import { type InstrumentBook, loadBinanceInstruments } from '../../adapters/instruments/binance-files.js';
import type { StoredEvent } from '../../domain/events/envelope.js';
import { parseFeeRates } from '../../domain/ledger/account.js';
import { LedgerRuleError } from '../../domain/ledger/errors.js';
import { toText } from '../../domain/ledger/fixed.js';
import { binanceUsdm, type VenueRules, venueRules } from '../../domain/ledger/venue.js';
import { isTimeframe, timeframeMs } from '../../domain/market/timeframe.js';
import { isRuleName, type RiskConfig, resolveLimits, ruleNames } from '../../domain/risk/limits.js';
import { tickScale } from '../../domain/sim/scale.js';
import { allStrategies } from '../../domain/strategies/index.js';
import type { StrategyDefinition } from '../../domain/strategy/sdk.js';
import {
  defaultEngineSettings,
  type EngineConfig,
  type RecordedAllocation,
  type RecordedLimitChange,
  type RecordedStepDown,
} from './config.js';
import { Engine, type RunSummary } from './engine.js';
import { type FeedCoverage, FeedError, loadFeeds } from './feeds.js';
import { eventFingerprint, logHash } from './log-hash.js';
import { foldRun, RunResults } from './results.js';

/** What a person (CLI, API, optimizer) asks for. Everything optional has a documented default. */
export interface RunRequest {
  readonly strategyId: string;
  readonly symbols: readonly string[];
  /** ISO date/time or ms; default: the start of the data. */
  readonly from?: string | number;
  /** Exclusive; default: the end of the data. */
  readonly to?: string | number;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly paramsVersion?: number;
  readonly timeframe?: string;
  readonly seed?: number;
  readonly initialBalance?: string;
  readonly runId?: string;
  readonly mode?: EngineConfig['mode'];
  readonly riskEnabled?: boolean;
  readonly disabledRules?: readonly string[];
  readonly leverage?: number;
  /**
   * Whose rules the ledger books by: fee tiers, rounding (domain/ledger/venue.ts). Default binance; a run
   * fed live takes its feed's venue.
   */
  readonly venue?: string;
  /**
   * The venue's own listing the run trades by (a feed's of today, or the one a recorded run started with),
   * recorded in its RunStarted. Default: the recorded Binance metadata, which a run does not record.
   */
  readonly instruments?: InstrumentBook;
  readonly strategyVersion?: string;
  /** Bars before `from` that warm the strategy up (default 300, fewer when the data starts later). */
  readonly warmupBars?: number;
  /**
   * Keep the run's events in memory (default). Off for optimizer trials: results and the log hash are
   * folded as events pass, which is the same figures without holding or re-reading the log.
   */
  readonly retainEvents?: boolean;
  /**
   * Hash the log (default). Off only with retainEvents off: an optimizer trial scores results and never
   * shows a hash, and serialising every event for it was a fifth of a trial's time and most of its garbage.
   */
  readonly hashLog?: boolean;
  /** Allocations the run took before (a restart or a re-run reads them from its log). */
  readonly allocations?: readonly RecordedAllocation[];
  readonly allocationsBy?: 'seq' | 'time';
  /** Breaker step-downs a person approved in the run before (read back from its ladders' streams). */
  readonly stepDowns?: readonly RecordedStepDown[];
  /** Desk limit changes the run took before (RiskLimitsApplied in its stream). */
  readonly limitChanges?: readonly RecordedLimitChange[];
  /** Engine settings beyond the defaults (a re-run passes what the recorded run used). */
  readonly engine?: Partial<
    Pick<
      EngineConfig,
      'feeTier' | 'feeRates' | 'impact' | 'latencyMs' | 'sizing' | 'stops' | 'equityMarkMs' | 'breaker'
    >
  > & { readonly riskConfig?: RiskConfig };
}

/** A request that cannot run; the message says what to change. The CLI exits 2 on it. */
export class RunRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunRequestError';
  }
}

let instruments: Promise<InstrumentBook> | null = null;
export const instrumentBookOnce = (): Promise<InstrumentBook> => {
  instruments ??= loadBinanceInstruments();
  return instruments;
};

export const toMs = (v: string | number | undefined, what: string): number | undefined => {
  if (v === undefined) return undefined;
  const ms = typeof v === 'number' ? v : Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (!Number.isFinite(ms))
    throw new RunRequestError(`${what} ${JSON.stringify(v)} is not a date (use YYYY-MM-DD or an ISO time)`);
  return ms;
};

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

export interface PreparedRun {
  readonly engine: Engine;
  readonly config: EngineConfig;
  readonly coverage: FeedCoverage[];
}

export const resolveStrategy = (id: string, timeframe?: string): StrategyDefinition => {
  const def = allStrategies[id];
  if (!def) {
    throw new RunRequestError(
      `unknown strategy "${id}"; built in: ${Object.keys(allStrategies).sort().join(', ')}`,
    );
  }
  if (timeframe === undefined || timeframe === def.timeframe) return def;
  if (!isTimeframe(timeframe)) throw new RunRequestError(`timeframe "${timeframe}" is not like 1m, 5m, 1h`);
  return { ...def, timeframe };
};

/** The ledger rules of a venue by name (default binance), or an error that lists the ones there are. */
export const venueRulesOf = (venue: string | undefined): VenueRules => {
  const name = venue ?? binanceUsdm.venue;
  const rules = Object.hasOwn(venueRules, name) ? venueRules[name] : undefined;
  if (rules === undefined)
    throw new RunRequestError(
      `venue ${JSON.stringify(name)} is not one whose rules the ledger knows: ${Object.keys(venueRules).join(', ')}`,
    );
  return rules;
};

/**
 * The engine configuration of a checked request: defaults filled in, the run id derived when not given.
 * Shared by runs on recorded data (prepareRun) and runs fed live (replay/engine/live-run.ts).
 */
export const engineConfig = (
  req: RunRequest,
  strategy: StrategyDefinition,
  symbols: readonly string[],
  params: Record<string, unknown>,
  from: number,
  to: number,
  book: InstrumentBook,
): EngineConfig => {
  const tickFed = strategy.feeds?.trades === true || strategy.feeds?.book === true;
  const tf = timeframeMs(strategy.timeframe);
  const seed = req.seed ?? defaultEngineSettings.seed;
  const runId =
    req.runId ??
    `bt-${strategy.id}-${symbols.join('_')}-${strategy.timeframe}-${from}-${to}-${seed}${variantTag(req, strategy, params)}`.replace(
      /[^A-Za-z0-9_.-]/g,
      '',
    );
  const config: EngineConfig = {
    ...defaultEngineSettings,
    runId,
    accountId: runId,
    mode: req.mode ?? 'backtest',
    seed,
    strategy,
    params,
    paramsVersion: req.paramsVersion ?? 0,
    symbols,
    from,
    to,
    instrument: book.get,
    ...(req.instruments ? { recordInstruments: true } : {}),
    venueRules: venueRulesOf(req.venue),
    initialBalance: req.initialBalance ?? defaultEngineSettings.initialBalance,
    leverage: req.leverage ?? defaultEngineSettings.leverage,
    risk: {
      ...defaultEngineSettings.risk,
      ...(req.engine?.riskConfig ? { config: req.engine.riskConfig } : {}),
      enabled: req.riskEnabled ?? true,
      disabledRules: [...(req.disabledRules ?? [])],
    },
    // Hourly marks, or every bar for a strategy fed ticks: a capture spans minutes, and two marks would
    // leave its curve and KPIs nothing to measure.
    equityMarkMs: tickFed ? tf : Math.max(tf, defaultEngineSettings.equityMarkMs),
    warmupBars: req.warmupBars ?? 300,
    ...(req.engine?.feeTier !== undefined ? { feeTier: req.engine.feeTier } : {}),
    ...(req.engine?.feeRates !== undefined ? { feeRates: req.engine.feeRates } : {}),
    ...(req.engine?.impact ? { impact: req.engine.impact } : {}),
    ...(req.engine?.latencyMs ? { latencyMs: req.engine.latencyMs } : {}),
    ...(req.engine?.sizing ? { sizing: req.engine.sizing } : {}),
    ...(req.engine?.stops ? { stops: req.engine.stops } : {}),
    ...(req.engine?.equityMarkMs ? { equityMarkMs: req.engine.equityMarkMs } : {}),
    ...(req.engine?.breaker !== undefined ? { breaker: req.engine.breaker } : {}),
  };
  if (!/^\d+(\.\d+)?$/.test(config.initialBalance) || Number(config.initialBalance) <= 0) {
    throw new RunRequestError(
      `initial balance ${JSON.stringify(config.initialBalance)} must be a positive decimal`,
    );
  }
  checkSettings(config);
  return config;
};

/**
 * What a person may change beyond the strategy (leverage, fee tier, impact, latency, the risk rules
 * switched off), checked here so a bad one is a clear refusal before the run, not a ledger refusal at its
 * first event, NaN prices at its first fill, or a run that silently never trades.
 */
const checkSettings = (c: EngineConfig): void => {
  if (!Number.isInteger(c.leverage) || c.leverage < 1 || c.leverage > 125)
    throw new RunRequestError(`leverage ${String(c.leverage)} must be a whole number from 1 to 125`);
  const unknownRules = c.risk.disabledRules.filter((r) => !isRuleName(r));
  if (unknownRules.length > 0)
    throw new RunRequestError(
      `unknown risk rule ${unknownRules.map((r) => JSON.stringify(r)).join(', ')}; the rules are ${ruleNames.join(', ')}`,
    );
  if (c.risk.enabled && !c.risk.disabledRules.includes('max-leverage')) {
    // The max-leverage rule refuses every order of a symbol set above its limit: say so now.
    for (const symbol of c.symbols) {
      const { limits } = resolveLimits(c.risk.config, {
        accountId: c.accountId,
        strategyId: c.strategy.id,
        symbol,
      });
      const set = Math.min(c.leverage, c.instrument(symbol).brackets[0]?.initialLeverage ?? c.leverage);
      if (set > limits.maxLeverage && !limits.disabled.includes('max-leverage'))
        throw new RunRequestError(
          `leverage ${c.leverage} is above the risk limit of ${limits.maxLeverage} for ${symbol}: the max-leverage rule would refuse every order; ask for ${limits.maxLeverage} or less, or disable that rule`,
        );
    }
  }
  const tiers = Object.keys(c.venueRules.feeTiers);
  if (!Object.hasOwn(c.venueRules.feeTiers, c.feeTier))
    throw new RunRequestError(
      `fee tier ${JSON.stringify(c.feeTier)} is not one of ${c.venueRules.venue}'s: ${tiers.join(', ')}`,
    );
  if (c.feeRates !== undefined) {
    try {
      // Each symbol's SetFeeRates at the start would refuse them: said now, in the ledger's words.
      parseFeeRates('the', c.feeRates.maker, c.feeRates.taker);
    } catch (err) {
      if (!(err instanceof LedgerRuleError)) throw err;
      throw new RunRequestError(`fee rates: ${err.message.slice(err.rule.length + 2)}`);
    }
  }
  const lambda = (v: unknown, what: string) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 0.01)
      throw new RunRequestError(`impact λ ${what} must be a number from 0 to 0.01, got ${String(v)}`);
  };
  lambda(c.impact.default, 'for every symbol');
  for (const [symbol, v] of Object.entries(c.impact.symbols ?? {})) {
    if (!c.symbols.includes(symbol))
      throw new RunRequestError(`impact λ for ${symbol}: the run does not trade it`);
    lambda(v, `for ${symbol}`);
  }
  const { min, max } = c.latencyMs;
  const ms = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 60_000;
  if (!ms(min) || !ms(max) || min > max)
    throw new RunRequestError(
      `latency ${String(min)}-${String(max)} ms must be whole milliseconds, 0 ≤ min ≤ max ≤ 60000`,
    );
};

/**
 * `-<8 hex>` naming what a request changes from the defaults (parameters, balance, leverage, costs, risk,
 * warm-up), or nothing when it changes none. Two runs of one strategy, data and seed that differ in
 * anything else got one id: the second's report overwrote the first's, and persisting it was refused as
 * a rewrite of the first's events. A run on the defaults keeps the id it always had.
 */
const variantTag = (
  req: RunRequest,
  strategy: StrategyDefinition,
  params: Record<string, unknown>,
): string => {
  const defaults = strategy.params.safeParse({});
  const changed: Record<string, unknown> = {};
  const paramChanges = Object.entries(params).filter(
    ([k, v]) =>
      !defaults.success || canonicalJson((defaults.data as Record<string, unknown>)[k]) !== canonicalJson(v),
  );
  if (paramChanges.length > 0) changed.params = Object.fromEntries(paramChanges);
  // As text: "10000.0" books another deposit event than "10000", so it is another run.
  if (req.initialBalance !== undefined && req.initialBalance !== defaultEngineSettings.initialBalance)
    changed.initialBalance = req.initialBalance;
  if (req.leverage !== undefined && req.leverage !== defaultEngineSettings.leverage)
    changed.leverage = req.leverage;
  if (req.riskEnabled === false) changed.risk = false;
  if (req.disabledRules?.length) changed.disabledRules = [...new Set(req.disabledRules)].sort();
  if (req.warmupBars !== undefined && req.warmupBars !== 300) changed.warmupBars = req.warmupBars;
  const engine = Object.entries(req.engine ?? {}).filter(
    ([k, v]) =>
      v !== undefined &&
      canonicalJson(v) !== canonicalJson((defaultEngineSettings as Record<string, unknown>)[k]),
  );
  if (engine.length > 0) changed.engine = Object.fromEntries(engine);
  if (Object.keys(changed).length === 0) return '';
  return `-${createHash('sha256').update(canonicalJson(changed)).digest('hex').slice(0, 8)}`;
};

/** The strategy, symbols and parameters of a request, checked against the build and the venue metadata. */
export const checkRequest = async (
  req: RunRequest,
  /** The instruments to check against and trade by (default: the recorded venue metadata). */
  instruments?: InstrumentBook,
): Promise<{
  strategy: StrategyDefinition;
  symbols: string[];
  params: Record<string, unknown>;
  book: InstrumentBook;
}> => {
  const strategy = resolveStrategy(req.strategyId, req.timeframe);
  if (req.strategyVersion !== undefined && req.strategyVersion !== strategy.version) {
    throw new RunRequestError(
      `${strategy.id} is at version ${strategy.version}; version ${req.strategyVersion} is not available in this build`,
    );
  }
  const symbols = [...new Set(req.symbols.map((s) => s.trim().toUpperCase()).filter(Boolean))];
  if (symbols.length === 0)
    throw new RunRequestError('give at least one symbol, e.g. --symbols BTCUSDT,ETHUSDT');
  const book = instruments ?? req.instruments ?? (await instrumentBookOnce());
  for (const s of symbols)
    if (!book.all.has(s)) throw new RunRequestError(`unknown symbol ${s}: not in the venue metadata`);
  const parsed = strategy.params.safeParse(req.params ?? {});
  if (!parsed.success) {
    throw new RunRequestError(
      `parameters for ${strategy.id} are invalid: ` +
        parsed.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; '),
    );
  }
  // zod drops keys a schema does not name, so a misspelt parameter would run on its default unseen. The
  // parsed object names every parameter the strategy has (defaults filled in): anything else is a typo.
  const known = parsed.data as Record<string, unknown>;
  const unknown = Object.keys(req.params ?? {}).filter((k) => !Object.hasOwn(known, k));
  if (unknown.length > 0)
    throw new RunRequestError(
      `${strategy.id} has no parameter ${unknown.map((k) => JSON.stringify(k)).join(', ')}; its parameters are ${Object.keys(known).join(', ')}`,
    );
  return { strategy, symbols, params: parsed.data as Record<string, unknown>, book };
};

/** Validates a request against the strategy's schema and the data, and builds the engine. */
export const prepareRun = async (
  req: RunRequest,
  observe?: (e: StoredEvent) => void,
): Promise<PreparedRun> => {
  const { strategy, symbols, params, book } = await checkRequest(req);
  let loaded: ReturnType<typeof loadFeeds>;
  const tickFed = strategy.feeds?.trades === true || strategy.feeds?.book === true;
  try {
    loaded = loadFeeds(
      symbols,
      strategy.timeframe,
      tickFed
        ? {
            ticks: (s) => {
              const inst = book.get(s);
              return tickScale(toText(inst.tickSize), toText(inst.stepSize));
            },
          }
        : {},
    );
  } catch (err) {
    if (err instanceof FeedError) throw new RunRequestError(err.message);
    throw err;
  }
  if (strategy.feeds?.funding === true) {
    const without = loaded.coverage.filter((c) => !c.funding).map((c) => c.symbol);
    if (without.length > 0)
      throw new RunRequestError(
        `${strategy.id} trades on funding rates, and the data has none for ${without.join(', ')}`,
      );
  }
  const dataFrom = Math.min(...loaded.coverage.map((c) => c.from));
  const dataTo = Math.max(...loaded.coverage.map((c) => c.to));
  const from = toMs(req.from, 'from') ?? dataFrom;
  const to = toMs(req.to, 'to') ?? dataTo;
  if (!(to > from)) throw new RunRequestError(`the end (${iso(to)}) must be after the start (${iso(from)})`);
  for (const c of loaded.coverage) {
    if (to <= c.from || from >= c.to) {
      throw new RunRequestError(
        `${c.symbol} ${c.timeframe} data covers ${iso(c.from)} .. ${iso(c.to)}; the range ${iso(from)} .. ${iso(to)} is outside it`,
      );
    }
  }
  const config = engineConfig(req, strategy, symbols, params, from, to, book);
  let engine: Engine;
  try {
    engine = new Engine(
      {
        ...config,
        retainEvents: req.retainEvents ?? true,
        ...(observe ? { onEvent: observe } : {}),
        ...(req.allocations?.length ? { allocations: req.allocations } : {}),
        ...(req.allocationsBy ? { allocationsBy: req.allocationsBy } : {}),
        ...(req.stepDowns?.length ? { stepDowns: req.stepDowns } : {}),
        ...(req.limitChanges?.length ? { limitChanges: req.limitChanges } : {}),
      },
      loaded.feeds,
    );
  } catch (err) {
    throw new RunRequestError(err instanceof Error ? err.message : String(err));
  }
  return { engine, config, coverage: loaded.coverage };
};

export interface BacktestOutput {
  readonly summary: RunSummary;
  readonly results: RunResults;
  /** Null only when the request turned hashing off (hashLog: false). */
  readonly hash: string | null;
  readonly engine: Engine;
  readonly coverage: FeedCoverage[];
}

/** A whole backtest: prepare, replay to the end (reporting progress), fold the results, hash the log. */
export const runBacktest = async (
  req: RunRequest,
  onProgress?: (done: number, total: number) => void,
): Promise<BacktestOutput> => {
  const retain = req.retainEvents ?? true;
  if (req.hashLog === false && retain) throw new RunRequestError('hashLog: false needs retainEvents: false');
  const folded = new RunResults();
  const hasher = req.hashLog === false ? null : createHash('sha256');
  const { engine, config, coverage } = await prepareRun(
    req,
    retain
      ? undefined
      : hasher
        ? (e) => {
            folded.apply(e);
            hasher.update(eventFingerprint(e)).update('\n');
          }
        : (e) => folded.apply(e),
  );
  const span = config.to - config.from;
  let n = 0;
  engine.start();
  try {
    while (engine.step()) {
      if (onProgress && ++n % 5000 === 0) onProgress(Math.min(span, engine.now - config.from), span);
    }
  } catch (err) {
    engine.finish('failed', err instanceof Error ? err.message : String(err));
    throw err;
  }
  const summary = engine.finish('end-of-data', null);
  onProgress?.(span, span);
  if (!retain) return { summary, results: folded, hash: hasher?.digest('hex') ?? null, engine, coverage };
  const events = engine.store.raw();
  return { summary, results: foldRun(events), hash: logHash(events), engine, coverage };
};
