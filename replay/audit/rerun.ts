import { canonicalJson } from '../../adapters/eventstore/canonical-json.js';
import { instrumentBook } from '../../adapters/instruments/binance-files.js';
import type { RunInputs } from '../../domain/backtest/events.js';
import { recordedInstruments } from '../../domain/backtest/instrument-record.js';
import type { StoredEvent } from '../../domain/events/envelope.js';
import type { EventStore } from '../../domain/events/event-store.js';
import { type BarSeries, seriesFromBars } from '../../domain/market/bars.js';
import {
  type BarClosedData,
  barStreamId,
  type FundingRatePublishedData,
  fundingStreamId,
} from '../../domain/market/events.js';
import type { FundingSeries } from '../../domain/market/funding.js';
import { timeframeMs } from '../../domain/market/timeframe.js';
import { defaultAdaptiveParams } from '../../domain/risk/adaptive.js';
import type { RiskConfig } from '../../domain/risk/limits.js';
import { defaultSizingParams } from '../../domain/risk/sizing.js';
import { recordedAllocations } from '../engine/allocations.js';
import type { EngineConfig, MarketFeeds } from '../engine/config.js';
import { Engine } from '../engine/engine.js';
import { engineLogVersion, engineVersionOf } from '../engine/engine-version.js';
import { checkLiveRequest, FUNDING_LOOKBACK_MS } from '../engine/live-run.js';
import { recordedLimitChanges } from '../engine/recorded-limits.js';
import { engineConfig, prepareRun, type RunRequest, RunRequestError } from '../engine/run.js';
import { recordedStepDowns } from '../engine/step-downs.js';

export interface RecordedRun {
  readonly inputs: RunInputs;
  readonly completed: { readonly events: number; readonly reason: string } | null;
}

export const readRecordedRun = async (store: EventStore, runId: string): Promise<RecordedRun> => {
  const events = await store.readStream(`run-${runId}`);
  const started = events.find((e) => e.type === 'RunStarted');
  if (!started)
    throw new RunRequestError(`no recorded run ${runId} in this store (stream run-${runId} is empty)`);
  const completed = events.find((e) => e.type === 'RunCompleted');
  return {
    inputs: started.data as RunInputs,
    completed: completed ? (completed.data as { events: number; reason: string }) : null,
  };
};

export interface Change {
  readonly set?: Readonly<Record<string, unknown>>;
  readonly disableRules?: readonly string[];
  readonly strategyVersion?: string;
}

/** The request that reproduces a recorded run from its RunStarted inputs, optionally with one change. */
export const requestFromInputs = (inputs: RunInputs, change: Change = {}): RunRequest => {
  const c = inputs.config as {
    venue?: string;
    feeTier?: string;
    feeRates?: { maker: string; taker: string };
    leverage?: number;
    impact?: EngineConfig['impact'];
    latencyMs?: EngineConfig['latencyMs'];
    risk?: { enabled?: boolean; disabledRules?: string[]; config?: RiskConfig };
    sizing?: EngineConfig['sizing'];
    stops?: EngineConfig['stops'];
    equityMarkMs?: number;
    warmupBars?: number;
    breaker?: EngineConfig['breaker'];
  };
  // The venue's listing the run traded by, when it recorded one (config.instruments).
  let listed: ReturnType<typeof recordedInstruments>;
  try {
    listed = recordedInstruments(inputs.config, inputs.runId);
  } catch (err) {
    throw new RunRequestError(err instanceof Error ? err.message : String(err));
  }
  return {
    strategyId: inputs.strategyId,
    strategyVersion: change.strategyVersion ?? inputs.strategyVersion,
    symbols: inputs.symbols,
    timeframe: inputs.timeframe,
    from: inputs.from,
    to: inputs.to,
    seed: inputs.seed,
    runId: inputs.runId,
    mode: inputs.mode,
    initialBalance: inputs.initialBalance,
    paramsVersion: inputs.paramsVersion,
    params: { ...inputs.params, ...(change.set ?? {}) },
    riskEnabled: c.risk?.enabled ?? true,
    disabledRules: [...(c.risk?.disabledRules ?? []), ...(change.disableRules ?? [])],
    ...(c.leverage !== undefined ? { leverage: c.leverage } : {}),
    ...(c.venue !== undefined ? { venue: c.venue } : {}),
    ...(listed !== null ? { instruments: instrumentBook(listed) } : {}),
    warmupBars: c.warmupBars ?? 0,
    engine: {
      ...(c.feeTier ? { feeTier: c.feeTier } : {}),
      ...(c.feeRates ? { feeRates: c.feeRates } : {}),
      ...(c.impact ? { impact: c.impact } : {}),
      ...(c.latencyMs ? { latencyMs: c.latencyMs } : {}),
      // A run recorded by an earlier engine lacks the settings added since (the Kelly window, the equity
      // slope's marks): it takes their defaults, as it would be run today.
      ...(c.sizing ? { sizing: { ...defaultSizingParams, ...c.sizing } } : {}),
      ...(c.stops
        ? { stops: { ...c.stops, adaptive: { ...defaultAdaptiveParams, ...(c.stops.adaptive ?? {}) } } }
        : {}),
      ...(c.equityMarkMs ? { equityMarkMs: c.equityMarkMs } : {}),
      ...(c.risk?.config ? { riskConfig: c.risk.config } : {}),
      ...(c.breaker !== undefined ? { breaker: c.breaker } : {}),
    },
  };
};

const replayRequest = async (req: RunRequest): Promise<Engine> => {
  const { engine } = await prepareRun(req);
  engine.runToEnd();
  return engine;
};

/** The live feed a recorded run was given (RunStarted's config.feed), null for a run on the data files. */
export const liveFeedOf = (inputs: RunInputs): { kind: 'live'; venue: string } | null => {
  const f = (inputs.config as { feed?: { kind?: unknown; venue?: unknown } }).feed;
  return f?.kind === 'live' && typeof f.venue === 'string' ? { kind: 'live', venue: f.venue } : null;
};

/**
 * The bars and funding a live run was given, read back from the log (BarClosed, FundingRatePublished):
 * the same ranges prepareLiveRun asked the venue for, every record since.
 */
const recordedMarket = async (store: EventStore, inputs: RunInputs, venue: string): Promise<MarketFeeds> => {
  const tf = timeframeMs(inputs.timeframe);
  const warmup = (inputs.config as { warmupBars?: number }).warmupBars ?? 0;
  const barsAfter = inputs.from - (warmup + 1) * tf;
  const fundingAfter = inputs.from - FUNDING_LOOKBACK_MS;
  const bars = new Map<string, BarSeries>();
  const funding = new Map<string, FundingSeries>();
  for (const symbol of inputs.symbols) {
    const b = (await store.readStream(barStreamId(venue, symbol, inputs.timeframe)))
      .map((e) => e.data as BarClosedData)
      .filter((d) => d.openTime > barsAfter)
      // A run that started earlier than those before it recorded its older bars after theirs.
      .sort((x, y) => x.openTime - y.openTime);
    bars.set(symbol, seriesFromBars(symbol, inputs.timeframe, b));
    const f = (await store.readStream(fundingStreamId(venue, symbol)))
      .map((e) => e.data as FundingRatePublishedData)
      .filter((d) => d.fundingTime > fundingAfter)
      .sort((x, y) => x.fundingTime - y.fundingTime);
    funding.set(symbol, {
      symbol,
      time: Float64Array.from(f, (d) => d.fundingTime),
      rate: Float64Array.from(f, (d) => d.rate),
    });
  }
  return { bars, funding };
};

/**
 * Re-executes a recorded run from its inputs (with one change for a what-if): on the data files, or, for
 * a run that was fed live, on the bars and funding the log recorded as it was given them.
 */
export const replayRecorded = async (
  store: EventStore,
  inputs: RunInputs,
  change: Change = {},
): Promise<Engine> => {
  if (inputs.mode === 'canary' || inputs.mode === 'live')
    throw new RangeError(
      `${inputs.runId} traded a real account: its fills are the exchange's, which no simulated venue reproduces; ` +
        'its decisions, orders and fills are in the log (npm run replay -- explain / audit)',
    );
  // The allocations the portfolio gave the run, applied where it applied them.
  const allocations = await recordedAllocations(store, inputs.runId);
  // And the breaker step-downs a person approved in it (a paper run's account id is its run id).
  const stepDowns = await recordedStepDowns(store, inputs.runId, inputs.runId);
  // And the desk's limit changes it took.
  const limitChanges = await recordedLimitChanges(store, inputs.runId);
  // A what-if writes another log, so they go in at the run's times instead of at its event counts.
  const whatIf = Object.keys(change).length > 0;
  const recorded = {
    ...(allocations.length ? { allocations } : {}),
    ...(stepDowns.length ? { stepDowns } : {}),
    ...(limitChanges.length ? { limitChanges } : {}),
  };
  const anyRecorded = allocations.length > 0 || stepDowns.length > 0 || limitChanges.length > 0;
  const req = {
    ...requestFromInputs(inputs, change),
    ...recorded,
    ...(whatIf && anyRecorded ? { allocationsBy: 'time' as const } : {}),
  };
  const feed = liveFeedOf(inputs);
  if (feed === null) return replayRequest(req);
  const { strategy, symbols, params, book } = await checkLiveRequest(req);
  const config = engineConfig(req, strategy, symbols, params, inputs.from, inputs.to, book);
  const engine = new Engine(
    {
      ...config,
      feedSource: feed,
      retainEvents: true,
      ...recorded,
      ...(whatIf && anyRecorded ? { allocationsBy: 'time' as const } : {}),
    },
    await recordedMarket(store, inputs, feed.venue),
  );
  engine.runToEnd();
  return engine;
};

// Key order is not content: the main store keeps data as its zod schema parsed it (schema order), the
// in-memory run as the engine built it.
const comparable = (e: StoredEvent) => {
  const { recordedAt: _r, ...metadata } = e.metadata;
  return canonicalJson([e.eventId, e.streamId, e.streamVersion, e.type, e.schemaVersion, e.data, metadata]);
};

export interface Divergence {
  /** Position of the event in the re-run's log order (0-based). */
  readonly index: number;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly rerun: StoredEvent | null;
  readonly recorded: StoredEvent | null;
  readonly fields: string[];
}

export interface RerunReport {
  readonly runId: string;
  readonly identical: boolean;
  readonly events: number;
  readonly recordedEvents: number;
  /**
   * Events of the re-run past the end of the recording: a live run that is still going (or was stopped)
   * has recorded a prefix of what its bars so far decide. Always 0 for a run that completed.
   */
  readonly ahead: number;
  readonly divergence: Divergence | null;
  /**
   * The engine log version the run was recorded by (RunStarted's config.engineVersion, or a paper or
   * live run id's tag; null: recorded before versions were written down, so 2 or earlier) and the one
   * this build writes. When they differ a re-run is expected to diverge: the engine changed, not the log.
   */
  readonly recordedEngine: number | null;
  readonly engine: number;
}

/** The engine log version a recorded run was written by, null when its record does not say. */
export const recordedEngineVersion = (inputs: RunInputs): number | null => {
  const v = (inputs.config as { engineVersion?: unknown }).engineVersion;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  // Paper and live run ids carry the version since version 2; a backtest's id never did.
  return inputs.mode !== 'backtest' && /-e\d{1,3}$/.test(inputs.runId) ? engineVersionOf(inputs.runId) : null;
};

const differingFields = (a: StoredEvent, b: StoredEvent): string[] => {
  const out: string[] = [];
  for (const k of ['eventId', 'type', 'schemaVersion'] as const) if (a[k] !== b[k]) out.push(k);
  const da = a.data as Record<string, unknown>;
  const db = b.data as Record<string, unknown>;
  for (const k of new Set([...Object.keys(da ?? {}), ...Object.keys(db ?? {})])) {
    if (canonicalJson(da?.[k]) !== canonicalJson(db?.[k])) out.push(`data.${k}`);
  }
  for (const k of ['correlationId', 'causationId', 'actor', 'mode', 'occurredAt'] as const) {
    if (a.metadata[k] !== b.metadata[k]) out.push(`metadata.${k}`);
  }
  return out;
};

/**
 * Re-executes a recorded run from its recorded inputs and compares the new log with the recorded one
 * event by event: the same stream at the same version must hold the same event (ids, data, links,
 * domain time). Global positions and recordedAt are the only fields allowed to differ.
 */
export const rerun = async (store: EventStore, runId: string): Promise<RerunReport> => {
  const recorded = await readRecordedRun(store, runId);
  const versions = { recordedEngine: recordedEngineVersion(recorded.inputs), engine: engineLogVersion };
  const engine = await replayRecorded(store, recorded.inputs);
  const fresh = engine.store.raw();
  // A run without its end recorded (a live run going on, a paper run whose node stopped): the recording
  // is a prefix of the re-run, stream by stream.
  const open = recorded.completed === null;
  let ahead = 0;
  const streams = new Map<string, StoredEvent[]>();
  for (const e of fresh)
    if (!streams.has(e.streamId)) streams.set(e.streamId, await store.readStream(e.streamId));
  let recordedEvents = 0;
  for (const s of streams.values()) recordedEvents += s.length;
  for (let i = 0; i < fresh.length; i++) {
    const e = fresh[i]!;
    const r = streams.get(e.streamId)![e.streamVersion - 1] ?? null;
    if (r === null && open) {
      ahead++;
      continue;
    }
    if (r === null || comparable(r) !== comparable(e)) {
      return {
        runId,
        identical: false,
        events: fresh.length,
        recordedEvents,
        ahead,
        ...versions,
        divergence: {
          index: i,
          streamId: e.streamId,
          streamVersion: e.streamVersion,
          rerun: e,
          recorded: r,
          fields: r ? differingFields(e, r) : ['(missing)'],
        },
      };
    }
  }
  for (const [streamId, rec] of streams) {
    const mine = fresh.filter((e) => e.streamId === streamId).length;
    if (rec.length > mine) {
      const r = rec[mine]!;
      return {
        runId,
        identical: false,
        events: fresh.length,
        recordedEvents,
        ahead,
        ...versions,
        divergence: {
          index: fresh.length,
          streamId,
          streamVersion: r.streamVersion,
          rerun: null,
          recorded: r,
          fields: ['(extra recorded event)'],
        },
      };
    }
  }
  return {
    runId,
    identical: true,
    events: fresh.length,
    recordedEvents,
    ahead,
    divergence: null,
    ...versions,
  };
};
