import { useState } from 'react';
import { useBreakers } from '@/api/hooks';
import type { Breaker, BreakerStepDownResult } from '@/api/types';
import { QueryState } from '@/components/query-state';
import { BreakerBadge, BreakerLadder } from '@/components/status-badges';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { fmtMeasure, fmtTime } from '@/lib/format';
import { StepDownSheet } from './step-down-sheet';

const measures = (m: Breaker['measured']): string => {
  if (m === null || m === undefined) return '';
  if (typeof m === 'number') return fmtMeasure(m);
  return Object.entries(m)
    .map(([k, v]) => `${k} ${fmtMeasure(v)}`)
    .join(' · ');
};

export function BreakersCard() {
  const breakers = useBreakers();
  const [stepping, setStepping] = useState<string | null>(null);
  const [done, setDone] = useState<(BreakerStepDownResult & { approver: string }) | null>(null);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Circuit breakers</CardTitle>
      </CardHeader>
      <CardContent className="space-y-3">
        {done && (
          <div
            role="status"
            className="rounded-md border border-positive/50 px-3 py-2 text-xs text-positive"
            data-testid="step-down-done"
            data-event-id={done.eventId}
          >
            {done.approver} stepped the breakers of <span className="font-mono">{done.runId}</span> down to{' '}
            {done.level}.
          </div>
        )}
        <QueryState query={breakers} empty={(d) => (d.length === 0 ? 'no breakers: all normal' : null)}>
          {(list) => (
            <ul className="space-y-2" data-testid="breakers">
              {list.map((b) => (
                <li
                  key={`${b.scope}-${b.scopeId}`}
                  className="space-y-1"
                  data-testid="breaker"
                  data-scope={b.scope}
                  data-scope-id={b.scopeId}
                >
                  <div className="flex items-center gap-2 text-sm">
                    <span className="text-muted-foreground">{b.scope}</span>
                    <span className="font-mono">{b.scopeId}</span>
                    <span className="ml-auto">
                      <BreakerBadge level={b.level} />
                    </span>
                    {/* Breakers never come down by themselves: only a person, from here or the API. */}
                    {b.level !== 'normal' && (
                      <Button
                        variant="outline"
                        size="sm"
                        className="h-6 px-2 text-[11px]"
                        onClick={() => {
                          setDone(null);
                          setStepping(b.scopeId);
                        }}
                        data-testid="step-down"
                      >
                        step down
                      </Button>
                    )}
                  </div>
                  <div className="flex items-center gap-3">
                    <BreakerLadder level={b.level} />
                    <span className="text-[11px] text-muted-foreground">since {fmtTime(b.since)}</span>
                  </div>
                  <div
                    className="truncate font-mono text-[11px] text-muted-foreground"
                    title={measures(b.measured)}
                  >
                    {measures(b.measured)}
                  </div>
                </li>
              ))}
            </ul>
          )}
        </QueryState>
        {stepping !== null && (
          <StepDownSheet
            runId={stepping}
            // A run's ladders share its id as their scope id: the step-down moves them together.
            ladders={(breakers.data ?? []).filter((b) => b.scopeId === stepping)}
            onClose={() => setStepping(null)}
            onDone={(r, approver) => {
              setStepping(null);
              setDone({ ...r, approver });
            }}
          />
        )}
      </CardContent>
    </Card>
  );
}
