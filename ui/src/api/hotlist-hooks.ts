import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, api } from './client';
import type { HotlistApproveBody, HotlistDeclineBody, HotlistRemoveBody } from './hotlist-types';
import { queryKeys } from './queryKeys';

/**
 * The hotlist read. Its events (a scan, a decision) invalidate it through the events channel
 * (live-invalidation.ts); the poll is a safety net for a dropped socket, quicker while the node's first
 * scan is still to come so the page fills in as soon as it lands.
 */
const safetyNet = 15_000;
const awaitingFirstScan = 5_000;

export const useHotlist = () =>
  useQuery({
    queryKey: queryKeys.hotlist.all,
    queryFn: api.hotlist,
    refetchInterval: (q) => (q.state.data && q.state.data.scan === null ? awaitingFirstScan : safetyNet),
  });

export type HotlistActionInput =
  | { action: 'approve'; approver: string; body: HotlistApproveBody }
  | { action: 'decline'; approver: string; body: HotlistDeclineBody }
  | { action: 'remove'; approver: string; body: HotlistRemoveBody };

/** The server's rule when the action named a scan that a newer one has replaced. */
export const isStaleScan = (e: unknown): boolean => e instanceof ApiError && e.code === 'stale-scan';

export const useHotlistAction = () => {
  const qc = useQueryClient();
  const reread = () => void qc.invalidateQueries({ queryKey: queryKeys.hotlist.all });
  return useMutation({
    mutationFn: (x: HotlistActionInput) => api.hotlistAction(x.action, x.approver, x.body),
    // The projection follows the append within a moment; re-read now and once more shortly after.
    onSuccess: () => {
      reread();
      setTimeout(reread, 500);
    },
    // A newer scan exists: fetch it at once, so the page shows the ranking the server will accept.
    onError: (e) => {
      if (isStaleScan(e)) reread();
    },
  });
};
