import type { ReoptimizationTriggers } from '../commands/optimizer/triggers.js';
import type { HotlistScannedData } from '../domain/hotlist/events.js';

export interface VolatilityTriggerOptions {
  readonly triggers: ReoptimizationTriggers;
  readonly strategies: readonly string[];
  /** The symbols the runs trade: only their volatility concerns the strategies' parameters. */
  readonly symbols: () => readonly string[];
  readonly threshold?: number;
  readonly cooldownMs?: number;
  readonly log: (m: string) => void;
}

/**
 * Automation 7's volatility trigger, fed by the hotlist's scans: when a traded symbol's volatility is
 * at the top of its own range (the scan's volatility percentile ≥ 0.95), every strategy is asked to
 * re-optimise for the market it now trades in, once per episode (ReoptimizationRequested, kind
 * `volatility`). The re-optimisation scheduler runs the request like any other.
 */
export const volatilityTrigger =
  (o: VolatilityTriggerOptions) =>
  async (scan: HotlistScannedData): Promise<void> => {
    const traded = new Set(o.symbols());
    // The most extreme traded symbol speaks for the market.
    let worst: { symbol: string; percentile: number } | null = null;
    for (const c of scan.candidates) {
      if (!traded.has(c.symbol)) continue;
      const p = c.dimensions.find((d) => d.name === 'volatility')?.value;
      if (p == null) continue;
      if (!worst || p > worst.percentile) worst = { symbol: c.symbol, percentile: p };
    }
    if (!worst) return;
    for (const strategyId of o.strategies) {
      const r = await o.triggers.checkVolatility({
        strategyId,
        symbol: worst.symbol,
        percentile: worst.percentile,
        scanId: scan.scanId,
        now: scan.at,
        ...(o.threshold !== undefined ? { threshold: o.threshold } : {}),
        ...(o.cooldownMs !== undefined ? { cooldownMs: o.cooldownMs } : {}),
      });
      if (r)
        o.log(
          `volatility trigger: ${worst.symbol} at its ${(worst.percentile * 100).toFixed(0)}th volatility percentile; requested re-optimisation of ${strategyId} (${r.requestId})`,
        );
    }
  };
