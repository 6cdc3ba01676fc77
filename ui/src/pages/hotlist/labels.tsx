import { Check, Info, OctagonAlert, TriangleAlert } from 'lucide-react';
import type { CandidateStatus, LabelSeverity, RiskLabel } from '@/api/hotlist-types';
import { Badge } from '@/components/ui/badge';
import { cn } from '@/lib/utils';

const look: Record<LabelSeverity, { className: string; icon: typeof Info }> = {
  danger: { className: 'border-transparent bg-destructive/20 text-destructive', icon: OctagonAlert },
  warn: { className: 'border-transparent bg-warning/20 text-warning', icon: TriangleAlert },
  info: { className: 'border-transparent bg-sky-500/15 text-sky-300', icon: Info },
};

/** Dangers first: they are the ones an approver must acknowledge, and the eye reads left to right. */
const order: Record<LabelSeverity, number> = { danger: 0, warn: 1, info: 2 };
export const bySeverity = (labels: readonly RiskLabel[]): RiskLabel[] =>
  [...labels].sort((a, b) => (order[a.severity] ?? 3) - (order[b.severity] ?? 3));

/**
 * One risk label; its detail (the numbers behind it) is the tooltip. `acknowledged` marks, on the
 * whitelist, whether the approver ticked it when enabling the symbol.
 */
export function RiskLabelBadge({ label, acknowledged }: { label: RiskLabel; acknowledged?: boolean }) {
  const l = look[label.severity] ?? look.info;
  const Icon = l.icon;
  const ack = acknowledged === undefined ? '' : acknowledged ? ' (acknowledged)' : ' (not acknowledged)';
  return (
    <Badge
      variant="outline"
      className={cn(l.className, acknowledged === false && 'opacity-60')}
      title={`${label.severity}: ${label.detail}${ack}`}
      data-testid="risk-label"
      data-code={label.code}
      data-severity={label.severity}
      data-acknowledged={acknowledged === undefined ? undefined : String(acknowledged)}
    >
      <Icon />
      {label.code}
      {acknowledged && <Check />}
    </Badge>
  );
}

export function RiskLabels({
  labels,
  acknowledged,
}: {
  labels: readonly RiskLabel[];
  acknowledged?: string[];
}) {
  if (labels.length === 0) return <span className="text-xs text-muted-foreground">none</span>;
  return (
    <div className="flex flex-wrap gap-1">
      {bySeverity(labels).map((l) => (
        <RiskLabelBadge key={l.code} label={l} acknowledged={acknowledged?.includes(l.code)} />
      ))}
    </div>
  );
}

const statusLook: Record<CandidateStatus, { text: string; variant: 'positive' | 'secondary' | 'outline' }> = {
  whitelisted: { text: 'on whitelist', variant: 'positive' },
  declined: { text: 'declined', variant: 'secondary' },
  candidate: { text: 'candidate', variant: 'outline' },
};

export function StatusBadge({ status, configured }: { status: CandidateStatus; configured: boolean }) {
  const s = statusLook[status] ?? statusLook.candidate;
  return (
    <div className="flex flex-wrap gap-1">
      <Badge variant={s.variant} data-testid="candidate-status" data-status={status}>
        {s.text}
      </Badge>
      {configured && (
        <Badge
          variant="default"
          title="the operator configured this symbol: it is traded without the hotlist"
        >
          configured
        </Badge>
      )}
    </div>
  );
}

/** A 0..1 score as a bar and a percentage. */
export function ScoreBar({ value }: { value: number }) {
  const pct = Math.max(0, Math.min(1, Number.isFinite(value) ? value : 0)) * 100;
  return (
    <div className="flex items-center gap-2" title={String(value)}>
      <div className="h-1.5 w-20 overflow-hidden rounded-full bg-muted">
        <div className="h-full rounded-full bg-primary" style={{ width: `${pct}%` }} />
      </div>
      <span className="tabular w-9 text-right text-xs">{pct.toFixed(0)}%</span>
    </div>
  );
}
