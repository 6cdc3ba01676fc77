import type { UseQueryResult } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useOptimizerRuns, useOptimizerTrials } from '@/api/optimizer-hooks';
import type { OptimizerRunDetail, Trials } from '@/api/optimizer-types';
import { toSeries } from '@/components/charts/chart-base';
import { LineChart } from '@/components/charts/line-chart';
import { QueryState } from '@/components/query-state';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { fmtNum, fmtPct, toMillis } from '@/lib/format';
import { GatesTable } from './gates-table';
import { IterationChart } from './iteration-chart';
import { ParamHeatmap } from './param-heatmap';
import { VerdictBadge } from './runs-table';
import { WindowsTable } from './windows-table';

function Figure({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="rounded-md border px-3 py-2" data-testid={testId}>
      <div className="text-xs text-muted-foreground">{label}</div>
      <div className="text-base font-semibold tabular-nums">{value}</div>
    </div>
  );
}

export function RunDetail({ runId, query }: { runId: string; query: UseQueryResult<OptimizerRunDetail> }) {
  return <QueryState query={query}>{(run) => <RunBody key={runId} run={run} />}</QueryState>;
}

function RunBody({ run }: { run: OptimizerRunDetail }) {
  // Best-so-far is compared across methods: the newest run of each method for this strategy.
  const runs = useOptimizerRuns();
  const perMethod = useMemo(() => {
    const byMethod = new Map<string, string>([[run.method, run.runId]]);
    for (const r of runs.data ?? [])
      if (r.strategyId === run.strategyId && !byMethod.has(r.method)) byMethod.set(r.method, r.runId);
    return [...byMethod.values()];
  }, [runs.data, run]);
  const trialQueries = useOptimizerTrials(perMethod, run.state === 'running');
  const trials = trialQueries.map((q) => q.data).filter((t): t is Trials => t !== undefined);
  const own = trials.find((t) => t.runId === run.runId);
  // From the trials, not the report: a running run has no report yet, and its latest window is the live one.
  const windows = useMemo(
    () => (own ? [...new Set(own.items.map((x) => x.window))].sort((a, b) => a - b) : [0]),
    [own],
  );
  const [picked, setPicked] = useState<number | null>(null);
  const window = picked ?? windows.at(-1) ?? 0;
  const oos = useMemo(
    () => [
      {
        name: 'stitched OOS',
        points: toSeries(
          run.stitched,
          (p) => toMillis(p.at),
          (p) => p.equity,
        ),
      },
    ],
    [run.stitched],
  );
  return (
    <div className="space-y-4" data-testid="optimizer-run">
      <div className="grid grid-cols-2 gap-2 md:grid-cols-6">
        <Figure label="verdict" value={run.verdict ?? run.state} testId="run-verdict" />
        <Figure label="DSR" value={fmtNum(run.dsr, 3)} testId="run-dsr" />
        <Figure label="PBO" value={fmtNum(run.pbo, 3)} testId="run-pbo" />
        <Figure label="OOS Sharpe" value={fmtNum(run.outOfSample?.sharpe, 2)} />
        <Figure label="OOS return" value={fmtPct(run.outOfSample?.totalReturn)} />
        <Figure label="WFE" value={fmtNum(run.efficiency, 2)} />
      </div>
      <div className="grid gap-4 xl:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle>Best-so-far {own?.objective ?? 'score'} per trial</CardTitle>
          </CardHeader>
          <CardContent>
            <IterationChart trials={trials} window={window} windows={windows} onWindow={setPicked} />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Parameter heatmap</CardTitle>
          </CardHeader>
          <CardContent>{own ? <ParamHeatmap trials={own.items} window={window} /> : null}</CardContent>
        </Card>
      </div>
      <div className="grid gap-4 xl:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle className="flex items-center gap-2">
              Gates <VerdictBadge verdict={run.verdict} />
            </CardTitle>
          </CardHeader>
          <CardContent>
            <GatesTable gates={run.gates} />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Out-of-sample equity (stitched)</CardTitle>
          </CardHeader>
          <CardContent>
            {run.stitched.length > 0 ? (
              <LineChart series={oos} />
            ) : (
              <div className="py-6 text-center text-xs text-muted-foreground">
                no curve until the run completes
              </div>
            )}
          </CardContent>
        </Card>
      </div>
      <Card>
        <CardHeader>
          <CardTitle>Walk-forward windows</CardTitle>
        </CardHeader>
        <CardContent>
          <WindowsTable windows={run.windows} />
        </CardContent>
      </Card>
    </div>
  );
}
