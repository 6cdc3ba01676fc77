import { readFileSync } from 'node:fs';
import { type SchedulerPlan, schedulerPlan } from '../commands/optimizer/scheduler-config.js';
import { binanceUsdm } from '../domain/ledger/venue.js';
import { backstopPlanFromEnv } from './backstop-plan.js';
import { canaryPlanFromEnv } from './canary-plan.js';
import { gatesFromEnv } from './lifecycle-gates.js';
import { credentialsFromEnv, isLiveVenue, liveVenueNames, liveVenues } from './live-venues.js';
import { paperFeeRates } from './paper/fee-settings.js';

/** The scheduler's file (the one `npm run scheduler -- --config` reads), checked whole at start. */
const schedulerConfigFile = (path: string): SchedulerPlan => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RangeError(
      `SCHEDULER_CONFIG: cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  try {
    return schedulerPlan(JSON.parse(text));
  } catch (err) {
    throw new RangeError(`SCHEDULER_CONFIG ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
};

/**
 * The node's settings from its environment, read before anything starts: a setting that cannot be right
 * stops `npm start` with the reason (a RangeError naming the variable), before a store is opened or a
 * venue asked. Apart from scripts/start.ts so that each refusal can be checked without starting a node.
 */
export const nodeSettings = (env: NodeJS.ProcessEnv, now: () => Date = () => new Date()) => {
  /*
   * Paper trading settings. 3600× replays an hour of market per second: the built-in strategies trade
   * 1h bars, so every second brings a new bar to each run and the dashboard visibly moves; the seven
   * months after 2023-06-01 then last about 85 minutes. PAPER_SPEED=1 is real time. The ten days before
   * the start are replayed at full speed first (PAPER_WARMUP_DAYS) so the strategies trade at once.
   */
  const speed = Number(env.PAPER_SPEED ?? 3600);
  if (!(speed > 0)) throw new RangeError(`PAPER_SPEED must be a positive number, got ${env.PAPER_SPEED}`);
  /*
   * PAPER_FEED=binance paper-trades Binance USDⓈ-M's live bars instead (market data only: fills are
   * simulated on the bars, as in a backtest), from PAPER_FROM (default: today, UTC); PAPER_FEED=bybit and
   * PAPER_FEED=okx those venues' USDT perpetuals, their runs booked by the venue's fees. A restart with the
   * same start resumes each run. BINANCE_FUTURES_URL / BINANCE_FUTURES_WS, BYBIT_URL / BYBIT_WS and OKX_URL /
   * OKX_WS send the calls elsewhere (a proxy, or the local fakes the tests use).
   */
  const feedKind = env.PAPER_FEED ?? 'recorded';
  if (feedKind !== 'recorded' && !isLiveVenue(feedKind))
    throw new RangeError(`PAPER_FEED must be recorded, ${liveVenueNames.join(', ')}, got ${feedKind}`);
  /** Fed a venue's live market (not the recorded files). */
  const fedLive = feedKind !== 'recorded';
  const paperFrom = env.PAPER_FROM ?? (fedLive ? now().toISOString().slice(0, 10) : '2023-06-01');
  const warmupDays = Number(env.PAPER_WARMUP_DAYS ?? 10);
  if (!(warmupDays >= 0 && Number.isFinite(warmupDays)))
    throw new RangeError(`PAPER_WARMUP_DAYS must be a number of days ≥ 0, got ${env.PAPER_WARMUP_DAYS}`);
  /** The symbols the operator configured; symbols a person put on the hotlist's whitelist join them below. */
  const configuredSymbols = (env.PAPER_SYMBOLS ?? 'BTCUSDT,ETHUSDT,LTCUSDT').split(',').map((s) => s.trim());
  if (configuredSymbols.some((s) => s === ''))
    throw new RangeError(`PAPER_SYMBOLS must be symbols separated by commas, got ${env.PAPER_SYMBOLS}`);
  // 0 lets the OS pick a free port (the log says which).
  const port = Number(env.PORT ?? 8080);
  if (!(Number.isInteger(port) && port >= 0 && port <= 65_535) || env.PORT?.trim() === '')
    throw new RangeError(`PORT must be a port number in 0..65535, got ${env.PORT}`);
  /*
   * The node's parts that can be left out, each on unless set to off: the re-optimisation scheduler
   * (off by default on a live feed: it backtests on the recorded data), the hotlist, the strategy
   * bandit and the lifecycle. Anything but on or off is refused, so a typo never leaves one running.
   */
  const switchOf = (name: string, fallback: 'on' | 'off'): boolean => {
    const v = env[name] ?? fallback;
    if (v !== 'on' && v !== 'off') throw new RangeError(`${name} must be on or off, got ${v}`);
    return v === 'on';
  };
  const scheduler = switchOf('SCHEDULER', fedLive ? 'off' : 'on');
  const hotlist = switchOf('HOTLIST', 'on');
  const portfolio = switchOf('PORTFOLIO', 'on');
  const lifecycle = switchOf('LIFECYCLE', 'on');
  // The scheduler's trial workers (default 1, leaving a core to the paper runs and the API), and what it
  // watches: SCHEDULER_CONFIG names the file `npm run scheduler -- --config` reads, else every built-in
  // strategy on the paper symbols with the defaults (commands/optimizer/scheduler-config.ts).
  const schedulerWorkers = Number(env.SCHEDULER_WORKERS ?? 1);
  if (!(Number.isInteger(schedulerWorkers) && schedulerWorkers >= 1))
    throw new RangeError(`SCHEDULER_WORKERS must be a positive integer, got ${env.SCHEDULER_WORKERS}`);
  const schedulerFile = env.SCHEDULER_CONFIG ? schedulerConfigFile(env.SCHEDULER_CONFIG) : null;
  // The hotlist's universe on a live feed (the venue's most traded), and its wall-time pace on recorded data.
  const hotlistTop = Number(env.HOTLIST_TOP ?? 30);
  if (!(Number.isInteger(hotlistTop) && hotlistTop >= 1))
    throw new RangeError(`HOTLIST_TOP must be a positive integer, got ${env.HOTLIST_TOP}`);
  const hotlistMinWallS = Number(env.HOTLIST_MIN_WALL_S ?? (fedLive ? 0 : 300));
  if (!(hotlistMinWallS >= 0))
    throw new RangeError(`HOTLIST_MIN_WALL_S must be a number of seconds ≥ 0, got ${env.HOTLIST_MIN_WALL_S}`);
  const portfolioMinWallS = Number(env.PORTFOLIO_MIN_WALL_S ?? (fedLive ? 0 : 60));
  if (!(portfolioMinWallS >= 0))
    throw new RangeError(
      `PORTFOLIO_MIN_WALL_S must be a number of seconds ≥ 0, got ${env.PORTFOLIO_MIN_WALL_S}`,
    );
  /** The account's own commission rates the paper runs book at (PAPER_FEE_RATES; scripts/paper/fee-settings.ts). */
  const feeRates = paperFeeRates(env.PAPER_FEE_RATES);
  /*
   * The lifecycle and real money (docs/lifecycle.md), read before anything starts: a setting that cannot be
   * right stops the node here with the reason, not halfway through its start.
   */
  const gates = gatesFromEnv(env.LIFECYCLE_GATES);
  const lifecycleMinWallS = Number(env.LIFECYCLE_MIN_WALL_S ?? (fedLive ? 0 : 60));
  if (!(lifecycleMinWallS >= 0))
    throw new RangeError(
      `LIFECYCLE_MIN_WALL_S must be a number of seconds ≥ 0, got ${env.LIFECYCLE_MIN_WALL_S}`,
    );
  const lifecycleEveryS = Number(env.LIFECYCLE_EVERY_S ?? 3600);
  if (!(lifecycleEveryS >= 1))
    throw new RangeError(`LIFECYCLE_EVERY_S must be a number of seconds ≥ 1, got ${env.LIFECYCLE_EVERY_S}`);
  const liveOrders = env.LIVE_ORDERS ?? 'off';
  if (liveOrders !== 'off' && !isLiveVenue(liveOrders))
    throw new RangeError(`LIVE_ORDERS must be off, ${liveVenueNames.join(', ')}, got ${liveOrders}`);
  if (liveOrders !== 'off' && feedKind !== liveOrders)
    throw new RangeError(
      `LIVE_ORDERS=${liveOrders} needs PAPER_FEED=${liveOrders}: real orders follow the live market of their venue`,
    );
  /** The venue of the real account, when the node trades one (scripts/live-venues.ts). */
  const accountVenue = liveOrders === 'off' ? null : liveVenues[liveOrders];
  // Each venue's key in its own variables: a key set for one exchange is never sent to another.
  const credentials = accountVenue ? credentialsFromEnv(accountVenue, env) : [];
  /** The rules the real account's ledgers book by (domain/ledger/venue.ts). */
  const liveRules = accountVenue?.rules ?? binanceUsdm;
  const venueLabel = accountVenue?.exchange ?? 'Binance';
  // On a graceful stop, `flatten` closes every real run's positions first; `keep` (default) leaves them on the
  // account, and the strategy trades real money again only once they are closed.
  const liveOnStop = env.LIVE_ON_STOP ?? 'keep';
  if (liveOnStop !== 'keep' && liveOnStop !== 'flatten')
    throw new RangeError(`LIVE_ON_STOP must be keep or flatten, got ${liveOnStop}`);
  // Each real position's backstop at the exchange (domain/risk/backstop.ts): what protects it while the node
  // is down. LIVE_BACKSTOP=off leaves the engine's own stops alone; JSON changes the plan.
  const backstop = backstopPlanFromEnv(env.LIVE_BACKSTOP);
  // What a real run of an earlier process left (positions, orders working): `carry` (default) has the
  // strategy's next run take its positions over where the strategy still wants them, and close the rest
  // (docs/lifecycle.md); `close` books what the exchange did with its orders, cancels them and closes its
  // positions before the strategy trades again; `wait` leaves them for a person, and the strategy waits.
  const liveLeftovers = env.LIVE_LEFTOVERS ?? 'carry';
  if (liveLeftovers !== 'carry' && liveLeftovers !== 'close' && liveLeftovers !== 'wait')
    throw new RangeError(`LIVE_LEFTOVERS must be carry, close or wait, got ${liveLeftovers}`);
  // A key that can withdraw trades no real money (adapters/venue/api-key.ts) unless this says allow.
  const keyWithdrawals = env.LIVE_KEY_WITHDRAWALS ?? 'refuse';
  if (keyWithdrawals !== 'refuse' && keyWithdrawals !== 'allow')
    throw new RangeError(`LIVE_KEY_WITHDRAWALS must be refuse or allow, got ${keyWithdrawals}`);
  // The first seconds of each hour in which the account check does not read the wallet (funding settling,
  // docs/lifecycle.md): 300 by default.
  const walletSettleS = Number(env.LIVE_WALLET_SETTLE_S ?? 300);
  if (!(walletSettleS >= 0 && walletSettleS < 3600))
    throw new RangeError(
      `LIVE_WALLET_SETTLE_S must be a number of seconds in 0..3599, got ${env.LIVE_WALLET_SETTLE_S}`,
    );
  /*
   * Automation 2: a parameter version that passes the optimizer's gates trades as a canary beside the one in
   * force before it takes over (docs/optimizer-runs.md). PARAMETER_CANARY=off promotes at once instead; JSON
   * there changes the plan. PARAMETER_CANARY_MIN_WALL_S: wall time between judgements on recorded data.
   */
  const canaryOn = env.PARAMETER_CANARY !== 'off';
  const canaryPlan = canaryPlanFromEnv(canaryOn ? env.PARAMETER_CANARY : undefined);
  const canaryMinWallS = Number(env.PARAMETER_CANARY_MIN_WALL_S ?? (fedLive ? 0 : 60));
  if (!(canaryMinWallS >= 0))
    throw new RangeError(
      `PARAMETER_CANARY_MIN_WALL_S must be a number of seconds ≥ 0, got ${env.PARAMETER_CANARY_MIN_WALL_S}`,
    );
  const capital = env.LIVE_CAPITAL ?? '1000';
  if (!/^\d+(\.\d+)?$/.test(capital) || !(Number(capital) > 0))
    throw new RangeError(`LIVE_CAPITAL must be a positive amount of USDT, got ${capital}`);
  return {
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
    portfolio,
    portfolioMinWallS,
    lifecycle,
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
  };
};

export type NodeSettings = ReturnType<typeof nodeSettings>;
