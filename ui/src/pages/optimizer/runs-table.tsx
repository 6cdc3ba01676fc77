import type { UseQueryResult } from '@tanstack/react-query';
import type { OptimizerRun } from '@/api/optimizer-types';
import { QueryState } from '@/components/query-state';
import { Badge } from '@/components/ui/badge';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { fmtNum, fmtPct, fmtTime } from '@/lib/format';
import { cn } from '@/lib/utils';

export function VerdictBadge({ verdict }: { verdict: string | null }) {
  if (verdict === null) return <Badge variant="secondary">—</Badge>;
  const variant = verdict === 'pass' ? 'positive' : verdict === 'fail' ? 'destructive' : 'secondary';
  return <Badge variant={variant}>{verdict}</Badge>;
}

export function RunsTable({
  query,
  selected,
  onSelect,
}: {
  query: UseQueryResult<OptimizerRun[]>;
  selected: string | null;
  onSelect: (id: string) => void;
}) {
  return (
    <QueryState
      query={query}
      empty={(d) => (d.length === 0 ? 'no optimizer runs yet: npm run optimize -- …' : null)}
    >
      {(runs) => (
        <Table data-testid="optimizer-runs">
          <TableHeader>
            <TableRow>
              <TableHead>run</TableHead>
              <TableHead>strategy</TableHead>
              <TableHead>method</TableHead>
              <TableHead>progress</TableHead>
              <TableHead className="text-right">DSR</TableHead>
              <TableHead className="text-right">PBO</TableHead>
              <TableHead>verdict</TableHead>
              <TableHead>started</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {runs.map((r) => (
              <TableRow
                key={r.runId}
                onClick={() => onSelect(r.runId)}
                aria-selected={selected === r.runId}
                data-run-id={r.runId}
                className={cn('cursor-pointer', selected === r.runId && 'bg-accent')}
              >
                <TableCell className="font-mono text-xs">{r.runId}</TableCell>
                <TableCell>{r.strategyId}</TableCell>
                <TableCell>{r.method}</TableCell>
                <TableCell>
                  {r.state === 'running' ? (
                    <Badge variant="warning">
                      running {fmtPct(r.tasksDone / Math.max(1, r.tasksExpected), 0)}
                    </Badge>
                  ) : (
                    <span className="text-muted-foreground">{r.tasksDone} tasks</span>
                  )}
                </TableCell>
                <TableCell className="text-right">{fmtNum(r.dsr, 3)}</TableCell>
                <TableCell className="text-right">{fmtNum(r.pbo, 3)}</TableCell>
                <TableCell>
                  <VerdictBadge verdict={r.verdict} />
                </TableCell>
                <TableCell className="text-muted-foreground">{fmtTime(r.startedAt)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </QueryState>
  );
}
