import { z } from 'zod';
import { Atr } from '../market/indicators/atr.js';
import { param } from '../optimizer/param.js';
import type { BarView, StrategyContext, StrategyDefinition, StrategyHandlers } from '../strategy/sdk.js';
import { AtrStop } from './atr-stop.js';
import { PerSymbol } from './per-symbol.js';
import { signalOf } from './signal.js';

/** Binance settles every 8 hours: three settlements a day. */
const SETTLEMENTS_PER_YEAR = 3 * 365;

export const fundingCarryParams = z
  .object({
    neutralRate: param
      .number({
        min: -0.0005,
        max: 0.0005,
        step: 0.00001,
        description: "the rate taken as no crowding (Binance's interest component: 0.01% per 8h)",
      })
      .default(0.0001),
    entryBand: param
      .number({
        min: 0.00005,
        max: 0.005,
        step: 0.00005,
        log: true,
        description: 'enter when the rate is this far from neutral',
      })
      .default(0.0001),
    exitBand: param
      .number({ min: 0, max: 0.002, step: 0.00001, description: 'leave when it is back within this band' })
      .default(0.00005),
    atrPeriod: param.int({ min: 5, max: 100, description: 'ATR period for the stop' }).default(14),
    stopAtr: param.number({ min: 0.5, max: 20, step: 0.25, description: 'stop distance in ATRs' }).default(4),
    allowLong: param.boolean().default(true),
  })
  .refine((p) => p.exitBand < p.entryBand, {
    message: 'the exit band must be narrower than the entry band',
    path: ['exitBand'],
  });

export type FundingCarryParams = z.infer<typeof fundingCarryParams>;

class State {
  readonly atr: Atr;
  readonly stop: AtrStop;
  exposure = 0;
  /**
   * The side a stop took us out of: not entered again until funding on that side has normalised, as
   * the crowd that stopped us is still there.
   */
  blockedSide = 0;
  rate = Number.NaN;

  constructor(p: FundingCarryParams) {
    this.atr = new Atr(p.atrPeriod);
    this.stop = new AtrStop(p.stopAtr, false);
  }
}

/**
 * Funding carry: when the last funding rate is far above neutral the longs are crowded and pay, so go
 * short and collect it; far below, go long (unless long carry is off). Out when the rate is back near
 * neutral, or at a k·ATR stop (the crowd can be right about price for longer than the carry pays);
 * after a stop, wait for funding to normalise before entering again. Hysteresis between the entry and
 * exit bands keeps a rate hovering at a threshold from flipping the position every settlement.
 */
export const fundingCarry: StrategyDefinition<FundingCarryParams> = {
  id: 'funding-carry',
  version: '1.0.0',
  description: 'Fade extreme funding: short when longs pay a lot, long when shorts do; ATR stop',
  params: fundingCarryParams,
  timeframe: '1h',
  feeds: { funding: true },
  create(p, setup): StrategyHandlers {
    const states = new PerSymbol((_s) => new State(p), setup.symbols);

    const act = (ctx: StrategyContext, bar: BarView, s: State, exposure: number, reason: string): void => {
      const atr = s.atr.value;
      const stopPrice = s.stop.follow(exposure, bar.close, atr);
      s.exposure = exposure;
      const deviation = s.rate - p.neutralRate;
      ctx.target(
        bar.symbol,
        exposure,
        signalOf(
          exposure,
          exposure === 0 ? 0 : exposure * Math.min(1, Math.abs(deviation) / (2 * p.entryBand)),
          {
            reason,
            close: bar.close,
            fundingRate: s.rate,
            fundingAnnualised: s.rate * SETTLEMENTS_PER_YEAR,
            deviation,
            neutralRate: p.neutralRate,
            entryBand: p.entryBand,
            exitBand: p.exitBand,
            atr,
            stopPrice,
          },
        ),
        exposure !== 0 ? { stopPrice: s.stop.level, stopAtrMultiple: p.stopAtr } : undefined,
      );
    };

    return {
      onBar(bar, ctx) {
        const s = states.get(bar.symbol);
        const c = bar.close;
        const atr = s.atr.update(bar.high, bar.low, c);
        const rate = ctx.fundingRate(bar.symbol);
        s.rate = rate;
        if (Number.isNaN(rate) || !s.atr.ready) return;
        const d = rate - p.neutralRate;
        // A short is paid while d is positive enough, a long while it is negative enough.
        const shortPaid = d >= p.exitBand;
        const longPaid = d <= -p.exitBand;
        if ((s.blockedSide < 0 && !shortPaid) || (s.blockedSide > 0 && !longPaid)) s.blockedSide = 0;
        if (s.exposure !== 0 && s.stop.update(c, atr)) {
          s.blockedSide = s.exposure;
          act(ctx, bar, s, 0, 'stop');
          return;
        }
        let wanted = s.exposure;
        if (d >= p.entryBand) wanted = -1;
        else if (d <= -p.entryBand) wanted = p.allowLong ? 1 : 0;
        else if ((s.exposure < 0 && !shortPaid) || (s.exposure > 0 && !longPaid)) wanted = 0;
        if (wanted !== 0 && wanted === s.blockedSide) wanted = 0;
        if (wanted === s.exposure) return;
        act(ctx, bar, s, wanted, wanted === 0 ? 'funding-normal' : wanted < 0 ? 'longs-pay' : 'shorts-pay');
      },
    };
  },
};
