import { packTrialStats, trialStats } from '../../domain/optimizer/trial-stats.js';
import { encodeFloat64 } from './float-codec.js';
import type { TrialJob, TrialOutput } from './ports.js';

export interface TrialCurve {
  /** Equity at each mark, initial capital first. */
  readonly equity: Float64Array;
  /** Times of the points; only read when the job keeps times. */
  readonly times: Float64Array | null;
  readonly periodsPerYear: number;
  readonly trades: number;
  readonly turnover: number;
  readonly fees: number;
}

/**
 * What a worker sends back for a finished backtest: for an in-sample job its stats (computed here, in the
 * worker, so the curve never crosses to the coordinator), otherwise the curve.
 */
export const trialOutputOf = (job: TrialJob, c: TrialCurve): TrialOutput => {
  const rest = { periodsPerYear: c.periodsPerYear, trades: c.trades, turnover: c.turnover, fees: c.fees };
  if (typeof job.pboBlocks === 'number') {
    // The domain functions take arrays; a curve of a few thousand points copies in microseconds.
    const stats = trialStats({ equity: Array.from(c.equity), ...rest }, job.pboBlocks);
    return { ok: true, equity: null, times: null, stats: encodeFloat64(packTrialStats(stats)), ...rest };
  }
  return {
    ok: true,
    equity: encodeFloat64(c.equity),
    times: job.keepTimes && c.times ? encodeFloat64(c.times) : null,
    stats: null,
    ...rest,
  };
};
