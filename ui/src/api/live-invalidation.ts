import type { QueryClient, QueryKey } from '@tanstack/react-query';
import { queryKeys } from './queryKeys';
import type { HeatmapCell, LiveChannel, LiveMessage } from './types';

interface Stale {
  key: QueryKey;
  /** At most one refetch per this many ms, however many messages arrive. */
  everyMs: number;
  /** Only messages this accepts make the key stale (default: every message of the channel). */
  when?: (data: unknown) => boolean;
}

const quick = 750;
/** Equity curves are long (a mark per hour of history) and move slowly on screen: refetched less often. */
const slow = 5_000;

/** Which cached reads each channel makes stale. The server's projections are the truth; we re-read them. */
/**
 * The hotlist changes only by its own events (a scan, a person's decision), while the events channel
 * carries a paper run's hundreds a second: re-reading it on those would be load for nothing. A message
 * whose type cannot be read counts, so an unexpected shape errs towards a refetch.
 */
const typeOf = (data: unknown): unknown =>
  typeof data === 'object' && data !== null ? (data as { type?: unknown }).type : undefined;

const hotlistEvent = (data: unknown): boolean => {
  const type = typeOf(data);
  return typeof type !== 'string' || /^(Hotlist|Whitelist)/.test(type);
};

/** Likewise the strategy bandit's: a round recorded, a strategy benched or reinstated. */
const portfolioTypes = new Set(['BanditRoundScored', 'StrategyBenched', 'StrategyReinstated']);
const portfolioEvent = (data: unknown): boolean => {
  const type = typeOf(data);
  return typeof type !== 'string' || portfolioTypes.has(type);
};

/** And the lifecycle's: a strategy onboarded, moved, allowed real money or refused it again. */
const lifecycleTypes = new Set([
  'StrategyOnboarded',
  'StrategyStageChanged',
  'RealMoneyApproved',
  'RealMoneyRevoked',
]);
const lifecycleEvent = (data: unknown): boolean => {
  const type = typeOf(data);
  return typeof type !== 'string' || lifecycleTypes.has(type);
};

/** A mark price moved (not an event of the log): what is valued at marks is worth re-reading. */
const markPrice = (data: unknown): boolean => typeOf(data) === 'MarkPrice';
/** A bar closed or a funding rate came: the charts. */
const marketEvent = (data: unknown): boolean => typeOf(data) !== 'MarkPrice';

const staleOn: Record<LiveChannel, readonly Stale[]> = {
  positions: [
    { key: queryKeys.positions.all, everyMs: quick },
    { key: queryKeys.accounts, everyMs: quick },
  ],
  orders: [
    { key: queryKeys.orders.all, everyMs: quick },
    { key: queryKeys.fills.all, everyMs: quick },
  ],
  pnl: [
    { key: queryKeys.pnl.heatmap, everyMs: quick },
    { key: queryKeys.accounts, everyMs: quick },
    { key: queryKeys.strategies.list, everyMs: quick },
    { key: queryKeys.strategies.equityAll, everyMs: slow },
  ],
  risk: [{ key: queryKeys.risk.all, everyMs: quick }],
  // Fed live, marks move every few seconds: positions, accounts and the heatmap are valued at them.
  market: [
    { key: queryKeys.positions.all, everyMs: quick, when: markPrice },
    { key: queryKeys.accounts, everyMs: quick, when: markPrice },
    { key: queryKeys.pnl.heatmap, everyMs: quick, when: markPrice },
    { key: queryKeys.market.all, everyMs: quick, when: marketEvent },
  ],
  alerts: [{ key: queryKeys.alerts.all, everyMs: quick }],
  events: [
    { key: queryKeys.audit.all, everyMs: quick },
    { key: queryKeys.status, everyMs: quick },
    { key: queryKeys.backtests.all, everyMs: quick },
    // Trials arrive many a second during a run; the optimizer screen re-reads at most every few seconds.
    { key: queryKeys.optimizer.all, everyMs: slow },
    { key: queryKeys.hotlist.all, everyMs: quick, when: hotlistEvent },
    { key: queryKeys.portfolio.all, everyMs: quick, when: portfolioEvent },
    { key: queryKeys.lifecycle.all, everyMs: quick, when: lifecycleEvent },
  ],
};

const isCell = (x: unknown): x is HeatmapCell =>
  typeof x === 'object' &&
  x !== null &&
  typeof (x as HeatmapCell).strategyId === 'string' &&
  typeof (x as HeatmapCell).symbol === 'string' &&
  'realisedPnl' in x &&
  'unrealisedPnl' in x;

/** A PnL message that carries heatmap cells is applied at once; the refetch that follows confirms it. */
const patchHeatmap = (qc: QueryClient, data: unknown): void => {
  const cells = (Array.isArray(data) ? data : [data]).filter(isCell);
  if (cells.length === 0) return;
  qc.setQueryData<HeatmapCell[]>(queryKeys.pnl.heatmap, (old) => {
    const next = [...(old ?? [])];
    for (const c of cells) {
      const i = next.findIndex((o) => o.strategyId === c.strategyId && o.symbol === c.symbol);
      if (i >= 0) next[i] = { ...next[i], ...c };
      else next.push(c);
    }
    return next;
  });
};

/**
 * Turns live messages into cache updates, throttled per query key: a paper run in accelerated time
 * sends hundreds of messages a second and the screen need not refetch for each. The server's messages
 * carry recorded events, so most are "something changed" signals; the read models say what.
 */
export function liveInvalidator(qc: QueryClient): (m: LiveMessage) => void {
  const pending = new Set<string>();
  return (m) => {
    if (m.channel === 'pnl') patchHeatmap(qc, m.data);
    for (const { key, everyMs, when } of staleOn[m.channel]) {
      if (when && !when(m.data)) continue;
      const id = JSON.stringify(key);
      if (pending.has(id)) continue;
      pending.add(id);
      setTimeout(() => {
        pending.delete(id);
        void qc.invalidateQueries({ queryKey: key });
      }, everyMs);
    }
  };
}
