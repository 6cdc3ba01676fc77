import type { EventMetadata } from '../../domain/events/envelope.js';
import { LedgerRuleError } from '../../domain/ledger/errors.js';
import { div, fixed, mul, roundTo, toText } from '../../domain/ledger/fixed.js';
import type { LedgerHandlers } from './handlers.js';

/**
 * A seeded random trading session driven through the command handlers: market orders filled in one or
 * two parts, funding every `fundingEvery` steps, liquidation checks at each new mark. Tests use it to
 * compare the aggregate with the projections; the benchmark uses it as its workload. The RNG is a
 * 32-bit LCG so a seed reproduces the same log on every machine.
 */
export interface SessionOptions {
  readonly seed: number;
  readonly accounts: number;
  readonly steps: number;
  readonly fundingEvery?: number;
  readonly hedge?: boolean;
  readonly deposit?: string;
  /** Leverage set on both symbols for every account (default: the venue default, 20x). */
  readonly leverage?: number;
  /** Odd-numbered accounts trade isolated margin. */
  readonly isolatedOddAccounts?: boolean;
  /** Multiplies the random walk's step (default 1: about ±1 USDT a minute on BTC). */
  readonly volatility?: number;
  /**
   * Every n-th order's fills report a commission taken in BNB (Binance's BNB deduction: the tier's rate
   * less 10 %, at 300 USDT a BNB), as a live venue would. Default: none.
   */
  readonly bnbFeeEvery?: number;
}

export interface SessionStats {
  fills: number;
  orders: number;
  refused: number;
  fundings: number;
  liquidationChecks: number;
  liquidations: number;
}

const symbols = [
  { symbol: 'BTCUSDT', price: 300_000n, tick: '0.1', step: '0.001', maxSteps: 2000 },
  { symbol: 'ETHUSDT', price: 200_000n, tick: '0.01', step: '0.001', maxSteps: 20_000 },
] as const;

const BNB_PRICE = fixed('300');

export const lcg = (seed: number) => {
  let s = seed >>> 0 || 1;
  return (n: number): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
};

export const runSession = async (h: LedgerHandlers, opts: SessionOptions): Promise<SessionStats> => {
  const rnd = lcg(opts.seed);
  const stats: SessionStats = {
    fills: 0,
    orders: 0,
    refused: 0,
    fundings: 0,
    liquidationChecks: 0,
    liquidations: 0,
  };
  const ticks: bigint[] = symbols.map((s): bigint => s.price);
  let time = Date.UTC(2023, 0, 1);
  const meta = (): EventMetadata => ({
    correlationId: `sim:${opts.seed}`,
    causationId: null,
    actor: 'system:simulator',
    mode: 'backtest',
    occurredAt: new Date(time).toISOString(),
  });
  for (let a = 0; a < opts.accounts; a++) {
    const accountId = `sim${a}`;
    await h.account(
      accountId,
      {
        kind: 'OpenAccount',
        accountId,
        venue: 'binance',
        marginAsset: 'USDT',
        feeTier: 'VIP0',
        positionMode: opts.hedge ? 'hedge' : 'one-way',
      },
      meta(),
    );
    await h.account(
      accountId,
      { kind: 'DepositFunds', transferId: 'seed', amount: opts.deposit ?? '100000' },
      meta(),
    );
    for (const { symbol } of symbols) {
      if (opts.isolatedOddAccounts && a % 2 === 1) {
        await h.account(accountId, { kind: 'SetMarginType', symbol, marginType: 'isolated' }, meta());
      }
      if (opts.leverage !== undefined) {
        await h.account(accountId, { kind: 'SetLeverage', symbol, leverage: opts.leverage }, meta());
      }
    }
  }
  const volatility = BigInt(opts.volatility ?? 1);
  const marks = () =>
    Object.fromEntries(symbols.map((s, i) => [s.symbol, toText(ticks[i]! * fixed(s.tick))]));
  const fundingEvery = opts.fundingEvery ?? 50;
  for (let i = 0; i < opts.steps; i++) {
    time += 60_000;
    const k = rnd(symbols.length);
    const spec = symbols[k]!;
    ticks[k] = ticks[k]! + BigInt(rnd(201) - 100) * (spec.symbol === 'BTCUSDT' ? 10n : 1n) * volatility;
    const accountId = `sim${rnd(opts.accounts)}`;
    try {
      if (i % fundingEvery === fundingEvery - 1) {
        const rate = toText(BigInt(rnd(41) - 20) * 10n ** 13n); // ±0.0002 in 0.00001 steps
        for (let a = 0; a < opts.accounts; a++) {
          await h.account(
            `sim${a}`,
            {
              kind: 'ApplyFunding',
              symbol: spec.symbol,
              fundingTime: time,
              rate,
              markPrice: marks()[spec.symbol]!,
            },
            meta(),
          );
        }
        stats.fundings++;
        continue;
      }
      if (i % 10 === 9) {
        for (let a = 0; a < opts.accounts; a++) {
          const d = await h.account(`sim${a}`, { kind: 'CheckLiquidation', marks: marks() }, meta());
          stats.liquidations += d.events.filter((e) => e.type === 'PositionLiquidated').length;
        }
        stats.liquidationChecks++;
        continue;
      }
      const side = rnd(2) === 0 ? 'BUY' : 'SELL';
      const steps = 1 + rnd(spec.maxSteps);
      const qty = BigInt(steps) * fixed(spec.step);
      const hedgeSide = rnd(2) === 0 ? 'LONG' : 'SHORT';
      const positionSide = opts.hedge ? hedgeSide : 'BOTH';
      const clientOrderId = `o${i}`;
      await h.placeOrder(
        {
          orderId: `${accountId}-${i}`,
          clientOrderId,
          accountId,
          venue: 'binance',
          strategyId: `strat${rnd(3)}`,
          symbol: spec.symbol,
          side,
          positionSide,
          type: 'MARKET',
          quantity: toText(qty),
        },
        meta(),
      );
      stats.orders++;
      await h.order(accountId, clientOrderId, { kind: 'AcceptOrder', venueOrderId: `v${i}` }, meta());
      const price = toText(ticks[k]! * fixed(spec.tick));
      const parts =
        steps > 1 && rnd(2) === 0 ? [BigInt(steps >> 1), BigInt(steps - (steps >> 1))] : [BigInt(steps)];
      const inBnb = opts.bnbFeeEvery !== undefined && stats.orders % opts.bnbFeeEvery === 0;
      for (const [n, part] of parts.entries()) {
        const quantity = part * fixed(spec.step);
        const liquidity = rnd(3) === 0 ? 'maker' : 'taker';
        const rate = liquidity === 'maker' ? '0.00018' : '0.00045';
        await h.fillOrder(
          {
            accountId,
            clientOrderId,
            tradeId: `t${i}-${n}`,
            quantity: toText(quantity),
            price,
            liquidity,
            ...(inBnb
              ? {
                  fee: toText(
                    roundTo(div(mul(mul(quantity, fixed(price)), fixed(rate)), BNB_PRICE), 8, 'half-up'),
                  ),
                  feeAsset: 'BNB',
                }
              : {}),
          },
          meta(),
        );
        stats.fills++;
      }
    } catch (e) {
      if (!(e instanceof LedgerRuleError)) throw e;
      stats.refused++;
    }
  }
  return stats;
};
