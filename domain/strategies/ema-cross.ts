import { z } from 'zod';
import { Atr } from '../market/indicators/atr.js';
import { Ema } from '../market/indicators/ema.js';
import { param } from '../optimizer/param.js';
import type { BarView, StrategyContext, StrategyDefinition, StrategyHandlers } from '../strategy/sdk.js';
import { AtrStop } from './atr-stop.js';
import { PerSymbol } from './per-symbol.js';
import { signalOf, signKeep } from './signal.js';

export const emaCrossParams = z
  .object({
    fast: param.int({ min: 2, max: 100, description: 'fast EMA period (bars)' }).default(20),
    slow: param
      .int({ min: 5, max: 400, step: 1, log: true, description: 'slow EMA period (bars)' })
      .default(100),
    atrPeriod: param.int({ min: 5, max: 100, description: 'ATR period for the stop' }).default(14),
    stopAtr: param.number({ min: 0.5, max: 10, step: 0.25, description: 'stop distance in ATRs' }).default(3),
    trailing: param.boolean().default(true),
    allowShort: param.boolean().default(true),
  })
  .refine((p) => p.fast < p.slow, { message: 'fast must be shorter than slow', path: ['fast'] });

export type EmaCrossParams = z.infer<typeof emaCrossParams>;

class State {
  readonly fast: Ema;
  readonly slow: Ema;
  readonly atr: Atr;
  readonly stop: AtrStop;
  /** Side of fast vs slow at the last bar (0 while they have always been equal). */
  trend = 0;
  /** The first ready bar only sets `trend`: starting mid-trend is not a cross. */
  primed = false;
  exposure = 0;

  constructor(p: EmaCrossParams) {
    this.fast = new Ema(p.fast);
    this.slow = new Ema(p.slow);
    this.atr = new Atr(p.atrPeriod);
    this.stop = new AtrStop(p.stopAtr, p.trailing);
  }
}

/**
 * Trend following: long when the fast EMA crosses above the slow one, short (or flat) when it crosses
 * below; a k·ATR stop (trailing by default) takes it flat until the next cross. This is also the
 * engine benchmark's reference strategy, so a bar that changes nothing allocates nothing: state
 * lives in preallocated objects and the signal record is built only when the target changes.
 */
export const emaCross: StrategyDefinition<EmaCrossParams> = {
  id: 'ema-cross',
  version: '1.0.0',
  description: 'EMA crossover trend following with an ATR stop',
  params: emaCrossParams,
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
          fastEma: s.fast.value,
          slowEma: s.slow.value,
          atr,
          stopPrice,
          fast: p.fast,
          slow: p.slow,
          atrPeriod: p.atrPeriod,
          stopAtr: p.stopAtr,
        }),
        exposure !== 0
          ? { stopPrice: s.stop.level, stopAtrMultiple: p.stopAtr, trailing: p.trailing }
          : undefined,
      );
    };

    return {
      onBar(bar, ctx) {
        const s = states.get(bar.symbol);
        const c = bar.close;
        const fast = s.fast.update(c);
        const slow = s.slow.update(c);
        const atr = s.atr.update(bar.high, bar.low, c);
        if (!s.slow.ready || !s.fast.ready || !s.atr.ready) return;
        const trend = signKeep(fast - slow, s.trend);
        const was = s.trend;
        s.trend = trend;
        if (!s.primed) {
          s.primed = true;
          return;
        }
        if (trend !== was) {
          const want = trend > 0 || p.allowShort ? trend : 0;
          if (want !== s.exposure) act(ctx, bar, s, want, trend > 0 ? 'cross-up' : 'cross-down');
          return;
        }
        if (s.exposure !== 0 && s.stop.update(c, atr)) act(ctx, bar, s, 0, 'stop');
      },
    };
  },
};
