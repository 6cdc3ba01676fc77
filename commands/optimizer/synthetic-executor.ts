import { Rng } from '../../domain/optimizer/rng.js';
import type { TrialExecutor, TrialJob, TrialOutput } from './ports.js';
import { trialOutputOf } from './trial-output.js';

const HOUR = 3_600_000;

/**
 * A stand-in for the backtest engine at ~1/1000 of its cost, for coordinator tests and the 10,000-trial
 * memory benchmark: an hourly equity curve whose drift is a smooth function of the numeric parameters
 * (a planted edge that persists out of sample) and whose noise is seeded by the parameters and the time
 * range (so IS and OOS noise differ, and the same job always gives the same curve).
 */
export const syntheticTrial = (job: TrialJob): TrialOutput => {
  const n = Math.max(3, Math.floor((job.to - job.from) / HOUR) + 1);
  const numeric = Object.values(job.params).filter((v): v is number => typeof v === 'number');
  const x = numeric.reduce((s, v, i) => s + Math.sin(v / (7 + i)), 0) / Math.max(1, numeric.length);
  const drift = 2e-4 * x;
  const rng = Rng.seeded(`${JSON.stringify(job.params)}|${job.from}|${job.seed}`);
  const equity = new Float64Array(n);
  const times = job.keepTimes ? new Float64Array(n) : null;
  equity[0] = 10_000;
  if (times) times[0] = job.from;
  for (let i = 1; i < n; i++) {
    equity[i] = equity[i - 1]! * (1 + drift + 0.004 * rng.normal());
    if (times) times[i] = job.from + i * HOUR;
  }
  return trialOutputOf(job, {
    equity,
    times,
    periodsPerYear: 8760,
    trades: 20 + rng.int(40),
    turnover: 5 + rng.float() * 10,
    fees: rng.float() * 20,
  });
};

/**
 * `jitterMs` delays each result by a seeded random amount, so results come back out of hand-out order
 * as they do from a pool; `onRun` sees every job (tests count and interrupt with it).
 */
export const syntheticExecutor = (
  options: { readonly jitterMs?: number; readonly onRun?: (job: TrialJob) => void } = {},
): TrialExecutor => {
  const delays = Rng.seeded('jitter');
  return {
    run: async (job) => {
      options.onRun?.(job);
      const out = syntheticTrial(job);
      if (options.jitterMs) await new Promise((r) => setTimeout(r, delays.float() * options.jitterMs!));
      return out;
    },
    close: async () => {},
  };
};
