import type { EvidenceView, LifecycleStrategy } from '@/api/lifecycle-types';
import { Badge } from '@/components/ui/badge';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { fmtNum, fmtPct, fmtSignedPct, pnlClass } from '@/lib/format';
import { cn } from '@/lib/utils';

export interface EvidenceRow {
  /** paper, shadow, canary or prod. */
  label: string;
  evidence: EvidenceView | null;
  /** The run the next gate is judged on. */
  judged?: boolean;
}

/** Each stage's run as the gates read it: one row per run, the figures in the gates' terms. */
export function EvidenceTable({ rows, testId }: { rows: EvidenceRow[]; testId: string }) {
  return (
    <Table data-testid={testId}>
      <TableHeader>
        <TableRow>
          <TableHead>run</TableHead>
          <TableHead className="text-right" title="market time the run covers">
            days
          </TableHead>
          <TableHead className="text-right" title="fills that closed or reduced a position">
            closing trades
          </TableHead>
          <TableHead className="text-right">total return</TableHead>
          <TableHead className="text-right">max drawdown</TableHead>
          <TableHead className="text-right" title="annualised, from the per-mark (hourly) returns">
            Sharpe
          </TableHead>
          <TableHead
            className="text-right"
            title="mean adverse slippage of the run's fills against the price each order was sized at"
          >
            slippage (bps)
          </TableHead>
          <TableHead>breaker</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map(({ label, evidence: e, judged }) => (
          <TableRow
            key={label}
            className={cn(judged && 'bg-primary/5')}
            data-testid="lifecycle-evidence-row"
            data-run={label}
            data-run-id={e?.runId}
          >
            <TableCell>
              <div className="flex items-center gap-1.5 text-xs">
                <span className="font-medium">{label}</span>
                {judged && (
                  <Badge
                    variant="outline"
                    className="px-1 py-0 text-[10px]"
                    title="the next gate reads this run"
                  >
                    next gate
                  </Badge>
                )}
              </div>
              {e && (
                <div className="max-w-48 truncate font-mono text-[11px] text-muted-foreground">{e.runId}</div>
              )}
            </TableCell>
            {e === null ? (
              <TableCell colSpan={7} className="text-xs text-muted-foreground">
                no {label} run
              </TableCell>
            ) : (
              <>
                <TableCell className="text-right text-xs">{fmtNum(e.days, 1)}</TableCell>
                <TableCell className="text-right text-xs">{e.trades}</TableCell>
                <TableCell className={cn('text-right text-xs', pnlClass(e.totalReturn))}>
                  {fmtSignedPct(e.totalReturn)}
                </TableCell>
                <TableCell className="text-right text-xs">{fmtPct(e.maxDrawdown)}</TableCell>
                <TableCell className="text-right text-xs">{fmtNum(e.sharpe)}</TableCell>
                <TableCell className="text-right text-xs">{fmtNum(e.slippageBps, 1)}</TableCell>
                <TableCell>
                  {e.breakerTripped ? (
                    <Badge variant="destructive" data-testid="lifecycle-breaker-tripped">
                      tripped
                    </Badge>
                  ) : (
                    <span className="text-xs text-muted-foreground">not tripped</span>
                  )}
                </TableCell>
              </>
            )}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/**
 * The three runs of a strategy, the one its next gate reads marked: on paper, the paper run, or the
 * shadow run when a node fed the live market has no other (as the decider reads it).
 */
export const strategyEvidenceRows = (s: LifecycleStrategy, realLabel: string): EvidenceRow[] => {
  const paperFromShadow = s.stage === 'paper' && s.evidence.paper === null && s.evidence.shadow !== null;
  return [
    { label: 'paper', evidence: s.evidence.paper, judged: s.stage === 'paper' && !paperFromShadow },
    { label: 'shadow', evidence: s.evidence.shadow, judged: s.stage === 'shadow' || paperFromShadow },
    { label: realLabel, evidence: s.evidence.real, judged: s.stage === 'canary' },
  ];
};
