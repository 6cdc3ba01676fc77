import { ShieldCheck, ShieldOff } from 'lucide-react';
import type { LifecycleStrategy } from '@/api/lifecycle-types';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { fmtTime } from '@/lib/format';
import { cn } from '@/lib/utils';
import { EvidenceTable, strategyEvidenceRows } from './evidence-table';
import { realLabel } from './format';
import { NextGatePanel } from './next-gate';
import { RealRunPanel } from './real-run';
import { StageStepper } from './stage-stepper';

export interface StrategyActions {
  onApprove: (strategyId: string) => void;
  onRevoke: (strategyId: string) => void;
  onRetire: (strategyId: string) => void;
}

/**
 * One strategy on its way to real money: where it stands and since when, who let it trade real money,
 * what each stage's run showed, what the next gate checks, and its real run.
 */
export function StrategyCard({
  strategy: s,
  retiredFrom,
  blocked,
  ...actions
}: {
  strategy: LifecycleStrategy;
  retiredFrom: string | null;
  /** Why nobody typed here may act (no user id, or the server refused it); null when the person may try. */
  blocked: string | null;
} & StrategyActions) {
  const retired = s.stage === 'retired';
  return (
    <Card
      className={cn(
        retired && 'opacity-75',
        (s.stage === 'canary' || s.stage === 'prod') && 'border-warning/50',
      )}
      data-testid={`lifecycle-row-${s.strategyId}`}
      data-stage={s.stage}
      data-approved={s.approvedBy !== null}
    >
      <CardHeader className="flex-wrap items-start">
        <div className="space-y-2">
          <CardTitle className="text-base">{s.strategyId}</CardTitle>
          <StageStepper strategyId={s.strategyId} stage={s.stage} retiredFrom={retiredFrom} />
          <div className="text-xs text-muted-foreground" data-testid={`lifecycle-since-${s.strategyId}`}>
            at {s.stage} since{' '}
            <span
              className="tabular text-foreground"
              title="market time of the move that put it there (a person's decisions are stamped on the runs' market clock too)"
            >
              {fmtTime(s.since)}
            </span>
          </div>
        </div>
        <div className="space-y-2 sm:text-right">
          <Approval strategy={s} />
          <Actions strategy={s} blocked={blocked} {...actions} />
        </div>
      </CardHeader>
      <CardContent className="space-y-4">
        <section aria-label="evidence of each stage's run" className="space-y-1">
          <h4 className="text-xs font-medium text-muted-foreground">evidence of each stage's run</h4>
          <EvidenceTable
            rows={strategyEvidenceRows(s, realLabel(s))}
            testId={`lifecycle-evidence-${s.strategyId}`}
          />
        </section>
        <div className="grid gap-4 lg:grid-cols-3">
          <div className="lg:col-span-2">
            <NextGatePanel strategyId={s.strategyId} next={s.next} stage={s.stage} />
          </div>
          <RealRunPanel strategyId={s.strategyId} run={s.realRun} stage={s.stage} />
        </div>
      </CardContent>
    </Card>
  );
}

function Approval({ strategy: s }: { strategy: LifecycleStrategy }) {
  return (
    <div
      className="text-xs"
      data-testid={`lifecycle-approval-${s.strategyId}`}
      data-approved-by={s.approvedBy ?? undefined}
    >
      {s.approvedBy === null ? (
        <Badge variant="outline" className="text-muted-foreground">
          <ShieldOff />
          real money not approved
        </Badge>
      ) : (
        <div className="space-y-0.5">
          <Badge variant="positive">
            <ShieldCheck />
            real money approved by {s.approvedBy}
          </Badge>
          <div className="tabular text-muted-foreground">{fmtTime(s.approvedAt)}</div>
        </div>
      )}
    </div>
  );
}

/**
 * The person's actions, each shown where the decider would accept it; disabled, with the reason in
 * words, when the person typed no user id or the server refused theirs.
 */
function Actions({
  strategy: s,
  blocked,
  onApprove,
  onRevoke,
  onRetire,
}: { strategy: LifecycleStrategy; blocked: string | null } & StrategyActions) {
  const retired = s.stage === 'retired';
  const approved = s.approvedBy !== null;
  const canApprove = !retired && !approved;
  const why = `lifecycle-actions-why-${s.strategyId}`;
  if (retired && !approved) return <p className="text-xs text-muted-foreground">retired: no action left</p>;
  return (
    <div className="space-y-1">
      <div className="flex flex-wrap gap-1 sm:justify-end">
        {canApprove && (
          <Button
            size="sm"
            disabled={blocked !== null}
            aria-describedby={blocked ? why : undefined}
            onClick={() => onApprove(s.strategyId)}
            data-testid={`lifecycle-approve-${s.strategyId}`}
          >
            Allow real money…
          </Button>
        )}
        {approved && (
          <Button
            size="sm"
            variant="destructive"
            disabled={blocked !== null}
            aria-describedby={blocked ? why : undefined}
            onClick={() => onRevoke(s.strategyId)}
            data-testid={`lifecycle-revoke-${s.strategyId}`}
          >
            Revoke real money…
          </Button>
        )}
        {!retired && (
          <Button
            size="sm"
            variant="outline"
            disabled={blocked !== null}
            aria-describedby={blocked ? why : undefined}
            onClick={() => onRetire(s.strategyId)}
            data-testid={`lifecycle-retire-${s.strategyId}`}
          >
            Retire…
          </Button>
        )}
      </div>
      {blocked && (
        <p
          id={why}
          className="max-w-72 text-[11px] text-muted-foreground sm:ml-auto"
          data-testid="lifecycle-blocked"
        >
          {blocked}
        </p>
      )}
    </div>
  );
}
