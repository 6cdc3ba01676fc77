import type { StrategyDefinition } from '../strategy/sdk.js';
import { bollingerRsi } from './bollinger-rsi.js';
import { donchianBreakout } from './donchian-breakout.js';
import { emaCross } from './ema-cross.js';
import { flowImbalance } from './flow-imbalance.js';
import { fundingCarry } from './funding-carry.js';
import { volBreakout } from './vol-breakout.js';

export { type BollingerRsiParams, bollingerRsi, bollingerRsiParams } from './bollinger-rsi.js';
export {
  type DonchianBreakoutParams,
  donchianBreakout,
  donchianBreakoutParams,
} from './donchian-breakout.js';
export { type EmaCrossParams, emaCross, emaCrossParams } from './ema-cross.js';
export { type FlowImbalanceParams, flowImbalance, flowImbalanceParams } from './flow-imbalance.js';
export { type FundingCarryParams, fundingCarry, fundingCarryParams } from './funding-carry.js';
export { type VolBreakoutParams, volBreakout, volBreakoutParams } from './vol-breakout.js';

/**
 * The strategies that ship with Perpetua, by id. Each definition is typed by its own parameters; the
 * registry erases that, so a caller parses parameters with `definition.params` before `create`.
 */
export const builtInStrategies: Readonly<Record<string, StrategyDefinition>> = {
  [emaCross.id]: emaCross,
  [donchianBreakout.id]: donchianBreakout,
  [bollingerRsi.id]: bollingerRsi,
  [volBreakout.id]: volBreakout,
  [fundingCarry.id]: fundingCarry,
};

/**
 * Strategies fed trades and the L2 book. They run only where a capture covers the span (../shared/data
 * has six minutes of BTCUSDT), so they are kept apart from the bar strategies that `npm start`
 * paper-trades and the scheduler re-optimises; the backtest CLI and the engine take either.
 */
export const tickStrategies: Readonly<Record<string, StrategyDefinition>> = {
  [flowImbalance.id]: flowImbalance,
};

/** Every strategy a run can name: the bar strategies and the tick strategies. */
export const allStrategies: Readonly<Record<string, StrategyDefinition>> = {
  ...builtInStrategies,
  ...tickStrategies,
};
