import { z } from 'zod';
import { Adx } from '../market/indicators/adx.js';
import { Atr, trueRange } from '../market/indicators/atr.js';
import { EfficiencyRatio } from '../market/indicators/efficiency-ratio.js';
import { Ema } from '../market/indicators/ema.js';
import { param } from '../optimizer/param.js';
import type { BarView, StrategyContext, StrategyDefinition, StrategyHandlers } from '../strategy/sdk.js';
import { AtrStop } from './atr-stop.js';
import { PerSymbol } from './per-symbol.js';
import { signalOf } from './signal.js';

export const volBreakoutParams = z.object({
  emaPeriod: param.int({ min: 5, max: 200, description: 'channel middle: EMA period (bars)' }).default(20),
  atrPeriod: param
    .int({ min: 5, max: 100, description: 'ATR period of the channel and the stop' })
    .default(14),
  channelAtr: param
    .number({ min: 0.5, max: 5, step: 0.25, description: 'channel half-width in ATRs' })
    .default(2),
  rangeAtr: param
    .number({
      min: 0,
      max: 4,
      step: 0.25,
      description: "the breakout bar's true range, in ATRs, at least (0 = off)",
    })
    .default(1.5),
  filter: param.choice(['er', 'adx', 'none'] as const).default('er'),
  erPeriod: param.int({ min: 5, max: 100, description: 'efficiency-ratio period' }).default(20),
  erMin: param
    .number({ min: 0.05, max: 0.9, step: 0.05, description: 'efficiency ratio at least' })
    .default(0.3),
  adxPeriod: param.int({ min: 5, max: 50, description: 'ADX period' }).default(14),
  adxMin: param.number({ min: 10, max: 50, step: 1, description: 'ADX at least' }).default(20),
  stopAtr: param
    .number({ min: 0.5, max: 10, step: 0.25, description: 'trailing stop distance in ATRs' })
    .default(3),
  allowShort: param.boolean().default(true),
});

export type VolBreakoutParams = z.infer<typeof volBreakoutParams>;

class State {
  readonly ema: Ema;
  readonly atr: Atr;
  readonly er: EfficiencyRatio;
  readonly adx: Adx;
  readonly stop: AtrStop;
  exposure = 0;
  // The channel of the previous bar and this bar's range, kept for the signal record.
  upper = Number.NaN;
  lower = Number.NaN;
  range = Number.NaN;
  atrBefore = Number.NaN;
  prevClose = Number.NaN;

  constructor(p: VolBreakoutParams) {
    this.ema = new Ema(p.emaPeriod);
    this.atr = new Atr(p.atrPeriod);
    this.er = new EfficiencyRatio(p.erPeriod);
    this.adx = new Adx(p.adxPeriod);
    this.stop = new AtrStop(p.stopAtr, true);
  }
}

/**
 * Volatility breakout: a close beyond an ATR channel around an EMA (Keltner-style, the channel as it
 * stood before this bar) on a bar whose own range is wide — volatility expanding, not drifting —
 * taken only when the move is directional (efficiency ratio or ADX above a floor). Out when the close
 * falls back through the EMA or at a trailing k·ATR stop.
 */
export const volBreakout: StrategyDefinition<VolBreakoutParams> = {
  id: 'vol-breakout',
  version: '1.0.0',
  description: 'ATR channel breakout on range expansion, filtered by efficiency ratio or ADX',
  params: volBreakoutParams,
  timeframe: '1h',
  create(p, setup): StrategyHandlers {
    const states = new PerSymbol((_s) => new State(p), setup.symbols);

    const act = (ctx: StrategyContext, bar: BarView, s: State, exposure: number, reason: string): void => {
      const atr = s.atr.value;
      const stopPrice = s.stop.follow(exposure, bar.close, atr);
      s.exposure = exposure;
      ctx.target(
        bar.symbol,
        exposure,
        signalOf(exposure, exposure, {
          reason,
          close: bar.close,
          channelUpper: s.upper,
          channelLower: s.lower,
          ema: s.ema.value,
          atr,
          atrBefore: s.atrBefore,
          barRange: s.range,
          efficiencyRatio: s.er.value,
          adx: s.adx.adx,
          filter: p.filter,
          erMin: p.erMin,
          adxMin: p.adxMin,
          channelAtr: p.channelAtr,
          rangeAtr: p.rangeAtr,
          stopPrice,
        }),
        exposure !== 0 ? { stopPrice: s.stop.level, stopAtrMultiple: p.stopAtr, trailing: true } : undefined,
      );
    };

    const directional = (s: State): boolean =>
      p.filter === 'er' ? s.er.value >= p.erMin : p.filter === 'adx' ? s.adx.adx >= p.adxMin : true;

    return {
      onBar(bar, ctx) {
        const s = states.get(bar.symbol);
        const c = bar.close;
        // The channel before this bar, and this bar's range against the ATR before it.
        const prevAtr = s.atr.value;
        s.atrBefore = prevAtr;
        const width = p.channelAtr * prevAtr;
        s.upper = s.ema.value + width;
        s.lower = s.ema.value - width;
        s.range = Number.isNaN(s.prevClose) ? bar.high - bar.low : trueRange(bar.high, bar.low, s.prevClose);
        s.prevClose = c;
        const mid = s.ema.update(c);
        const atr = s.atr.update(bar.high, bar.low, c);
        s.er.update(c);
        s.adx.update(bar.high, bar.low, c);
        if (Number.isNaN(s.upper) || !s.atr.ready || !s.er.ready || !s.adx.ready) return;
        if (s.exposure !== 0) {
          if (s.exposure > 0 ? c < mid : c > mid) act(ctx, bar, s, 0, 'back-inside');
          else if (s.stop.update(c, atr)) act(ctx, bar, s, 0, 'stop');
          return;
        }
        if (s.range < p.rangeAtr * prevAtr || !directional(s)) return;
        if (c > s.upper) act(ctx, bar, s, 1, 'breakout-up');
        else if (p.allowShort && c < s.lower) act(ctx, bar, s, -1, 'breakout-down');
      },
    };
  },
};
