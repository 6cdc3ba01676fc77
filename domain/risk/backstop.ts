import type { Fixed } from '../ledger/fixed.js';
import { fromNumber } from './num.js';

/**
 * The exchange-held backstop of a position on a real account (hard stop, design §5's first layer): one
 * reduce-only STOP_MARKET resting at the exchange, `bufferBps` beyond the engine's own protective stop.
 *
 * The engine judges its ladder on marks every few seconds and exits with market orders; that needs the
 * process up and the symbol's bars flowing. The backstop is what protects the position when neither
 * holds: a crash, a stopped node, a feed that went quiet. It sits beyond the engine's stop so that in
 * normal running the engine's exit comes first and the backstop is only cancelled, never raced.
 * Its trigger follows the ladder only when it has drifted `moveBps` from where it should be, so a
 * trailing stop that moves every bar does not cancel and re-place an order every bar.
 */
export interface BackstopPlan {
  /** How far beyond the engine's stop the backstop triggers, in basis points of the stop price. */
  readonly bufferBps: number;
  /** How far (bps of the working trigger) the wanted trigger must drift before the order is replaced. */
  readonly moveBps: number;
}

export const defaultBackstopPlan: BackstopPlan = { bufferBps: 50, moveBps: 20 };

/** A plan a person wrote (LIVE_BACKSTOP): refused with the reason when it cannot protect anything. */
export const checkBackstopPlan = (p: BackstopPlan): BackstopPlan => {
  const { bufferBps, moveBps } = p;
  if (!Number.isFinite(bufferBps) || bufferBps <= 0 || bufferBps > 2_000)
    throw new RangeError(`backstop bufferBps must be in (0, 2000], got ${bufferBps}`);
  if (!Number.isFinite(moveBps) || moveBps < 0)
    throw new RangeError(`backstop moveBps must be ≥ 0, got ${moveBps}`);
  // A backstop that may lag the wanted trigger by the whole buffer could sit on the engine's stop and race it.
  if (moveBps >= bufferBps)
    throw new RangeError(`backstop moveBps (${moveBps}) must be below bufferBps (${bufferBps})`);
  return { bufferBps, moveBps };
};

/**
 * The trigger of the backstop for a position on `side` whose engine stop is at `stop`: `bufferBps` beyond
 * it, on the tick grid, rounded away from the market (it never fires earlier than the buffer says).
 */
export const backstopTrigger = (
  side: 'long' | 'short',
  stop: number,
  plan: BackstopPlan,
  tickSize: Fixed,
): Fixed =>
  side === 'long'
    ? fromNumber(stop * (1 - plan.bufferBps / 10_000), tickSize, 'floor')
    : fromNumber(stop * (1 + plan.bufferBps / 10_000), tickSize, 'ceil');

/**
 * Whether a backstop working at `working` gives way to one at `wanted` (same side, same quantity): when
 * they are `moveBps` apart or more, either way. Looser counts too: an adaptive stop that widens must not
 * leave the backstop inside it, where it would fire before the engine's own stop.
 */
export const backstopMoves = (working: Fixed, wanted: Fixed, plan: BackstopPlan): boolean => {
  const gap = wanted > working ? wanted - working : working - wanted;
  if (gap === 0n) return false;
  // Exact: gap / working ≥ moveBps / 10⁴, in integers (moveBps to 1/100 bp).
  return gap * 1_000_000n >= working * BigInt(Math.round(plan.moveBps * 100));
};
