import { useMemo } from 'react';
import { useHeatmap } from '@/api/hooks';
import type { HeatmapCell } from '@/api/types';
import { Pnl } from '@/components/pnl';
import { QueryState } from '@/components/query-state';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { fmtSigned, toNumber } from '@/lib/format';

const total = (c: HeatmapCell): number => (toNumber(c.realisedPnl) ?? 0) + (toNumber(c.unrealisedPnl) ?? 0);

/** Green for profit, red for loss, the strongest cell fully saturated: the colour compares cells. */
const cellStyle = (v: number, max: number): React.CSSProperties => {
  if (max === 0 || v === 0) return {};
  const a = 0.12 + 0.6 * Math.min(1, Math.abs(v) / max);
  return { backgroundColor: v > 0 ? `rgba(52,211,153,${a})` : `rgba(251,113,133,${a})` };
};

function Grid({ cells }: { cells: HeatmapCell[] }) {
  const { strategies, symbols, byKey, max, sum } = useMemo(() => {
    const byKey = new Map(cells.map((c) => [`${c.strategyId}|${c.symbol}`, c]));
    const values = cells.map(total);
    return {
      strategies: [...new Set(cells.map((c) => c.strategyId))].sort(),
      symbols: [...new Set(cells.map((c) => c.symbol))].sort(),
      byKey,
      max: Math.max(0, ...values.map(Math.abs)),
      sum: values.reduce((a, b) => a + b, 0),
    };
  }, [cells]);
  return (
    <div className="space-y-2">
      <div className="text-xs text-muted-foreground">
        total PnL <Pnl value={sum} className="text-base font-semibold" />
        <span data-testid="pnl-total" className="sr-only">
          {sum.toFixed(8)}
        </span>
      </div>
      <div className="overflow-x-auto">
        <table className="w-full border-separate border-spacing-1 text-xs tabular" data-testid="pnl-heatmap">
          <thead>
            <tr>
              <th className="text-left font-medium text-muted-foreground">strategy \ symbol</th>
              {symbols.map((s) => (
                <th key={s} className="font-medium text-muted-foreground">
                  {s}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {strategies.map((st) => (
              <tr key={st}>
                <td className="pr-2 font-mono whitespace-nowrap">{st}</td>
                {symbols.map((sy) => {
                  const c = byKey.get(`${st}|${sy}`);
                  const v = c ? total(c) : 0;
                  return (
                    <td
                      key={sy}
                      className="rounded px-2 py-2 text-center transition-colors duration-500"
                      style={cellStyle(v, max)}
                      data-testid="heatmap-cell"
                      title={
                        c
                          ? `realised ${fmtSigned(c.realisedPnl)} · unrealised ${fmtSigned(c.unrealisedPnl)}`
                          : 'no trades'
                      }
                    >
                      {c ? fmtSigned(v) : '·'}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

export function PnlHeatmap() {
  const heatmap = useHeatmap();
  return (
    <Card>
      <CardHeader>
        <div>
          <CardTitle>PnL heatmap</CardTitle>
          <CardDescription>realised + unrealised, strategy × symbol, live</CardDescription>
        </div>
      </CardHeader>
      <CardContent>
        <QueryState query={heatmap} empty={(d) => (d.length === 0 ? 'no PnL yet' : null)}>
          {(cells) => <Grid cells={cells} />}
        </QueryState>
      </CardContent>
    </Card>
  );
}
