import { OptimizeRequestError } from '../../commands/optimizer/run-config.js';
import { FeedError, loadFeeds } from '../engine/feeds.js';
import { instrumentBookOnce, RunRequestError, resolveStrategy } from '../engine/run.js';

const toMs = (v: string | undefined, what: string): number | undefined => {
  if (v === undefined) return undefined;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (!Number.isFinite(ms))
    throw new OptimizeRequestError(
      `--${what} ${JSON.stringify(v)} is not a date (use YYYY-MM-DD or an ISO time)`,
    );
  return ms;
};

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/**
 * The time range an optimizer run covers: --from/--to, defaulting to where every symbol has data, and
 * checked before any trial runs (a run whose every trial fails on missing data would only waste a budget).
 */
export const resolveDataRange = async (
  strategyId: string,
  symbols: readonly string[],
  timeframe: string | undefined,
  from: string | undefined,
  to: string | undefined,
): Promise<{ from: number; to: number }> => {
  let tf: string;
  try {
    tf = resolveStrategy(strategyId, timeframe).timeframe;
  } catch (err) {
    if (err instanceof RunRequestError) throw new OptimizeRequestError(err.message);
    throw err;
  }
  const book = await instrumentBookOnce();
  for (const s of symbols)
    if (!book.all.has(s)) throw new OptimizeRequestError(`unknown symbol ${s}: not in the venue metadata`);
  let coverage: ReturnType<typeof loadFeeds>['coverage'];
  try {
    coverage = loadFeeds(symbols, tf).coverage;
  } catch (err) {
    if (err instanceof FeedError) throw new OptimizeRequestError(err.message);
    throw err;
  }
  const start = toMs(from, 'from') ?? Math.max(...coverage.map((c) => c.from));
  const end = toMs(to, 'to') ?? Math.min(...coverage.map((c) => c.to));
  if (!(end > start)) {
    if (from !== undefined && to !== undefined) throw new OptimizeRequestError('--to must be after --from');
    // A bound left out defaults to where every symbol has data, and that left nothing: say where the data is.
    const spans = coverage.map((c) => `${c.symbol} ${iso(c.from)} .. ${iso(c.to)}`).join(', ');
    throw new OptimizeRequestError(
      `the ${tf} data covers ${spans}; the range ${iso(start)} .. ${iso(end)} is empty`,
    );
  }
  // Worded as the engine words it: every trial would fail on this, so say it once, before the first.
  for (const c of coverage) {
    if (end <= c.from || start >= c.to) {
      throw new OptimizeRequestError(
        `${c.symbol} ${c.timeframe} data covers ${iso(c.from)} .. ${iso(c.to)}; the range ${iso(start)} .. ${iso(end)} is outside it`,
      );
    }
  }
  return { from: start, to: end };
};
