import { useState } from 'react';
import { useBars, useHeatmap, usePositions, useStatus } from '@/api/hooks';
import { CandleChart } from '@/components/charts/candle-chart';
import { QueryState } from '@/components/query-state';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { Select } from '@/components/ui/select';

const timeframes = ['5m', '1h'] as const;
const barMs: Record<string, number> = { '5m': 300_000, '1h': 3_600_000 };
const shown = 200;

/**
 * The window ends at the paper run's clock, not the wall clock: the run replays history, and bars past
 * its clock would be the future the strategies cannot see. Rounded to the bar so the key changes per bar.
 */
function useWindow(timeframe: string): { from?: string; to?: string } {
  const status = useStatus();
  const sim = status.data?.paper.map((p) => Date.parse(p.simTime)).filter(Number.isFinite);
  if (!sim || sim.length === 0) return {};
  const step = barMs[timeframe] ?? 3_600_000;
  const to = Math.floor(Math.max(...sim) / step) * step + step;
  return { from: new Date(to - shown * step).toISOString(), to: new Date(to).toISOString() };
}

/** The traded symbols' bars; the list is whatever the strategies hold or have traded. */
export function MarketCard() {
  const positions = usePositions();
  const heatmap = useHeatmap();
  const symbols = [
    ...new Set([
      ...(positions.data ?? []).map((p) => p.symbol),
      ...(heatmap.data ?? []).map((c) => c.symbol),
    ]),
  ].sort();
  const [chosen, setChosen] = useState<string | null>(null);
  const [timeframe, setTimeframe] = useState<string>('1h');
  const symbol = chosen ?? symbols[0] ?? null;
  const bars = useBars(symbol, timeframe, useWindow(timeframe));
  return (
    <Card>
      <CardHeader>
        <CardTitle>Market</CardTitle>
        <div className="flex gap-2">
          <Select
            aria-label="symbol"
            className="w-36"
            value={symbol ?? ''}
            onChange={(e) => setChosen(e.target.value)}
          >
            {symbols.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </Select>
          <Select
            aria-label="timeframe"
            className="w-20"
            value={timeframe}
            onChange={(e) => setTimeframe(e.target.value)}
          >
            {timeframes.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </Select>
        </div>
      </CardHeader>
      <CardContent>
        {symbol === null ? (
          <div className="py-6 text-xs text-muted-foreground">no traded symbols yet</div>
        ) : (
          <QueryState
            query={bars}
            empty={(d) => (d.length === 0 ? `no ${timeframe} bars for ${symbol}` : null)}
          >
            {(b) => <CandleChart bars={b} />}
          </QueryState>
        )}
      </CardContent>
    </Card>
  );
}
