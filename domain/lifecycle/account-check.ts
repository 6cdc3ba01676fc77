import { type Fixed, fixed, toText } from '../ledger/fixed.js';

/** One symbol of a reconciliation: what the exchange holds, and what the real runs' ledgers hold together. */
export interface AccountRow {
  readonly symbol: string;
  readonly exchange: string;
  readonly ledger: string;
}

export interface AccountCheck {
  readonly matched: boolean;
  /** Every symbol either side holds, by name; `matched` is false when any row differs. */
  readonly rows: readonly AccountRow[];
}

/**
 * The account against the ledgers of the runs that trade it, exactly: per symbol, the exchange's signed
 * position against the sum of every real run's. A difference means the ledger no longer knows what the
 * account holds (a fill it missed, a trade by hand, a liquidation by the exchange).
 */
export const checkAccount = (
  exchange: ReadonlyMap<string, string>,
  ledgers: Iterable<ReadonlyMap<string, Fixed>>,
): AccountCheck => {
  const held = new Map<string, Fixed>();
  for (const l of ledgers) for (const [symbol, q] of l) held.set(symbol, (held.get(symbol) ?? 0n) + q);
  const symbols = [...new Set([...exchange.keys(), ...held.keys()])].sort();
  const rows: AccountRow[] = [];
  let matched = true;
  for (const symbol of symbols) {
    const ex = fixed(exchange.get(symbol) ?? '0');
    const ledger = held.get(symbol) ?? 0n;
    if (ex === 0n && ledger === 0n) continue;
    if (ex !== ledger) matched = false;
    rows.push({ symbol, exchange: toText(ex), ledger: toText(ledger) });
  }
  return { matched, rows };
};
