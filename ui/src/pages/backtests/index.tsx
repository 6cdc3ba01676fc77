import { PageHeader } from '@/components/layout';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { useUrlFilters } from '@/hooks/url-filters';
import { BacktestForm } from './backtest-form';
import { RunDetail } from './run-detail';
import { RunsList } from './runs-list';

export function BacktestsPage() {
  // The selected run is in the URL, so a finished report can be linked to.
  const url = useUrlFilters(['run']);
  const runId = url.values.run || null;
  const select = (id: string) => url.set('run', id);
  return (
    <div className="space-y-4">
      <PageHeader title="Backtests" />
      <div className="grid gap-4 xl:grid-cols-5">
        <Card className="xl:col-span-3">
          <CardHeader>
            <CardTitle>New backtest</CardTitle>
          </CardHeader>
          <CardContent>
            <BacktestForm onStarted={select} />
          </CardContent>
        </Card>
        <Card className="xl:col-span-2">
          <CardHeader>
            <CardTitle>Runs</CardTitle>
          </CardHeader>
          <CardContent>
            <RunsList selected={runId} onSelect={select} />
          </CardContent>
        </Card>
      </div>
      {runId && (
        <Card>
          <CardHeader>
            <CardTitle>Run</CardTitle>
          </CardHeader>
          <CardContent>
            <RunDetail runId={runId} />
          </CardContent>
        </Card>
      )}
    </div>
  );
}
