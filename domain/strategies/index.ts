import type { StrategyDefinition } from '../strategy/sdk.js';
import { bollingerRsi } from './bollinger-rsi.js';
import { donchianBreakout } from './donchian-breakout.js';
import { emaCross } from './ema-cross.js';
import { fundingCarry } from './funding-carry.js';
import { volBreakout } from './vol-breakout.js';

export { type BollingerRsiParams, bollingerRsi, bollingerRsiParams } from './bollinger-rsi.js';
export {
  type DonchianBreakoutParams,
  donchianBreakout,
  donchianBreakoutParams,
} from './donchian-breakout.js';
export { type EmaCrossParams, emaCross, emaCrossParams } from './ema-cross.js';
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
