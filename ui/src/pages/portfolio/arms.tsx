import { CircleCheck, CirclePause, RotateCcw, Snowflake } from 'lucide-react';
import type { ArmStatus, Portfolio, PortfolioArm } from '@/api/portfolio-types';
import { palette } from '@/components/charts/chart-base';
import { Badge, type BadgeVariant } from '@/components/ui/badge';
import { fmtTime } from '@/lib/format';
import { cn } from '@/lib/utils';

const look: Record<ArmStatus, { variant: BadgeVariant; icon: typeof CircleCheck; title: string }> = {
  active: {
    variant: 'positive',
    icon: CircleCheck,
    title: 'scored this round; its weight follows its score',
  },
  benched: {
    variant: 'destructive',
    icon: CirclePause,
    title: 'benched by this round: its weight is 0 until the cooldown ends',
  },
  cooling: {
    variant: 'warning',
    icon: Snowflake,
    title: 'on the bench from an earlier round: not scored, weight 0 until the cooldown ends',
  },
  reinstated: {
    variant: 'default',
    icon: RotateCcw,
    title: 'its cooldown ended this round: it climbs back from 0 at the slew pace',
  },
};

/** An arm's status; benched and cooling say until when (market time). */
export function ArmStatusBadge({ arm }: { arm: Pick<PortfolioArm, 'status' | 'benchedUntil'> }) {
  const l = look[arm.status] ?? look.active;
  const Icon = l.icon;
  const until = (arm.status === 'benched' || arm.status === 'cooling') && arm.benchedUntil;
  return (
    <div className="space-y-0.5">
      <Badge variant={l.variant} title={l.title} data-testid="arm-status" data-status={arm.status}>
        <Icon />
        {arm.status}
      </Badge>
      {until && (
        <div
          className={cn(
            'tabular text-[11px]',
            arm.status === 'benched' ? 'text-destructive' : 'text-warning',
          )}
          title={`market time ${arm.benchedUntil}`}
          data-testid="arm-benched-until"
        >
          until {fmtTime(arm.benchedUntil).slice(0, 16)}
        </div>
      )}
    </div>
  );
}

/**
 * One colour per strategy, the same in the table and the chart: by id order over every strategy the
 * read mentions, so a colour does not move when a round adds or drops one.
 */
export function strategyColors(p: Portfolio): Map<string, string> {
  const ids = new Set<string>();
  for (const a of p.latest?.arms ?? []) ids.add(a.id);
  for (const h of p.history) for (const id of Object.keys(h.weights)) ids.add(id);
  return new Map([...ids].sort().map((id, i) => [id, palette[i % palette.length] ?? '#38bdf8']));
}

export function Swatch({ color }: { color: string | undefined }) {
  return <span className="inline-block size-2.5 shrink-0 rounded-sm" style={{ background: color }} />;
}

/** A weight (0..1) as a percentage with one decimal: the same text the table and the legend show. */
export const fmtWeight = (w: number): string => (Number.isFinite(w) ? `${(w * 100).toFixed(1)}%` : '—');
