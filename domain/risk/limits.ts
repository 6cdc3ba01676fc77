/**
 * Pre-trade rules and their limits. A limit is set once as a default and overridden per account, per
 * strategy, per symbol and per strategy×symbol; the most specific setting wins field by field, and the
 * decision records where each threshold came from so a reviewer can tell a desk-wide limit from a
 * symbol override.
 */
export const ruleNames = [
  'breaker',
  'daily-loss',
  'max-open-orders',
  'order-rate',
  'price-band',
  'lot-size',
  'min-notional',
  'max-leverage',
  'max-position-notional',
  'gross-exposure',
  'net-exposure',
  'concentration',
  'correlation-cluster',
  'liquidation-distance',
] as const;
export type RuleName = (typeof ruleNames)[number];

export const isRuleName = (s: string): s is RuleName => (ruleNames as readonly string[]).includes(s);

export interface RiskLimits {
  /** Highest leverage setting allowed; the symbol's bracket for the post-trade notional may allow less. */
  readonly maxLeverage: number;
  /** Post-trade |notional| of one symbol, in the quote asset. */
  readonly maxPositionNotional: number;
  /** Σ|notional| over all symbols after the trade, as a multiple of equity. */
  readonly maxGrossExposure: number;
  /** |Σ signed notional| after the trade, as a multiple of equity. */
  readonly maxNetExposure: number;
  /** Post-trade |notional| of one symbol as a fraction of equity. */
  readonly maxConcentration: number;
  /** |ρ| at or above which another symbol counts as the same risk as the ordered one. */
  readonly correlationThreshold: number;
  /** |Σ sign(ρ)·notional| over the ordered symbol's cluster, as a multiple of equity. */
  readonly maxClusterExposure: number;
  /** Post-trade distance from mark to liquidation price must be at least this many ATRs. */
  readonly minLiquidationAtr: number;
  /** Floor on top of the venue's MIN_NOTIONAL, in the quote asset (0: the venue's alone). */
  readonly minNotional: number;
  /** Loss since the start of the trading day, as a fraction of day-start equity. */
  readonly maxDailyLoss: number;
  /** Open orders on the account including this one. */
  readonly maxOpenOrders: number;
  /** Orders sent by the account within `orderRateWindowMs`, including this one. */
  readonly maxOrdersPerWindow: number;
  readonly orderRateWindowMs: number;
  /** A limit price may differ from the mark by at most this fraction (the venue's band may be tighter). */
  readonly priceBand: number;
  /** When size rules fail, approve the largest quantity that passes instead of rejecting. */
  readonly allowResize: boolean;
  /** Rules switched off by configuration at this level (what-if runs add more with `disabledRules`). */
  readonly disabled: readonly RuleName[];
}

export const defaultRiskLimits: RiskLimits = {
  maxLeverage: 10,
  maxPositionNotional: 1_000_000,
  maxGrossExposure: 3,
  maxNetExposure: 2,
  maxConcentration: 1,
  correlationThreshold: 0.7,
  maxClusterExposure: 2,
  minLiquidationAtr: 3,
  minNotional: 0,
  maxDailyLoss: 0.05,
  maxOpenOrders: 50,
  maxOrdersPerWindow: 20,
  orderRateWindowMs: 60_000,
  priceBand: 0.02,
  allowResize: true,
  disabled: [],
};

export interface RiskConfig {
  readonly defaults: RiskLimits;
  readonly accounts?: Readonly<Record<string, Partial<RiskLimits>>>;
  readonly strategies?: Readonly<Record<string, Partial<RiskLimits>>>;
  readonly symbols?: Readonly<Record<string, Partial<RiskLimits>>>;
  /** Keyed `<strategyId>:<symbol>`. */
  readonly strategySymbols?: Readonly<Record<string, Partial<RiskLimits>>>;
}

export interface ResolvedLimits {
  readonly limits: RiskLimits;
  /** Where each field's value came from: `default`, `account:<id>`, `strategy:<id>`, ... */
  readonly source: Readonly<Record<keyof RiskLimits, string>>;
}

export const resolveLimits = (
  config: RiskConfig,
  at: { accountId: string; strategyId: string | null; symbol: string },
): ResolvedLimits => {
  const layers: [string, Partial<RiskLimits> | undefined][] = [
    [`account:${at.accountId}`, config.accounts?.[at.accountId]],
    [`strategy:${at.strategyId}`, at.strategyId === null ? undefined : config.strategies?.[at.strategyId]],
    [`symbol:${at.symbol}`, config.symbols?.[at.symbol]],
    [
      `strategy-symbol:${at.strategyId}:${at.symbol}`,
      at.strategyId === null ? undefined : config.strategySymbols?.[`${at.strategyId}:${at.symbol}`],
    ],
  ];
  const limits: Record<string, unknown> = { ...config.defaults };
  const source: Record<string, string> = {};
  for (const k of Object.keys(config.defaults)) source[k] = 'default';
  // Disabling is additive: a rule switched off desk-wide cannot be switched back on by accident
  // through an override that simply omits it.
  const disabled = new Set<RuleName>(config.defaults.disabled);
  for (const [name, layer] of layers) {
    if (!layer) continue;
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      if (k === 'disabled') {
        for (const r of v as readonly RuleName[]) disabled.add(r);
      } else {
        limits[k] = v;
      }
      source[k] = name;
    }
  }
  limits.disabled = [...disabled].sort();
  return {
    limits: limits as unknown as RiskLimits,
    source: source as Record<keyof RiskLimits, string>,
  };
};

/**
 * The longest order-rate window any layer of `config` sets: how far back the orders sent must be kept
 * for every account, strategy and symbol to be judged by its own window (a desk may count orders per day
 * where the default counts them per minute).
 */
export const longestOrderRateWindow = (config: RiskConfig): number => {
  let longest = config.defaults.orderRateWindowMs;
  for (const layer of [config.accounts, config.strategies, config.symbols, config.strategySymbols])
    for (const limits of Object.values(layer ?? {}))
      if (limits.orderRateWindowMs !== undefined && limits.orderRateWindowMs > longest)
        longest = limits.orderRateWindowMs;
  return longest;
};
