import type { Engine, RunSummary } from './engine.js';

export interface PaperClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const wallClock: PaperClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};

export interface PaperOptions {
  /** Simulated ms per wall ms: 1 is real time, 3600 replays an hour per second. */
  readonly speed: number;
  readonly signal?: AbortSignal;
  readonly clock?: PaperClock;
  /** Called after every bar (the API pushes updates from here). */
  readonly onStep?: (engine: Engine) => void;
}

/**
 * Paper trading is the backtest engine on a live-like clock: the same `step()` runs each bar, only
 * later — when the wall clock, scaled by `speed`, reaches the bar's close. Nothing else differs, so a
 * paper run decides exactly what a backtest over the same bars decides.
 */
export const runPaper = async (engine: Engine, opts: PaperOptions): Promise<RunSummary> => {
  if (!(opts.speed > 0)) throw new RangeError(`paper speed must be > 0, got ${opts.speed}`);
  const clock = opts.clock ?? wallClock;
  engine.start();
  const wall0 = clock.now();
  const sim0 = engine.nextTime();
  try {
    while (!opts.signal?.aborted) {
      const next = engine.nextTime();
      if (!Number.isFinite(next)) return engine.finish('end-of-data', null);
      const wait = wall0 + (next - sim0) / opts.speed - clock.now();
      if (wait > 0) {
        await clock.sleep(Math.min(wait, 1_000), opts.signal);
        continue;
      }
      engine.step();
      opts.onStep?.(engine);
    }
    return engine.finish('stopped', null);
  } catch (err) {
    engine.finish('failed', err instanceof Error ? err.message : String(err));
    throw err;
  }
};
