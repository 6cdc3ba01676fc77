import type { QueryClient, QueryKey } from '@tanstack/react-query';
import { queryKeys } from './queryKeys';
import type { HeatmapCell, LiveChannel, LiveMessage } from './types';

/** Which cached reads each channel makes stale. The server's projections are the truth; we re-read them. */
const staleOn: Record<LiveChannel, readonly QueryKey[]> = {
  positions: [queryKeys.positions.all, queryKeys.accounts],
  orders: [queryKeys.orders.all, queryKeys.fills.all],
  pnl: [queryKeys.pnl.heatmap, queryKeys.accounts, queryKeys.strategies.all],
  risk: [queryKeys.risk.all],
  events: [queryKeys.audit.all, queryKeys.status, queryKeys.backtests.all],
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
 * Turns live messages into cache updates, at most one refetch per channel per `intervalMs`: a paper run
 * in accelerated time sends hundreds of messages a second and the screen need not redraw for each.
 */
export function liveInvalidator(qc: QueryClient, intervalMs = 750): (m: LiveMessage) => void {
  const pending = new Map<LiveChannel, ReturnType<typeof setTimeout>>();
  return (m) => {
    if (m.channel === 'pnl') patchHeatmap(qc, m.data);
    if (pending.has(m.channel)) return;
    pending.set(
      m.channel,
      setTimeout(() => {
        pending.delete(m.channel);
        for (const key of staleOn[m.channel]) void qc.invalidateQueries({ queryKey: key });
      }, intervalMs),
    );
  };
}
