import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './client';
import { queryKeys } from './queryKeys';

/**
 * The strategy bandit's read. Its own events (a round scored, a strategy benched or reinstated)
 * invalidate it through the events channel (live-invalidation.ts); the poll is a safety net for a
 * dropped socket, quicker while the first round is still to come so the page fills in when it lands.
 */
const safetyNet = 15_000;
const awaitingFirstRound = 5_000;

export const usePortfolio = () =>
  useQuery({
    queryKey: queryKeys.portfolio.all,
    queryFn: api.portfolio,
    refetchInterval: (q) =>
      q.state.data?.enabled && q.state.data.latest === null ? awaitingFirstRound : safetyNet,
  });

/** "Rebalance now": a round at the runs' market hour, asked by an approver. */
export const useRebalance = () => {
  const qc = useQueryClient();
  const reread = () => void qc.invalidateQueries({ queryKey: queryKeys.portfolio.all });
  return useMutation({
    mutationFn: (approver: string) => api.rebalance(approver),
    // The projection follows the append within a moment; re-read now and once more shortly after.
    onSuccess: () => {
      reread();
      setTimeout(reread, 500);
    },
  });
};
