import { Archive, Check } from 'lucide-react';
import type { LifecycleStage } from '@/api/lifecycle-types';
import { Badge } from '@/components/ui/badge';
import { cn } from '@/lib/utils';

const steps = ['paper', 'shadow', 'canary', 'prod'] as const;

/** What each stage trades on: the last two are the real account. */
const meaning: Record<(typeof steps)[number], string> = {
  paper: 'paper: the recorded market, fills simulated',
  shadow: "shadow: the venue's live market, fills simulated",
  canary: 'canary: real orders on the real account, at the canary share of the capital',
  prod: 'prod: real orders on the real account, the whole capital',
};

/**
 * paper → shadow → canary → prod, the stages passed ticked and the current one lit. A retired strategy's
 * steps are struck through, with the stage it was retired from when the history says it.
 */
export function StageStepper({
  strategyId,
  stage,
  retiredFrom,
}: {
  strategyId: string;
  stage: LifecycleStage;
  retiredFrom: string | null;
}) {
  const retired = stage === 'retired';
  const at = steps.indexOf(stage as (typeof steps)[number]);
  return (
    <div
      className="flex flex-wrap items-center gap-2"
      data-testid={`lifecycle-stage-${strategyId}`}
      data-stage={stage}
    >
      <ol className="flex items-center gap-1" aria-label={`stage of ${strategyId}: ${stage}`}>
        {steps.map((s, i) => {
          const current = i === at;
          const passed = at >= 0 && i < at;
          const real = s === 'canary' || s === 'prod';
          return (
            <li key={s} className="flex items-center gap-1" aria-current={current ? 'step' : undefined}>
              {i > 0 && (
                <span
                  aria-hidden="true"
                  className={cn('h-px w-4', passed || current ? 'bg-primary' : 'bg-border')}
                />
              )}
              <span
                title={meaning[s]}
                data-step={s}
                data-state={current ? 'current' : passed ? 'passed' : 'ahead'}
                className={cn(
                  'inline-flex items-center gap-1 rounded-md border px-2 py-0.5 text-xs',
                  current &&
                    (real
                      ? 'border-warning bg-warning/20 font-semibold text-warning'
                      : 'border-primary bg-primary/20 font-semibold text-primary'),
                  passed && 'border-primary/40 text-foreground',
                  !current && !passed && 'border-border text-muted-foreground',
                  retired && 'line-through opacity-50',
                )}
              >
                {passed && <Check className="size-3" aria-hidden="true" />}
                {s}
                {real && <span className="text-[10px] font-normal opacity-70">real</span>}
                {current && <span className="sr-only">(current stage)</span>}
                {passed && <span className="sr-only">(passed)</span>}
              </span>
            </li>
          );
        })}
      </ol>
      {retired && (
        <Badge variant="secondary" className="uppercase" data-testid={`lifecycle-retired-${strategyId}`}>
          <Archive />
          retired{retiredFrom ? ` from ${retiredFrom}` : ''}
        </Badge>
      )}
    </div>
  );
}
