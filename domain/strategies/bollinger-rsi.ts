import { z } from 'zod';
import { Adx } from '../market/indicators/adx.js';
import { Atr } from '../market/indicators/atr.js';
import { Bollinger } from '../market/indicators/bollinger.js';
import { Rsi } from '../market/indicators/rsi.js';
import { param } from '../optimizer/param.js';
import type { BarView, StrategyContext, StrategyDefinition, StrategyHandlers } from '../strategy/sdk.js';
import { AtrStop } from './atr-stop.js';
import { PerSymbol } from './per-symbol.js';
import { signalOf } from './signal.js';

export const bollingerRsiParams = z
  .object({
    bbPeriod: param.int({ min: 5, max: 200, description: 'Bollinger window (bars)' }).default(20),
    bbK: param
      .number({ min: 1, max: 4, step: 0.25, description: 'band width in standard deviations' })
      .default(2),
    rsiPeriod: param.int({ min: 2, max: 50, description: 'RSI period' }).default(14),
    oversold: param
      .number({ min: 5, max: 45, step: 1, description: 'RSI below this confirms a long' })
      .default(30),
    overbought: param
      .number({ min: 55, max: 95, step: 1, description: 'RSI above this confirms a short' })
      .default(70),
    adxPeriod: param.int({ min: 5, max: 50, description: 'ADX period of the trend filter' }).default(14),
    adxMax: param
      .number({ min: 10, max: 100, step: 1, description: 'no entry while ADX is above this (100 = off)' })
      .default(30),
    atrPeriod: param.int({ min: 5, max: 100, description: 'ATR period for the stop' }).default(14),
    stopAtr: param.number({ min: 0.5, max: 10, step: 0.25, description: 'stop distance in ATRs' }).default(3),
    maxBars: param
      .int({ min: 2, max: 500, log: true, description: 'time stop: flat after this many bars' })
      .default(48),
    allowShort: param.boolean().default(true),
  })
  .refine((p) => p.oversold < p.overbought, {
    message: 'oversold must be below overbought',
    path: ['oversold'],
  });

export type BollingerRsiParams = z.infer<typeof bollingerRsiParams>;

class State {
  readonly bb: Bollinger;
  readonly rsi: Rsi;
  readonly adx: Adx;
  readonly atr: Atr;
  readonly stop: AtrStop;
  exposure = 0;
  barsHeld = 0;

  constructor(p: BollingerRsiParams) {
    this.bb = new Bollinger(p.bbPeriod, p.bbK);
    this.rsi = new Rsi(p.rsiPeriod);
    this.adx = new Adx(p.adxPeriod);
    this.atr = new Atr(p.atrPeriod);
    this.stop = new AtrStop(p.stopAtr, false);
  }
}

/**
 * Mean reversion: a close outside the Bollinger band with RSI confirming the excess is faded (long
 * below the lower band when oversold, short above the upper when overbought), unless ADX says the
 * market is trending, where fading loses. Out when the close gets back to the middle band, at the
 * k·ATR stop, or after `maxBars` (a reversion that has not come by then is not coming).
 */
export const bollingerRsi: StrategyDefinition<BollingerRsiParams> = {
  id: 'bollinger-rsi',
  version: '1.0.0',
  description: 'Bollinger band fade confirmed by RSI, with an ADX range filter, ATR and time stops',
  params: bollingerRsiParams,
  timeframe: '1h',
  create(p, setup): StrategyHandlers {
    const states = new PerSymbol((_s) => new State(p), setup.symbols);

    const act = (ctx: StrategyContext, bar: BarView, s: State, exposure: number, reason: string): void => {
      const atr = s.atr.value;
      const stopPrice = s.stop.follow(exposure, bar.close, atr);
      const held = s.barsHeld;
      s.exposure = exposure;
      s.barsHeld = 0;
      ctx.target(
        bar.symbol,
        exposure,
        signalOf(exposure, exposure, {
          reason,
          close: bar.close,
          bbUpper: s.bb.upper,
          bbMiddle: s.bb.middle,
          bbLower: s.bb.lower,
          rsi: s.rsi.value,
          adx: s.adx.adx,
          atr,
          stopPrice,
          barsHeld: held,
          oversold: p.oversold,
          overbought: p.overbought,
          adxMax: p.adxMax,
          bbPeriod: p.bbPeriod,
          bbK: p.bbK,
        }),
        exposure !== 0
          ? { stopPrice: s.stop.level, stopAtrMultiple: p.stopAtr, maxBars: p.maxBars }
          : undefined,
      );
    };

    return {
      onBar(bar, ctx) {
        const s = states.get(bar.symbol);
        const c = bar.close;
        s.bb.update(c);
        const rsi = s.rsi.update(c);
        const adx = s.adx.update(bar.high, bar.low, c);
        const atr = s.atr.update(bar.high, bar.low, c);
        if (!s.bb.ready || !s.rsi.ready || !s.adx.ready || !s.atr.ready) return;
        if (s.exposure !== 0) {
          s.barsHeld++;
          if (s.exposure > 0 ? c >= s.bb.middle : c <= s.bb.middle) act(ctx, bar, s, 0, 'reverted');
          else if (s.stop.update(c, atr)) act(ctx, bar, s, 0, 'stop');
          else if (s.barsHeld >= p.maxBars) act(ctx, bar, s, 0, 'time');
          return;
        }
        if (adx > p.adxMax) return;
        if (c < s.bb.lower && rsi < p.oversold) act(ctx, bar, s, 1, 'fade-low');
        else if (p.allowShort && c > s.bb.upper && rsi > p.overbought) act(ctx, bar, s, -1, 'fade-high');
      },
    };
  },
};
