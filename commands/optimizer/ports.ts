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
  /**
   * In-sample trials: reduce the curve where it ran to its stats (domain/optimizer/trial-stats.ts) with
   * this many CSCV blocks, and send those instead of the curve. Null: send the curve (out-of-sample runs,
   * which are stitched). Absent in jobs queued by an older coordinator.
   */
  readonly pboBlocks?: number | null;
}

/**
 * Float arrays travel as base64 float64 (float-codec.ts): exact, and a third of the JSON size. A trial
 * sends its curve (`equity`, `times`) or, when the job asked for it, its packed stats; never both. A
 * worker of an older version may send the curve of an in-sample trial: the coordinator takes either.
 */
export type TrialOutput =
  | {
      readonly ok: true;
      readonly equity: string | null;
      readonly times: string | null;
      readonly stats?: string | null;
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
