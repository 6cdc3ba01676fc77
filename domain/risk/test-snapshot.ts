import { fixed } from '../ledger/fixed.js';
import { instrument } from '../ledger/test-fixtures.js';
import { defaultRiskLimits, type RiskConfig, type RiskLimits } from './limits.js';
import type { OrderIntent, RiskSnapshot } from './snapshot.js';

/** A calm account for tests: 100k equity, flat, BTC at 60k (ATR 600) and ETH at 3k (ATR 45). */
export const baseSnapshot = (over: Partial<RiskSnapshot> = {}): RiskSnapshot => ({
  at: 1_700_000_000_000,
  accountId: 'acc1',
  marginType: 'cross',
  walletBalance: fixed('100000'),
  equity: fixed('100000'),
  dayStartEquity: fixed('100000'),
  instruments: { BTCUSDT: instrument('BTCUSDT'), ETHUSDT: instrument('ETHUSDT') },
  marks: { BTCUSDT: fixed('60000'), ETHUSDT: fixed('3000') },
  atr: { BTCUSDT: 600, ETHUSDT: 45 },
  leverage: { BTCUSDT: 5, ETHUSDT: 5 },
  positions: [],
  openOrders: [],
  recentOrderTimes: [],
  correlations: { BTCUSDT: { ETHUSDT: 0.85 } },
  breakerLevel: 'normal',
  ...over,
});

export const intent = (over: Partial<OrderIntent> = {}): OrderIntent => ({
  accountId: 'acc1',
  strategyId: 'trend',
  symbol: 'BTCUSDT',
  side: 'BUY',
  type: 'MARKET',
  quantity: fixed('0.1'),
  price: null,
  reduceOnly: false,
  ...over,
});

export const config = (
  defaults: Partial<RiskLimits> = {},
  rest: Omit<RiskConfig, 'defaults'> = {},
): RiskConfig => ({
  defaults: { ...defaultRiskLimits, ...defaults },
  ...rest,
});
