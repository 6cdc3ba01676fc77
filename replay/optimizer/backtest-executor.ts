import type { TrialExecutor, TrialJob, TrialOutput } from '../../commands/optimizer/ports.js';
import { evaluateTrial } from './evaluate-trial.js';

/** Trials one at a time in this process: the reference the pool and the queue must agree with. */
export const inlineBacktestExecutor = (): TrialExecutor => ({
  run: (job: TrialJob): Promise<TrialOutput> => evaluateTrial(job),
  close: async () => {},
});

/** The pool worker's module, for PoolExecutor. */
export const backtestWorkerModule = new URL('./pool-worker.mjs', import.meta.url);
