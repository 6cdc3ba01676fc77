import { z } from 'zod';
import { Atr } from '../market/indicators/atr.js';
import { Donchian } from '../market/indicators/donchian.js';
import { param } from '../optimizer/param.js';
import type { BarView, StrategyContext, StrategyDefinition, StrategyHandlers } from '../strategy/sdk.js';
import { AtrStop } from './atr-stop.js';
import { PerSymbol } from './per-symbol.js';
import { signalOf } from './signal.js';

export const donchianBreakoutParams = z
  .object({
    entryPeriod: param
      .int({ min: 5, max: 400, log: true, description: 'breakout channel (bars)' })
      .default(48),
    exitPeriod: param.int({ min: 2, max: 200, log: true, description: 'exit channel (bars)' }).default(24),
    atrPeriod: param.int({ min: 5, max: 100, description: 'ATR period for the stop' }).default(20),
    stopAtr: param.number({ min: 0.5, max: 10, step: 0.25, description: 'stop distance in ATRs' }).default(2),
    allowShort: param.boolean().default(true),
  })
  .refine((p) => p.exitPeriod < p.entryPeriod, {
    message: 'the exit channel must be shorter than the entry channel',
    path: ['exitPeriod'],
  });

export type DonchianBreakoutParams = z.infer<typeof donchianBreakoutParams>;

class State {
  readonly entry: Donchian;
  readonly exit: Donchian;
  readonly atr: Atr;
  readonly stop: AtrStop;
  exposure = 0;
  // The channels of the bars before this one, kept for the signal record.
  hi = Number.NaN;
  lo = Number.NaN;
  exitHi = Number.NaN;
  exitLo = Number.NaN;

  constructor(p: DonchianBreakoutParams) {
    this.entry = new Donchian(p.entryPeriod);
    this.exit = new Donchian(p.exitPeriod);
    this.atr = new Atr(p.atrPeriod);
    // Turtle-style: the stop is fixed at entry, the exit channel does the trailing.
    this.stop = new AtrStop(p.stopAtr, false);
  }
}

/**
 * Turtle-style breakout: long on a close above the highest high of the previous `entryPeriod` bars,
 * short below the lowest low; out on a close through the shorter exit channel on the other side, or
 * at the k·ATR stop. Channels are those of the bars before this one: a bar cannot break out of a
 * range that includes itself.
 */
export const donchianBreakout: StrategyDefinition<DonchianBreakoutParams> = {
  id: 'donchian-breakout',
  version: '1.0.0',
  description: 'Donchian channel breakout with a shorter exit channel and an ATR stop',
  params: donchianBreakoutParams,
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
          entryHigh: s.hi,
          entryLow: s.lo,
          exitHigh: s.exitHi,
          exitLow: s.exitLo,
          atr,
          stopPrice,
          entryPeriod: p.entryPeriod,
          exitPeriod: p.exitPeriod,
          stopAtr: p.stopAtr,
        }),
        exposure !== 0 ? { stopPrice: s.stop.level, stopAtrMultiple: p.stopAtr } : undefined,
      );
    };

    return {
      onBar(bar, ctx) {
        const s = states.get(bar.symbol);
        // The channels of the previous bars, read before this bar enters them.
        const hi = s.entry.upper;
        const lo = s.entry.lower;
        s.hi = hi;
        s.lo = lo;
        s.exitHi = s.exit.upper;
        s.exitLo = s.exit.lower;
        s.entry.update(bar.high, bar.low);
        s.exit.update(bar.high, bar.low);
        const atr = s.atr.update(bar.high, bar.low, bar.close);
        if (Number.isNaN(hi) || !s.atr.ready) return;
        const c = bar.close;
        if (c > hi && s.exposure <= 0) act(ctx, bar, s, 1, 'breakout-up');
        else if (c < lo && s.exposure >= 0 && p.allowShort) act(ctx, bar, s, -1, 'breakout-down');
        else if (s.exposure > 0 && c < s.exitLo) act(ctx, bar, s, 0, 'exit-channel');
        else if (s.exposure < 0 && c > s.exitHi) act(ctx, bar, s, 0, 'exit-channel');
        else if (s.exposure !== 0 && s.stop.update(c, atr)) act(ctx, bar, s, 0, 'stop');
      },
    };
  },
};
