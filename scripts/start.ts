import { setMaxListeners } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../adapters/http/app.js';
import { BacktestManager } from '../adapters/http/backtests.js';
import { ProjectionVersion } from '../adapters/http/cache.js';
import { chainExplainer } from '../adapters/http/chains.js';
import { ApiMetrics } from '../adapters/http/metrics.js';
import { listen } from '../adapters/http/server.js';
import { strategyInfoOf } from '../adapters/http/views.js';
import { newEventId } from '../adapters/ids/event-id.js';
import type { InstrumentBook } from '../adapters/instruments/binance-files.js';
import { BinanceLiveBars } from '../adapters/marketdata/binance-live-bars.js';
import {
  binanceListings,
  LiveHotlistSource,
  RecordedHotlistSource,
  recordedGap,
} from '../adapters/marketdata/hotlist-inputs.js';
import { RecordingLiveBars } from '../adapters/marketdata/recording-live-bars.js';
import { judgeApiKey } from '../adapters/venue/api-key.js';
import { CcxtVenue } from '../adapters/venue/ccxt-venue.js';
import { binanceUsdmDefaultLimits, RateBudget } from '../adapters/venue/rate-budget.js';
import { RateGate } from '../adapters/venue/rate-gate.js';
import { SharedVenue } from '../adapters/venue/shared-venue.js';
import { HotlistHandlers } from '../commands/hotlist/handlers.js';
import { LifecycleHandlers } from '../commands/lifecycle/handlers.js';
import { ParameterVersionHandlers } from '../commands/optimizer/parameter-versions.js';
import { defaultSchedulerPlan } from '../commands/optimizer/scheduler-config.js';
import { ReoptimizationTriggers } from '../commands/optimizer/triggers.js';
import { PortfolioHandlers } from '../commands/portfolio/handlers.js';
import { toText } from '../domain/ledger/fixed.js';
import { instrumentChanges } from '../domain/ledger/instrument-changes.js';
import { binanceUsdm } from '../domain/ledger/venue.js';
import type { AdoptingVenue, HoldingVenue } from '../domain/ledger/venue-port.js';
import { allStrategies, builtInStrategies } from '../domain/strategies/index.js';
import { readWhitelist } from '../projections/hotlist/projection.js';
import { allProjections } from '../projections/index.js';
import { ProjectionRunner } from '../projections/runner.js';
import { loadFeeds } from '../replay/engine/feeds.js';
import { Waker } from '../replay/engine/live.js';
import { wallClock } from '../replay/engine/paper.js';
import { instrumentBookOnce } from '../replay/engine/run.js';
import { HotlistScanner } from './hotlist-scanner.js';
import { hotlistUniverse } from './hotlist-universe.js';
import { LifecycleManager, type StartRealRun } from './lifecycle-manager.js';
import {
  type AccountSession,
  accountSessionOf,
  endpointFromEnv,
  isLiveVenue,
  liveVenues,
  marketFeedOf,
} from './live-venues.js';
import { nodeId, openConfiguredStore, packageVersion } from './node-context.js';
import { nodeSettings } from './node-settings.js';
import { carriedLadders } from './paper/carried-ladders.js';
import { type CloseOutOptions, closeOutRun, settleForCarry } from './paper/closeout.js';
import { type CanaryRunSpec, type InForceParameters, PaperFleet, stepDownIn } from './paper/fleet.js';
import { handOverCarry } from './paper/hand-over.js';
import {
  carryableLeftover,
  clearLeftovers,
  leftoversOf,
  realAccountStreams,
  realLedgerFlows,
  realPositionsAt,
} from './paper/leftovers.js';
import { LiveMarks } from './paper/live-marks.js';
import { LivePaperSession, latestLiveStart, venueListingOf } from './paper/live-session.js';
import { endOlderEngineRuns } from './paper/older-engine.js';
import { carriedOn } from './paper/previous-run.js';
import { RealAccountSession, type RealAccountSessionOptions, realRunId } from './paper/real-session.js';
import { closeOutSuperseded, latestPaperStart, supersededPaperRuns } from './paper/superseded.js';
import { ParameterCanaryManager } from './parameter-canary.js';
import { PortfolioManager } from './portfolio-manager.js';
import { type RunningScheduler, startScheduler } from './reoptimization.js';
import { VenueHealth, venueStatusOf } from './venue-health.js';
import { volatilityTrigger } from './volatility-trigger.js';
import { whitelistedToTrade } from './whitelist-symbols.js';

const say = (m: string) => console.log(`[perpetua] ${m}`);
const t0 = performance.now();
say(`starting v${packageVersion()} (node ${process.version})`);

const {
  speed,
  feedKind,
  fedLive,
  paperFrom,
  warmupDays,
  configuredSymbols,
  port,
  scheduler,
  schedulerWorkers,
  schedulerFile,
  hotlist,
  hotlistTop,
  hotlistMinWallS,
  portfolio: portfolioOn,
  portfolioMinWallS,
  lifecycle: lifecycleOn,
  feeRates,
  gates,
  lifecycleMinWallS,
  lifecycleEveryS,
  liveOrders,
  accountVenue,
  credentials,
  liveRules,
  venueLabel,
  liveOnStop,
  backstop,
  liveLeftovers,
  keyWithdrawals,
  walletSettleS,
  canaryOn,
  canaryPlan,
  canaryMinWallS,
  capital,
} = nodeSettings(process.env);

const opened = await openConfiguredStore(say);
const id = nodeId();
await opened.store.append(`node-${id}`, 'any', [
  {
    eventId: newEventId(),
    type: 'NodeStarted',
    data: { nodeId: id, version: packageVersion(), store: opened.kind, migrations: opened.migrations.all },
    metadata: {
      correlationId: `node-${id}`,
      causationId: null,
      actor: 'system:node',
      mode: 'paper',
      occurredAt: new Date().toISOString(),
    },
  },
]);

const runner = new ProjectionRunner(opened.store, opened.db, allProjections(), { log: say });
await runner.prepare();
const caught = await runner.catchUpAll();
say(
  `projections caught up: ${Object.entries(caught)
    .map(([k, v]) => `${k} +${v}`)
    .join(', ')}`,
);
/*
 * Automation 10's outcome: a symbol a person approved from the hotlist (the whitelist) is traded with the
 * configured ones from this start on. On the recorded feed only if the data covers the runs' warm-up, else
 * the log says why it is left out. Approvals made while the node runs take effect at its next start.
 */
const whitelisted = (await readWhitelist(opened.db)).map((w) => w.symbol);
const paperSymbols = [...configuredSymbols];
const book = await instrumentBookOnce();

const stop = new AbortController();
// Every paper run, its clock and the projection runner wait on this one signal.
setMaxListeners(64, stop.signal);
const projecting = runner.run(stop.signal).catch((err: unknown) => {
  say(`projection runner stopped: ${err instanceof Error ? err.message : String(err)}`);
});

// Fed live, /metrics also says how old each symbol's newest bar is and how many fetches failed.
const metrics = new ApiMetrics(
  runner,
  fedLive ? { barAges: () => fleet.barAges(Date.now()), failures: () => liveBars?.failures ?? 0 } : undefined,
);
/** Real account's venue health, once LIVE_ORDERS has connected the account (below). */
let venueHealth: VenueHealth | null = null;
/** The account's session, whose clock is the exchange's as measured (below). */
let liveSession: AccountSession | null = null;
// One budget for every call this node makes to Binance: the bars feed and the account share the IP's
// weight. Binance's documented limits until the account's session reads the exchange's own.
const binanceGate =
  feedKind === 'binance'
    ? new RateGate({
        budget: new RateBudget(binanceUsdmDefaultLimits),
        // The exchange's windows are on its clock: this machine's, corrected once the account measured it.
        now: () => liveSession?.now() ?? Date.now(),
        onEvent: (e) => {
          metrics.observeRate(e);
          if (venueHealth !== null) venueHealth.rate(e);
          else if (e.kind === 'halted')
            say(`binance: calls stopped until ${new Date(e.until).toISOString()} (${e.status}: ${e.detail})`);
          else if (e.kind === 'resumed') say('binance: calls go through again');
        },
      })
    : null;
if (binanceGate !== null) {
  const gate = binanceGate;
  metrics.watchRateBudget(() =>
    gate.budget
      .usage(gate.now())
      .map((u) => ({ kind: u.limit.kind, window: u.limit.label, used: u.used, limit: u.limit.limit })),
  );
}
const binance =
  feedKind === 'binance'
    ? new BinanceLiveBars({
        ...(binanceGate ? { rateGate: binanceGate } : {}),
        recorded: async () => book.all,
        ...(process.env.BINANCE_FUTURES_URL
          ? {
              endpoint: {
                rest: process.env.BINANCE_FUTURES_URL,
                ws: process.env.BINANCE_FUTURES_WS ?? process.env.BINANCE_FUTURES_URL.replace(/^http/, 'ws'),
              },
            }
          : {}),
      })
    : null;
// A node that trades no account reads the exchange's own limits here (the account's session reads them
// when there is one); until then, and if the listing fails, Binance's documented ones hold.
if (binance && binanceGate && liveOrders !== 'binance')
  binance
    .rateLimits()
    .then((limits) => {
      if (limits.length > 0) binanceGate.budget.setLimits(limits);
    })
    .catch((err: unknown) =>
      say(
        `binance: rate limits not read (${err instanceof Error ? err.message : String(err)}); keeping Binance's documented ones`,
      ),
    );
// Bybit's and OKX's market data: their calls are paced by ccxt, apart from the account's (they count an
// account's private calls per account, the market's per IP).
const otherFeed = feedKind === 'bybit' || feedKind === 'okx' ? marketFeedOf(feedKind, process.env) : null;
/** The venue's live market, when the runs are fed one. */
const liveFeed = binance ?? otherFeed;
{
  // Which of them the runs trade (scripts/whitelist-symbols.ts): on Bybit's and OKX's market, asked of the
  // venue's listing once, here, before any run starts on its symbols.
  const { traded, left } = await whitelistedToTrade(whitelisted, {
    configured: configuredSymbols,
    feed: feedKind as 'recorded' | 'binance' | 'bybit' | 'okx',
    recorded: book.all,
    recordedGap: (symbol) => recordedGap(symbol, Date.parse(paperFrom) - warmupDays * 86_400_000),
    ...(otherFeed ? { listing: (symbols: readonly string[]) => otherFeed.listing(symbols) } : {}),
  });
  for (const { symbol, why } of left) say(`whitelisted ${symbol} not traded: ${why}`);
  paperSymbols.push(...traded);
  if (traded.length > 0) say(`whitelisted by the hotlist and traded: ${traded.join(', ')}`);
}
// Every bar and funding record the runs are given is recorded in the log first (BarClosed,
// FundingRatePublished), so a live run can be re-executed from the log: `npm run replay -- rerun <runId>`.
const liveBars = liveFeed ? new RecordingLiveBars(liveFeed, opened.store) : null;
// The runs trade by the venue's own grids and tiers, taken at a run's first start and recorded with it
// (Binance's with the recorded brackets: its public data has none).
const paperListing = liveFeed ? venueListingOf(liveFeed, book.all) : null;
// Fed live, open positions are valued at the venue's mark price between bar closes.
const liveMarks = liveFeed ? new LiveMarks(liveFeed, paperSymbols, { clock: wallClock, log: say }) : null;
liveMarks?.run(stop.signal).catch((err: unknown) => {
  say(`mark prices stopped: ${err instanceof Error ? err.message : String(err)}`);
});
/*
 * Automation 2's outcome: each strategy trades its parameter version in force (promoted at once, adopted
 * after its canary, or made active again by a rollback), and a version trading as a canary trades beside
 * it. A version is its own run (`-v<n>`); one adopted through a canary keeps the run it was judged on.
 */
const parameterVersions = new ParameterVersionHandlers(opened.store, newEventId);
const activeParameters = new Map<string, InForceParameters>();
const canaries = new Map<string, CanaryRunSpec>();
for (const strategyId of Object.keys(builtInStrategies)) {
  const st = await parameterVersions.state(strategyId);
  if (st.canary && !canaryOn)
    say(
      `paper ${strategyId}: version ${st.canary.version}'s canary waits: PARAMETER_CANARY is off (an approver can adopt or roll it back on the Optimizer page)`,
    );
  else if (st.canary)
    canaries.set(strategyId, {
      version: st.canary.version,
      params: st.canary.params,
      startedAt: st.canary.startedAt,
      share: st.canary.plan.share,
    });
  const params = st.active !== null ? st.versions.get(st.active) : undefined;
  if (st.active === null || st.active === 0 || !params) continue;
  const since = st.runStarts.get(st.active);
  activeParameters.set(strategyId, {
    version: st.active,
    params,
    ...(since !== undefined ? { from: new Date(since).toISOString().slice(0, 10) } : {}),
  });
  say(`paper ${strategyId}: trades parameter version ${st.active} (${JSON.stringify(params)})`);
}
for (const [strategyId, c] of canaries)
  say(`paper ${strategyId}: parameter version ${c.version} trades as a canary (${c.share * 100} %)`);
// Paper runs an earlier engine wrote cannot be resumed by this one (replay/engine/engine-version.ts):
// they end where they stood, and on the recorded feed each strategy's new run carries their clock on.
const olderEngine = new Map<string, number>();
for (const r of await endOlderEngineRuns(opened.db, opened.store, say))
  if (r.runId.startsWith('paper-'))
    olderEngine.set(r.strategyId, Math.max(olderEngine.get(r.strategyId) ?? 0, r.lastAt));
// Fed live without PAPER_FROM, each strategy carries on its latest live run on these symbols (a restart
// on a later day resumes it) and starts today only when there is none.
const liveStarts = new Map<string, string>();
if (liveFeed)
  for (const strategyId of Object.keys(builtInStrategies)) {
    const start =
      process.env.PAPER_FROM ??
      (await latestLiveStart(
        opened.db,
        strategyId,
        paperSymbols,
        activeParameters.get(strategyId)?.version,
        liveFeed.venue,
      )) ??
      paperFrom;
    liveStarts.set(strategyId, start);
    if (start !== paperFrom) say(`paper ${strategyId}: carries on its live run from ${start}`);
  }
/*
 * On the recorded feed, a strategy whose symbol set changed since the last start (the hotlist's whitelist,
 * or PAPER_SYMBOLS) trades it in a run of its own (the run id names the symbols). The run it supersedes is
 * ended first, with the engine's events: its positions closed at its next bars and the run completed
 * (scripts/paper/superseded.ts), so no view counts it as live. The new run carries the clock on from
 * where the superseded one was, so the market clock never goes back, and the next start resumes it.
 */
const starts = new Map<string, { from: string; catchUpTo?: number }>();
if (!liveFeed)
  for (const strategyId of Object.keys(builtInStrategies)) {
    const version = activeParameters.get(strategyId)?.version ?? 0;
    const resumed = await latestPaperStart(opened.db, strategyId, paperSymbols, paperFrom, version);
    if (resumed !== null && resumed !== paperFrom) {
      starts.set(strategyId, { from: resumed });
      say(`paper ${strategyId}: carries on its run on ${paperSymbols.join(',')} from ${resumed}`);
    }
    let reached = olderEngine.get(strategyId) ?? Number.NEGATIVE_INFINITY;
    for (const run of await supersededPaperRuns(opened.db, strategyId, paperSymbols))
      reached = Math.max(
        reached,
        await closeOutSuperseded(run, { store: opened.store, warmupDays, symbols: paperSymbols, log: say }),
      );
    if (resumed === null && reached > Date.parse(`${paperFrom}T00:00:00Z`)) {
      const from = new Date(reached).toISOString().slice(0, 10);
      // Caught up through the bar that closed at `reached` (the catch-up steps what comes before its mark).
      starts.set(strategyId, { from, catchUpTo: reached + 1 });
      say(
        `paper ${strategyId}: trades ${paperSymbols.join(',')} from ${new Date(reached).toISOString()}, where its earlier run ended`,
      );
    }
  }
const fleet = new PaperFleet({
  starts,
  strategies: Object.keys(builtInStrategies),
  symbols: paperSymbols,
  from: paperFrom,
  warmupDays,
  speed,
  parameters: activeParameters,
  canaries,
  store: opened.store,
  onAppended: (events) => metrics.observeAppended(events),
  log: say,
  ...(feeRates ? { feeRates } : {}),
  ...(liveBars
    ? {
        session: (strategyId, variant) =>
          new LivePaperSession({
            strategyId,
            symbols: paperSymbols,
            from: variant.from ?? liveStarts.get(strategyId) ?? paperFrom,
            ...(variant.parameters ? { parameters: variant.parameters } : {}),
            ...(variant.initialAllocation ? { initialAllocation: variant.initialAllocation } : {}),
            feed: liveBars,
            ...(paperListing ? { listing: paperListing } : {}),
            ...(feeRates ? { feeRates } : {}),
            store: opened.store,
            onAppended: (events) => metrics.observeAppended(events),
            log: say,
          }),
      }
    : {}),
});
if (feeRates)
  say(
    `paper runs book fees at maker ${feeRates.maker}, taker ${feeRates.taker} (PAPER_FEE_RATES); a run that started before keeps the rates it started with`,
  );
await fleet.prepare();
fleet.start(stop.signal);
say(
  `paper trading ${Object.keys(builtInStrategies).join(', ')} on ${paperSymbols.join(',')} from ${paperFrom} ${liveFeed ? `on ${isLiveVenue(liveFeed.venue) ? liveVenues[liveFeed.venue].exchange : liveFeed.venue}'s live bars` : `at ${speed}×`}`,
);

/*
 * Automation 1 in the same process (an embedded store has one): the re-optimisation scheduler follows
 * the paper runs' market clock and KPIs and runs the optimizer when they call for it. SCHEDULER=off
 * leaves it out (e.g. when `npm run scheduler` watches a shared PostgreSQL log); SCHEDULER_WORKERS sets
 * its trial workers and SCHEDULER_CONFIG what it watches (scripts/node-settings.ts).
 */
let scheduling: RunningScheduler | null = null;
// The optimizer backtests on the recorded data set, which ends in 2023: fed live bars, the runs' market
// clock is today, and every re-optimisation it asked for would fail on a window outside the data. So with
// a live PAPER_FEED the scheduler is off unless SCHEDULER says otherwise.
if (process.env.SCHEDULER === undefined && fedLive)
  say(
    're-optimisation scheduler off: the optimizer backtests on the recorded data, which live runs have left behind',
  );
if (scheduler) {
  scheduling = await startScheduler({
    store: opened.store,
    plan: schedulerFile ?? defaultSchedulerPlan(Object.keys(builtInStrategies), paperSymbols),
    // Local workers even when REDIS_URL is set: a node that trades should not wait on queue workers
    // that may not exist. `npm run scheduler` is the one that sends trials to BullMQ.
    workers: schedulerWorkers,
    signal: stop.signal,
    log: say,
    autoPromote: !canaryOn,
  });
  const plan = schedulerFile
    ? `${schedulerFile.strategies.map((s) => `${s.strategyId} (${[s.cron && `cron ${s.cron}`, s.kpi && 'KPIs'].filter(Boolean).join(', ')})`).join('; ')} from ${process.env.SCHEDULER_CONFIG}`
    : 'weekly and on KPI decay per strategy';
  say(`re-optimisation scheduler: ${plan}, trials on ${scheduling.where}`);
}
if (canaryOn) {
  const canary = new ParameterCanaryManager({
    handlers: parameterVersions,
    strategies: Object.keys(builtInStrategies),
    fleet,
    plan: canaryPlan,
    marketNow: () => fleet.now(),
    clock: wallClock,
    minWallMs: canaryMinWallS * 1000,
    log: say,
  });
  canary.run(stop.signal).catch((err: unknown) => {
    say(`parameter canary stopped: ${err instanceof Error ? err.message : String(err)}`);
  });
  say(
    `parameter canary: a version that passes the gates trades ${canaryPlan.share * 100} % beside the one in force for ${canaryPlan.minHours} market hours before it takes over`,
  );
}

/*
 * Automation 10: the hotlist scans the market hourly on the runs' clock (on recorded data at most every
 * HOTLIST_MIN_WALL_S seconds of wall time, default 300) and records a ranking with risk labels. Only a
 * person puts a symbol on the whitelist (POST /api/hotlist/approve). HOTLIST=off leaves it out;
 * HOTLIST_SYMBOLS sets the universe (default: on a live feed the venue's HOTLIST_TOP most traded USDT
 * perpetuals, 30 unless set, with the runs' symbols; on recorded data the symbols with recorded 1h bars).
 */
if (hotlist) {
  const universe = hotlistUniverse({
    configured: process.env.HOTLIST_SYMBOLS
      ? process.env.HOTLIST_SYMBOLS.split(',').map((s) => s.trim())
      : null,
    market: liveFeed,
    top: hotlistTop,
    traded: () => paperSymbols,
    recorded: RecordedHotlistSource.available(),
    log: say,
  });
  const meta = { instrument: (symbol: string) => book.all.get(symbol), listings: await binanceListings() };
  const scanner = new HotlistScanner({
    handlers: new HotlistHandlers(opened.store, newEventId),
    source: liveFeed ? new LiveHotlistSource(liveFeed, meta) : new RecordedHotlistSource(meta),
    symbols: universe.symbols,
    marketNow: () => fleet.now(),
    clock: wallClock,
    minWallMs: hotlistMinWallS * 1000,
    log: say,
    // Automation 7's volatility trigger reads each scan: a traded symbol at the top of its volatility
    // range asks every strategy to re-optimise (the scheduler runs the requests when it is on).
    onScan: volatilityTrigger({
      triggers: new ReoptimizationTriggers(opened.store, newEventId),
      strategies: Object.keys(builtInStrategies),
      symbols: () => paperSymbols,
      log: say,
    }),
  });
  scanner.run(stop.signal).catch((err: unknown) => {
    say(`hotlist scanner stopped: ${err instanceof Error ? err.message : String(err)}`);
  });
  say(`hotlist: scanning ${universe.describe} hourly on the runs' clock`);
}
/*
 * Automation 7: the strategy bandit allocates capital between the paper runs and benches the weakest for
 * a cooldown. A round runs every market hour of the runs' clock, and on recorded data at most every
 * PORTFOLIO_MIN_WALL_S seconds of wall time (default 60). PORTFOLIO=off leaves it out. docs/portfolio.md.
 */
let portfolio: PortfolioManager | null = null;
if (portfolioOn) {
  portfolio = new PortfolioManager({
    handlers: new PortfolioHandlers(opened.store, newEventId),
    arms: () => fleet.runs().map((run) => ({ strategyId: run.status().strategyId, run })),
    marketNow: () => fleet.now(),
    clock: wallClock,
    minWallMs: portfolioMinWallS * 1000,
    log: say,
  });
  const manager = portfolio;
  manager.run(stop.signal).catch((err: unknown) => {
    say(`portfolio stopped: ${err instanceof Error ? err.message : String(err)}`);
  });
  say('portfolio: strategy bandit (Thompson sampling, 7-day window, 72 h cooldown) on the runs’ clock');
}
/*
 * Automation 8: every strategy's way to real money, paper → shadow → canary → prod, judged every market
 * hour on its runs' evidence (docs/lifecycle.md). Real money needs one person's approval
 * (POST /api/lifecycle/approve) and a node that can trade it: LIVE_ORDERS=binance with PAPER_FEED=binance,
 * BINANCE_API_KEY and BINANCE_API_SECRET; LIVE_ORDERS=bybit with PAPER_FEED=bybit, BYBIT_API_KEY and
 * BYBIT_API_SECRET (a unified trading account in one-way mode); or LIVE_ORDERS=okx with PAPER_FEED=okx,
 * OKX_API_KEY, OKX_API_SECRET and OKX_API_PASSPHRASE (net position mode). A canary trades LIFECYCLE's canary share of LIVE_CAPITAL (USDT per
 * strategy), prod all of it. LIFECYCLE=off leaves it out; LIFECYCLE_GATES (JSON) changes the gates.
 */
let realVenue: SharedVenue | null = null;
/** The lane that follows and closes what earlier processes' real runs left (scripts/paper/closeout.ts). */
let closeoutLane: AdoptingVenue | null = null;
/** Each real run's lane of the account, by run id: a run handing over is settled on its own. */
const realLanes = new Map<string, AdoptingVenue & HoldingVenue>();
let realAccount: CcxtVenue | null = null;
/** Why the account's API key may not trade real money (judgeApiKey); null when it may, or none is set. */
let realMoneyRefused: string | null = null;
/** The key's permissions as read at the start, for /api/status. */
let keyStatus: {
  ipRestricted: boolean;
  withdrawals: boolean;
  futures: boolean;
  refused: string | null;
} | null = null;
const wakers = new Set<Waker>();
if (accountVenue !== null) {
  const endpoint = endpointFromEnv(accountVenue, process.env);
  const health = new VenueHealth({
    store: opened.store,
    venue: liveRules.venue,
    now: Date.now,
    onCall: (c) => metrics.venueCalls.observe({ call: c.call, outcome: c.outcome }, c.ms / 1000),
    log: say,
  });
  venueHealth = health;
  // The venue's rate limits (Binance's from exchangeInfo, synced from its headers; Bybit's and OKX's
  // documented ones): reduce-only orders, cancels and lookups first; nothing is sent while the exchange
  // says stop, and a ban is an alert (docs/live-venue.md).
  const session = accountSessionOf(accountVenue.name, {
    credentials,
    endpoint,
    binanceGate,
    onRate: (e) => {
      metrics.observeRate(e);
      health.rate(e);
    },
    onClock: (c) => health.clock(c),
    log: say,
  });
  liveSession = session;
  const ownGate = binanceGate === null ? session.rateGate : null;
  if (ownGate !== null)
    metrics.watchRateBudget(() =>
      ownGate.budget
        .usage(ownGate.now())
        .map((u) => ({ kind: u.limit.kind, window: u.limit.label, used: u.used, limit: u.limit.limit })),
    );
  metrics.watchClockOffset(() => session.clockOffsetMs);
  realAccount = await CcxtVenue.open({
    session,
    clock: wallClock,
    onReport: () => {
      for (const w of wakers) w.wake();
    },
    onCall: (c) => health.call(c),
    onStream: (state, detail) => health.stream(state, detail),
    log: say,
  });
  // Least privilege (design §15): a key that can withdraw, or cannot trade futures, trades nothing here.
  try {
    const key = await session.keyRestrictions();
    const verdict = judgeApiKey(key, keyWithdrawals === 'allow', venueLabel);
    for (const w of verdict.warnings) say(`real money: ${w}`);
    realMoneyRefused = verdict.refuse;
    keyStatus = {
      ipRestricted: key.ipRestrict,
      withdrawals: key.enableWithdrawals,
      futures: key.enableFutures,
      refused: verdict.refuse,
    };
  } catch (err) {
    say(
      `real money: the API key's permissions could not be read (${err instanceof Error ? err.message : String(err)}); trading on with them unchecked`,
    );
  }
  if (realMoneyRefused !== null) {
    say(`real money: refused: ${realMoneyRefused}`);
    await realAccount.close();
    realAccount = null;
  } else {
    realVenue = new SharedVenue(realAccount, say);
    say(
      `real money: ${accountVenue.market} account connected; ${capital} USDT per strategy in prod, ${gates.canaryShare * 100} % of it as a canary`,
    );
    say(
      backstop
        ? `real money: each position keeps a reduce-only stop at the exchange ${backstop.bufferBps} bp beyond the engine's stop (LIVE_BACKSTOP)`
        : 'real money: no stop is kept at the exchange (LIVE_BACKSTOP=off): a node that is down protects nothing',
    );
  }
}
let lifecycle: LifecycleManager | null = null;
if (lifecycleOn) {
  const startReal: StartRealRun | null =
    realVenue && liveFeed && liveBars
      ? async (strategyId, mode, share, replacing) => {
          closeoutLane ??= realVenue!.lane();
          const closeoutVenue = closeoutLane;
          // Real orders and fills are on the exchange's grids and brackets of today, listed afresh at each
          // start; the recorded metadata may be out of date (Binance changes ticks and brackets).
          let instruments: InstrumentBook;
          try {
            instruments = await realAccount!.instrumentBook(paperSymbols);
          } catch (err) {
            return `${strategyId} cannot trade real money: the exchange's instruments could not be listed (${err instanceof Error ? err.message : String(err)})`;
          }
          for (const symbol of paperSymbols) {
            const now = instruments.all.get(symbol);
            if (now === undefined)
              return `${strategyId} cannot trade real money: the exchange no longer lists ${symbol}`;
            // The recorded metadata is Binance's: another exchange's listing differs from it by nature.
            const recorded = liveRules === binanceUsdm ? book.all.get(symbol) : undefined;
            if (recorded === undefined) continue;
            for (const line of instrumentChanges(recorded, now))
              say(
                `instruments: ${line} on the exchange since the recorded metadata; real runs use the exchange's`,
              );
          }
          // The account's rates are asked before anything an earlier run left is followed or closed: on
          // Binance a maker's commission takes its sign (a rebate or a fee) from the listed maker rate,
          // which the session learns by asking (adapters/venue/binance/usdm-messages.ts).
          try {
            await realAccount!.commissionRates(paperSymbols);
          } catch (err) {
            return `${strategyId} cannot trade real money: the account's commission rates could not be listed (${err instanceof Error ? err.message : String(err)})`;
          }
          const closeOutOptions: CloseOutOptions = {
            store: opened.store,
            venue: closeoutVenue,
            rules: liveRules,
            instrument: instruments.get,
            clock: wallClock,
            newEventId,
            log: say,
            forcedFills: (symbol, since) => realAccount!.forcedFillsSince(symbol, since),
            fundingCharged: (symbol, since) => realAccount!.fundingChargedSince(symbol, since),
            clearanceFees: (symbol, since) => realAccount!.clearanceFeesSince(symbol, since),
            fundingSettlement: (symbol, time) => realAccount!.fundingSettlementAt(symbol, time),
            positionsAt: async (symbol, time) =>
              realPositionsAt(
                opened.store,
                await realAccountStreams(opened.db, liveRules.venue),
                symbol,
                time,
              ),
          };
          const activeHere = () =>
            new Set(
              (lifecycle?.realRuns() ?? [])
                .filter((r) => r.status().state === 'running' || r.status().state === 'starting')
                .map((r) => r.runId),
            );
          const leftovers = { db: opened.db, venueName: liveRules.venue, activeHere };
          let carry: RealAccountSessionOptions['carry'];
          if (replacing !== undefined) {
            // A run of this process whose parameter version is no longer in force: it trades on until this
            // one is ready, then stops, and is settled on its own lane, which follows its orders.
            const from = replacing instanceof RealAccountSession ? replacing : null;
            const lane = realLanes.get(replacing.runId);
            if (from === null || lane === undefined)
              return `${replacing.runId} is not a real run of this process`;
            carry = {
              ...handOverCarry(
                from,
                lane,
                closeOutOptions,
                'the run of the parameter version in force takes them over',
              ),
              ladders: (symbols) => carriedLadders(opened.db, opened.store, from.runId, symbols, say),
            };
          }
          const carryFrom =
            liveLeftovers === 'carry' && replacing === undefined
              ? await carryableLeftover(strategyId, leftovers, paperSymbols)
              : null;
          if (carryFrom !== null) {
            const held = carryFrom.positions.map((p) => `${p.symbol} ${toText(p.quantity)}`).join(', ');
            say(`${strategyId}: its next real run carries on what ${carryFrom.runId} left (${held})`);
            carry = {
              from: carryFrom,
              // Its own lane: the settling runs inside the new run's start, beside other strategies'
              // close-outs, and a lane follows one run's holding for the funding split.
              settle: () => settleForCarry(carryFrom, { ...closeOutOptions, venue: realVenue!.lane() }),
              ladders: (symbols) => carriedLadders(opened.db, opened.store, carryFrom.runId, symbols, say),
            };
          } else if (replacing === undefined) {
            const waiting = await clearLeftovers(strategyId, {
              ...leftovers,
              policy: liveLeftovers === 'wait' ? 'wait' : 'close',
              closeOut: (l) => closeOutRun(l, closeOutOptions),
              log: say,
            });
            if (waiting !== null) return waiting;
          }
          // The version in force now (a canary may have taken over since the node started).
          const st = await parameterVersions.state(strategyId);
          const inForce = st.active !== null && st.active > 0 ? st.versions.get(st.active) : undefined;
          const id = realRunId(strategyId, paperSymbols, wallClock.now(), inForce ? st.active! : 0);
          // Two real runs of one strategy built in the same second would share their streams.
          if (realLanes.has(id)) return `${strategyId}: a real run ${id} was built this second; tried again`;
          const waker = new Waker();
          wakers.add(waker);
          const lane = realVenue!.lane();
          const run = new RealAccountSession({
            strategyId,
            symbols: paperSymbols,
            ...(inForce ? { parameters: { version: st.active!, params: inForce } } : {}),
            mode,
            share,
            capital,
            feed: liveBars,
            marks: liveFeed,
            venue: lane,
            venueName: liveRules.venue,
            waker,
            store: opened.store,
            onAppended: (events) => metrics.observeAppended(events),
            log: say,
            instruments,
            listInstruments: () => realAccount!.instrumentBook(paperSymbols),
            commissionRates: (symbols) => realAccount!.commissionRates(symbols),
            configureAccount: (settings) => realAccount!.configure(settings),
            ...(carry !== undefined ? { carry } : {}),
            ...(backstop ? { backstop } : {}),
            carriedOn: () =>
              carriedOn(opened.db, opened.store, liveRules.venue, strategyId, id, wallClock.now()),
          });
          try {
            await run.prepare();
          } catch (err) {
            wakers.delete(waker);
            return `${strategyId} cannot trade real money: ${err instanceof Error ? err.message : String(err)}`;
          }
          realLanes.set(run.runId, lane);
          return run;
        }
      : null;
  lifecycle = new LifecycleManager({
    handlers: new LifecycleHandlers(opened.store, newEventId, gates),
    gates,
    strategies: new Map(Object.values(builtInStrategies).map((d) => [d.id, d.version])),
    runs: () => fleet.runs(),
    feed: liveFeed ? 'live' : 'recorded',
    // A run still starting has no market time yet (its clock reads the wall's): the lifecycle waits for all.
    marketNow: () => (fleet.runs().some((r) => r.status().state === 'starting') ? null : fleet.now()),
    clock: wallClock,
    fundingSettleMs: walletSettleS * 1000,
    minWallMs: lifecycleMinWallS * 1000,
    everyMs: lifecycleEveryS * 1000,
    startReal,
    // A real run follows the parameter version in force: with the canary on, versions change while it trades.
    ...(canaryOn
      ? {
          versionInForce: async (strategyId: string) =>
            (await parameterVersions.state(strategyId)).active ?? 0,
          // Under LIVE_LEFTOVERS=carry, the run of the version in force takes the positions over.
          handOverVersions: liveLeftovers === 'carry',
        }
      : {}),
    // Every minute, when nothing is on its way, the account is reconciled with the real runs' ledgers.
    ...(realAccount
      ? {
          account: {
            venue: liveRules.venue,
            positions: () => realAccount!.positions(),
            walletBalance: (asset) => realAccount!.walletBalance(asset),
            get quiet() {
              return realAccount!.quiet;
            },
          },
          // What earlier processes' real runs left (waiting, or being closed out) is on the account too.
          leftovers: async () =>
            (await leftoversOf(opened.db, null, liveRules.venue)).map((l) => {
              const positions = new Map<string, bigint>();
              for (const p of l.positions)
                positions.set(p.symbol, (positions.get(p.symbol) ?? 0n) + p.quantity);
              return { runId: l.runId, positions };
            }),
          otherLedgerFlows: (driven) => realLedgerFlows(opened.db, liveRules.venue, driven),
          // The runs size on no more than the wallet backs of what they commit (automation 4).
          capital: Number(capital),
        }
      : {}),
    log: say,
  });
  const manager = lifecycle;
  manager.run(stop.signal).catch((err: unknown) => {
    say(`lifecycle stopped: ${err instanceof Error ? err.message : String(err)}`);
  });
  say(
    `lifecycle: paper → shadow → canary → prod on each run's evidence, real money by a person's approval${realVenue ? '' : ' (this node trades none: LIVE_ORDERS is off)'}`,
  );
}
const backtests = new BacktestManager();
const readVersion = await new ProjectionVersion(runner).start();
const { app } = createApp({
  version: packageVersion(),
  node: id,
  store: opened.store,
  db: opened.db,
  storeInfo: { kind: opened.kind, location: opened.location },
  projections: runner,
  paper: () => [...fleet.status(), ...(lifecycle?.realRuns().map((r) => r.status()) ?? [])],
  ...(binanceGate
    ? {
        venue: () =>
          venueStatusOf(
            'binance',
            binanceGate!,
            venueHealth,
            binanceGate!.now(),
            liveSession?.clockOffsetMs ?? null,
            keyStatus,
          ),
      }
    : liveSession?.rateGate
      ? {
          venue: () =>
            venueStatusOf(
              liveRules.venue,
              liveSession!.rateGate!,
              venueHealth,
              liveSession!.now(),
              liveSession!.clockOffsetMs,
              keyStatus,
            ),
        }
      : {}),
  ...(scheduling
    ? {
        scheduler: () => {
          const st = scheduling!.scheduler.status();
          return { ...st, clock: st.clock === null ? null : new Date(st.clock).toISOString() };
        },
      }
    : {}),
  marks: (accountId, symbol) => liveMarks?.get(symbol) ?? fleet.mark(accountId, symbol),
  accountContext: { instrument: book.get, rules: binanceUsdm },
  strategies: Object.values(allStrategies).map(strategyInfoOf),
  backtests,
  metrics,
  // Fed live, the market is the venue's bars the runs hold; the recorded files end years before their clock.
  bars: (symbol, timeframe) => {
    if (liveBars) return fleet.bars(symbol, timeframe);
    try {
      return loadFeeds([symbol], timeframe).feeds.bars.get(symbol);
    } catch {
      return undefined;
    }
  },
  marketNow: () => fleet.now(),
  universe: { configured: configuredSymbols, trading: () => paperSymbols },
  ...(portfolio ? { rebalance: (by: string) => portfolio!.rebalance(by) } : {}),
  // A real run's breakers too: its levels go on from one start of the node to the next (previous-run.ts),
  // so a person is the only way down for them as for a paper run's.
  stepDownBreaker: (runId, cmd) =>
    fleet.stepDownBreaker(runId, cmd) ?? stepDownIn(lifecycle?.realRuns() ?? [], runId, cmd),
  applyRiskLimits: (c) => fleet.applyRiskLimits(c),
  lifecycle: {
    gates,
    ...(lifecycle
      ? {
          evidence: (strategyId: string) => lifecycle!.evidence(strategyId),
          realRun: (strategyId: string) => {
            const run = lifecycle!.realRun(strategyId);
            if (!run) return null;
            const st = run.status();
            return {
              runId: run.runId,
              mode: run.mode,
              state: st.state,
              share: run.sizing,
              error: st.error,
              unbooked: [...run.unbooked()],
              wentOnFrom: [...(run.wentOnFrom?.() ?? [])],
            };
          },
        }
      : {}),
    realMoney: () => ({
      venue: realVenue ? liveRules.venue : null,
      why: realVenue
        ? null
        : realMoneyRefused !== null
          ? `the ${venueLabel} API key is refused: ${realMoneyRefused}`
          : lifecycle
            ? 'LIVE_ORDERS is off: set LIVE_ORDERS=binance, PAPER_FEED=binance, BINANCE_API_KEY and BINANCE_API_SECRET (or the same for bybit or okx, with their own keys)'
            : 'LIFECYCLE is off',
      capital: realVenue ? capital : null,
      backing: realVenue && lifecycle ? lifecycle.backing : null,
    }),
  },
  // Answers valued at marks change with the marks too: fed live, the version also counts new marks.
  readVersion: liveMarks
    ? () => {
        const v = readVersion.value;
        return v === null ? null : v * 2 ** 20 + (liveMarks.version % 2 ** 20);
      }
    : () => readVersion.value,
  explain: chainExplainer(opened.store),
  log: say,
  uiDir: path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'ui', 'dist'),
});

const http = await listen(app, {
  port,
  store: opened.store,
  metrics,
  // Fed live, the `market` channel carries the venue's mark prices as they move.
  ...(liveMarks ? { ws: { market: liveMarks.ticks } } : {}),
});
say(`ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
say(
  `open ${http.url}  (API under /api, OpenAPI at /openapi.json, metrics at /metrics, WebSocket at /ws); Ctrl-C stops`,
);

let stopping = false;
const shutdown = async (sig: string) => {
  if (stopping) return;
  stopping = true;
  say(`${sig}: stopping`);
  if (liveOnStop === 'flatten' && lifecycle) {
    say('LIVE_ON_STOP=flatten: closing the real runs’ positions first');
    const open = await lifecycle.flattenAll('the node is stopping (LIVE_ON_STOP=flatten)', 60_000);
    if (open.length > 0) say(`still open after 60 s, left on the account: ${open.join(', ')}`);
  }
  stop.abort();
  await fleet.stopped();
  await realAccount?.close();
  binanceGate?.close();
  await venueHealth?.close();
  await scheduling?.done;
  await http.close();
  await projecting;
  await opened.close();
  say('stopped: the runs, the API and the store are closed');
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
