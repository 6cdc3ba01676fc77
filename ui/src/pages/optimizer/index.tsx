import { useEffect, useState } from 'react';
import { useOptimizerRun, useOptimizerRuns } from '@/api/optimizer-hooks';
import { PageHeader } from '@/components/layout';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { useUrlFilters } from '@/hooks/url-filters';
import { ParameterVersionsCard } from './parameter-versions';
import { RunDetail } from './run-detail';
import { RunsTable } from './runs-table';
import { SchedulerCard } from './scheduler-card';

export function OptimizerPage() {
  // The selected run is in the URL so a report can be linked to; by default, the newest run when the page
  // first had one, and it stays: following the newest would swap the run, and the parameter versions card's
  // strategy with its promote and roll-back buttons, under a person's hands whenever the scheduler starts one.
  const url = useUrlFilters(['run']);
  const runs = useOptimizerRuns();
  const newest = runs.data?.[0]?.runId ?? null;
  const [pinned, setPinned] = useState<string | null>(null);
  useEffect(() => {
    if (pinned === null && newest !== null) setPinned(newest);
  }, [pinned, newest]);
  const runId = url.values.run || pinned || newest;
  const run = useOptimizerRun(runId);
  return (
    <div className="space-y-4">
      <PageHeader title="Optimizer" />
      <SchedulerCard />
      <Card>
        <CardHeader>
          <CardTitle>Runs</CardTitle>
        </CardHeader>
        <CardContent>
          <RunsTable query={runs} selected={runId} onSelect={(id) => url.set('run', id)} />
        </CardContent>
      </Card>
      {runId && <RunDetail runId={runId} query={run} />}
      {run.data && <ParameterVersionsCard strategyId={run.data.strategyId} />}
    </div>
  );
}
