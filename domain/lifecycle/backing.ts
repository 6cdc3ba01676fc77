/**
 * How much of what the real runs commit the exchange wallet backs (automation 4: a change of the capital
 * rebalances). Each strategy on real money sizes on its stage's share of LIVE_CAPITAL and its own ledger's
 * gains and losses since; none of it asks whether the account holds that money. A wallet started below
 * what the strategies commit, or money transferred out, would have them size on capital that is not
 * there, levering the account past what each run's limits allow. The runs size on `backing` × their
 * share instead, and go back up as money comes in.
 *
 * The step is a whole percent, rounded down: never more backing than the wallet holds. Going down is
 * acted on at once (the money is gone); going up waits for a rise of `RISE` at least, or full backing, so
 * a wallet wavering by a fee or a funding payment does not resize the runs every minute.
 */
export const BACKING_STEP = 0.01;
/** The least rise of the backing acted on, below full backing. */
export const RISE = 0.05;
/** Never below one step: the backing scales the runs down, it never benches them (a bench closes positions). */
export const MIN_BACKING = BACKING_STEP;

/**
 * The backing after a wallet reading of `wallet`, when the real runs commit `committed` (both in the
 * margin asset) and the runs size on `current` of their share now.
 */
export const nextBacking = (wallet: number, committed: number, current: number): number => {
  if (!(committed > 0) || !Number.isFinite(wallet)) return current;
  const steps = Math.floor((Math.max(0, wallet) / committed) * 100 + 1e-9);
  // A division, not steps × 0.01: 57 × 0.01 is 0.5700000000000001.
  const next = Math.max(MIN_BACKING, Math.min(1, steps / 100));
  if (next < current) return next;
  if (next === 1 || next - current >= RISE - 1e-9) return next;
  return current;
};
