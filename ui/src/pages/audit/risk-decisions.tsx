import { ChevronDown, ChevronRight } from 'lucide-react';
import { useState } from 'react';
import { useRiskDecisions } from '@/api/hooks';
import type { RiskDecision } from '@/api/types';
import { RiskChecks } from '@/components/decision-chain';
import { Pager } from '@/components/pager';
import { QueryState } from '@/components/query-state';
import { VerdictBadge } from '@/components/status-badges';
import { Button } from '@/components/ui/button';
import { Select } from '@/components/ui/select';
import { useCursorPages } from '@/hooks/cursor-pages';
import { fmtDecimal, fmtTime } from '@/lib/format';

function DecisionRow({ d, onOpen }: { d: RiskDecision; onOpen: (id: string) => void }) {
  const [open, setOpen] = useState(false);
  const failed = d.checks.filter((c) => c.verdict === 'fail' || c.verdict === 'resized').map((c) => c.rule);
  return (
    <li className="rounded-md border" data-testid="risk-decision">
      <button
        type="button"
        className="flex w-full items-center gap-2 px-3 py-2 text-left text-xs hover:bg-accent/50"
        onClick={() => setOpen((o) => !o)}
      >
        {open ? <ChevronDown className="size-4" /> : <ChevronRight className="size-4" />}
        <VerdictBadge verdict={d.outcome} />
        <span className="font-medium">{d.symbol}</span>
        {d.intent && (
          <span className="tabular text-muted-foreground">
            {d.intent.side} {fmtDecimal(d.intent.quantity)} → {fmtDecimal(d.approvedQuantity ?? null)}
          </span>
        )}
        <span className="font-mono text-muted-foreground">{d.strategyId ?? ''}</span>
        {failed.length > 0 && <span className="text-warning">{failed.join(', ')}</span>}
        <span className="ml-auto text-muted-foreground">{d.occurredAt ? fmtTime(d.occurredAt) : ''}</span>
      </button>
      {open && (
        <div className="space-y-2 border-t p-3">
          <RiskChecks checks={d.checks} />
          {d.correlationId && (
            <Button variant="link" size="sm" onClick={() => onOpen(d.correlationId ?? '')}>
              open the decision chain
            </Button>
          )}
        </div>
      )}
    </li>
  );
}

export function RiskDecisions({ onOpen }: { onOpen: (id: string) => void }) {
  const [outcome, setOutcome] = useState('');
  const pages = useCursorPages(outcome);
  const decisions = useRiskDecisions({ outcome: outcome || undefined, limit: 25, cursor: pages.cursor });
  return (
    <div className="space-y-2">
      <Select
        aria-label="outcome"
        className="h-8 w-40"
        value={outcome}
        onChange={(e) => setOutcome(e.target.value)}
      >
        <option value="">any outcome</option>
        <option value="approve">approve</option>
        <option value="resize">resize</option>
        <option value="reject">reject</option>
      </Select>
      <QueryState query={decisions} empty={(d) => (d.items.length === 0 ? 'no risk decisions match' : null)}>
        {(page) => (
          <>
            <ul className="space-y-1">
              {page.items.map((d) => (
                <DecisionRow key={d.eventId ?? d.decisionId} d={d} onOpen={onOpen} />
              ))}
            </ul>
            <Pager
              page={pages.page}
              hasNext={Boolean(page.nextCursor)}
              onPrev={pages.prev}
              onNext={() => pages.next(page.nextCursor)}
            />
          </>
        )}
      </QueryState>
    </div>
  );
}
