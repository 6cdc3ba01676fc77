import type { RealRunView } from '@/api/lifecycle-types';
import { Badge } from '@/components/ui/badge';
import { fmtShare } from './format';

/** The node's run of the strategy on the real account, if any. */
export function RealRunPanel({
  strategyId,
  run,
  stage,
}: {
  strategyId: string;
  run: RealRunView | null;
  stage: string;
}) {
  const onReal = stage === 'canary' || stage === 'prod';
  return (
    <section
      className="space-y-2"
      aria-label="real run"
      data-testid={`lifecycle-real-run-${strategyId}`}
      data-run-id={run?.runId}
      data-mode={run?.mode}
      data-state={run?.state}
    >
      <h4 className="text-xs font-medium text-muted-foreground">real run</h4>
      {run === null ? (
        <p className={onReal ? 'text-xs text-warning' : 'text-xs text-muted-foreground'}>
          {onReal ? `none on this node, though the strategy is at ${stage}` : 'none: it trades no real money'}
        </p>
      ) : (
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-xs">
          <dt className="text-muted-foreground">run</dt>
          <dd className="font-mono break-all">{run.runId}</dd>
          <dt className="text-muted-foreground">mode</dt>
          <dd>
            <Badge variant={run.mode === 'live' ? 'destructive' : 'warning'}>
              {run.mode === 'live' ? 'live (prod)' : 'canary'}
            </Badge>
          </dd>
          <dt className="text-muted-foreground">state</dt>
          <dd data-testid="lifecycle-real-run-state">{run.state}</dd>
          <dt className="text-muted-foreground">share of capital</dt>
          <dd data-testid="lifecycle-real-run-share" title={String(run.share)}>
            {fmtShare(run.share)}
            {run.share === 0 && <span className="text-muted-foreground"> (taken off real money)</span>}
          </dd>
          {run.wentOnFrom.length > 0 && (
            <>
              <dt className="text-muted-foreground">went on from</dt>
              <dd className="whitespace-normal" data-testid="lifecycle-real-run-went-on">
                <p className="text-muted-foreground">
                  A restart loosens nothing: this run started where the real runs before it stood.
                </p>
                <ul className="list-disc pl-4">
                  {run.wentOnFrom.map((w) => (
                    <li key={w}>{w}</li>
                  ))}
                </ul>
              </dd>
            </>
          )}
          {run.unbooked.length > 0 && (
            <>
              <dt className="text-warning">not booked</dt>
              <dd className="whitespace-normal text-warning" data-testid="lifecycle-real-run-unbooked">
                <p>
                  The exchange recorded what this run's ledger could not book; the account check settles it:
                </p>
                <ul className="list-disc pl-4">
                  {run.unbooked.map((u) => (
                    <li key={u}>{u}</li>
                  ))}
                </ul>
              </dd>
            </>
          )}
          {run.error !== null && (
            <>
              <dt className="text-destructive">error</dt>
              <dd
                className="whitespace-normal text-destructive"
                role="alert"
                data-testid="lifecycle-real-run-error"
              >
                {run.error}
              </dd>
            </>
          )}
        </dl>
      )}
    </section>
  );
}
