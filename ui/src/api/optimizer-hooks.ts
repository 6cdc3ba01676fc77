import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './client';
import { queryKeys } from './queryKeys';

/**
 * Optimizer reads. The events channel invalidates them (live-invalidation.ts); while a run is in
 * progress they also poll, because a run in another process (the CLI) may be the only writer.
 */
const whileRunning = 2_000;
const safetyNet = 15_000;

export const useOptimizerRuns = () =>
  useQuery({
    queryKey: queryKeys.optimizer.runs,
    queryFn: api.optimizerRuns,
    refetchInterval: (q) => (q.state.data?.some((r) => r.state === 'running') ? whileRunning : safetyNet),
  });

export const useOptimizerRun = (runId: string | null) =>
  useQuery({
    queryKey: queryKeys.optimizer.run(runId ?? ''),
    queryFn: () => api.optimizerRun(runId ?? ''),
    enabled: runId !== null,
    refetchInterval: (q) => (q.state.data?.state === 'completed' ? false : whileRunning),
  });

export const useOptimizerTrials = (runIds: readonly string[], running: boolean) =>
  useQueries({
    queries: runIds.map((runId) => ({
      queryKey: queryKeys.optimizer.trials(runId),
      queryFn: () => api.optimizerTrials(runId),
      refetchInterval: running ? whileRunning : false,
    })),
  });

export const useParameterVersions = (strategyId: string | null) =>
  useQuery({
    queryKey: queryKeys.optimizer.parameters(strategyId ?? ''),
    queryFn: () => api.parameters(strategyId ?? ''),
    enabled: strategyId !== null,
    refetchInterval: safetyNet,
  });

export type ParameterActionInput =
  | { action: 'promote'; approver: string; proposalId: string }
  /** A pending proposal is rejected; the one a canary trades rolls the canary back. */
  | { action: 'reject'; approver: string; proposalId: string; reason: string }
  | { action: 'rollback'; approver: string; toVersion: number };

export const useParameterAction = (strategyId: string) => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (x: ParameterActionInput) =>
      api.parameterAction(
        strategyId,
        x.action,
        x.approver,
        x.action === 'promote'
          ? { proposalId: x.proposalId }
          : x.action === 'reject'
            ? { proposalId: x.proposalId, reason: x.reason }
            : { toVersion: x.toVersion },
      ),
    // The projection follows the append within a moment; re-read now and once more shortly after.
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: queryKeys.optimizer.all });
      setTimeout(() => void qc.invalidateQueries({ queryKey: queryKeys.optimizer.all }), 500);
    },
  });
};

/** Asks the node's scheduler to re-optimise the strategy now; its run appears in the runs table. */
export const useReoptimize = (strategyId: string) => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (approver: string) => api.reoptimize(strategyId, approver),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: queryKeys.optimizer.all });
      void qc.invalidateQueries({ queryKey: queryKeys.status });
    },
  });
};
