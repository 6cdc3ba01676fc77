import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './client';
import type { LifecycleApproveBody, LifecycleReasonBody } from './lifecycle-types';
import { queryKeys } from './queryKeys';

/**
 * The lifecycle read. Its moves (onboarding, a stage change, an approval or a revocation) invalidate it
 * through the events channel (live-invalidation.ts); the gates' checks are judged on what the runs show at
 * the moment of the read, so the poll also keeps the evidence and the checks current between moves.
 */
const evidenceRefresh = 15_000;

export const useLifecycle = () =>
  useQuery({
    queryKey: queryKeys.lifecycle.all,
    queryFn: api.lifecycle,
    refetchInterval: evidenceRefresh,
  });

export type LifecycleActionInput =
  | { action: 'approve'; approver: string; body: LifecycleApproveBody }
  | { action: 'revoke' | 'retire'; approver: string; body: LifecycleReasonBody };

export const useLifecycleAction = () => {
  const qc = useQueryClient();
  const reread = () => void qc.invalidateQueries({ queryKey: queryKeys.lifecycle.all });
  return useMutation({
    mutationFn: (x: LifecycleActionInput) => api.lifecycleAction(x.action, x.approver, x.body),
    // The projection follows the append within a moment; re-read now and once more shortly after.
    onSuccess: () => {
      reread();
      setTimeout(reread, 500);
    },
    // A 422 says the strategy is not where the page showed it (approved or retired meanwhile): re-read.
    onError: reread,
  });
};
