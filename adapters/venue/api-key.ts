/**
 * What an API key may do, in the terms the node judges every venue's key by: Binance's apiRestrictions
 * reply (binance/api-key.ts) is these fields, Bybit's and OKX's are read into them (bybit/api-key.ts,
 * okx/api-key.ts).
 */
export interface ApiRestrictions {
  readonly ipRestrict: boolean;
  readonly enableReading: boolean;
  readonly enableWithdrawals: boolean;
  readonly enableFutures: boolean;
  readonly enableInternalTransfer?: boolean | undefined;
  readonly permitsUniversalTransfer?: boolean | undefined;
}
export interface KeyVerdict {
  /** Why the node must not trade real money with this key; null when it may. */
  readonly refuse: string | null;
  /** What is allowed but unwise, for the log. */
  readonly warnings: readonly string[];
}

/**
 * Least privilege for the key a node trades with (design §15). It must read and trade futures, or every
 * order fails. It must not withdraw: a key that leaks from the node's environment would then empty the
 * account, and trading never needs it; a desk that accepts the risk says so (`allowWithdrawals`). Moving
 * money between wallets, and a key usable from any IP, are allowed but said. Other venues' keys are read
 * into the same terms (bybit/api-key.ts, okx/api-key.ts); `venue` names the exchange where the key is set up.
 */
export const judgeApiKey = (r: ApiRestrictions, allowWithdrawals = false, venue = 'Binance'): KeyVerdict => {
  const warnings: string[] = [];
  if (!r.ipRestrict)
    warnings.push(`the API key works from any IP: restrict it to this machine’s address on ${venue}`);
  if (r.enableInternalTransfer || r.permitsUniversalTransfer)
    warnings.push('the API key can move money between wallets: trading does not need it');
  if (r.enableWithdrawals && allowWithdrawals)
    warnings.push('the API key can withdraw, and LIVE_KEY_WITHDRAWALS=allow lets it trade anyway');
  const refuse = !r.enableReading
    ? 'the API key cannot read the account: enable reading on it'
    : !r.enableFutures
      ? 'the API key cannot trade futures: enable futures on it'
      : r.enableWithdrawals && !allowWithdrawals
        ? 'the API key can withdraw: a key that leaks would empty the account, and trading never needs it. Make one without withdrawals (restricted to this IP), or set LIVE_KEY_WITHDRAWALS=allow to accept the risk'
        : null;
  return { refuse, warnings };
};
