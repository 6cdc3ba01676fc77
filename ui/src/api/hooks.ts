import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  type AlertFilters,
  api,
  type FillFilters,
  listItems,
  type OrderFilters,
  type Paging,
  type TimelineFilters,
} from './client';
import { queryKeys } from './queryKeys';
import type { BacktestRequest } from './schemas';
import type { BreakerStepDownBody } from './types';

/**
 * Query hooks. Freshness comes from the WebSocket (it invalidates these keys), so polling is only a slow
 * safety net for a dropped socket, and for backtest progress, which the contract reports by GET alone.
 */
const safetyNet = 15_000;

export const useStatus = () =>
  useQuery({ queryKey: queryKeys.status, queryFn: api.status, refetchInterval: 5_000 });
export const useAccounts = () =>
  useQuery({ queryKey: queryKeys.accounts, queryFn: api.accounts, refetchInterval: safetyNet });
export const usePositions = () =>
  useQuery({
    queryKey: queryKeys.positions.list(),
    queryFn: () => api.positions(),
    refetchInterval: safetyNet,
  });
export const useHeatmap = () =>
  useQuery({ queryKey: queryKeys.pnl.heatmap, queryFn: api.heatmap, refetchInterval: safetyNet });
export const useBreakers = () =>
  useQuery({ queryKey: queryKeys.risk.breakers, queryFn: api.breakers, refetchInterval: safetyNet });
/**
 * A person's breaker step-down. The read models follow the append within a moment: breakers and alerts
 * (a step down raises one) are re-read now and once more shortly after. A refusal re-reads the breakers
 * too, as it may mean the ladder moved since the page read it.
 */
export const useStepDownBreaker = () => {
  const qc = useQueryClient();
  const reread = () => {
    void qc.invalidateQueries({ queryKey: queryKeys.risk.breakers });
    void qc.invalidateQueries({ queryKey: queryKeys.alerts.all });
  };
  return useMutation({
    mutationFn: (x: { approver: string; body: BreakerStepDownBody }) =>
      api.stepDownBreaker(x.approver, x.body),
    onSuccess: () => {
      reread();
      setTimeout(reread, 500);
    },
    onError: () => void qc.invalidateQueries({ queryKey: queryKeys.risk.breakers }),
  });
};
/** The alerts channel of the WebSocket makes these stale as an alert is recorded; the poll is the safety net. */
export const useAlerts = (f: AlertFilters & Paging) =>
  useQuery({
    queryKey: queryKeys.alerts.list(f),
    queryFn: () => api.alerts(f),
    placeholderData: keepPreviousData,
    refetchInterval: safetyNet,
  });
export const useStrategies = () =>
  useQuery({ queryKey: queryKeys.strategies.list, queryFn: api.strategies, refetchInterval: safetyNet });
export const useStrategyEquity = (id: string) =>
  useQuery({
    queryKey: queryKeys.strategies.equity(id),
    queryFn: () => api.strategyEquity(id),
    refetchInterval: safetyNet,
  });

export const useOrders = (f: OrderFilters & Paging) =>
  useQuery({
    queryKey: queryKeys.orders.list(f),
    queryFn: () => api.orders(f),
    placeholderData: keepPreviousData,
    refetchInterval: safetyNet,
  });
export const useFills = (f: FillFilters & Paging) =>
  useQuery({
    queryKey: queryKeys.fills.list(f),
    queryFn: () => api.fills(f),
    placeholderData: keepPreviousData,
    refetchInterval: safetyNet,
  });
export const useRiskDecisions = (f: { outcome?: string } & Paging) =>
  useQuery({
    queryKey: queryKeys.risk.decisions(f),
    queryFn: () => api.riskDecisions(f),
    placeholderData: keepPreviousData,
  });
export const useTimeline = (f: TimelineFilters & Paging) =>
  useQuery({
    queryKey: queryKeys.audit.timeline(f),
    queryFn: () => api.timeline(f),
    placeholderData: keepPreviousData,
    refetchInterval: safetyNet,
  });
export const useChain = (id: string | null) =>
  useQuery({
    queryKey: queryKeys.audit.chain(id ?? ''),
    queryFn: () => api.chain(id ?? ''),
    enabled: id !== null,
    // A chain grows while its order is working (fills, stops); a closed one never changes.
    staleTime: 5_000,
  });
export const useBars = (symbol: string | null, timeframe: string, window: { from?: string; to?: string }) =>
  useQuery({
    queryKey: queryKeys.market.bars(symbol ?? '', timeframe, window),
    queryFn: () => api.bars(symbol ?? '', { timeframe, ...window }),
    placeholderData: keepPreviousData,
    enabled: symbol !== null,
    refetchInterval: 30_000,
  });

export const useBacktests = () =>
  useQuery({
    queryKey: queryKeys.backtests.list,
    queryFn: async () => listItems(await api.backtests()),
    refetchInterval: 5_000,
  });
export const useBacktest = (runId: string | null) =>
  useQuery({
    queryKey: queryKeys.backtests.detail(runId ?? ''),
    queryFn: () => api.backtest(runId ?? ''),
    enabled: runId !== null,
    refetchInterval: (q) => (isFinished(q.state.data?.status) ? false : 500),
  });

export const isFinished = (status: string | undefined): boolean => status === 'done' || status === 'failed';

export const useStartBacktest = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: BacktestRequest) => api.startBacktest(body),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.backtests.all }),
  });
};
