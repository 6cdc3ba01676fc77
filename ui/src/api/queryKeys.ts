import type { AlertFilters, FillFilters, OrderFilters, Paging, TimelineFilters } from './client';

/**
 * Every query key in one factory, grouped so a WebSocket message can invalidate a whole group
 * (e.g. `queryKeys.orders.all`) without knowing which filters are on screen.
 */
export const queryKeys = {
  status: ['status'] as const,
  health: ['health'] as const,
  accounts: ['accounts'] as const,
  positions: {
    all: ['positions'] as const,
    list: (accountId?: string) => ['positions', { accountId }] as const,
  },
  orders: {
    all: ['orders'] as const,
    list: (f: OrderFilters & Paging) => ['orders', 'list', f] as const,
  },
  fills: {
    all: ['fills'] as const,
    list: (f: FillFilters & Paging) => ['fills', 'list', f] as const,
  },
  strategies: {
    all: ['strategies'] as const,
    list: ['strategies', 'list'] as const,
    equityAll: ['strategies', 'equity'] as const,
    equity: (id: string) => ['strategies', 'equity', id] as const,
  },
  pnl: { heatmap: ['pnl', 'heatmap'] as const },
  risk: {
    all: ['risk'] as const,
    decisions: (f: { outcome?: string } & Paging) => ['risk', 'decisions', f] as const,
    breakers: ['risk', 'breakers'] as const,
    limits: ['risk', 'limits'] as const,
  },
  alerts: {
    all: ['alerts'] as const,
    list: (f: AlertFilters & Paging) => ['alerts', 'list', f] as const,
  },
  audit: {
    all: ['audit'] as const,
    timeline: (f: TimelineFilters & Paging) => ['audit', 'timeline', f] as const,
    chain: (id: string) => ['audit', 'chain', id] as const,
  },
  market: {
    all: ['market'] as const,
    bars: (symbol: string, timeframe: string, window: { from?: string; to?: string }) =>
      ['market', 'bars', symbol, timeframe, window] as const,
  },
  optimizer: {
    all: ['optimizer'] as const,
    runs: ['optimizer', 'runs'] as const,
    run: (runId: string) => ['optimizer', 'run', runId] as const,
    trials: (runId: string) => ['optimizer', 'trials', runId] as const,
    parameters: (strategyId: string) => ['optimizer', 'parameters', strategyId] as const,
  },
  hotlist: { all: ['hotlist'] as const },
  portfolio: { all: ['portfolio'] as const },
  lifecycle: { all: ['lifecycle'] as const },
  backtests: {
    all: ['backtests'] as const,
    list: ['backtests', 'list'] as const,
    detail: (runId: string) => ['backtests', 'detail', runId] as const,
  },
};
