import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AccountCommand,
  type AccountContext,
  type AccountState,
  decideAccount,
  evolveAccount,
  initialAccountState,
  positionKey,
  walletBalance,
} from './account.js';
import { LedgerRuleError } from './errors.js';
import type { AccountEvent, PositionSide } from './events.js';
import { ledgerEvents } from './events.js';
import { type Fixed, fixed, toText } from './fixed.js';
import { instrument } from './test-fixtures.js';
import { binanceUsdm } from './venue.js';

/*
 * The ledger invariant (ARCHITECTURE.md "Numbers", issue 4): over any span of events,
 *   Δ wallet balance = realised PnL − fees ± funding (+ deposits − withdrawals),
 * exactly, to the last unit (fees net of makers' rebates, which are negative fees). Checked after every command of random order/fill/funding/mark sequences in
 * both position modes and both margin types, plus: refused commands change nothing, positions re-derived
 * from the fills equal the aggregate's, and a replay from the first event gives the same state.
 */
const ctx: AccountContext = { instrument, rules: binanceUsdm };
const schemas = new Map<string, (typeof ledgerEvents)[number]['schema']>(
  ledgerEvents.map((d) => [d.type, d.schema]),
);
const schemaOf = (type: string) => schemas.get(type) ?? fail(`no schema for ${type}`);
const fail = (m: string): never => {
  throw new Error(m);
};
const symbols = ['BTCUSDT', 'ETHUSDT'] as const;
const basePrice = { BTCUSDT: 30000, ETHUSDT: 2000 } as const;
const tick = { BTCUSDT: 0.1, ETHUSDT: 0.01 } as const;

type Step =
  | {
      t: 'fill';
      sym: 0 | 1;
      buy: boolean;
      steps: number;
      move: number;
      maker: boolean;
      long: boolean;
      reduce: boolean;
      fee: number | undefined;
      bnb: boolean;
    }
  | { t: 'funding'; sym: 0 | 1; rate: number; move: number }
  | { t: 'marks'; btc: number; eth: number }
  | { t: 'margin'; sym: 0 | 1; isolated: boolean }
  | { t: 'leverage'; sym: 0 | 1; lev: number }
  /** The account's own rates on a symbol, in hundredths of a basis point. */
  | { t: 'rates'; sym: 0 | 1; maker: number; taker: number }
  | { t: 'deposit'; cents: number }
  | { t: 'withdraw'; cents: number };

const sym = fc.constantFrom<0 | 1>(0, 1);
const move = fc.integer({ min: -3000, max: 3000 });
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant('fill' as const),
      sym,
      buy: fc.boolean(),
      steps: fc.integer({ min: 1, max: 3000 }),
      move,
      maker: fc.boolean(),
      long: fc.boolean(),
      reduce: fc.boolean(),
      // The fee a live venue reports, in 10⁻⁸ USDT (absent: the tier prices it); below 0 a maker's rebate
      // (refused on a taker's fill or in BNB, which the property then checks changes nothing).
      fee: fc.option(
        fc.oneof(fc.integer({ min: -20_000_000, max: -1 }), fc.integer({ min: 0, max: 2_000_000_000 })),
        { nil: undefined },
      ),
      // That fee paid in BNB (Binance's BNB deduction): the wallet does not pay it.
      bnb: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('funding' as const),
      sym,
      rate: fc.integer({ min: -300000, max: 300000 }),
      move,
    }),
  },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('marks' as const), btc: move, eth: move }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('margin' as const), sym, isolated: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('leverage' as const), sym, lev: fc.integer({ min: 1, max: 125 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('rates' as const),
      sym,
      // Below 0 a rebate tier (refused when it pays more than the taker rate takes).
      maker: fc.integer({ min: -300, max: 500 }),
      taker: fc.integer({ min: 0, max: 800 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('deposit' as const),
      cents: fc.integer({ min: 1, max: 10_000_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('withdraw' as const),
      cents: fc.integer({ min: 1, max: 10_000_000 }),
    }),
  },
);

/** base × (1 + m / 10,000) on the symbol's tick: m in ±3,000 moves the price up to ±30%. */
const priceText = (s: 0 | 1, m: number): string => {
  const name = symbols[s];
  const ticks = Math.round((basePrice[name] * (1 + m / 10_000)) / tick[name]);
  return toText(BigInt(ticks) * fixed(String(tick[name])));
};
/** Marks carry 8 decimals like Binance's mark price, so they are usually off the trading tick. */
const markText = (s: 0 | 1, m: number): string =>
  toText(fixed(priceText(s, m)) + (m % 7 === 0 ? 0n : fixed('0.00001234')));

let n = 0;
const toCommand = (st: Step, state: AccountState, time: { t: number }): AccountCommand => {
  n++;
  switch (st.t) {
    case 'fill': {
      const name = symbols[st.sym];
      const hedge = state.positionMode === 'hedge';
      const positionSide: PositionSide = hedge ? (st.long ? 'LONG' : 'SHORT') : 'BOTH';
      const unit = name === 'BTCUSDT' ? '0.001' : '0.01';
      return {
        kind: 'SettleFill',
        orderId: `o${n}`,
        fillSeq: 1,
        tradeId: `t${n}`,
        strategyId: 's',
        symbol: name,
        side: st.buy ? 'BUY' : 'SELL',
        positionSide,
        quantity: toText(BigInt(st.steps) * fixed(unit)),
        price: priceText(st.sym, st.move),
        liquidity: st.maker ? 'maker' : 'taker',
        reduceOnly: !hedge && st.reduce,
        ...(st.fee === undefined ? {} : { fee: toText(BigInt(st.fee) * fixed('0.00000001')) }),
        ...(st.fee !== undefined && st.bnb ? { feeAsset: 'BNB' } : {}),
      };
    }
    case 'funding':
      time.t += 28_800_000;
      return {
        kind: 'ApplyFunding',
        symbol: symbols[st.sym],
        fundingTime: time.t,
        rate: toText(BigInt(st.rate) * 10n ** 10n), // 8 dp, ±0.003
        markPrice: markText(st.sym, st.move),
      };
    case 'marks':
      return {
        kind: 'CheckLiquidation',
        marks: { BTCUSDT: markText(0, st.btc), ETHUSDT: markText(1, st.eth) },
      };
    case 'margin':
      return {
        kind: 'SetMarginType',
        symbol: symbols[st.sym],
        marginType: st.isolated ? 'isolated' : 'cross',
      };
    case 'leverage':
      return { kind: 'SetLeverage', symbol: symbols[st.sym], leverage: st.lev };
    case 'rates':
      return {
        kind: 'SetFeeRates',
        symbol: symbols[st.sym],
        makerRate: toText(BigInt(st.maker) * 10n ** 12n),
        takerRate: toText(BigInt(st.taker) * 10n ** 12n),
      };
    case 'deposit':
      return { kind: 'DepositFunds', transferId: `d${n}`, amount: toText(BigInt(st.cents) * 10n ** 16n) };
    case 'withdraw':
      return {
        kind: 'WithdrawFunds',
        transferId: `w${n}`,
        amount: toText(BigInt(st.cents) * 10n ** 16n),
        marks: { BTCUSDT: priceText(0, 0), ETHUSDT: priceText(1, 0) },
      };
  }
};

/** What the events alone say the wallet moved by. */
const walletEffect = (
  events: readonly AccountEvent[],
): {
  net: Fixed;
  realised: Fixed;
  fees: Fixed;
  funding: Fixed;
  flows: Fixed;
  bnbPaid: Fixed;
  bnbWorth: Fixed;
} => {
  let realised = 0n;
  let fees = 0n;
  let bnbPaid = 0n;
  let bnbWorth = 0n;
  let funding = 0n;
  let flows = 0n;
  for (const e of events) {
    if (e.type === 'FillSettled' || e.type === 'PositionLiquidated') realised += fixed(e.data.realisedPnl);
    else if (e.type === 'FeeCharged' && e.data.paidIn !== undefined) {
      // Paid in BNB: the wallet does not move; the fee's worth is kept beside it.
      bnbPaid += fixed(e.data.paidIn.amount);
      bnbWorth += fixed(e.data.amount);
    } else if (e.type === 'FeeCharged') fees += fixed(e.data.amount);
    else if (e.type === 'FundingPaid') funding += fixed(e.data.amount);
    else if (e.type === 'FundsDeposited') flows += fixed(e.data.amount);
    else if (e.type === 'FundsWithdrawn') flows -= fixed(e.data.amount);
  }
  return { net: realised - fees + funding + flows, realised, fees, funding, flows, bnbPaid, bnbWorth };
};

const snapshot = (s: AccountState): string =>
  JSON.stringify(
    {
      ...s,
      positions: [...s.positions],
      settings: [...s.settings],
      settledFills: [...s.settledFills],
      transfers: [...s.transfers],
      lastFundingTime: [...s.lastFundingTime],
      otherAssetFees: [...s.otherAssetFees],
    },
    (_k, v) => (typeof v === 'bigint' ? v.toString() : v),
  );

const replay = (events: readonly AccountEvent[]): AccountState =>
  events.reduce(evolveAccount, initialAccountState());

const coverage = new Map<string, number>();

describe('ledger reconciliation (property)', () => {
  it('Δ wallet = realised PnL − fees ± funding (+ transfers), exactly, after every command', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.integer({ min: 100, max: 60_000 }),
        fc.array(step, { minLength: 1, maxLength: 80 }),
        (hedge, seed, steps) => {
          const s = initialAccountState();
          const all: AccountEvent[] = [];
          const apply = (c: AccountCommand) => {
            const before = walletBalance(s);
            // What a liquidation may take: the isolated positions' margins and what the cross wallet holds.
            let stake = s.crossWallet > 0n ? s.crossWallet : 0n;
            for (const p of s.positions.values()) if (p.marginType === 'isolated') stake += p.isolatedWallet;
            const snap = snapshot(s);
            let out: AccountEvent[];
            try {
              out = decideAccount(c, s, ctx);
            } catch (e) {
              if (!(e instanceof LedgerRuleError)) throw e;
              expect(snapshot(s)).toBe(snap); // a refused command changes nothing
              return;
            }
            for (const e of out) {
              // Whatever the decider emits must pass the event's schema, or the store would refuse it.
              schemaOf(e.type).parse(e.data);
              evolveAccount(s, e);
            }
            all.push(...out);
            expect(walletBalance(s) - before).toBe(walletEffect(out).net);
            // A liquidation takes at most the margin at stake: what a bankrupt position lost past it is
            // the insurance fund's (liquidation.ts), not the trader's.
            if (c.kind === 'CheckLiquidation') expect(before - walletBalance(s) <= stake).toBe(true);
            for (const e of out) {
              coverage.set(e.type, (coverage.get(e.type) ?? 0) + 1);
              if (e.type === 'FeeCharged' && e.data.amount.startsWith('-'))
                coverage.set('rebate', (coverage.get('rebate') ?? 0) + 1);
            }
          };
          apply({
            kind: 'OpenAccount',
            accountId: 'p',
            venue: 'binance',
            marginAsset: 'USDT',
            feeTier: 'VIP0',
            positionMode: hedge ? 'hedge' : 'one-way',
          });
          apply({ kind: 'DepositFunds', transferId: 'seed', amount: String(seed) });
          const time = { t: 1672531200000 };
          for (const st of steps) apply(toCommand(st, s, time));

          // Over the whole span, and against the aggregate's own running totals.
          const eff = walletEffect(all);
          expect(walletBalance(s)).toBe(eff.net);
          expect(s.totals.realisedPnl).toBe(eff.realised);
          expect(s.totals.fees).toBe(eff.fees);
          expect(s.totals.funding).toBe(eff.funding);
          const bnb = s.otherAssetFees.get('BNB') ?? { paid: 0n, worth: 0n };
          expect(bnb).toEqual({ paid: eff.bnbPaid, worth: eff.bnbWorth });

          // Positions re-derived from the fills and liquidations alone.
          const qty = new Map<string, Fixed>();
          for (const e of all) {
            if (e.type === 'FillSettled') {
              const k = positionKey(e.data.symbol, e.data.positionSide);
              const q = fixed(e.data.quantity);
              qty.set(k, (qty.get(k) ?? 0n) + (e.data.side === 'BUY' ? q : -q));
            } else if (e.type === 'PositionLiquidated') {
              qty.set(positionKey(e.data.symbol, e.data.positionSide), 0n);
            }
          }
          for (const [k, q] of qty) expect(s.positions.get(k)?.qty ?? 0n, k).toBe(q);

          // A rebuild from the first event is the same state.
          expect(snapshot(replay(all))).toBe(snapshot(s));
        },
      ),
      { numRuns: 400 },
    );
    // The sequences must actually reach the interesting paths, or the property proves little.
    // Liquidations need a big adverse move on a small account, so they are rarer than the rest.
    const atLeast: Record<string, number> = {
      FillSettled: 200,
      FeeCharged: 200,
      FundingPaid: 20,
      MarginTypeSet: 10,
      FundsWithdrawn: 10,
      PositionLiquidated: 3,
      rebate: 20,
    };
    for (const [t, n] of Object.entries(atLeast)) expect(coverage.get(t) ?? 0, t).toBeGreaterThanOrEqual(n);
    console.info('reconciliation coverage', Object.fromEntries(coverage));
  });

  it('trading at a single price only ever costs fees: no money appears from a flip (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 5000 })), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 2611, max: 8_000_000 }),
        (fills, ticks) => {
          const price = toText(BigInt(ticks) * fixed('0.1'));
          const s = initialAccountState();
          const all: AccountEvent[] = [];
          const cmds: AccountCommand[] = [
            {
              kind: 'OpenAccount',
              accountId: 'p',
              venue: 'binance',
              marginAsset: 'USDT',
              feeTier: 'VIP0',
              positionMode: 'one-way',
            },
            { kind: 'DepositFunds', transferId: 'seed', amount: '1' },
            ...fills.map(
              ([buy, steps], i): AccountCommand => ({
                kind: 'SettleFill',
                orderId: `o${i}`,
                fillSeq: 1,
                tradeId: `t${i}`,
                strategyId: null,
                symbol: 'BTCUSDT',
                side: buy ? 'BUY' : 'SELL',
                positionSide: 'BOTH',
                quantity: toText(BigInt(steps) * fixed('0.001')),
                price,
                liquidity: 'taker',
                reduceOnly: false,
              }),
            ),
          ];
          for (const c of cmds) {
            for (const e of decideAccount(c, s, ctx)) {
              all.push(e);
              evolveAccount(s, e);
            }
          }
          expect(s.totals.realisedPnl).toBe(0n);
          expect(walletBalance(s)).toBe(fixed('1') - s.totals.fees);
        },
      ),
    );
  });
});
