import type { Params } from '../../domain/optimizer/space.js';

/**
 * What the coordinator asks a worker to do: one backtest of one parameter set over one time range. Plain
 * data (structured-clone and JSON safe) so the same job goes to a thread, a child process or a BullMQ
 * worker on another machine.
 */
export interface TrialJob {
  readonly runId: string;
  /** Idempotency key within the run: `<window>:is:<trial>` or `<window>:oos`. */
  readonly taskId: string;
  readonly strategyId: string;
  readonly symbols: readonly string[];
  readonly timeframe: string | null;
  readonly from: number;
  readonly to: number;
  readonly params: Params;
  readonly seed: number;
  /** Out-of-sample runs are stitched by time, so they bring their timestamps back. */
  readonly keepTimes: boolean;
}

/** Float arrays travel as base64 float64 (float-codec.ts): exact, and a third of the JSON size. */
export type TrialOutput =
  | {
      readonly ok: true;
      readonly equity: string;
      readonly times: string | null;
      readonly periodsPerYear: number;
      readonly trades: number;
      readonly turnover: number;
      readonly fees: number;
    }
  | { readonly ok: false; readonly failure: string };

/**
 * Runs trials somewhere: in this process, a worker_threads pool, or a Redis queue. A rejected promise is
 * an infrastructure failure (the run stops and can resume); a backtest that refuses its parameters is a
 * resolved `{ ok: false }`, recorded as a failed trial.
 */
export interface TrialExecutor {
  run(job: TrialJob): Promise<TrialOutput>;
  close(): Promise<void>;
}
