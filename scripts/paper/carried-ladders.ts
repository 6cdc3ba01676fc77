import type { EventStore } from '../../domain/events/event-store.js';
import {
  type BarExtremes,
  bestSince,
  type CarriedLadder,
  ladderOfEvents,
} from '../../domain/risk/carried-ladder.js';
import { StopAdjusted, StopStatusChanged, stopsStreamId } from '../../domain/risk/events.js';
import type { StopEvent } from '../../domain/risk/stops.js';
import type { ReadModelDb } from '../../projections/projection.js';

/**
 * The stop ladder an earlier real run keeps on each of `symbols`, as the main log holds it, for the run
 * that carries its positions on (Engine's carry, domain/risk/carried-ladder.ts). The stops read model
 * says which position is the run's latest on a symbol; its events are read from the main log, which the
 * run's copier has brought up to date by the time it is settled. A ladder the read model has not caught up
 * with is at worst an older, closed one: the engine then arms a fresh ladder, as it did before ladders
 * were carried. A symbol without a ladder (or one whose events do not parse) is left out, with a word.
 */
export const carriedLadders = async (
  db: ReadModelDb,
  store: Pick<EventStore, 'readStream'>,
  runId: string,
  symbols: readonly string[],
  log: (m: string) => void,
): Promise<Map<string, CarriedLadder>> => {
  const out = new Map<string, CarriedLadder>();
  for (const symbol of symbols) {
    const row = await db
      .selectFrom('rm_stops')
      .select(['position_id'])
      .where('run_id', '=', runId)
      .where('symbol', '=', symbol)
      .orderBy('last_position', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (row === undefined) continue;
    const positionId = String((row as { position_id: string }).position_id);
    const events: StopEvent[] = [];
    try {
      for (const e of await store.readStream(stopsStreamId(positionId))) {
        if (e.type === 'StopAdjusted') events.push({ type: e.type, data: StopAdjusted.schema.parse(e.data) });
        else if (e.type === 'StopStatusChanged')
          events.push({ type: e.type, data: StopStatusChanged.schema.parse(e.data) });
      }
    } catch (err) {
      log(
        `${runId}: the stop ladder of ${positionId} cannot be read (${err instanceof Error ? err.message : String(err)}): its position gets a fresh one`,
      );
      continue;
    }
    const ladder = ladderOfEvents(events);
    if (ladder !== null && ladder.symbol === symbol) out.set(symbol, ladder);
  }
  return out;
};

/**
 * The ladders with their best price taken further by the exchange's bars since each opened (bestSince):
 * the new run replays only its warm-up, so an excursion older than that was known only as far as a
 * recorded chandelier move said, and the stop would trail from a worse price than the ladder never
 * interrupted. A symbol whose bars cannot be read keeps its recorded best, with a word.
 */
export const bestFromBars = async (
  ladders: ReadonlyMap<string, CarriedLadder>,
  barsSince: (symbol: string, afterOpen: number) => Promise<BarExtremes>,
  log: (m: string) => void,
): Promise<Map<string, CarriedLadder>> => {
  const out = new Map<string, CarriedLadder>();
  for (const [symbol, ladder] of ladders) {
    try {
      out.set(symbol, { ...ladder, best: bestSince(ladder, await barsSince(symbol, ladder.openedAt - 1)) });
    } catch (err) {
      log(
        `${ladder.positionId}: the bars since its ladder opened cannot be read (${err instanceof Error ? err.message : String(err)}): its best price is what its events and the warm-up show`,
      );
      out.set(symbol, ladder);
    }
  }
  return out;
};
