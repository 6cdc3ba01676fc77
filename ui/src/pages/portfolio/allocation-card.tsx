import type { PortfolioArm, PortfolioRound } from '@/api/portfolio-types';
import { Badge } from '@/components/ui/badge';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { fmtNum, fmtTime } from '@/lib/format';
import { cn } from '@/lib/utils';
import { ArmStatusBadge, fmtWeight, Swatch } from './arms';

/**
 * The latest round of the strategy bandit: one row per strategy with the evidence it was judged on,
 * its score, where its weight was, where it went and why.
 */
export function AllocationCard({ round, colors }: { round: PortfolioRound; colors: Map<string, string> }) {
  const step = typeof round.config.maxStep === 'number' ? round.config.maxStep : null;
  const floor = typeof round.config.minWeight === 'number' ? round.config.minWeight : null;
  return (
    <Card data-testid="portfolio-allocation">
      <CardHeader className="flex-wrap items-start">
        <div className="space-y-1">
          <CardTitle>Capital allocation (strategy bandit)</CardTitle>
          <CardDescription data-testid="portfolio-round" data-round-id={round.roundId} data-at={round.at}>
            latest round at market time <span className="tabular text-foreground">{fmtTime(round.at)}</span> ·
            policy <span className="text-foreground">{round.policy}</span> · round{' '}
            <span className="font-mono">{round.roundId}</span>
          </CardDescription>
        </div>
        <div className="flex flex-wrap gap-1">
          {round.benched.map((id) => (
            <Badge key={id} variant="destructive" data-testid="round-benched" data-strategy={id}>
              benched this round: {id}
            </Badge>
          ))}
          {round.reinstated.map((id) => (
            <Badge key={id} variant="default" data-testid="round-reinstated" data-strategy={id}>
              reinstated this round: {id}
            </Badge>
          ))}
        </div>
      </CardHeader>
      <CardContent className="space-y-3">
        <Table data-testid="portfolio-arms">
          <TableHeader>
            <TableRow>
              <TableHead>strategy</TableHead>
              <TableHead>status</TableHead>
              <TableHead>weight</TableHead>
              <TableHead className="text-right">target</TableHead>
              <TableHead>before → after</TableHead>
              <TableHead className="text-right" title="probability of being the best arm">
                P(best)
              </TableHead>
              <TableHead
                className="text-right"
                title="mean and standard deviation of the per-period reward (return / σ); the round's UCB1 score or Thompson draw"
              >
                reward μ ± σ
              </TableHead>
              <TableHead title="the evidence: return periods in the window and trades closed">
                evidence
              </TableHead>
              <TableHead title="enough evidence to be benched">eligible</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {round.arms.map((a) => (
              <ArmRow key={a.id} arm={a} color={colors.get(a.id)} config={round.config} />
            ))}
          </TableBody>
        </Table>
        <p className="text-[11px] text-muted-foreground">
          Weights sum to 100 %.
          {step !== null && ` Capital moves at most ${fmtNum(step * 100, 0)} percentage points per round;`}
          {floor !== null && ` no active strategy's target is below ${fmtWeight(floor)};`} a benched one drops
          to 0 at once, and when its cooldown ends climbs back from 0 at that pace.
        </p>
        <Config config={round.config} />
      </CardContent>
    </Card>
  );
}

const columns = 9;

function ArmRow({
  arm: a,
  color,
  config,
}: {
  arm: PortfolioArm;
  color: string | undefined;
  config: PortfolioRound['config'];
}) {
  const delta = a.weightAfter - a.weightBefore;
  const moved = Math.abs(delta) >= 0.0005;
  const hasReasons = a.reasons.length > 0;
  return (
    <>
      <TableRow
        data-testid="arm-row"
        data-strategy={a.id}
        data-status={a.status}
        className={cn(
          'align-top',
          hasReasons && 'border-b-0',
          a.status === 'benched' && 'bg-destructive/5',
          a.status === 'cooling' && 'bg-warning/5',
        )}
      >
        <TableCell>
          <div className="flex items-center gap-2" title={`paper run ${a.runId}`}>
            <Swatch color={color} />
            <span className="font-medium">{a.id}</span>
          </div>
        </TableCell>
        <TableCell>
          <ArmStatusBadge arm={a} />
        </TableCell>
        <TableCell>
          <WeightBar value={a.weightAfter} color={color} />
        </TableCell>
        <TableCell className="text-right" data-testid="arm-target">
          {fmtWeight(a.targetWeight)}
        </TableCell>
        <TableCell data-testid="arm-change">
          <span className="text-muted-foreground">{fmtWeight(a.weightBefore)}</span> →{' '}
          {fmtWeight(a.weightAfter)}
          <div
            className={cn(
              'text-[11px]',
              !moved ? 'text-muted-foreground' : delta > 0 ? 'text-positive' : 'text-destructive',
            )}
          >
            {moved ? `${delta > 0 ? '+' : ''}${(delta * 100).toFixed(1)} pp` : 'unchanged'}
          </div>
        </TableCell>
        <TableCell className="text-right" data-testid="arm-win">
          {fmtWeight(a.winProbability)}
        </TableCell>
        <TableCell className="text-right" data-testid="arm-reward">
          {fmtNum(a.mean, 3)} ± {fmtNum(a.std, 3)}
          <div className="text-[11px] text-muted-foreground">score {fmtNum(a.score, 3)}</div>
        </TableCell>
        <TableCell className="text-xs" data-testid="arm-evidence">
          <div>{a.periods} periods</div>
          <div>{a.trades} trades</div>
        </TableCell>
        <TableCell>
          <span
            className={cn('text-xs', a.eligible ? 'text-foreground' : 'text-muted-foreground')}
            title={
              a.eligible
                ? 'enough evidence: the bench may take it when it is clearly losing'
                : `not yet: needs ${config.minPeriods ?? '?'} periods or ${config.minTrades ?? '?'} trades in the window`
            }
            data-testid="arm-eligible"
          >
            {a.eligible ? 'yes' : 'no'}
          </span>
        </TableCell>
      </TableRow>
      {hasReasons && (
        <TableRow
          className={cn(
            'hover:bg-transparent',
            a.status === 'benched' && 'bg-destructive/5',
            a.status === 'cooling' && 'bg-warning/5',
          )}
          data-testid="arm-reasons"
          data-strategy={a.id}
        >
          <TableCell colSpan={columns} className="pt-0 pb-2 pl-7 whitespace-normal">
            <ul className="space-y-0.5 text-xs text-muted-foreground">
              {a.reasons.map((r) => (
                <li key={r}>
                  <span className="text-foreground/50">why: </span>
                  <span data-testid="arm-reason">{r}</span>
                </li>
              ))}
            </ul>
          </TableCell>
        </TableRow>
      )}
    </>
  );
}

/** A weight (0..1) as a bar in the strategy's colour and a percentage. */
function WeightBar({ value, color }: { value: number; color: string | undefined }) {
  const pct = Math.max(0, Math.min(1, Number.isFinite(value) ? value : 0)) * 100;
  return (
    <div
      className="flex items-center gap-2"
      title={String(value)}
      data-testid="arm-weight"
      data-weight={value}
    >
      <div className="h-1.5 w-16 overflow-hidden rounded-full bg-muted">
        <div className="h-full rounded-full" style={{ width: `${pct}%`, background: color }} />
      </div>
      <span className="tabular w-12 text-right text-xs font-medium">{fmtWeight(value)}</span>
    </div>
  );
}

function Config({ config }: { config: PortfolioRound['config'] }) {
  const entries = Object.entries(config);
  if (entries.length === 0) return null;
  return (
    <details className="text-xs" data-testid="portfolio-config">
      <summary className="cursor-pointer text-muted-foreground hover:text-foreground">
        the round's configuration
      </summary>
      <dl className="mt-2 grid grid-cols-2 gap-x-4 gap-y-1 sm:grid-cols-3 xl:grid-cols-5">
        {entries.map(([k, v]) => (
          <div key={k} className="flex justify-between gap-2 border-b border-border/50 py-0.5">
            <dt className="text-muted-foreground">{k}</dt>
            <dd className="font-mono">{String(v)}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}
