import { useBreakers } from '@/api/hooks';
import type { Breaker } from '@/api/types';
import { QueryState } from '@/components/query-state';
import { BreakerBadge, BreakerLadder } from '@/components/status-badges';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { fmtMeasure, fmtTime } from '@/lib/format';

const measures = (m: Breaker['measured']): string => {
  if (m === null || m === undefined) return '';
  if (typeof m === 'number') return fmtMeasure(m);
  return Object.entries(m)
    .map(([k, v]) => `${k} ${fmtMeasure(v)}`)
    .join(' · ');
};

export function BreakersCard() {
  const breakers = useBreakers();
  return (
    <Card>
      <CardHeader>
        <CardTitle>Circuit breakers</CardTitle>
      </CardHeader>
      <CardContent>
        <QueryState query={breakers} empty={(d) => (d.length === 0 ? 'no breakers: all normal' : null)}>
          {(list) => (
            <ul className="space-y-2" data-testid="breakers">
              {list.map((b) => (
                <li key={`${b.scope}-${b.scopeId}`} className="space-y-1">
                  <div className="flex items-center gap-2 text-sm">
                    <span className="text-muted-foreground">{b.scope}</span>
                    <span className="font-mono">{b.scopeId}</span>
                    <span className="ml-auto">
                      <BreakerBadge level={b.level} />
                    </span>
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
      </CardContent>
    </Card>
  );
}
