import type { TrialJob, TrialOutput } from '../../commands/optimizer/ports.js';
import { trialOutputOf } from '../../commands/optimizer/trial-output.js';
import { RunRequestError, runBacktest } from '../engine/run.js';

const YEAR_MS = 365 * 86_400_000;

/**
 * One optimizer trial on the backtest engine: the job's parameters over its time range, reduced to what
 * the optimizer scores (equity per mark with the initial balance first, or for an in-sample job the stats
 * of that curve; trades, turnover, fees). A
 * request the engine refuses — parameters outside the schema, such as fast ≥ slow — is a failed trial,
 * not a crash: the search learns to avoid it.
 */
export const evaluateTrial = async (job: TrialJob): Promise<TrialOutput> => {
  let out: Awaited<ReturnType<typeof runBacktest>>;
  try {
    out = await runBacktest({
      strategyId: job.strategyId,
      symbols: job.symbols,
      from: job.from,
      to: job.to,
      params: job.params,
      seed: job.seed,
      runId: `opt-${job.runId}-${job.taskId.replaceAll(':', '_')}`.slice(0, 120),
      // A trial needs the results, not the log: folding as events pass keeps a worker's heap small.
      retainEvents: false,
      hashLog: false,
      ...(job.timeframe !== null ? { timeframe: job.timeframe } : {}),
    });
  } catch (err) {
    if (err instanceof RunRequestError) return { ok: false, failure: err.message };
    throw err;
  }
  const k = out.results.kpis();
  const curve = out.results.curve;
  const equity = new Float64Array(curve.length + 1);
  equity[0] = k.startEquity;
  for (let i = 0; i < curve.length; i++) equity[i + 1] = curve[i]!.equity;
  if (equity.length < 3 || !equity.every((x) => x > 0)) {
    return { ok: false, failure: `equity curve of ${equity.length} points is too short or not positive` };
  }
  let times: Float64Array | null = null;
  if (job.keepTimes) {
    times = new Float64Array(curve.length + 1);
    times[0] = Math.max(job.from, (curve[0]?.at ?? job.from) - (curve[1] ? curve[1].at - curve[0]!.at : 0));
    for (let i = 0; i < curve.length; i++) times[i + 1] = curve[i]!.at;
  }
  const markMs = curve.length >= 2 ? curve[1]!.at - curve[0]!.at : 3_600_000;
  return trialOutputOf(job, {
    equity,
    times,
    periodsPerYear: YEAR_MS / markMs,
    trades: k.trades,
    turnover: k.turnover,
    fees: Math.max(0, k.fees),
  });
};
