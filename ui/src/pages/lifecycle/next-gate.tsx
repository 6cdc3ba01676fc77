import type { NextGate } from '@/api/lifecycle-types';
import { GateChecks } from './gate-checks';

/** The gate into the next stage, judged on what the runs show now, and what the move waits for. */
export function NextGatePanel({
  strategyId,
  next,
  stage,
}: {
  strategyId: string;
  next: NextGate | null;
  stage: string;
}) {
  return (
    <section className="space-y-2" aria-label="next gate" data-testid={`lifecycle-next-${strategyId}`}>
      <h4 className="text-xs font-medium text-muted-foreground">
        {next ? (
          <>
            next gate: <span className="text-foreground">{stage}</span> →{' '}
            <span className="text-foreground" data-testid="lifecycle-next-stage">
              {next.stage}
            </span>
          </>
        ) : (
          'next gate'
        )}
      </h4>
      {next === null ? (
        <p className="text-xs text-muted-foreground">
          {stage === 'retired'
            ? 'none: a retired strategy moves no further'
            : 'none: prod is the last stage; it leaves it only when taken off real money'}
        </p>
      ) : (
        <>
          {next.checks.length > 0 ? (
            <GateChecks checks={next.checks} testId={`lifecycle-checks-${strategyId}`} />
          ) : (
            <p className="text-xs text-muted-foreground">no check yet: there is no run to judge</p>
          )}
          <p className="text-xs" data-testid={`lifecycle-waiting-${strategyId}`}>
            <span className="text-muted-foreground">waiting for: </span>
            {next.waitingFor}
          </p>
        </>
      )}
    </section>
  );
}
