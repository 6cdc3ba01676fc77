/**
 * Square-root market impact from the design: the price moves against a taker by a fraction
 * λ·√notional, λ in 1/√(quote currency). With λ = 1e-5 a 10 000 USDT order moves 0.1 % and a
 * 1 000 000 USDT order 1 %. It is a knob per symbol because depth differs by orders of magnitude
 * between BTCUSDT and a fresh listing; 0 turns it off (e.g. when the fill already walked a real book).
 */
export type ImpactTable = Readonly<Record<string, number>>;

export const impactFraction = (lambda: number, notional: number): number =>
  lambda > 0 && notional > 0 ? lambda * Math.sqrt(notional) : 0;

/** The price a taker of `qty` at `price` pays after impact: higher for a buy, lower for a sell. */
export const impactedPrice = (price: number, qty: number, buy: boolean, lambda: number): number => {
  const f = impactFraction(lambda, price * qty);
  return buy ? price * (1 + f) : price * (1 - f);
};

export const lambdaFor = (table: ImpactTable, symbol: string, fallback = 0): number =>
  table[symbol] ?? fallback;
