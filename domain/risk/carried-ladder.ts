import { type Fixed, fixed, min, toText } from '../ledger/fixed.js';
import { fromNumber, toNumber } from './num.js';
import {
  placedLeg,
  type StopAdjustedData,
  type StopBook,
  type StopEvent,
  type StopHolding,
  type StopLayer,
  type StopLeg,
  type StopParams,
  type StopStatus,
  type StopStep,
  takeProfitLeg,
  timeStopLeg,
} from './stops.js';

/**
 * A stop ladder carried from one real run to the next (a restart, or a parameter version's hand-over):
 * rebuilt from the earlier ladder's events, then placed again under the new run's position at the levels
 * it had reached. Without it the new run armed a fresh ladder from the last close, so a trailing stop that
 * had climbed fell back to close − k·ATR, take-profits already taken were offered again on the whole
 * position, and the time stop counted from zero: a restart loosened the protection a trader had.
 */
export interface CarriedLadder {
  /** The earlier ladder's position. */
  readonly positionId: string;
  readonly symbol: string;
  readonly side: 'long' | 'short';
  /** Domain time the ladder was first opened: its bars and best excursion count from here. */
  readonly openedAt: number;
  /** The entry R and the targets were measured from. */
  readonly entry: number;
  readonly initialStop: string;
  readonly protective: { readonly layer: StopLayer; readonly price: string; readonly status: StopStatus };
  readonly takeProfits: readonly CarriedTarget[];
  /** The time stop's status; null when the ladder had none. */
  readonly timeStop: StopStatus | null;
  /**
   * The best price its events recorded (a chandelier move's, or a carried ladder's), else the entry; taken
   * further by the exchange's bars since it opened where the new run read them (bestSince).
   */
  readonly best: number;
}

/** A symbol's closed bars, oldest first: what bestSince reads of them. */
export interface BarExtremes {
  readonly openTime: ArrayLike<number>;
  readonly high: ArrayLike<number>;
  readonly low: ArrayLike<number>;
}

/**
 * The ladder's best price taken further by `bars` up to index `last`: the highest high (long) or lowest
 * low (short) of those that opened at or after the ladder did, which the ladder never interrupted would
 * have seen.
 */
export const bestSince = (
  ladder: CarriedLadder,
  bars: BarExtremes,
  last = bars.openTime.length - 1,
): number => {
  const long = ladder.side === 'long';
  const extreme = long ? bars.high : bars.low;
  let best = ladder.best;
  for (let k = last; k >= 0 && bars.openTime[k]! >= ladder.openedAt; k--) {
    const x = extreme[k]!;
    if (long ? x > best : x < best) best = x;
  }
  return best;
};

export interface CarriedTarget {
  readonly legId: string;
  readonly price: string;
  readonly quantity: string;
  readonly status: StopStatus;
}

const numberInput = (inputs: StopAdjustedData['inputs'], key: string): number | null => {
  const v = inputs[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};

/**
 * The ladder as its events leave it (one position's `stops-<positionId>` stream, in order), or null when
 * they hold no protective stop placed with its entry.
 */
export const ladderOfEvents = (events: readonly StopEvent[]): CarriedLadder | null => {
  let head: Omit<CarriedLadder, 'protective' | 'takeProfits' | 'timeStop' | 'best'> | null = null;
  let protective = null as CarriedLadder['protective'] | null;
  const targets = new Map<string, { price: string; quantity: string; status: StopStatus }>();
  let timeStop: StopStatus | null = null;
  let best = Number.NaN;
  const better = (side: 'long' | 'short', x: number) => {
    if (Number.isNaN(best) || (side === 'long' ? x > best : x < best)) best = x;
  };
  for (const e of events) {
    const d = e.data;
    if (e.type === 'StopAdjusted') {
      const inputs = e.data.inputs;
      if (d.kind === 'stop') {
        if (e.data.action === 'placed' && head === null) {
          const entry = numberInput(inputs, 'entry');
          if (entry === null || e.data.price === null) return null;
          head = {
            positionId: d.positionId,
            symbol: d.symbol,
            side: e.data.side,
            openedAt: numberInput(inputs, 'openedAt') ?? e.data.at,
            entry,
            initialStop: typeof inputs.initialStop === 'string' ? inputs.initialStop : e.data.price,
          };
          better(e.data.side, entry);
        }
        if (e.data.price !== null) {
          const status: StopStatus = protective === null ? 'armed' : protective.status;
          protective = { layer: d.layer, price: e.data.price, status };
        }
      } else if (d.kind === 'take-profit' && e.data.price !== null) {
        targets.set(d.legId, {
          price: e.data.price,
          quantity: d.quantity,
          status: targets.get(d.legId)?.status ?? 'armed',
        });
      } else if (d.kind === 'time') timeStop ??= 'armed';
      const seen = numberInput(inputs, 'best');
      if (seen !== null && head !== null) better(head.side, seen);
    } else {
      const to = e.data.to;
      if (d.kind === 'stop' && protective !== null) protective = { ...protective, status: to };
      else if (d.kind === 'take-profit') {
        const t = targets.get(d.legId);
        if (t !== undefined) targets.set(d.legId, { ...t, status: to });
      } else if (d.kind === 'time' && timeStop !== null) timeStop = to;
    }
  }
  if (head === null || protective === null) return null;
  return {
    ...head,
    protective,
    takeProfits: [...targets].map(([legId, t]) => ({ legId, ...t })),
    timeStop,
    best,
  };
};

export interface ResumeStops {
  /** The new run's position. */
  readonly positionId: string;
  readonly side: 'long' | 'short';
  /** What the new run holds (absolute). */
  readonly quantity: Fixed;
  readonly at: number;
  /** The last close, which the protective stop must still be on the right side of. */
  readonly close: number;
  /** The best price since the ladder opened, as the bars the new run has seen and the ladder say. */
  readonly best: number;
  /** Bars since the ladder opened. */
  readonly bars: number;
  readonly tickSize: Fixed;
  readonly stepSize: Fixed;
  readonly holding: StopHolding;
}

export type Resumed =
  /**
   * The ladder goes on under the new position. `breached` says why its protective stop is to trigger at
   * once (it had triggered in the earlier run, or the last close is through it), null when it holds.
   */
  | { readonly kind: 'resumed'; readonly step: StopStep; readonly breached: string | null }
  /** It is not this position's ladder, or it was closed: a fresh one is armed. */
  | { readonly kind: 'fresh'; readonly reason: string };

const live = (s: StopStatus): boolean => s === 'armed' || s === 'triggered';

/**
 * The earlier ladder placed again under the new position, its levels as they stood. The protective stop
 * keeps its price and layer (it only ever moves in the protective direction, and a restart is no reason
 * to loosen it); the take-profits not yet filled keep theirs, allotted in order up to what is held; the
 * time stop keeps counting from the ladder's open. A target triggered but not filled (its exit was
 * cancelled with the earlier run's orders) is armed again: the price will say again whether it is reached.
 * Prices are put back on today's grid away from the market, as `openStops` rounds them. A stop the
 * market went through while no process followed the position is placed where it was and reported as
 * breached: the caller triggers it at once (`triggerLeg`), so the exit is the ladder's, on the record.
 */
export const resumeStops = (p: StopParams, earlier: CarriedLadder, o: ResumeStops): Resumed => {
  const long = o.side === 'long';
  if (earlier.side !== o.side)
    return { kind: 'fresh', reason: `the earlier ladder was ${earlier.side}, the position is ${o.side}` };
  const was = earlier.protective.status;
  if (!live(was)) return { kind: 'fresh', reason: `the earlier ladder's stop was ${was}` };
  const stop = fromNumber(toNumber(fixed(earlier.protective.price)), o.tickSize, long ? 'floor' : 'ceil');
  if (stop <= 0n) return { kind: 'fresh', reason: `the earlier ladder's stop is at ${toText(stop)}` };
  const close = fromNumber(o.close, 0n, 'half-even');
  const breached =
    was === 'triggered'
      ? `its ${earlier.protective.layer} stop had triggered in the earlier run`
      : (long ? close <= stop : close >= stop)
        ? `the last close ${o.close} is through its ${earlier.protective.layer} stop ${toText(stop)}`
        : null;
  const entryPrice = fromNumber(earlier.entry, o.tickSize, 'half-even');
  const initialStop = fixed(earlier.initialStop);
  const risk = Math.abs(earlier.entry - toNumber(initialStop));
  const carried = {
    carriedFrom: earlier.positionId,
    openedAt: earlier.openedAt,
    entry: earlier.entry,
    initialStop: earlier.initialStop,
    risk,
    best: o.best,
    bars: o.bars,
  };
  const at = { positionId: o.positionId, symbol: earlier.symbol, side: o.side, at: o.at };
  const placed = (leg: StopLeg, holding: StopHolding, inputs: StopAdjustedData['inputs']): StopEvent => ({
    type: 'StopAdjusted',
    data: placedLeg(at, holding, leg, inputs),
  });
  const protective: StopLeg = {
    legId: `${o.positionId}:stop`,
    layer: earlier.protective.layer,
    kind: 'stop',
    price: stop,
    quantity: o.quantity,
    status: 'armed',
  };
  const events: StopEvent[] = [placed(protective, o.holding, { ...carried, close: o.close })];
  const takeProfits: StopLeg[] = [];
  let allotted = 0n;
  for (const t of earlier.takeProfits) {
    if (!live(t.status)) continue;
    const qty = min(fixed(t.quantity), o.quantity - allotted);
    const price = fromNumber(toNumber(fixed(t.price)), o.tickSize, long ? 'ceil' : 'floor');
    if (qty <= 0n || price <= 0n) continue;
    allotted += qty;
    const leg = takeProfitLeg(`${o.positionId}:${t.legId.slice(t.legId.lastIndexOf(':') + 1)}`, price, qty);
    takeProfits.push(leg);
    events.push(placed(leg, o.holding, { carriedFrom: t.legId, entry: earlier.entry, risk }));
  }
  let timeStop: StopLeg | null = null;
  if (earlier.timeStop !== null && live(earlier.timeStop) && p.timeStopBars > 0) {
    timeStop = timeStopLeg(o.positionId, o.quantity);
    events.push(
      placed(timeStop, 'engine', {
        carriedFrom: earlier.positionId,
        bars: p.timeStopBars,
        minR: p.timeStopMinR,
        held: o.bars,
      }),
    );
  }
  const book: StopBook = {
    positionId: o.positionId,
    symbol: earlier.symbol,
    side: o.side,
    entryPrice,
    initialStop,
    risk,
    open: o.quantity,
    tickSize: o.tickSize,
    stepSize: o.stepSize,
    holding: o.holding,
    protective,
    takeProfits,
    timeStop,
    best: o.best,
    bars: o.bars,
  };
  return { kind: 'resumed', step: { book, events }, breached };
};
