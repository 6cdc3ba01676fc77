import { useMemo } from 'react';
import { useStrategies, useStrategyEquity } from '@/api/hooks';
import type { Strategy } from '@/api/types';
import { toSeries } from '@/components/charts/chart-base';
import { LineChart } from '@/components/charts/line-chart';
import { KpiGrid } from '@/components/kpi-grid';
import { PageHeader } from '@/components/layout';
import { QueryState } from '@/components/query-state';
import { StrategyStateBadge } from '@/components/status-badges';
import { Badge } from '@/components/ui/badge';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { toMillis, toNumber } from '@/lib/format';
import { Link } from '@/lib/router';

function Params({ params }: { params: Record<string, unknown> }) {
  const entries = Object.entries(params);
  if (entries.length === 0) return <div className="text-xs text-muted-foreground">no parameters</div>;
  return (
    <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-xs sm:grid-cols-3" data-testid="strategy-params">
      {entries.map(([k, v]) => (
        <div key={k} className="flex justify-between gap-2 border-b border-border/50 py-0.5">
          <dt className="text-muted-foreground">{k}</dt>
          <dd className="font-mono">{typeof v === 'object' ? JSON.stringify(v) : String(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

function StrategyEquity({ id }: { id: string }) {
  const equity = useStrategyEquity(id);
  const series = useMemo(
    () => [
      {
        name: id,
        points: toSeries(
          equity.data ?? [],
          (p) => toMillis(p.at),
          (p) => toNumber(p.equity),
        ),
      },
    ],
    [equity.data, id],
  );
  return (
    <QueryState query={equity} empty={(d) => (d.length === 0 ? 'no equity marks yet' : null)}>
      {() => <LineChart series={series} className="h-40" />}
    </QueryState>
  );
}

function StrategyCard({ s }: { s: Strategy }) {
  return (
    <Card data-testid="strategy-card">
      <CardHeader>
        <div className="flex items-center gap-2">
          <CardTitle className="font-mono">{s.strategyId}</CardTitle>
          <StrategyStateBadge state={s.state} />
        </div>
        <div className="flex gap-1">
          <Badge variant="outline">v{s.version}</Badge>
          <Badge variant="outline">params v{s.paramsVersion}</Badge>
        </div>
      </CardHeader>
      <CardContent className="space-y-4">
        <KpiGrid kpis={s.kpis} />
        <StrategyEquity id={s.strategyId} />
        <Params params={s.params} />
      </CardContent>
    </Card>
  );
}

export function StrategiesPage() {
  const strategies = useStrategies();
  return (
    <div className="space-y-4">
      <PageHeader title="Strategies">
        <Link to="/portfolio" className="text-xs text-muted-foreground hover:text-foreground">
          capital allocation between them (strategy bandit): Portfolio →
        </Link>
      </PageHeader>
      <QueryState query={strategies} empty={(d) => (d.length === 0 ? 'no strategies registered' : null)}>
        {(list) => (
          <div className="grid gap-4 2xl:grid-cols-2">
            {list.map((s) => (
              <StrategyCard key={s.strategyId} s={s} />
            ))}
          </div>
        )}
      </QueryState>
    </div>
  );
}
