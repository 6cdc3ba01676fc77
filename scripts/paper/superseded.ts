import type { EventLookup, EventStore } from '../../domain/events/event-store.js';
import type { ReadModelDb } from '../../projections/projection.js';
import { engineTag } from '../../replay/engine/engine-version.js';
import { PaperSession, symbolsTag, versionTag } from './session.js';

/**
 * A strategy's paper run on the recorded feed that has not ended but that the node no longer trades: the
 * strategy now trades another symbol set (a symbol a person whitelisted on the hotlist joined, or one was
 * removed). Its run id names its symbols, so the strategy's run on the new set is another run and account
 * (docs/hotlist.md). Left as it was, its positions would stay in the read models for good, valued, with
 * stops that never trigger, and its account counted as live.
 */
export interface SupersededRun {
  readonly runId: string;
  readonly strategyId: string;
  readonly symbols: readonly string[];
  /** YYYY-MM-DD: its paced start, from its run id. */
  readonly from: string;
  readonly paramsVersion: number;
  readonly params: Readonly<Record<string, unknown>>;
  /** The market time of its last equity mark (ms): how far it got. */
  readonly lastAt: number;
}

const runDay = (runId: string, head: string): string | null => {
  const m = /^(\d{4})(\d{2})(\d{2})-/.exec(runId.slice(head.length));
  return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
};

/**
 * The strategy's recorded paper runs (`paper-…`) still running in the read models on another symbol set
 * than `symbols`, oldest first.
 */
export const supersededPaperRuns = async (
  db: ReadModelDb,
  strategyId: string,
  symbols: readonly string[],
): Promise<SupersededRun[]> => {
  const head = `paper-${strategyId}-`;
  const tag = symbolsTag(symbols);
  const rows = (await db
    .selectFrom('rm_runs')
    .select(['run_id', 'symbols', 'params', 'params_version', 'last_at'])
    .where('strategy_id', '=', strategyId)
    .where('mode', '=', 'paper')
    .where('state', '=', 'running')
    .where('run_id', 'like', `${head}%`)
    .orderBy('global_position', 'asc')
    .execute()) as {
    run_id: string;
    symbols: string;
    params: string;
    params_version: number | string;
    last_at: number | string;
  }[];
  const out: SupersededRun[] = [];
  for (const r of rows) {
    const runSymbols = JSON.parse(r.symbols) as string[];
    const from = runDay(r.run_id, head);
    if (from === null || symbolsTag(runSymbols) === tag) continue;
    out.push({
      runId: r.run_id,
      strategyId,
      symbols: runSymbols,
      from,
      paramsVersion: Number(r.params_version),
      params: JSON.parse(r.params) as Record<string, unknown>,
      lastAt: Number(r.last_at),
    });
  }
  return out;
};

/**
 * The start day (YYYY-MM-DD) of the strategy's latest recorded paper run on these symbols (and this
 * parameter version) that is still running and starts on or after `notBefore`, else null: a run that
 * carried on from a superseded one's clock starts later than PAPER_FROM, and the next start resumes it.
 */
export const latestPaperStart = async (
  db: ReadModelDb,
  strategyId: string,
  symbols: readonly string[],
  notBefore: string,
  paramsVersion = 0,
): Promise<string | null> => {
  const head = `paper-${strategyId}-`;
  const tail = `-${symbolsTag(symbols)}${versionTag(paramsVersion)}${engineTag()}`;
  const rows = (await db
    .selectFrom('rm_runs')
    .select(['run_id'])
    .where('run_id', 'like', `${head}%${tail}`)
    .where('mode', '=', 'paper')
    .where('state', '=', 'running')
    .orderBy('global_position', 'desc')
    .execute()) as { run_id: string }[];
  for (const r of rows) {
    const day = r.run_id.slice(head.length, r.run_id.length - tail.length);
    if (!/^\d{8}$/.test(day)) continue;
    const iso = `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)}`;
    if (iso >= notBefore) return iso;
  }
  return null;
};

export interface CloseOutSupersededOptions {
  readonly store: EventStore & EventLookup;
  /** The lead-in days the run was built with (PAPER_WARMUP_DAYS): its replay must match its log. */
  readonly warmupDays: number;
  /** The symbol set the strategy trades now, named in the bench's round. */
  readonly symbols: readonly string[];
  readonly log: (m: string) => void;
}

/**
 * Ends a superseded run with the engine's own events: its log replayed, then benched (its positions closed
 * by reduce-only orders at the next bars, as the fleet retires a replaced run) and completed as stopped.
 * The read models then hold it flat and ended (`rm_runs.state` stopped), and the views leave it out.
 * Returns the market time it reached (what the strategy's next run carries the clock on from); on a
 * failure, logs it and returns the last mark's time.
 */
export const closeOutSuperseded = async (
  run: SupersededRun,
  o: CloseOutSupersededOptions,
): Promise<number> => {
  const session = new PaperSession({
    strategyId: run.strategyId,
    symbols: run.symbols,
    from: run.from,
    speed: 1,
    warmupDays: o.warmupDays,
    ...(run.paramsVersion > 0 ? { parameters: { version: run.paramsVersion, params: run.params } } : {}),
    store: o.store,
    log: o.log,
  });
  try {
    await session.prepare();
    await session.fastForward();
    const { at, flat } = await session.closeOut(
      `replaced-by-symbols-${symbolsTag(o.symbols)}`,
      `the strategy trades ${o.symbols.join(',')} now: a run of its own carries on from this one's clock`,
    );
    o.log(
      `paper ${run.runId}: the strategy trades ${o.symbols.join(',')} now: ${flat ? 'its positions closed' : 'NOT flat after a week of bars'} and the run ended at ${new Date(at).toISOString()}`,
    );
    return Math.max(at, run.lastAt);
  } catch (err) {
    o.log(
      `paper ${run.runId}: superseded (the strategy trades ${o.symbols.join(',')} now), but could not be closed out: ${err instanceof Error ? err.message : String(err)}`,
    );
    return run.lastAt;
  }
};
