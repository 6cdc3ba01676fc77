import { abs, div, type Fixed, mul, ONE } from './fixed.js';
import { type Bracket, bracketFor, type Instrument } from './instrument.js';
import { notionalAt, type PositionAmount, unrealisedPnl } from './position.js';

/** Initial margin the venue requires for a notional at a leverage (Binance: notional / leverage). */
export const initialMargin = (notional: Fixed, leverage: number): Fixed =>
  div(notional, BigInt(leverage) * ONE, 'ceil');

/** Binance: MM = notional × MMR(bracket) − cum(bracket), with the bracket of that notional. */
export const maintenanceMarginOf = (inst: Instrument, pos: PositionAmount, mark: Fixed): Fixed => {
  const notional = notionalAt(pos, mark);
  if (notional === 0n) return 0n;
  const b = bracketFor(inst, notional);
  const mm = mul(notional, b.maintMarginRatio, 'ceil') - b.cum;
  return mm < 0n ? 0n : mm;
};

export interface MarginLeg {
  readonly instrument: Instrument;
  readonly position: PositionAmount;
  readonly mark: Fixed;
}

export interface MarginSummary {
  readonly marginBalance: Fixed;
  readonly maintenanceMargin: Fixed;
  readonly unrealisedPnl: Fixed;
  /** MM / margin balance as a fraction (1 = 100% = liquidation); null when the balance is ≤ 0 with no MM. */
  readonly marginRatio: Fixed | null;
}

/** Margin balance and ratio of a wallet backing some positions (the cross wallet, or one isolated wallet). */
export const marginSummary = (wallet: Fixed, legs: readonly MarginLeg[]): MarginSummary => {
  let upnl = 0n;
  let mm = 0n;
  for (const l of legs) {
    upnl += unrealisedPnl(l.position, l.mark);
    mm += maintenanceMarginOf(l.instrument, l.position, l.mark);
  }
  const balance = wallet + upnl;
  const ratio = balance > 0n ? div(mm, balance, 'ceil') : mm === 0n ? null : ONE * 1000n;
  return { marginBalance: balance, maintenanceMargin: mm, unrealisedPnl: upnl, marginRatio: ratio };
};

/** Liquidation is due when the margin balance no longer covers the maintenance margin. */
export const breachesMaintenance = (s: MarginSummary): boolean =>
  s.maintenanceMargin > 0n && s.marginBalance <= s.maintenanceMargin;

export interface LiquidationInput {
  /** WB: cross wallet balance (cross) or the position's isolated wallet (isolated). */
  readonly walletBalance: Fixed;
  /** TMM1: maintenance margin of the account's other cross positions (0 for isolated). */
  readonly otherMaintenanceMargin: Fixed;
  /** UPNL1: unrealised PnL of the other cross positions (0 for isolated). */
  readonly otherUnrealisedPnl: Fixed;
  readonly instrument: Instrument;
  /** The positions of the one symbol: BOTH in one-way mode, LONG and/or SHORT in hedge mode. */
  readonly positions: readonly PositionAmount[];
  /** Where to start looking for the bracket (usually the mark price). */
  readonly referencePrice: Fixed;
}

const solve = (input: LiquidationInput, brackets: readonly Bracket[]): Fixed | null => {
  // Binance USDⓈ-M (https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93):
  // LP = (WB − TMM1 + UPNL1 + cumB + cumL + cumS − Side1BOTH×Position1BOTH×EP1BOTH − Position1LONG×EP1LONG
  //       + Position1SHORT×EP1SHORT) / (Position1BOTH×MMRB + Position1LONG×MMRL + Position1SHORT×MMRS
  //       − Side1BOTH×Position1BOTH − Position1LONG + Position1SHORT).
  // With signed quantities and signed cost (= signed size × entry price) every "side" term is the signed
  // value itself, so the numerator is WB − TMM1 + UPNL1 + Σcum − Σcost and the denominator Σ|q|·MMR − Σq.
  let num = input.walletBalance - input.otherMaintenanceMargin + input.otherUnrealisedPnl;
  let den = 0n;
  input.positions.forEach((p, i) => {
    const b = brackets[i]!;
    num += b.cum - p.cost;
    den += mul(abs(p.qty), b.maintMarginRatio) - p.qty;
  });
  if (den === 0n) return null;
  const lp = div(num, den, 'half-even');
  return lp > 0n ? lp : null;
};

/**
 * Binance's liquidation price with the bracket's maintenance amount. The bracket depends on the notional
 * at the liquidation price itself, so, as Binance's FAQ prescribes when the levels differ, the price is
 * recomputed with the bracket found at the previous answer until the brackets stop changing.
 * Returns null when no positive price liquidates (e.g. a long fully covered by its margin).
 */
export const liquidationPrice = (input: LiquidationInput): Fixed | null => {
  const open = input.positions.filter((p) => p.qty !== 0n);
  if (open.length === 0) return null;
  const at = (price: Fixed) => open.map((p) => bracketFor(input.instrument, notionalAt(p, price)));
  let brackets = at(input.referencePrice);
  let lp = solve({ ...input, positions: open }, brackets);
  for (let i = 0; i <= input.instrument.brackets.length && lp !== null; i++) {
    const next = at(lp);
    if (next.every((b, k) => b === brackets[k])) return lp;
    brackets = next;
    lp = solve({ ...input, positions: open }, brackets);
  }
  return lp;
};
