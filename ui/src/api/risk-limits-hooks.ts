import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './client';
import { queryKeys } from './queryKeys';
import type { SetRiskLimitsBody } from './risk-limits-types';

/**
 * The desk's limits. A change recorded anywhere reaches the risk channel of the WebSocket, which makes
 * every risk read stale (live-invalidation.ts); the poll is a safety net for a dropped socket.
 */
const safetyNet = 15_000;

export const useRiskLimits = () =>
  useQuery({ queryKey: queryKeys.risk.limits, queryFn: api.riskLimits, refetchInterval: safetyNet });

/**
 * A person's change of one layer. The read models follow the append within a moment: the limits and the
 * alerts (a change raises one) are re-read now and once more shortly after.
 */
export const useSetRiskLimits = () => {
  const qc = useQueryClient();
  const reread = () => {
    void qc.invalidateQueries({ queryKey: queryKeys.risk.limits });
    void qc.invalidateQueries({ queryKey: queryKeys.alerts.all });
  };
  return useMutation({
    mutationFn: (x: { approver: string; body: SetRiskLimitsBody }) => api.setRiskLimits(x.approver, x.body),
    onSuccess: () => {
      reread();
      setTimeout(reread, 500);
    },
  });
};
