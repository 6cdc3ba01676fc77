import { newEventId } from '../../adapters/ids/event-id.js';
import type { EventStore } from '../../domain/events/event-store.js';
import type { ReadModelDb } from '../../projections/projection.js';
import { engineLogVersion, engineVersionOf } from '../../replay/engine/engine-version.js';

/** A paper run (recorded or live feed) an earlier engine wrote, ended by this build. */
export interface EndedRun {
  readonly runId: string;
  readonly strategyId: string;
  /** The market time of its last equity mark: where the strategy's next run carries the clock on from. */
  readonly lastAt: number;
}

/**
 * Ends the paper runs an earlier engine wrote that are still running in the read models. This build
 * cannot resume them: it replays a run from its start, and on the same inputs it writes another log
 * (replay/engine/engine-version.ts), so carrying on after what the log holds would mix the two and the
 * store refuses the mix, for ever. Nor can it close their positions with the engine's own events for the
 * same reason. So each is completed as stopped where it stood, saying why: its ledger keeps what it held
 * (paper money), the views of live accounts leave it out, and the strategy's run of this engine takes
 * over from its clock.
 */
export const endOlderEngineRuns = async (
  db: ReadModelDb,
  store: EventStore,
  log: (m: string) => void,
): Promise<EndedRun[]> => {
  const rows = (await db
    .selectFrom('rm_runs')
    .select(['run_id', 'strategy_id', 'last_at', 'last_equity'])
    .where('mode', '=', 'paper')
    .where('state', '=', 'running')
    .orderBy('global_position', 'asc')
    .execute()) as {
    run_id: string;
    strategy_id: string;
    last_at: number | string;
    last_equity: number | string;
  }[];
  const ended: EndedRun[] = [];
  for (const r of rows) {
    if (!/^(paper|live)-/.test(r.run_id)) continue;
    const version = engineVersionOf(r.run_id);
    if (version >= engineLogVersion) continue;
    const lastAt = Number(r.last_at);
    const stream = `run-${r.run_id}`;
    const written = await store.readStream(stream);
    // Ended already (by a start that stopped before the read models caught up with it): not a second
    // time, but its clock still carries on.
    if (written.at(-1)?.type === 'RunCompleted') {
      ended.push({ runId: r.run_id, strategyId: r.strategy_id, lastAt });
      continue;
    }
    await store.append(stream, 'any', [
      {
        eventId: newEventId(),
        type: 'RunCompleted',
        data: {
          runId: r.run_id,
          bars: 0,
          events: written.length,
          finalEquity: Number(r.last_equity),
          reason: 'stopped',
          error: `written by engine log version ${version}; this build (version ${engineLogVersion}) writes another log on the same inputs and cannot resume it, so it ended where it stood`,
        },
        metadata: {
          correlationId: stream,
          causationId: null,
          actor: 'system:node',
          mode: 'paper',
          occurredAt: new Date(Number.isFinite(lastAt) && lastAt > 0 ? lastAt : Date.now()).toISOString(),
        },
      },
    ]);
    log(
      `paper ${r.run_id}: written by an earlier engine (log version ${version}); ended where it stood, its ledger as it was, and the strategy's run of this engine carries on from ${Number.isFinite(lastAt) && lastAt > 0 ? new Date(lastAt).toISOString() : 'its start'}`,
    );
    ended.push({ runId: r.run_id, strategyId: r.strategy_id, lastAt });
  }
  return ended;
};
