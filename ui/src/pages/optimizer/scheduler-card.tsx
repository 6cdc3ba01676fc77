import { useStatus } from '@/api/hooks';
import { Badge } from '@/components/ui/badge';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { fmtTime } from '@/lib/format';

/**
 * What automation 1 is doing on this node: the market clock it follows, the requests its triggers made,
 * the optimizer run in progress and the last failure. Runs it starts appear in the table below.
 */
export function SchedulerCard() {
  const status = useStatus();
  const s = status.data?.scheduler;
  return (
    <Card data-testid="scheduler-status">
      <CardHeader>
        <CardTitle>Re-optimisation scheduler</CardTitle>
      </CardHeader>
      <CardContent className="text-sm">
        {status.isPending ? (
          <span className="text-muted-foreground">loading…</span>
        ) : !s ? (
          <span className="text-muted-foreground" data-state="off">
            not running on this node (SCHEDULER=off, or `npm run scheduler` watches the log elsewhere)
          </span>
        ) : (
          <div className="flex flex-wrap items-center gap-x-6 gap-y-2" data-state="on">
            <span>
              market clock <b>{s.clock ? fmtTime(s.clock) : '—'}</b>
            </span>
            <Badge variant={s.caughtUp ? 'positive' : 'secondary'}>
              {s.caughtUp ? 'following the log' : 'reading history'}
            </Badge>
            <span>{s.watchedRuns} paper runs watched</span>
            <span>
              {s.requests} requests · {s.runsFinished}/{s.runsStarted} runs finished · {s.superseded}{' '}
              superseded
            </span>
            <span>running: {s.running ?? 'nothing'}</span>
            {s.lastError && (
              <span className="text-destructive" data-testid="scheduler-error">
                last error: {s.lastError}
              </span>
            )}
          </div>
        )}
      </CardContent>
    </Card>
  );
}
