import { z } from 'zod';
import { sharedBars, sharedFunding } from '../../../adapters/marketdata/shared-data.js';
import { openHarness } from '../../../adapters/venue/testing/venue-harness.js';
import type { StoredEvent } from '../../../domain/events/envelope.js';
import { fixed, toText } from '../../../domain/ledger/fixed.js';
import { binanceUsdm } from '../../../domain/ledger/venue.js';
import type { BarSeries } from '../../../domain/market/bars.js';
import type { BackstopPlan } from '../../../domain/risk/backstop.js';
import type { ProtectionRequest, StrategyDefinition } from '../../../domain/strategy/sdk.js';
import {
  type CarriedBreakers,
  type CarriedRiskState,
  type CarryOver,
  defaultEngineSettings,
} from '../config.js';
import { Engine } from '../engine.js';
import { instrumentBookOnce } from '../run.js';

export const HOUR = 3_600_000;
export const SYMBOL = 'BTCUSDT';
export const WARMUP = 60;

/** Scripted: `plan` maps a live bar's number (1 = the first after the warm-up) to the exposure it targets. */
export const scripted = (
  protection: ProtectionRequest | undefined,
  plan: Record<number, number>,
): StrategyDefinition => ({
  id: 'scripted-live',
  version: '0.0.1',
  description: 'targets the exposures of a plan, bar by bar',
  timeframe: '1h',
  params: z.object({}),
  create: () => {
    let seen = 0;
    return {
      onBar(bar, ctx) {
        seen++;
        const exposure = plan[seen - WARMUP];
        if (exposure === undefined) return;
        const side = exposure > 0 ? 'long' : exposure < 0 ? 'short' : 'flat';
        ctx.target(
          SYMBOL,
          exposure,
          { side, strength: exposure, features: { close: bar.close } },
          exposure !== 0 ? protection : undefined,
        );
      },
    };
  },
});

export const slice = (s: BarSeries, from: number, n: number): BarSeries => {
  const i = s.openTime.indexOf(from);
  const pick = <T extends { slice(a: number, b: number): T }>(a: T) => a.slice(i, i + n);
  return {
    ...s,
    openTime: pick(s.openTime),
    open: pick(s.open),
    high: pick(s.high),
    low: pick(s.low),
    close: pick(s.close),
    volume: pick(s.volume),
  };
};

/**
 * A scripted run on the fake exchange's account: BTCUSDT 1h bars from 2023-06-01 (60 of warm-up,
 * `liveBars` live, 8 unless asked), stepped by hand as the live runner would. The caller closes `harness`.
 */
export const openLiveAccountRun = async (
  protection: ProtectionRequest | undefined,
  plan: Record<number, number>,
  backstop?: BackstopPlan,
  liveBars = 8,
  extra: {
    readonly relisting?: boolean;
    readonly feeRates?: ReadonlyMap<string, { readonly maker: string; readonly taker: string }>;
    readonly carry?: CarryOver;
    readonly breakers?: CarriedBreakers;
    readonly riskState?: CarriedRiskState;
    /** Another process's connection to an account (openHarness({ fake })), and its run's id. */
    readonly harness?: Awaited<ReturnType<typeof openHarness>>;
    readonly runId?: string;
    /** Another strategy than the scripted plan's (the plan is then unused). */
    readonly strategy?: StrategyDefinition;
  } = {},
) => {
  const harness = extra.harness ?? (await openHarness());
  const book = await instrumentBookOnce();
  const start = Date.UTC(2023, 5, 1);
  const bars = slice(sharedBars(SYMBOL, '1h'), start - WARMUP * HOUR, WARMUP + liveBars);
  const from = start;
  const events: StoredEvent[] = [];
  const engine = new Engine(
    {
      ...defaultEngineSettings,
      runId: extra.runId ?? 'live-orders',
      // A real run's account is its run id (replay/engine/run.ts): its stop legs and orders are filed under it.
      accountId: extra.runId ?? 'live-orders',
      mode: 'live',
      strategy: extra.strategy ?? scripted(protection, plan),
      params: {},
      symbols: [SYMBOL],
      from,
      to: from + liveBars * HOUR,
      warmupBars: WARMUP,
      instrument: book.get,
      venueRules: binanceUsdm,
      // The fake's account (10,000 USDT) backs this run.
      initialBalance: '10000',
      liveOrders: {
        venue: harness.venue,
        wall: () => harness.clock.now(),
        venueName: 'binance',
        ...(backstop ? { backstop } : {}),
        ...(extra.relisting ? { relisting: true } : {}),
        ...(extra.feeRates ? { feeRates: extra.feeRates } : {}),
        ...(extra.carry ? { carry: extra.carry } : {}),
        ...(extra.breakers ? { breakers: extra.breakers } : {}),
        ...(extra.riskState ? { riskState: extra.riskState } : {}),
      },
      onEvent: (e) => events.push(e),
    },
    { bars: new Map([[SYMBOL, bars]]), funding: new Map([[SYMBOL, sharedFunding(SYMBOL)]]) },
  );
  const desk = engine.live!;
  /** What the runner does: steps everything before the next bar close still to come. */
  const stepUntil = (limit: number) => {
    while (engine.nextTime() <= limit && engine.step()) {}
  };
  /** The bar closing at `close`: the exchange trades at its close, the engine steps it a moment later. */
  const barCloses = (i: number) => {
    const close = bars.openTime[i]! + HOUR;
    harness.fake.engine.setPrice(SYMBOL, toText(fixed(String(bars.close[i]!))));
    harness.clock.t = close + 1_500;
    stepUntil(close);
    return close;
  };
  /** Waits until the exchange has answered every call, then hands the engine what came back. */
  const settle = async (limit: number) => {
    await harness.venue.idle();
    desk.collect();
    stepUntil(limit);
  };
  const of = (type: string) => events.filter((e) => e.type === type);
  const warmupEnd = WARMUP - 1;
  return { harness, engine, desk, bars, barCloses, settle, stepUntil, of, events, warmupEnd };
};

export type LiveAccountRun = Awaited<ReturnType<typeof openLiveAccountRun>>;

/**
 * The run enters at its first live bar (a plan with `1:` and a protection) and steps until the exchange
 * has accepted the position's backstop. Returns the entry bar's close time.
 */
export const enterWithBackstop = async (run: LiveAccountRun): Promise<number> => {
  const { harness, barCloses, settle, warmupEnd } = run;
  const enter = barCloses(warmupEnd + 1);
  const started = Date.now();
  while (harness.fake.engine.trades().length < 1 || run.of('OrderAccepted').length < 2) {
    if (Date.now() - started > 10_000) throw new Error('timed out waiting for the entry and its backstop');
    await settle(enter + HOUR - 1);
    await new Promise((r) => setTimeout(r, 5));
  }
  return enter;
};
