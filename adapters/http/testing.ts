import type { StoredEvent } from '../../domain/events/envelope.js';
import { binanceUsdm } from '../../domain/ledger/venue.js';
import { allStrategies } from '../../domain/strategies/index.js';
import { type ProjectedStore, projectedStore } from '../../projections/testing/paper-fixture.js';
import { loadFeeds } from '../../replay/engine/feeds.js';
import { instrumentBookOnce } from '../../replay/engine/run.js';
import { type ApiDeps, createApp } from './app.js';
import { BacktestManager } from './backtests.js';
import { chainExplainer } from './chains.js';
import { ApiMetrics } from './metrics.js';
import { strategyInfoOf } from './views.js';

/** The app over a projected store of real paper-run events, wired as scripts/start.ts wires it. */
export const testApp = async (
  events: readonly StoredEvent[],
  overrides: Partial<ApiDeps> = {},
  databaseUrl?: string,
) => {
  const p: ProjectedStore = await projectedStore(events, databaseUrl);
  const book = await instrumentBookOnce();
  const metrics = new ApiMetrics(p.runner);
  const backtests = new BacktestManager();
  const deps: ApiDeps = {
    version: 'test',
    node: 'test-node',
    store: p.opened.store,
    db: p.opened.db,
    storeInfo: { kind: p.opened.kind, location: p.opened.location },
    projections: p.runner,
    paper: () => [],
    marks: () => null,
    accountContext: { instrument: book.get, rules: binanceUsdm },
    strategies: Object.values(allStrategies).map(strategyInfoOf),
    backtests,
    metrics,
    bars: (symbol, timeframe) => {
      try {
        return loadFeeds([symbol], timeframe).feeds.bars.get(symbol);
      } catch {
        return undefined;
      }
    },
    explain: chainExplainer(p.opened.store),
    log: () => {},
    ...overrides,
  };
  const { app } = createApp(deps);
  return { app, deps, store: p.opened.store, runner: p.runner, metrics, backtests, close: () => p.close() };
};
