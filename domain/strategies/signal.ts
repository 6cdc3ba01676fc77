import type { FeatureValue, SignalRecord } from '../strategy/sdk.js';

export const sideOf = (exposure: number): SignalRecord['side'] =>
  exposure > 0 ? 'long' : exposure < 0 ? 'short' : 'flat';

export const signalOf = (
  exposure: number,
  strength: number,
  features: Readonly<Record<string, FeatureValue>>,
): SignalRecord => ({ side: sideOf(exposure), strength, features });

/** Sign of a difference, keeping the previous sign on an exact tie so a touch is not a cross. */
export const signKeep = (diff: number, previous: number): number => (diff > 0 ? 1 : diff < 0 ? -1 : previous);
