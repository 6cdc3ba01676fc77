import { describe, expect, it } from 'vitest';
import { fixed, toText } from '../ledger/fixed.js';
import { RiskDecided, riskDecidedData } from './events.js';
import { ruleNames } from './limits.js';
import { checkOrder, type RiskDecision } from './pre-trade.js';
import { baseSnapshot, config, intent } from './test-snapshot.js';

const check = (d: RiskDecision, rule: string) => d.checks.find((c) => c.rule === rule)!;

describe('pre-trade risk check', () => {
  it('approves a small order and lists every rule with threshold, value and verdict', () => {
    const snap = baseSnapshot();
    const d = checkOrder(intent(), snap, config());
    expect(d.outcome).toBe('approve');
    expect(toText(d.approvedQuantity)).toBe('0.1');
    expect(d.checks.map((c) => c.rule)).toEqual([...ruleNames]);
    expect(check(d, 'max-position-notional')).toMatchObject({
      threshold: 1_000_000,
      requested: 6000,
      approved: 6000,
      verdict: 'pass',
      source: 'default',
    });
    expect(check(d, 'price-band').verdict).toBe('not-applicable');
    // Equity 100k, 0.1 BTC at 60k: liquidation is far below zero-margin territory, beyond 3 ATR.
    expect(check(d, 'liquidation-distance').verdict).toBe('pass');
    const data = riskDecidedData('d1', intent(), snap, d, {
      symbol: 'BTCUSDT',
      timeframe: '1h',
      openTime: 0,
    });
    expect(RiskDecided.schema.parse(data)).toEqual(data);
  });

  it('resizes to the largest lot that fits the tightest size limit', () => {
    const d = checkOrder(
      intent({ quantity: fixed('1') }),
      baseSnapshot(),
      config({ maxPositionNotional: 30_000 }),
    );
    expect(d.outcome).toBe('resize');
    expect(toText(d.approvedQuantity)).toBe('0.5');
    expect(check(d, 'max-position-notional')).toMatchObject({
      verdict: 'resized',
      requested: 60000,
      approved: 30000,
    });
    expect(check(d, 'gross-exposure').verdict).toBe('pass');
  });

  it('rejects instead of resizing when resizing is off for the strategy, and says where the limit came from', () => {
    const cfg = config(
      {},
      {
        strategies: { trend: { allowResize: false } },
        symbols: { BTCUSDT: { maxPositionNotional: 30_000 } },
      },
    );
    const d = checkOrder(intent({ quantity: fixed('1') }), baseSnapshot(), cfg);
    expect(d.outcome).toBe('reject');
    expect(d.approvedQuantity).toBe(0n);
    expect(check(d, 'max-position-notional')).toMatchObject({ verdict: 'fail', source: 'symbol:BTCUSDT' });
    expect(d.limits.source.allowResize).toBe('strategy:trend');
  });

  it('past the daily loss limit rejects new exposure but lets a position be cut', () => {
    const snap = baseSnapshot({
      equity: fixed('94000'),
      positions: [{ symbol: 'BTCUSDT', strategyId: 'trend', qty: fixed('0.5'), cost: fixed('32000') }],
    });
    const buy = checkOrder(intent(), snap, config());
    expect(buy.outcome).toBe('reject');
    expect(check(buy, 'daily-loss')).toMatchObject({ verdict: 'fail', threshold: 0.05 });
    expect(check(buy, 'daily-loss').requested).toBeCloseTo(0.06, 12);
    const sell = checkOrder(intent({ side: 'SELL', quantity: fixed('0.2') }), snap, config());
    expect(sell.outcome).toBe('approve');
    expect(check(sell, 'daily-loss').verdict).toBe('pass');
  });

  it('past the order-rate limit refuses new exposure but lets a position be cut', () => {
    // Twenty orders in the last minute already: the default limit.
    const snap = baseSnapshot({
      positions: [{ symbol: 'BTCUSDT', strategyId: 'trend', qty: fixed('0.5'), cost: fixed('32000') }],
      recentOrderTimes: Array.from({ length: 20 }, (_, i) => 1_700_000_000_000 - i * 1_000),
    });
    const buy = checkOrder(intent(), snap, config());
    expect(buy.outcome).toBe('reject');
    expect(check(buy, 'order-rate')).toMatchObject({ verdict: 'fail', requested: 21, threshold: 20 });
    const sell = checkOrder(intent({ side: 'SELL', quantity: fixed('0.2') }), snap, config());
    expect(sell.outcome).toBe('approve');
    expect(check(sell, 'order-rate')).toMatchObject({ verdict: 'pass', requested: 21 });
    // Selling past flat opens a short: new exposure, refused.
    const flip = checkOrder(intent({ side: 'SELL', quantity: fixed('0.8') }), snap, config());
    expect(check(flip, 'order-rate').verdict).toBe('fail');
  });

  it('a disabled rule is listed as disabled and no longer blocks; unknown names are refused', () => {
    const cfg = config({ maxPositionNotional: 1000 });
    const d = checkOrder(intent(), baseSnapshot(), cfg, { disabledRules: ['max-position-notional'] });
    expect(d.outcome).toBe('approve');
    expect(check(d, 'max-position-notional').verdict).toBe('disabled');
    expect(d.disabledRules).toEqual(['max-position-notional']);
    expect(() => checkOrder(intent(), baseSnapshot(), cfg, { disabledRules: ['no-such-rule'] })).toThrow(
      /unknown risk rule/,
    );
  });

  it('a disabled rule at account level stays disabled under a symbol override', () => {
    const cfg = config(
      {},
      { accounts: { acc1: { disabled: ['order-rate'] } }, symbols: { BTCUSDT: { disabled: [] } } },
    );
    const d = checkOrder(
      intent(),
      baseSnapshot({ recentOrderTimes: Array(100).fill(1_700_000_000_000) }),
      cfg,
    );
    expect(check(d, 'order-rate').verdict).toBe('disabled');
    expect(d.outcome).toBe('approve');
  });

  it('limit prices outside the configured or venue band are rejected', () => {
    const far = intent({ type: 'LIMIT', price: fixed('63000') });
    const d = checkOrder(far, baseSnapshot(), config());
    expect(d.outcome).toBe('reject');
    expect(check(d, 'price-band')).toMatchObject({ verdict: 'fail', threshold: 0.02 });
    expect(check(d, 'price-band').requested).toBeCloseTo(0.05, 12);
    const near = checkOrder(intent({ type: 'LIMIT', price: fixed('59900') }), baseSnapshot(), config());
    expect(near.outcome).toBe('approve');
  });

  it('counts a correlated position in the cluster and resizes the new one', () => {
    // 40 ETH long = 120k = 1.2× equity; BTC is 0.85 correlated, the cluster limit is 1.5× equity.
    const snap = baseSnapshot({
      positions: [{ symbol: 'ETHUSDT', strategyId: 'other', qty: fixed('40'), cost: fixed('120000') }],
    });
    const d = checkOrder(intent({ quantity: fixed('1') }), snap, config({ maxClusterExposure: 1.5 }));
    expect(d.outcome).toBe('resize');
    expect(check(d, 'correlation-cluster').verdict).toBe('resized');
    expect(toText(d.approvedQuantity)).toBe('0.5');
    // A short BTC hedges the cluster: allowed in full.
    const hedge = checkOrder(
      intent({ side: 'SELL', quantity: fixed('1') }),
      snap,
      config({ maxClusterExposure: 1.5 }),
    );
    expect(check(hedge, 'correlation-cluster').verdict).toBe('pass');
  });

  it('keeps the liquidation price at least k ATR from the mark', () => {
    // 20x on 10k equity: a large position liquidates within a few hundred dollars of the mark.
    const snap = baseSnapshot({
      walletBalance: fixed('10000'),
      equity: fixed('10000'),
      dayStartEquity: fixed('10000'),
      leverage: { BTCUSDT: 20, ETHUSDT: 5 },
    });
    const cfg = config({
      maxLeverage: 20,
      maxGrossExposure: 100,
      maxNetExposure: 100,
      maxConcentration: 100,
      maxClusterExposure: 100,
      minLiquidationAtr: 5,
    });
    const d = checkOrder(intent({ quantity: fixed('5') }), snap, cfg);
    expect(d.outcome).toBe('resize');
    const liq = check(d, 'liquidation-distance');
    expect(liq.verdict).toBe('resized');
    expect(liq.requested!).toBeLessThan(5);
    expect(liq.approved!).toBeGreaterThanOrEqual(5);
  });

  it('a halted breaker refuses entries but not exits', () => {
    const snap = baseSnapshot({
      breakerLevel: 'halt',
      positions: [{ symbol: 'BTCUSDT', strategyId: 'trend', qty: fixed('0.5'), cost: fixed('30000') }],
    });
    expect(checkOrder(intent(), snap, config()).outcome).toBe('reject');
    expect(checkOrder(intent({ side: 'SELL', reduceOnly: true }), snap, config()).outcome).toBe('approve');
  });

  it('a leverage setting above the bracket for the post-trade notional fails', () => {
    const snap = baseSnapshot({ leverage: { BTCUSDT: 110, ETHUSDT: 5 } });
    const cfg = config({ maxLeverage: 125, minLiquidationAtr: 0 });
    // 0.5 BTC = 30k: bracket 1 allows 125x. 1 BTC = 60k: bracket 2 allows 100x → resize to ≤ 50k.
    expect(checkOrder(intent({ quantity: fixed('0.5') }), snap, cfg).outcome).toBe('approve');
    const d = checkOrder(intent({ quantity: fixed('1') }), snap, cfg);
    expect(d.outcome).toBe('resize');
    expect(toText(d.approvedQuantity)).toBe('0.833');
    expect(check(d, 'max-leverage')).toMatchObject({ verdict: 'resized', threshold: 125 });
  });

  it('below the venue minimum notional is a rejection, not a resize', () => {
    const d = checkOrder(intent({ quantity: fixed('0.001') }), baseSnapshot(), config());
    expect(d.outcome).toBe('reject');
    expect(check(d, 'min-notional')).toMatchObject({ verdict: 'fail', threshold: 100, requested: 60 });
  });

  it('an order that cannot be valued is rejected on every rule', () => {
    const d = checkOrder(intent({ symbol: 'SOLUSDT' }), baseSnapshot(), config());
    expect(d.outcome).toBe('reject');
    expect(d.checks.every((c) => c.verdict === 'fail')).toBe(true);
  });
});
