import type { BarView } from './sdk.js';

/**
 * The bar handed to onBar: one object per run, refilled for every bar, so replaying millions of bars
 * allocates nothing. A strategy reads it during the call and copies what it keeps.
 */
export class MutableBar implements BarView {
  symbol = '';
  timeframe = '';
  openTime = 0;
  closeTime = 0;
  open = 0;
  high = 0;
  low = 0;
  close = 0;
  volume = 0;
}
