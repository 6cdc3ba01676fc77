import { z } from 'zod';
import { defaultRiskLimits, type RiskConfig, type RiskLimits, ruleNames } from './limits.js';

/**
 * A person changes the pre-trade limits (design §11 `POST /api/risk/limits`, §12.5 the risk centre). A
 * change sets one layer of the RiskConfig: the desk-wide defaults, or the override of one account,
 * strategy, symbol or strategy×symbol. It replaces that layer whole (the fields it names; an empty one
 * removes the override), so the config after a sequence of changes depends on the changes alone, not on
 * what a reader folded before.
 */

export const limitScopes = ['defaults', 'account', 'strategy', 'symbol', 'strategy-symbol'] as const;
export type LimitScope = (typeof limitScopes)[number];

const positive = z.number().finite().positive();
const fraction = z.number().finite().gt(0).lte(1);
const count = z.number().int().positive();

/** Each limit with the range that makes sense for it; a field not named keeps the layer below. */
export const limitsPatchSchema = z
  .object({
    maxLeverage: z.number().finite().min(1).max(125),
    maxPositionNotional: positive,
    maxGrossExposure: positive,
    maxNetExposure: positive,
    maxConcentration: positive,
    correlationThreshold: fraction,
    maxClusterExposure: positive,
    minLiquidationAtr: z.number().finite().nonnegative(),
    minNotional: z.number().finite().nonnegative(),
    maxDailyLoss: fraction,
    maxOpenOrders: count,
    maxOrdersPerWindow: count,
    orderRateWindowMs: count,
    priceBand: fraction,
    allowResize: z.boolean(),
    disabled: z.array(z.enum(ruleNames)),
  })
  .partial()
  .strict();

export type LimitsPatch = z.infer<typeof limitsPatchSchema>;

export interface LimitChange {
  readonly scope: LimitScope;
  /** The account, strategy, symbol or `<strategy>:<symbol>` it is for; null for the defaults. */
  readonly key: string | null;
  readonly limits: LimitsPatch;
}

export class LimitChangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LimitChangeError';
  }
}

/** Refuses a change whose key does not fit its scope, with the reason. */
export const checkLimitChange = (c: LimitChange): void => {
  if (c.scope === 'defaults') {
    if (c.key !== null) throw new LimitChangeError('the defaults are desk-wide: no key');
    return;
  }
  if (c.key === null || c.key.length === 0) throw new LimitChangeError(`a ${c.scope} override needs its key`);
  if (c.scope === 'strategy-symbol' && !/^[^:]+:[^:]+$/.test(c.key))
    throw new LimitChangeError(`a strategy-symbol key is <strategyId>:<symbol>, got "${c.key}"`);
  if (c.scope === 'symbol' && !/^[A-Z0-9]+$/.test(c.key))
    throw new LimitChangeError(`a symbol is upper-case letters and digits, got "${c.key}"`);
};

const layerOf = {
  account: 'accounts',
  strategy: 'strategies',
  symbol: 'symbols',
  'strategy-symbol': 'strategySymbols',
} as const;

/** The config after `change`. Pure; the change must have passed checkLimitChange. */
export const applyLimitChange = (config: RiskConfig, change: LimitChange): RiskConfig => {
  const named = Object.fromEntries(Object.entries(change.limits).filter(([, v]) => v !== undefined));
  if (change.scope === 'defaults')
    return { ...config, defaults: { ...defaultRiskLimits, ...named } as RiskLimits };
  const layer = layerOf[change.scope];
  const rest: Record<string, Partial<RiskLimits>> = { ...(config[layer] ?? {}) };
  if (Object.keys(named).length === 0) delete rest[change.key!];
  else rest[change.key!] = named as Partial<RiskLimits>;
  return { ...config, [layer]: rest };
};
