import type { ParameterCanary } from '@/api/optimizer-types';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { fmtTime } from '@/lib/format';
import { GateChecks } from '../lifecycle/gate-checks';
import { paramsText } from './windows-table';

const pct = (x: number | null | undefined) => (x == null ? '—' : `${(x * 100).toFixed(2)} %`);

const outcomeVariant = { trading: 'warning', adopted: 'positive', 'rolled-back': 'destructive' } as const;

/**
 * Automation 2's canary of a strategy: the version trading beside the one in force (with a person's two
 * ways out: adopt now, roll back), or how the latest one ended, with the judge's checks.
 */
export function CanaryPanel({
  canary,
  busy,
  onAdopt,
  onRollBack,
}: {
  canary: ParameterCanary;
  busy: boolean;
  onAdopt: () => void;
  onRollBack: () => void;
}) {
  const c = canary;
  const plan = c.plan;
  return (
    <div className="space-y-2 rounded-md border px-3 py-2 text-xs" data-testid="parameter-canary">
      <div className="flex flex-wrap items-center gap-2">
        <Badge variant={outcomeVariant[c.state]} data-testid="canary-state">
          canary {c.state}
        </Badge>
        <span>
          version {c.version} ({paramsText(c.params)}) {c.state === 'trading' ? 'trades' : 'traded'}{' '}
          {pct(plan.share)} of the capital beside version {c.incumbentVersion} since {fmtTime(c.startedAt)}{' '}
          (market time)
        </span>
        {c.state === 'trading' && (
          <span className="ml-auto flex gap-2">
            <Button size="sm" disabled={busy} onClick={onAdopt} data-testid="canary-adopt">
              Adopt now
            </Button>
            <Button
              size="sm"
              variant="outline"
              disabled={busy}
              onClick={onRollBack}
              data-testid="canary-roll-back"
            >
              Roll back
            </Button>
          </span>
        )}
      </div>
      <div className="text-muted-foreground">
        takes over after {plan.minHours} market hours and {plan.minTrades} closing trades if it does no worse
        ({(plan.confidence ?? 0) * 100} % one-sided, paired hourly returns); rolled back at once on a breaker
        trip, a drawdown over {pct(plan.maxDrawdown)}, or after {plan.maxHours} hours with too few trades
      </div>
      {c.state !== 'trading' && (
        <div data-testid="canary-reason">
          {c.by === 'manual' ? `${c.concludedBy ?? 'a person'}` : 'the judge'}
          {c.judgedAt ? ` at ${fmtTime(c.judgedAt)}` : ''}: {c.reason}
        </div>
      )}
      {c.evidence && (
        <div className="text-muted-foreground">
          canary {pct(c.evidence.canaryReturn)} against {pct(c.evidence.incumbentReturn)} over{' '}
          {c.evidence.hours} h, drawdown {pct(c.evidence.canaryMaxDrawdown)}, {c.evidence.canaryTrades} trades
        </div>
      )}
      {c.checks.length > 0 && <GateChecks checks={c.checks} testId="canary-checks" />}
    </div>
  );
}
