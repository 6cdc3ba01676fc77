import { type Fixed, min, toText } from '../ledger/fixed.js';
import { type AdaptiveFactor, type AdaptiveInputs, type AdaptiveParams, adaptiveFactor } from './adaptive.js';
import { fromNumber, toNumber } from './num.js';

/**
 * Multi-layer exits for one position as a pure state machine. Layers:
 * - the protective stop: placed at entry ∓ k_sl·ATR ("initial"), later raised to break-even and then
 *   trailed chandelier-style; it only ever moves in the protective direction;
 * - a take-profit ladder: partial exits at R multiples of the initial risk;
 * - a time stop: exit after N bars if the trade has not made enough progress.
 * Each leg is armed → triggered → filled, or cancelled. Every placement or move yields a StopAdjusted,
 * every status change a StopStatusChanged, each with the inputs that caused it.
 */
export type StopLayer = 'initial' | 'break-even' | 'chandelier' | 'take-profit' | 'time';
export type StopKind = 'stop' | 'take-profit' | 'time';
export type StopStatus = 'armed' | 'triggered' | 'filled' | 'cancelled';
/** Engine-held legs are watched by the engine on every bar; venue-held ones rest on the exchange. */
export type StopHolding = 'engine' | 'venue';

export interface TakeProfitStep {
  /** Exit at entry ± r·R. */
  readonly r: number;
  /** Share of the initial quantity to exit. */
  readonly fraction: number;
}

export interface StopParams {
  readonly initialAtr: number;
  readonly takeProfits: readonly TakeProfitStep[];
  /** Move the stop to entry + offset once the best excursion reaches this many R (≤ 0: never). */
  readonly breakEvenR: number;
  /** In R, to cover fees and slippage on the exit. */
  readonly breakEvenOffsetR: number;
  readonly chandelierAtr: number;
  /** Trailing starts once the best excursion reaches this many R. */
  readonly chandelierActivateR: number;
  /** Exit after this many bars (0: never) if the close is still below `timeStopMinR`. */
  readonly timeStopBars: number;
  readonly timeStopMinR: number;
  readonly holding: StopHolding;
  readonly adaptive: AdaptiveParams;
}

export interface StopLeg {
  readonly legId: string;
  readonly layer: StopLayer;
  readonly kind: StopKind;
  /** Null for the time stop, which exits at market. */
  readonly price: Fixed | null;
  readonly quantity: Fixed;
  readonly status: StopStatus;
}

export interface StopBook {
  readonly positionId: string;
  readonly symbol: string;
  readonly side: 'long' | 'short';
  readonly entryPrice: Fixed;
  readonly initialStop: Fixed;
  /** R: |entry − initial stop| in price units. */
  readonly risk: number;
  /** Quantity still open (absolute). */
  readonly open: Fixed;
  readonly tickSize: Fixed;
  readonly stepSize: Fixed;
  readonly holding: StopHolding;
  readonly protective: StopLeg;
  readonly takeProfits: readonly StopLeg[];
  readonly timeStop: StopLeg | null;
  /** Best price reached since entry: highest high (long) or lowest low (short). */
  readonly best: number;
  readonly bars: number;
}

type Inputs = Readonly<Record<string, number | string | null>>;
type MutableInputs = Record<string, number | string | null>;

export interface StopAdjustedData {
  readonly positionId: string;
  readonly symbol: string;
  readonly side: 'long' | 'short';
  readonly legId: string;
  readonly layer: StopLayer;
  readonly kind: StopKind;
  readonly action: 'placed' | 'moved' | 'resized';
  readonly previousPrice: string | null;
  readonly price: string | null;
  readonly quantity: string;
  readonly holding: StopHolding;
  readonly at: number;
  readonly inputs: Inputs;
}

export interface StopStatusChangedData {
  readonly positionId: string;
  readonly symbol: string;
  readonly legId: string;
  readonly layer: StopLayer;
  readonly kind: StopKind;
  readonly from: StopStatus;
  readonly to: StopStatus;
  readonly price: string | null;
  readonly quantity: string;
  readonly at: number;
  readonly reason: string;
  readonly inputs: Inputs;
}

export type StopEvent =
  | { readonly type: 'StopAdjusted'; readonly data: StopAdjustedData }
  | { readonly type: 'StopStatusChanged'; readonly data: StopStatusChangedData };

export interface StopStep {
  readonly book: StopBook;
  readonly events: readonly StopEvent[];
}

const text = (x: Fixed | null): string | null => (x === null ? null : toText(x));

const dir = (b: { side: 'long' | 'short' }): 1 | -1 => (b.side === 'long' ? 1 : -1);

/** `a` is more protective than `b` for this side (higher for a long, lower for a short). */
const tighter = (side: 'long' | 'short', a: Fixed, b: Fixed): boolean => (side === 'long' ? a > b : a < b);

/** Stops round away from the price (a long's down, a short's up): the grid never makes a stop tighter. */
const stopOnGrid = (side: 'long' | 'short', price: number, tick: Fixed): Fixed =>
  fromNumber(price, tick, side === 'long' ? 'floor' : 'ceil');

/** Targets round away from the entry, so a take-profit never fills for less than its R multiple. */
const targetOnGrid = (side: 'long' | 'short', price: number, tick: Fixed): Fixed =>
  fromNumber(price, tick, side === 'long' ? 'ceil' : 'floor');

/**
 * `inputs` with the adaptive factor's inputs added after its own. Assigned, not spread: an object spread
 * into a literal that then gets more keys leaves V8 on a slow path where each further key costs about a
 * microsecond, and opening a ladder built three such objects (a tenth of a backtest's order path).
 */
const withFactor = (inputs: MutableInputs, f: AdaptiveFactor, x: AdaptiveInputs): Inputs => {
  inputs.factor = f.factor;
  inputs.volFactor = f.vol;
  inputs.equityFactor = f.equity;
  inputs.regimeFactor = f.regime;
  inputs.volPercentile = x.volPercentile;
  inputs.equitySlope = x.equitySlope;
  inputs.drawdown = x.drawdown;
  inputs.regime = x.regime;
  return inputs;
};

/** A leg placed when the ladder opens, its keys in the order the events have always had them. */
export const placedLeg = (
  o: Pick<OpenStops, 'positionId' | 'symbol' | 'side' | 'at'>,
  holding: StopHolding,
  leg: StopLeg,
  inputs: Inputs,
): StopAdjustedData => ({
  positionId: o.positionId,
  symbol: o.symbol,
  side: o.side,
  holding,
  at: o.at,
  legId: leg.legId,
  layer: leg.layer,
  kind: leg.kind,
  action: 'placed',
  previousPrice: null,
  price: text(leg.price),
  quantity: text(leg.quantity)!,
  inputs,
});

export interface OpenStops {
  readonly positionId: string;
  readonly symbol: string;
  readonly side: 'long' | 'short';
  readonly entryPrice: Fixed;
  readonly quantity: Fixed;
  readonly at: number;
  readonly atr: number;
  readonly tickSize: Fixed;
  readonly stepSize: Fixed;
  readonly conditions: AdaptiveInputs;
}

export const validateStopParams = (p: StopParams): void => {
  const total = p.takeProfits.reduce((s, t) => s + t.fraction, 0);
  const ok =
    p.initialAtr > 0 &&
    p.chandelierAtr > 0 &&
    total <= 1 + 1e-12 &&
    p.takeProfits.every((t) => t.r > 0 && t.fraction > 0) &&
    p.adaptive.min > 0 &&
    p.adaptive.min <= p.adaptive.max;
  if (!ok) throw new RangeError('stop params: multipliers must be > 0 and take-profit fractions sum to ≤ 1');
};

/** An armed take-profit leg. */
export const takeProfitLeg = (legId: string, price: Fixed, quantity: Fixed): StopLeg => ({
  legId,
  layer: 'take-profit',
  kind: 'take-profit',
  price,
  quantity,
  status: 'armed',
});

/** An armed time stop: no level, it exits at market. */
export const timeStopLeg = (positionId: string, quantity: Fixed): StopLeg => ({
  legId: `${positionId}:time`,
  layer: 'time',
  kind: 'time',
  price: null,
  quantity,
  status: 'armed',
});

/** Places every layer for a freshly opened position. */
export const openStops = (p: StopParams, o: OpenStops): StopStep => {
  validateStopParams(p);
  if (!(o.atr > 0)) throw new RangeError(`stops for ${o.positionId}: ATR must be > 0`);
  const d = dir(o);
  const entry = toNumber(o.entryPrice);
  const f = adaptiveFactor(p.adaptive, o.conditions, o.side);
  const k = p.initialAtr * f.factor;
  const initialStop = stopOnGrid(o.side, entry - d * k * o.atr, o.tickSize);
  if (initialStop <= 0n)
    throw new RangeError(`stops for ${o.positionId}: initial stop ${toText(initialStop)} ≤ 0`);
  const risk = Math.abs(entry - toNumber(initialStop));
  const events: StopEvent[] = [];
  const protective: StopLeg = {
    legId: `${o.positionId}:stop`,
    layer: 'initial',
    kind: 'stop',
    price: initialStop,
    quantity: o.quantity,
    status: 'armed',
  };
  events.push({
    type: 'StopAdjusted',
    data: placedLeg(
      o,
      p.holding,
      protective,
      withFactor({ entry, atr: o.atr, baseMultiplier: p.initialAtr, multiplier: k }, f, o.conditions),
    ),
  });

  const takeProfits: StopLeg[] = [];
  let allotted = 0n;
  p.takeProfits.forEach((t, i) => {
    const want = fromNumber(toNumber(o.quantity) * t.fraction, o.stepSize, 'floor');
    const qty = min(want, o.quantity - allotted);
    if (qty <= 0n) return;
    allotted += qty;
    const price = targetOnGrid(o.side, entry + d * t.r * risk, o.tickSize);
    if (price <= 0n) return;
    const leg = takeProfitLeg(`${o.positionId}:tp${i + 1}`, price, qty);
    takeProfits.push(leg);
    events.push({
      type: 'StopAdjusted',
      data: placedLeg(o, p.holding, leg, { entry, risk, r: t.r, fraction: t.fraction }),
    });
  });

  let timeStop: StopLeg | null = null;
  if (p.timeStopBars > 0) {
    timeStop = timeStopLeg(o.positionId, o.quantity);
    // The time stop exits at market inside the engine: the venue has no such order.
    events.push({
      type: 'StopAdjusted',
      data: placedLeg(o, 'engine', timeStop, { bars: p.timeStopBars, minR: p.timeStopMinR }),
    });
  }

  return {
    book: {
      positionId: o.positionId,
      symbol: o.symbol,
      side: o.side,
      entryPrice: o.entryPrice,
      initialStop,
      risk,
      open: o.quantity,
      tickSize: o.tickSize,
      stepSize: o.stepSize,
      holding: p.holding,
      protective,
      takeProfits,
      timeStop,
      best: entry,
      bars: 0,
    },
    events,
  };
};

export interface StopBar {
  /** Domain time of the bar's close. */
  readonly at: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly atr: number;
  readonly conditions: AdaptiveInputs;
}

const statusChange = (
  b: StopBook,
  leg: StopLeg,
  to: StopStatus,
  at: number,
  reason: string,
  inputs: Inputs,
): StopEvent => ({
  type: 'StopStatusChanged',
  data: {
    positionId: b.positionId,
    symbol: b.symbol,
    legId: leg.legId,
    layer: leg.layer,
    kind: leg.kind,
    from: leg.status,
    to,
    price: text(leg.price),
    quantity: text(leg.quantity)!,
    at,
    reason,
    inputs,
  },
});

/**
 * Triggers an armed leg now, for a reason the ladder's own rules did not see (a carried ladder whose stop
 * the market went through while no process followed it): the caller sends its exit.
 */
export const triggerLeg = (
  book: StopBook,
  legId: string,
  at: number,
  reason: string,
  inputs: Inputs,
): StopStep => {
  const leg = stopLeg(book, legId) ?? null;
  if (!isLive(leg)) throw new RangeError(`stop leg ${legId} of ${book.positionId} is not armed`);
  return {
    book: replaceLeg(book, { ...leg, status: 'triggered' }),
    events: [statusChange(book, leg, 'triggered', at, reason, inputs)],
  };
};

/** Legs of a book that are still working. */
export const isLive = (leg: StopLeg | null): leg is StopLeg => leg !== null && leg.status === 'armed';

/**
 * One closed bar. Triggers are judged against the legs as they stood before the bar (the bar cannot
 * move a stop and then hit it), and when a stop and a target are both touched inside one bar the stop
 * is assumed first: the bar does not say which came first, and assuming the worse is the honest
 * backtest. Then the excursion, the time stop and the protective stop's next level are updated.
 */
export const onBar = (p: StopParams, book: StopBook, bar: StopBar): StopStep => {
  if (book.open <= 0n || !isLive(book.protective)) return { book, events: [] };
  const events: StopEvent[] = [];
  const d = dir(book);
  const entry = toNumber(book.entryPrice);
  const seen = { high: bar.high, low: bar.low, close: bar.close };
  let b = book;
  let takeProfits = b.takeProfits;

  if (b.holding === 'engine') {
    const stop = toNumber(b.protective.price!);
    const stopHit = d === 1 ? bar.low <= stop : bar.high >= stop;
    if (stopHit) {
      events.push(
        statusChange(b, b.protective, 'triggered', bar.at, `${b.protective.layer} stop touched`, seen),
      );
      return { book: { ...b, protective: { ...b.protective, status: 'triggered' } }, events };
    }
    // Most bars reach no target (and most ladders have none): the legs are copied only when one is hit.
    for (let i = 0; i < takeProfits.length; i++) {
      const leg = takeProfits[i]!;
      if (!isLive(leg)) continue;
      const px = toNumber(leg.price!);
      if (!(d === 1 ? bar.high >= px : bar.low <= px)) continue;
      events.push(statusChange(b, leg, 'triggered', bar.at, 'take-profit reached', seen));
      if (takeProfits === b.takeProfits) takeProfits = [...takeProfits];
      (takeProfits as StopLeg[])[i] = { ...leg, status: 'triggered' };
    }
  }

  const best = d === 1 ? Math.max(b.best, bar.high) : Math.min(b.best, bar.low);
  const bars = b.bars + 1;
  b = { ...b, takeProfits, best, bars };
  const excursionR = b.risk > 0 ? (d * (best - entry)) / b.risk : 0;
  const closeR = b.risk > 0 ? (d * (bar.close - entry)) / b.risk : 0;

  if (isLive(b.timeStop) && p.timeStopBars > 0 && bars >= p.timeStopBars && closeR < p.timeStopMinR) {
    events.push(
      statusChange(b, b.timeStop, 'triggered', bar.at, `no ${p.timeStopMinR}R progress after ${bars} bars`, {
        bars,
        closeR,
        close: bar.close,
      }),
    );
    b = { ...b, timeStop: { ...b.timeStop, status: 'triggered' } };
  }

  // Candidate levels for the protective stop; the most protective one that beats the current wins.
  const candidates: { layer: StopLayer; price: Fixed; inputs: MutableInputs }[] = [];
  if (p.breakEvenR > 0 && excursionR >= p.breakEvenR) {
    const level = entry + d * p.breakEvenOffsetR * b.risk;
    candidates.push({
      layer: 'break-even',
      price: stopOnGrid(b.side, level, b.tickSize),
      inputs: { entry, risk: b.risk, excursionR, breakEvenR: p.breakEvenR, offsetR: p.breakEvenOffsetR },
    });
  }
  if (excursionR >= p.chandelierActivateR && bar.atr > 0) {
    const f = adaptiveFactor(p.adaptive, bar.conditions, b.side);
    const k = p.chandelierAtr * f.factor;
    candidates.push({
      layer: 'chandelier',
      price: stopOnGrid(b.side, best - d * k * bar.atr, b.tickSize),
      inputs: withFactor(
        { best, atr: bar.atr, baseMultiplier: p.chandelierAtr, multiplier: k, excursionR },
        f,
        bar.conditions,
      ),
    });
  }
  const close = fromNumber(bar.close, 0n, 'half-even');
  let chosen: (typeof candidates)[number] | null = null;
  for (const c of candidates) {
    // A level at or through the close would trigger on the next tick: not a stop, an exit.
    if (c.price <= 0n || !tighter(b.side, close, c.price)) continue;
    if (!tighter(b.side, c.price, chosen?.price ?? b.protective.price!)) continue;
    chosen = c;
  }
  if (chosen) {
    const prev = b.protective;
    const moved: StopLeg = { ...prev, layer: chosen.layer, price: chosen.price };
    events.push({
      type: 'StopAdjusted',
      data: {
        positionId: b.positionId,
        symbol: b.symbol,
        side: b.side,
        legId: prev.legId,
        layer: chosen.layer,
        kind: 'stop',
        action: 'moved',
        previousPrice: text(prev.price),
        price: text(chosen.price),
        quantity: text(prev.quantity)!,
        holding: b.holding,
        at: bar.at,
        // The candidate's own object, made here: the close is added to it rather than spread into a copy.
        inputs: Object.assign(chosen.inputs, { close: bar.close }),
      },
    });
    b = { ...b, protective: moved };
  }
  return { book: b, events };
};

export interface StopPrint {
  /** Domain time of the trade. */
  readonly at: number;
  readonly price: number;
}

/**
 * One traded price, for a position whose exits are watched print by print (a strategy fed trades): the
 * triggers of `onBar` judged against a single price, which leaves nothing to assume about order inside
 * a bar. The protective stop goes first; if it holds, every target the price reached triggers. The
 * excursion, the trailing levels and the time stop move only at bar closes (`onBar`), so a position
 * gets the same ladder whichever feed it trades on. Returns the same book when nothing triggers.
 */
export const onPrint = (book: StopBook, print: StopPrint): StopStep => {
  if (book.open <= 0n || book.holding !== 'engine' || !isLive(book.protective)) return { book, events: [] };
  const d = dir(book);
  const seen = { price: print.price };
  const stop = toNumber(book.protective.price!);
  if (d === 1 ? print.price <= stop : print.price >= stop) {
    const events = [
      statusChange(
        book,
        book.protective,
        'triggered',
        print.at,
        `${book.protective.layer} stop traded`,
        seen,
      ),
    ];
    return { book: { ...book, protective: { ...book.protective, status: 'triggered' } }, events };
  }
  const events: StopEvent[] = [];
  const tps = book.takeProfits.map((leg) => {
    if (!isLive(leg)) return leg;
    const px = toNumber(leg.price!);
    if (d === 1 ? print.price < px : print.price > px) return leg;
    events.push(statusChange(book, leg, 'triggered', print.at, 'take-profit traded', seen));
    return { ...leg, status: 'triggered' as const };
  });
  return events.length === 0 ? { book, events } : { book: { ...book, takeProfits: tps }, events };
};

const legs = (b: StopBook): StopLeg[] => [
  b.protective,
  ...b.takeProfits,
  ...(b.timeStop ? [b.timeStop] : []),
];

/** The book's leg with this id, if it has one. */
export const stopLeg = (b: StopBook, legId: string): StopLeg | undefined =>
  legs(b).find((l) => l.legId === legId);

const replaceLeg = (b: StopBook, leg: StopLeg): StopBook => {
  if (leg.legId === b.protective.legId) return { ...b, protective: leg };
  if (b.timeStop && leg.legId === b.timeStop.legId) return { ...b, timeStop: leg };
  return { ...b, takeProfits: b.takeProfits.map((l) => (l.legId === leg.legId ? leg : l)) };
};

/**
 * A leg's exit order filled. A venue-held leg goes armed → triggered → filled in one step (the venue
 * triggered it). A partial exit shrinks the protective stop and the time stop to what is left; a
 * full exit cancels every other live leg.
 */
export const onExitFilled = (book: StopBook, legId: string, quantity: Fixed, at: number): StopStep => {
  const leg = stopLeg(book, legId);
  if (!leg) throw new RangeError(`no stop leg ${legId} on ${book.positionId}`);
  if (leg.status === 'filled' || leg.status === 'cancelled') {
    throw new RangeError(`stop leg ${legId} is ${leg.status}: it cannot fill`);
  }
  const events: StopEvent[] = [];
  let b = book;
  let current = leg;
  if (current.status === 'armed') {
    events.push(statusChange(b, current, 'triggered', at, 'venue triggered the order', {}));
    current = { ...current, status: 'triggered' };
  }
  const filledQty = quantity > b.open ? b.open : quantity;
  events.push(statusChange(b, current, 'filled', at, 'exit filled', { filled: text(filledQty) }));
  b = replaceLeg(b, { ...current, status: 'filled', quantity: filledQty });
  const open = b.open - filledQty;
  b = { ...b, open };
  if (open <= 0n) return closeAll(b, at, 'position closed', events);

  // The protective and time stops cover what is still open, no more (a venue stop must not flip it).
  for (const l of [b.protective, b.timeStop]) {
    if (!isLive(l) || l.quantity === open) continue;
    events.push({
      type: 'StopAdjusted',
      data: {
        positionId: b.positionId,
        symbol: b.symbol,
        side: b.side,
        legId: l.legId,
        layer: l.layer,
        kind: l.kind,
        action: 'resized',
        previousPrice: text(l.price),
        price: text(l.price),
        quantity: text(open)!,
        holding: l.kind === 'time' ? 'engine' : b.holding,
        at,
        inputs: { previousQuantity: text(l.quantity), exitLeg: legId },
      },
    });
    b = replaceLeg(b, { ...l, quantity: open });
  }
  return { book: b, events };
};

/** The position is gone (closed by hand, liquidated, flattened): every working leg is cancelled. */
export const closeAll = (
  book: StopBook,
  at: number,
  reason: string,
  prior: readonly StopEvent[] = [],
): StopStep => {
  const events = [...prior];
  let b: StopBook = { ...book, open: 0n };
  for (const l of legs(b)) {
    if (l.status !== 'armed' && l.status !== 'triggered') continue;
    events.push(statusChange(b, l, 'cancelled', at, reason, {}));
    b = replaceLeg(b, { ...l, status: 'cancelled' });
  }
  return { book: b, events };
};

/** R multiple of a price for this book (for reports and the time stop). */
export const rMultiple = (b: StopBook, price: Fixed): number =>
  b.risk > 0 ? (dir(b) * toNumber(price - b.entryPrice)) / b.risk : 0;
