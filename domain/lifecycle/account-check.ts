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

/**
 * The account's wallet against the money the real runs' ledgers moved (realised PnL − fees paid from the
 * wallet + funding, every real run's): their difference is the money no ledger explains (the user's
 * deposits, and what came before the runs), and it stays the same while every movement is booked.
 * `unexplained` is how far it moved from `baseline` (the difference at the first check): a transfer, a trade
 * made by hand, or a charge the ledgers missed.
 */
export interface WalletCheck {
  readonly asset: string;
  readonly exchange: string;
  readonly ledgers: string;
  readonly baseline: string;
  readonly unexplained: string;
  /**
   * When the wallet was read (ISO time). A check in the minutes after an hour, while funding settles,
   * does not read it and carries the last reading on: this says how old that reading is.
   */
  readonly readAt?: string;
}

export const checkWallet = (
  asset: string,
  exchange: Fixed,
  ledgerFlows: Fixed,
  baseline: Fixed | null,
  /** When `exchange` was read (epoch ms); recorded so a reading carried on is seen for what it is. */
  readAt?: number,
): WalletCheck => {
  const base = baseline ?? exchange - ledgerFlows;
  return {
    asset,
    exchange: toText(exchange),
    ledgers: toText(ledgerFlows),
    baseline: toText(base),
    unexplained: toText(exchange - ledgerFlows - base),
    ...(readAt === undefined ? {} : { readAt: new Date(readAt).toISOString() }),
  };
};

/** The money an account's ledger moved in its wallet: realised PnL − fees it paid + funding. */
export const ledgerFlows = (totals: {
  readonly realisedPnl: Fixed;
  readonly fees: Fixed;
  readonly funding: Fixed;
}): Fixed => totals.realisedPnl - totals.fees + totals.funding;
