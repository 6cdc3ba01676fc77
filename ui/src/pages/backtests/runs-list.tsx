import { useBacktests } from '@/api/hooks';
import { QueryState } from '@/components/query-state';
import { Badge } from '@/components/ui/badge';
import { fmtPct, fmtTime } from '@/lib/format';
import { cn } from '@/lib/utils';

export function RunsList({
  selected,
  onSelect,
}: {
  selected: string | null;
  onSelect: (id: string) => void;
}) {
  const runs = useBacktests();
  return (
    <QueryState query={runs} empty={(d) => (d.length === 0 ? 'no backtests yet' : null)}>
      {(list) => (
        <ul className="space-y-1" data-testid="backtest-runs">
          {list.map((r) => (
            <li key={r.runId}>
              <button
                type="button"
                onClick={() => onSelect(r.runId)}
                className={cn(
                  'flex w-full items-center gap-2 rounded-md px-2 py-1.5 text-left text-xs hover:bg-accent',
                  selected === r.runId && 'bg-accent',
                )}
              >
                <span className="truncate font-mono">{r.request.strategyId}</span>
                <span className="text-muted-foreground">{r.request.symbols.join(',')}</span>
                <span className="ml-auto text-muted-foreground">{fmtTime(r.createdAt)}</span>
                <Badge variant={r.status === 'failed' ? 'destructive' : 'secondary'}>
                  {r.status} {r.progress < 1 && r.status !== 'failed' ? fmtPct(r.progress, 0) : ''}
                </Badge>
              </button>
            </li>
          ))}
        </ul>
      )}
    </QueryState>
  );
}
