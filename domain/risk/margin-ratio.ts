/**
 * The largest margin ratio an event records. Past 1 the venue is liquidating the account, and with
 * nothing left (a margin balance at or below zero) the ratio has no finite value; events hold finite
 * numbers.
 */
export const MARGIN_RATIO_CAP = 10;

/**
 * Binance's margin ratio: maintenance margin ÷ margin balance (wallet plus unrealised PnL), capped at
 * MARGIN_RATIO_CAP. 0 with nothing held.
 */
export const marginRatio = (maintenance: number, marginBalance: number): number => {
  if (!(maintenance > 0)) return 0;
  if (!(marginBalance > 0)) return MARGIN_RATIO_CAP;
  return Math.min(maintenance / marginBalance, MARGIN_RATIO_CAP);
};
