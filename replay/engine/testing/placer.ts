import { z } from 'zod';
import type { OrderRequest, StrategyDefinition } from '../../../domain/strategy/sdk.js';

export type PlacerOrders = (close: number) => Record<string, Omit<OrderRequest, 'symbol'>>;

/** What a placer did: the id each named order got (null: refused), and the bar it sent them on. */
export interface Placed {
  readonly ids: Record<string, string | null>;
  at: number;
  close: number;
}

/**
 * A test strategy that sends the orders it is given, by name, on its 20th bar: by then the engine's
 * ATR is ready (the risk check's liquidation-distance rule needs it).
 */
export const placer = (orders: PlacerOrders): { strategy: StrategyDefinition; placed: Placed } => {
  const placed: Placed = { ids: {}, at: 0, close: 0 };
  const strategy: StrategyDefinition = {
    id: 'placer',
    version: '0.0.1',
    description: 'sends the orders it is given after 20 bars',
    timeframe: '1h',
    params: z.object({}),
    create: () => {
      let n = 0;
      return {
        onBar(bar, ctx) {
          if (++n !== 20) return;
          const why = { side: 'long' as const, strength: 1, features: { close: bar.close } };
          for (const [name, req] of Object.entries(orders(bar.close)))
            placed.ids[name] = ctx.order({ symbol: bar.symbol, ...req }, why);
          placed.at = bar.closeTime;
          placed.close = bar.close;
        },
      };
    },
  };
  return { strategy, placed };
};
