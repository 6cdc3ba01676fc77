import { useQueries } from '@tanstack/react-query';
import { useMemo } from 'react';
import { api } from '@/api/client';
import { useStrategies } from '@/api/hooks';
import { queryKeys } from '@/api/queryKeys';
import { toSeries } from '@/components/charts/chart-base';
import { LineChart, type LineSeriesData } from '@/components/charts/line-chart';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { toMillis, toNumber } from '@/lib/format';

/** Each strategy's equity curve on one time axis; the WebSocket's pnl messages refresh them. */
export function EquityCard() {
  const strategies = useStrategies();
  const ids = (strategies.data ?? []).map((s) => s.strategyId);
  const curves = useQueries({
    queries: ids.map((id) => ({
      queryKey: queryKeys.strategies.equity(id),
      queryFn: () => api.strategyEquity(id),
      refetchInterval: 15_000,
    })),
  });
  const dataKey = curves.map((c) => c.dataUpdatedAt).join(',');
  // biome-ignore lint/correctness/useExhaustiveDependencies: rebuild only when some curve's data changed
  const series = useMemo<LineSeriesData[]>(
    () =>
      ids
        .map((id, i) => ({
          name: id,
          points: toSeries(
            curves[i]?.data ?? [],
            (p) => toMillis(p.at),
            (p) => toNumber(p.equity),
          ),
        }))
        .filter((s) => s.points.length > 0),
    [dataKey, ids.join(',')],
  );
  const error = strategies.error ?? curves.find((c) => c.error)?.error;
  return (
    <Card>
      <CardHeader>
        <div>
          <CardTitle>Equity curve</CardTitle>
          <CardDescription>per strategy, from the log's equity marks</CardDescription>
        </div>
      </CardHeader>
      <CardContent>
        {error ? (
          <div className="py-6 text-xs text-destructive">{String(error)}</div>
        ) : series.length === 0 ? (
          <div className="flex h-64 items-center justify-center text-xs text-muted-foreground">
            {strategies.isPending ? 'loading' : 'no equity marks yet'}
          </div>
        ) : (
          <LineChart series={series} />
        )}
      </CardContent>
    </Card>
  );
}
