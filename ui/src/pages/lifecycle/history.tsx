import { ChevronDown, ChevronRight } from 'lucide-react';
import { Fragment, useState } from 'react';
import type { EvidenceView, LifecycleMove } from '@/api/lifecycle-types';
import { Badge, type BadgeVariant } from '@/components/ui/badge';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Label } from '@/components/ui/label';
import { Select } from '@/components/ui/select';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { fmtTime } from '@/lib/format';
import { type EvidenceRow, EvidenceTable } from './evidence-table';
import { GateChecks } from './gate-checks';

const kindVariant: Record<LifecycleMove['kind'], BadgeVariant> = {
  onboarded: 'secondary',
  stage: 'default',
  approved: 'positive',
  revoked: 'warning',
};

const reasonVariant: Record<string, BadgeVariant> = {
  'gates-met': 'positive',
  demoted: 'destructive',
  revoked: 'warning',
  retired: 'secondary',
};

const isEvidence = (x: unknown): x is EvidenceView =>
  typeof x === 'object' &&
  x !== null &&
  typeof (x as EvidenceView).runId === 'string' &&
  typeof (x as EvidenceView).days === 'number' &&
  typeof (x as EvidenceView).trades === 'number';

/** The evidence recorded with a move (`{ evidence, shadow }`), as table rows; none when it holds none. */
const recordedEvidence = (m: LifecycleMove): EvidenceRow[] => {
  const e = m.evidence;
  if (typeof e !== 'object' || e === null) return [];
  const { evidence, shadow } = e as { evidence?: unknown; shadow?: unknown };
  const rows: EvidenceRow[] = [];
  // An approval records the shadow run it was given on; a move, the run its gate read (and the shadow, into prod).
  const label = m.kind === 'approved' ? 'shadow' : (m.from ?? 'run');
  if (isEvidence(evidence)) rows.push({ label, evidence });
  if (isEvidence(shadow)) rows.push({ label: 'shadow (compared)', evidence: shadow });
  return rows;
};

/** A key that stays with its move when newer ones arrive on top, so an opened row stays open. */
const withKeys = (history: readonly LifecycleMove[]): { m: LifecycleMove; key: string }[] => {
  const seen = new Map<string, number>();
  return history.map((m) => {
    const base = [m.at, m.kind, m.strategyId, m.from, m.to, m.actor].join('|');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return { m, key: n === 0 ? base : `${base}#${n}` };
  });
};

/**
 * Every move of every strategy, newest first in the log's order (a move's time is the market time of its
 * evidence, or the wall time of a person's decision, so the log orders them, not the clock). A row opens
 * on the gate's checks and the evidence recorded with it.
 */
export function HistoryCard({ history }: { history: LifecycleMove[] }) {
  const [strategy, setStrategy] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const ids = [...new Set(history.map((m) => m.strategyId))].sort();
  const rows = withKeys(history).filter(({ m }) => strategy === '' || m.strategyId === strategy);
  return (
    <Card>
      <CardHeader className="flex-wrap">
        <div className="space-y-1">
          <CardTitle>History</CardTitle>
          <CardDescription>
            every move, newest first
            {history.length >= 100 && ' (the latest 100)'}: onboarding, promotions and demotions on evidence,
            and the people's approvals, revocations and retirements
          </CardDescription>
        </div>
        {ids.length > 1 && (
          <div className="flex items-center gap-2">
            <Label htmlFor="lifecycle-history-strategy">strategy</Label>
            <Select
              id="lifecycle-history-strategy"
              value={strategy}
              onChange={(e) => {
                setStrategy(e.target.value);
                setOpen(null);
              }}
              className="h-8 w-44"
              data-testid="lifecycle-history-filter"
            >
              <option value="">all</option>
              {ids.map((id) => (
                <option key={id} value={id}>
                  {id}
                </option>
              ))}
            </Select>
          </div>
        )}
      </CardHeader>
      <CardContent>
        {rows.length === 0 ? (
          <div
            className="py-4 text-center text-xs text-muted-foreground"
            data-testid="lifecycle-history-empty"
          >
            no move yet
          </div>
        ) : (
          <Table data-testid="lifecycle-history">
            <TableHeader>
              <TableRow>
                <TableHead>
                  <span className="sr-only">details</span>
                </TableHead>
                <TableHead>when</TableHead>
                <TableHead>kind</TableHead>
                <TableHead>strategy</TableHead>
                <TableHead>from → to</TableHead>
                <TableHead>reason</TableHead>
                <TableHead>actor</TableHead>
                <TableHead>detail</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {rows.map(({ m, key }) => (
                <MoveRow
                  key={key}
                  move={m}
                  expanded={open === key}
                  onToggle={() => setOpen(open === key ? null : key)}
                />
              ))}
            </TableBody>
          </Table>
        )}
      </CardContent>
    </Card>
  );
}

const columns = 8;

function MoveRow({
  move: m,
  expanded,
  onToggle,
}: {
  move: LifecycleMove;
  expanded: boolean;
  onToggle: () => void;
}) {
  const evidence = recordedEvidence(m);
  const expandable = m.checks.length > 0 || evidence.length > 0;
  return (
    <Fragment>
      <TableRow
        className="align-top"
        data-testid="lifecycle-history-row"
        data-kind={m.kind}
        data-strategy={m.strategyId}
        data-from={m.from ?? undefined}
        data-to={m.to ?? undefined}
        data-reason={m.reason ?? undefined}
      >
        <TableCell>
          {expandable && (
            <button
              type="button"
              className="text-muted-foreground hover:text-foreground"
              aria-expanded={expanded}
              aria-label={`${expanded ? 'hide' : 'show'} the checks of this ${m.kind} move of ${m.strategyId}`}
              onClick={onToggle}
              data-testid="lifecycle-history-expand"
            >
              {expanded ? <ChevronDown className="size-4" /> : <ChevronRight className="size-4" />}
            </button>
          )}
        </TableCell>
        <TableCell className="tabular text-xs text-muted-foreground">{fmtTime(m.at)}</TableCell>
        <TableCell>
          <Badge variant={kindVariant[m.kind] ?? 'outline'}>{m.kind}</Badge>
        </TableCell>
        <TableCell className="font-medium">{m.strategyId}</TableCell>
        <TableCell className="text-xs">
          {m.from === null && m.to === null ? (
            <span className="text-muted-foreground">—</span>
          ) : (
            <>
              <span className="text-muted-foreground">{m.from ?? '∅'}</span> → {m.to ?? '—'}
            </>
          )}
        </TableCell>
        <TableCell>
          {m.reason ? (
            <Badge variant={reasonVariant[m.reason] ?? 'outline'}>{m.reason}</Badge>
          ) : (
            <span className="text-xs text-muted-foreground">—</span>
          )}
        </TableCell>
        <TableCell className="text-xs">{m.actor}</TableCell>
        <TableCell className="max-w-96 text-xs whitespace-normal text-muted-foreground">
          {m.detail || '—'}
        </TableCell>
      </TableRow>
      {expanded && (
        <TableRow
          className="hover:bg-transparent"
          data-testid="lifecycle-history-detail"
          data-strategy={m.strategyId}
        >
          <TableCell colSpan={columns} className="space-y-3 bg-muted/20 py-3 whitespace-normal">
            {m.checks.length > 0 ? (
              <div className="space-y-1">
                <div className="text-xs font-medium text-muted-foreground">
                  {m.kind === 'approved'
                    ? "the canary gate's checks the approver was shown"
                    : "the gate's checks"}
                </div>
                <GateChecks checks={m.checks} testId="lifecycle-history-checks" />
              </div>
            ) : (
              <p className="text-xs text-muted-foreground">no gate check was recorded with this move</p>
            )}
            {evidence.length > 0 && (
              <div className="space-y-1">
                <div className="text-xs font-medium text-muted-foreground">the evidence recorded with it</div>
                <EvidenceTable rows={evidence} testId="lifecycle-history-evidence" />
              </div>
            )}
          </TableCell>
        </TableRow>
      )}
    </Fragment>
  );
}
