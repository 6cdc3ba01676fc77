import { abs, type Fixed, isMultipleOf, mul, ONE } from '../ledger/fixed.js';
import { bracketFor, type Instrument } from '../ledger/instrument.js';
import { liquidationPrice, maintenanceMarginOf } from '../ledger/margin.js';
import { applyFill, flat, type PositionAmount, unrealisedPnl } from '../ledger/position.js';
import { allowsNewEntries, levelIndex } from './breaker-levels.js';
import type { RiskLimits, RuleName } from './limits.js';
import { atLeast, atMost, toNumber } from './num.js';
import { correlationOf, type OrderIntent, type RiskSnapshot } from './snapshot.js';

/**
 * Everything about the order that does not depend on the quantity, computed once per decision: the
 * resize search evaluates the size rules many times and must not rebuild it each time.
 */
export interface RuleContext {
  readonly intent: OrderIntent;
  readonly snap: RiskSnapshot;
  readonly limits: RiskLimits;
  readonly inst: Instrument;
  readonly mark: Fixed;
  readonly markN: number;
  /** Limit price, or the mark for a market order. */
  readonly execPrice: Fixed;
  readonly equityN: number;
  readonly before: PositionAmount;
  /** Other symbols: signed notional at their marks. */
  readonly others: readonly { symbol: string; signed: number }[];
  readonly othersGross: number;
  readonly othersNet: number;
  readonly otherMaintenance: Fixed;
  readonly otherUnrealised: Fixed;
  readonly lotStep: Fixed;
  /**
   * The other positions correlated with the order's symbol at |ρ| ≥ the threshold, and the rule's detail
   * naming them: the same for every quantity, so computed once and not on every probe of the resize search.
   */
  readonly cluster: readonly { symbol: string; signed: number; rho: number }[];
  readonly clusterDetail: string;
}

export const netPositions = (snap: RiskSnapshot): Map<string, PositionAmount> => {
  const net = new Map<string, PositionAmount>();
  for (const p of snap.positions) {
    const cur = net.get(p.symbol) ?? flat;
    net.set(p.symbol, { qty: cur.qty + p.qty, cost: cur.cost + p.cost });
  }
  return net;
};

/** Returns null when the order cannot be valued at all (unknown symbol or no mark). */
export const ruleContext = (
  intent: OrderIntent,
  snap: RiskSnapshot,
  limits: RiskLimits,
): RuleContext | null => {
  const inst = snap.instruments[intent.symbol];
  const mark = snap.marks[intent.symbol];
  if (!inst || mark === undefined || mark <= 0n) return null;
  const net = netPositions(snap);
  const others: { symbol: string; signed: number }[] = [];
  let otherMaintenance = 0n;
  let otherUnrealised = 0n;
  for (const [symbol, pos] of net) {
    if (symbol === intent.symbol || pos.qty === 0n) continue;
    const m = snap.marks[symbol];
    const i = snap.instruments[symbol];
    // Without a mark the cost basis is the best available valuation; it is never silently zero.
    const signed = m === undefined ? toNumber(pos.cost) : toNumber(mul(pos.qty, m));
    others.push({ symbol, signed });
    if (m !== undefined && i) {
      otherMaintenance += maintenanceMarginOf(i, pos, m);
      otherUnrealised += unrealisedPnl(pos, m);
    }
  }
  const cluster = others
    // Written out, not `{ ...o, rho }`: a spread followed by a new key is V8's slow path (~1 µs a key).
    .map((o) => ({
      symbol: o.symbol,
      signed: o.signed,
      rho: correlationOf(snap, intent.symbol, o.symbol) ?? 0,
    }))
    .filter((o) => Math.abs(o.rho) >= limits.correlationThreshold);
  return {
    intent,
    snap,
    limits,
    inst,
    mark,
    markN: toNumber(mark),
    execPrice: intent.price ?? mark,
    equityN: toNumber(snap.equity),
    before: net.get(intent.symbol) ?? flat,
    others,
    othersGross: others.reduce((s, o) => s + Math.abs(o.signed), 0),
    othersNet: others.reduce((s, o) => s + o.signed, 0),
    otherMaintenance,
    otherUnrealised,
    // Stop and take-profit orders execute as market orders and fall under the market lot filter.
    lotStep: intent.type === 'LIMIT' ? inst.stepSize : inst.marketStepSize,
    cluster,
    clusterDetail: `cluster |ρ| ≥ ${limits.correlationThreshold}: ${[intent.symbol, ...cluster.map((o) => `${o.symbol}(ρ=${o.rho.toFixed(2)})`)].join(', ')}`,
  };
};

const signedQty = (ctx: RuleContext, q: Fixed): Fixed => (ctx.intent.side === 'BUY' ? q : -q);
const afterQty = (ctx: RuleContext, q: Fixed): Fixed => ctx.before.qty + signedQty(ctx, q);

/** The order shrinks the position without flipping it, so it can only lower the symbol's risk. */
export const reducesPosition = (ctx: RuleContext, q: Fixed): boolean => {
  const a = afterQty(ctx, q);
  const b = ctx.before.qty;
  return abs(a) <= abs(b) && (a === 0n || a > 0n === b > 0n);
};

export interface Evaluation {
  readonly threshold: number | null;
  readonly value: number | null;
  readonly ok: boolean;
  readonly applicable: boolean;
  readonly detail: string;
}

export interface Rule {
  readonly name: RuleName;
  /**
   * `size` rules get easier to meet as the quantity falls, so a failure can be cured by resizing;
   * `gate` rules (state of the account, the venue's minimums, the price) cannot.
   */
  readonly kind: 'size' | 'gate';
  readonly unit: string;
  /** The limit field the threshold is read from, for the decision's provenance; null: venue or breaker. */
  readonly limit: keyof RiskLimits | null;
  readonly evaluate: (ctx: RuleContext, q: Fixed) => Evaluation;
}

const notApplicable = (detail: string): Evaluation => ({
  threshold: null,
  value: null,
  ok: true,
  applicable: false,
  detail,
});

/**
 * An exposure measure passes when it is within its limit or when the order does not make it worse:
 * the system must always be able to cut risk, even from beyond a limit that was tightened.
 */
const exposure = (value: number, before: number, threshold: number, detail: string): Evaluation => ({
  threshold,
  value,
  ok: atMost(value, threshold) || atMost(value, before),
  applicable: true,
  detail,
});

const notionalAfter = (ctx: RuleContext, q: Fixed): number =>
  Math.abs(toNumber(afterQty(ctx, q))) * ctx.markN;
const signedAfter = (ctx: RuleContext, q: Fixed): number => toNumber(afterQty(ctx, q)) * ctx.markN;
const perEquity = (ctx: RuleContext, x: number): number =>
  ctx.equityN > 0 ? x / ctx.equityN : x === 0 ? 0 : Number.POSITIVE_INFINITY;

const clusterExposure = (ctx: RuleContext, q: Fixed): number => {
  let s = signedAfter(ctx, q);
  for (const o of ctx.cluster) s += Math.sign(o.rho) * o.signed;
  return perEquity(ctx, Math.abs(s));
};

/** Post-trade distance from mark to the liquidation price, in ATRs (Infinity when nothing liquidates). */
const liquidationAtrs = (ctx: RuleContext, q: Fixed, atr: number): number => {
  const pos = applyFill(ctx.before, signedQty(ctx, q), ctx.execPrice).position;
  if (pos.qty === 0n) return Number.POSITIVE_INFINITY;
  const lev = ctx.snap.leverage[ctx.intent.symbol] ?? 1;
  const isolated = ctx.snap.marginType === 'isolated';
  const lp = liquidationPrice({
    walletBalance: isolated ? abs(pos.cost) / BigInt(Math.max(1, Math.floor(lev))) : ctx.snap.walletBalance,
    otherMaintenanceMargin: isolated ? 0n : ctx.otherMaintenance,
    otherUnrealisedPnl: isolated ? 0n : ctx.otherUnrealised,
    instrument: ctx.inst,
    positions: [pos],
    referencePrice: ctx.mark,
  });
  if (lp === null) return Number.POSITIVE_INFINITY;
  return Math.abs(ctx.markN - toNumber(lp)) / atr;
};

const bracketLeverage = (ctx: RuleContext, notional: number): number => {
  try {
    return bracketFor(ctx.inst, BigInt(Math.ceil(notional)) * ONE).initialLeverage;
  } catch {
    return 0; // beyond the last bracket: no leverage is allowed at all
  }
};

export const rules: readonly Rule[] = [
  {
    name: 'breaker',
    kind: 'gate',
    unit: 'level',
    limit: null,
    evaluate: (ctx, q) => ({
      threshold: levelIndex('reduce'),
      value: levelIndex(ctx.snap.breakerLevel),
      ok: allowsNewEntries(ctx.snap.breakerLevel) || reducesPosition(ctx, q),
      applicable: true,
      detail: `breaker at ${ctx.snap.breakerLevel}; new entries need a level below halt`,
    }),
  },
  {
    name: 'daily-loss',
    kind: 'gate',
    unit: 'fraction of day-start equity',
    limit: 'maxDailyLoss',
    evaluate: (ctx, q) => {
      const start = toNumber(ctx.snap.dayStartEquity);
      const loss = start > 0 ? Math.max(0, (start - ctx.equityN) / start) : Number.POSITIVE_INFINITY;
      return {
        threshold: ctx.limits.maxDailyLoss,
        value: Number.isFinite(loss) ? loss : null,
        ok: atMost(loss, ctx.limits.maxDailyLoss) || reducesPosition(ctx, q),
        applicable: true,
        detail: 'past the limit only orders that reduce a position pass',
      };
    },
  },
  {
    name: 'max-open-orders',
    kind: 'gate',
    unit: 'orders',
    limit: 'maxOpenOrders',
    evaluate: (ctx) => {
      const n = ctx.snap.openOrders.length + 1;
      return {
        threshold: ctx.limits.maxOpenOrders,
        value: n,
        ok: n <= ctx.limits.maxOpenOrders,
        applicable: true,
        detail: 'open orders on the account including this one',
      };
    },
  },
  {
    name: 'order-rate',
    kind: 'gate',
    unit: 'orders per window',
    limit: 'maxOrdersPerWindow',
    evaluate: (ctx, q) => {
      const from = ctx.snap.at - ctx.limits.orderRateWindowMs;
      const n = ctx.snap.recentOrderTimes.filter((t) => t > from && t <= ctx.snap.at).length + 1;
      return {
        threshold: ctx.limits.maxOrdersPerWindow,
        value: n,
        // A cap on how often the desk trades, not a reason to stay in: past it, an order that only reduces
        // a position still goes, as past the breaker's halt and the day's loss.
        ok: n <= ctx.limits.maxOrdersPerWindow || reducesPosition(ctx, q),
        applicable: true,
        detail: `orders in the last ${ctx.limits.orderRateWindowMs} ms including this one; past the limit only orders that reduce a position pass`,
      };
    },
  },
  {
    name: 'price-band',
    kind: 'gate',
    unit: 'fraction from mark',
    limit: 'priceBand',
    evaluate: (ctx) => {
      if (ctx.intent.price === null) return notApplicable('market order: valued at the mark');
      // A protective stop sits far from the mark by design; the venue bands limit prices, not triggers.
      if (ctx.intent.type !== 'LIMIT')
        return notApplicable('conditional order: a trigger, not a limit price');
      const p = toNumber(ctx.intent.price);
      const dev = Math.abs(p / ctx.markN - 1);
      const { percentPriceUp: up, percentPriceDown: down } = ctx.inst;
      const venue =
        up === 0n && down === 0n
          ? Number.POSITIVE_INFINITY
          : p >= ctx.markN
            ? toNumber(up) - 1
            : 1 - toNumber(down);
      const threshold = Math.min(ctx.limits.priceBand, venue);
      return {
        threshold,
        value: dev,
        ok: atMost(dev, threshold),
        applicable: true,
        detail: `limit ${p} vs mark ${ctx.markN}; configured band ${ctx.limits.priceBand}, venue band ${venue}`,
      };
    },
  },
  {
    name: 'lot-size',
    kind: 'size',
    unit: 'base quantity',
    limit: null,
    evaluate: (ctx, q) => {
      const maxQ = ctx.intent.type === 'LIMIT' ? ctx.inst.maxQty : ctx.inst.marketMaxQty;
      const onGrid = isMultipleOf(q, ctx.lotStep);
      return {
        threshold: maxQ === 0n ? null : toNumber(maxQ),
        value: toNumber(q),
        ok: onGrid && (maxQ === 0n || q <= maxQ),
        applicable: true,
        detail: `step ${toNumber(ctx.lotStep)}${onGrid ? '' : ' (quantity off the step grid)'}`,
      };
    },
  },
  {
    name: 'min-notional',
    kind: 'gate',
    unit: 'quote',
    limit: 'minNotional',
    evaluate: (ctx, q) => {
      // The venue exempts reduce-only orders; one that would not actually reduce gets no exemption.
      if (ctx.intent.reduceOnly && reducesPosition(ctx, q)) {
        return notApplicable('reduce-only orders are exempt, as on the venue');
      }
      const minQ = ctx.intent.type === 'LIMIT' ? ctx.inst.minQty : ctx.inst.marketMinQty;
      const notional = toNumber(mul(q, ctx.execPrice));
      const threshold = Math.max(toNumber(ctx.inst.minNotional), ctx.limits.minNotional);
      return {
        threshold,
        value: notional,
        ok: notional >= threshold && q >= minQ && q > 0n,
        applicable: true,
        detail: `venue minimum ${toNumber(ctx.inst.minNotional)} and min quantity ${toNumber(minQ)}`,
      };
    },
  },
  {
    name: 'max-leverage',
    kind: 'size',
    unit: 'x',
    limit: 'maxLeverage',
    evaluate: (ctx, q) => {
      const lev = ctx.snap.leverage[ctx.intent.symbol];
      if (lev === undefined) {
        return {
          threshold: ctx.limits.maxLeverage,
          value: null,
          ok: false,
          applicable: true,
          detail: `no leverage setting known for ${ctx.intent.symbol}`,
        };
      }
      const n = notionalAfter(ctx, q);
      const bracket = bracketLeverage(ctx, n);
      const threshold = Math.min(ctx.limits.maxLeverage, bracket);
      const before = Math.min(ctx.limits.maxLeverage, bracketLeverage(ctx, notionalAfter(ctx, 0n)));
      return {
        threshold,
        value: lev,
        ok: atMost(lev, threshold) || (q > 0n && reducesPosition(ctx, q) && threshold >= before),
        applicable: true,
        detail: `bracket for post-trade notional ${n.toFixed(2)} allows ${bracket}x`,
      };
    },
  },
  {
    name: 'max-position-notional',
    kind: 'size',
    unit: 'quote',
    limit: 'maxPositionNotional',
    evaluate: (ctx, q) =>
      exposure(
        notionalAfter(ctx, q),
        notionalAfter(ctx, 0n),
        ctx.limits.maxPositionNotional,
        'post-trade |notional| of the symbol at mark',
      ),
  },
  {
    name: 'gross-exposure',
    kind: 'size',
    unit: 'x equity',
    limit: 'maxGrossExposure',
    evaluate: (ctx, q) =>
      exposure(
        perEquity(ctx, ctx.othersGross + notionalAfter(ctx, q)),
        perEquity(ctx, ctx.othersGross + notionalAfter(ctx, 0n)),
        ctx.limits.maxGrossExposure,
        'Σ|notional| over all symbols / equity',
      ),
  },
  {
    name: 'net-exposure',
    kind: 'size',
    unit: 'x equity',
    limit: 'maxNetExposure',
    evaluate: (ctx, q) =>
      exposure(
        perEquity(ctx, Math.abs(ctx.othersNet + signedAfter(ctx, q))),
        perEquity(ctx, Math.abs(ctx.othersNet + signedAfter(ctx, 0n))),
        ctx.limits.maxNetExposure,
        '|Σ signed notional| / equity',
      ),
  },
  {
    name: 'concentration',
    kind: 'size',
    unit: 'fraction of equity',
    limit: 'maxConcentration',
    evaluate: (ctx, q) =>
      exposure(
        perEquity(ctx, notionalAfter(ctx, q)),
        perEquity(ctx, notionalAfter(ctx, 0n)),
        ctx.limits.maxConcentration,
        'post-trade |notional| of the symbol / equity',
      ),
  },
  {
    name: 'correlation-cluster',
    kind: 'size',
    unit: 'x equity',
    limit: 'maxClusterExposure',
    evaluate: (ctx, q) => {
      return exposure(
        clusterExposure(ctx, q),
        clusterExposure(ctx, 0n),
        ctx.limits.maxClusterExposure,
        ctx.clusterDetail,
      );
    },
  },
  {
    name: 'liquidation-distance',
    kind: 'size',
    unit: 'ATR',
    limit: 'minLiquidationAtr',
    evaluate: (ctx, q) => {
      const atr = ctx.snap.atr[ctx.intent.symbol];
      const k = ctx.limits.minLiquidationAtr;
      if (atr === undefined || !(atr > 0)) {
        return { threshold: k, value: null, ok: false, applicable: true, detail: 'no ATR for the symbol' };
      }
      let value: number;
      try {
        value = liquidationAtrs(ctx, q, atr);
      } catch {
        value = 0; // the notional is past the last bracket: treat as liquidating at once
      }
      // The pre-trade distance only matters when the limit is missed (it costs a second solve); a
      // flat book has nothing to improve on, so then the limit alone decides.
      const improves = (): boolean => {
        if (ctx.before.qty === 0n) return false;
        try {
          return value >= liquidationAtrs(ctx, 0n, atr);
        } catch {
          return true;
        }
      };
      return {
        threshold: k,
        value: Number.isFinite(value) ? value : null,
        ok: atLeast(value, k) || improves(),
        applicable: true,
        detail: Number.isFinite(value)
          ? `|mark − liquidation price| / ATR(${atr})`
          : 'no liquidation price: the position is fully covered',
      };
    },
  },
];

export const ruleByName: ReadonlyMap<RuleName, Rule> = new Map(rules.map((r) => [r.name, r]));

/** The grid the resize search walks: the lot step, or 1e-8 where the venue sets none. */
export const gridStep = (ctx: RuleContext): Fixed => (ctx.lotStep > 0n ? ctx.lotStep : 10n ** 10n);
