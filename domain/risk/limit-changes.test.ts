import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyLimitChange,
  checkLimitChange,
  type LimitChange,
  LimitChangeError,
  limitsPatchSchema,
} from './limit-changes.js';
import { defaultRiskLimits, longestOrderRateWindow, type RiskConfig, resolveLimits } from './limits.js';

const base: RiskConfig = { defaults: defaultRiskLimits };
const at = { accountId: 'acc', strategyId: 'ema-cross', symbol: 'BTCUSDT' };

describe('limit changes', () => {
  it('a change replaces its layer: the defaults against the built-ins, an override whole, an empty one removes it', () => {
    let c = applyLimitChange(base, { scope: 'defaults', key: null, limits: { maxLeverage: 5 } });
    c = applyLimitChange(c, { scope: 'defaults', key: null, limits: { maxDailyLoss: 0.02 } });
    // The second change of the defaults names only the daily loss: the leverage is the built-in again.
    expect(c.defaults).toEqual({ ...defaultRiskLimits, maxDailyLoss: 0.02 });
    c = applyLimitChange(c, {
      scope: 'symbol',
      key: 'BTCUSDT',
      limits: { maxLeverage: 3, maxPositionNotional: 50_000 },
    });
    c = applyLimitChange(c, {
      scope: 'strategy-symbol',
      key: 'ema-cross:BTCUSDT',
      limits: { maxLeverage: 2 },
    });
    const r = resolveLimits(c, at);
    expect(r.limits.maxLeverage).toBe(2);
    expect(r.source.maxLeverage).toBe('strategy-symbol:ema-cross:BTCUSDT');
    expect(r.limits.maxPositionNotional).toBe(50_000);
    expect(r.source.maxPositionNotional).toBe('symbol:BTCUSDT');
    expect(r.limits.maxDailyLoss).toBe(0.02);
    c = applyLimitChange(c, { scope: 'strategy-symbol', key: 'ema-cross:BTCUSDT', limits: {} });
    expect(c.strategySymbols).toEqual({});
    expect(resolveLimits(c, at).limits.maxLeverage).toBe(3);
    // The config it was given is left as it was.
    expect(base).toEqual({ defaults: defaultRiskLimits });
  });

  it('refuses a key that does not fit its scope, and limits outside their ranges', () => {
    const bad = (c: LimitChange) => () => checkLimitChange(c);
    expect(bad({ scope: 'defaults', key: 'x', limits: {} })).toThrow(LimitChangeError);
    expect(bad({ scope: 'symbol', key: null, limits: {} })).toThrow(/needs its key/);
    expect(bad({ scope: 'symbol', key: 'btcusdt', limits: {} })).toThrow(/upper-case/);
    expect(bad({ scope: 'strategy-symbol', key: 'ema-cross', limits: {} })).toThrow(/<strategyId>:<symbol>/);
    expect(bad({ scope: 'account', key: 'acc', limits: {} })).not.toThrow();
    expect(limitsPatchSchema.safeParse({ maxLeverage: 200 }).success).toBe(false);
    expect(limitsPatchSchema.safeParse({ maxDailyLoss: 0 }).success).toBe(false);
    expect(limitsPatchSchema.safeParse({ disabled: ['no-such-rule'] }).success).toBe(false);
    expect(limitsPatchSchema.safeParse({ maxLeverage: 3, colour: 'red' }).success).toBe(false);
    expect(limitsPatchSchema.safeParse({ maxOpenOrders: 2.5 }).success).toBe(false);
  });

  it('property: the config depends only on the last change of each layer', () => {
    const change = fc.oneof(
      fc.record({
        scope: fc.constant('defaults' as const),
        key: fc.constant(null),
        limits: fc.record({ maxLeverage: fc.integer({ min: 1, max: 20 }) }, { requiredKeys: [] }),
      }),
      fc.record({
        scope: fc.constantFrom('symbol' as const),
        key: fc.constantFrom('BTCUSDT', 'ETHUSDT'),
        limits: fc.record(
          {
            maxLeverage: fc.integer({ min: 1, max: 20 }),
            maxPositionNotional: fc.integer({ min: 1, max: 1e6 }),
          },
          { requiredKeys: [] },
        ),
      }),
      fc.record({
        scope: fc.constant('strategy' as const),
        key: fc.constantFrom('ema-cross', 'bollinger-rsi'),
        limits: fc.record(
          { maxDailyLoss: fc.double({ min: 0.01, max: 1, noNaN: true }) },
          { requiredKeys: [] },
        ),
      }),
    );
    fc.assert(
      fc.property(fc.array(change, { maxLength: 30 }), (changes) => {
        const all = changes.reduce(applyLimitChange, base);
        const last = new Map<string, LimitChange>();
        for (const c of changes) last.set(`${c.scope}:${c.key}`, c);
        const lastOnly = [...last.values()].reduce(applyLimitChange, base);
        for (const symbol of ['BTCUSDT', 'ETHUSDT'])
          for (const strategyId of ['ema-cross', 'bollinger-rsi'])
            expect(resolveLimits(all, { accountId: 'a', strategyId, symbol })).toEqual(
              resolveLimits(lastOnly, { accountId: 'a', strategyId, symbol }),
            );
      }),
    );
  });

  it('property: the longest order-rate window is one some account, strategy and symbol is judged by, and none is judged by a longer one', () => {
    const scopes = [
      ['defaults', [null]],
      ['account', ['acc', 'acc2']],
      ['strategy', ['ema-cross', 'bollinger-rsi']],
      ['symbol', ['BTCUSDT', 'ETHUSDT']],
      ['strategy-symbol', ['ema-cross:BTCUSDT', 'bollinger-rsi:ETHUSDT']],
    ] as const;
    const change = fc.constantFrom(...scopes).chain(([scope, keys]) =>
      fc.record({
        scope: fc.constant(scope),
        key: fc.constantFrom(...keys),
        limits: fc.record(
          { orderRateWindowMs: fc.integer({ min: 1, max: 7 * 86_400_000 }) },
          { requiredKeys: [] },
        ),
      }),
    );
    fc.assert(
      fc.property(fc.array(change, { maxLength: 20 }), (changes) => {
        const c = changes.reduce<RiskConfig>((cfg, ch) => applyLimitChange(cfg, ch as LimitChange), base);
        const windows = ['acc', 'acc2', 'other'].flatMap((accountId) =>
          ['ema-cross', 'bollinger-rsi', 'other'].flatMap((strategyId) =>
            ['BTCUSDT', 'ETHUSDT', 'XRPUSDT'].map(
              (symbol) => resolveLimits(c, { accountId, strategyId, symbol }).limits.orderRateWindowMs,
            ),
          ),
        );
        const longest = longestOrderRateWindow(c);
        expect(windows.every((w) => w <= longest)).toBe(true);
        expect(windows).toContain(longest);
      }),
    );
  });
});
