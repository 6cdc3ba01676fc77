import { CheckCircle2, CircleDot, Landmark, ShieldCheck, XCircle, Zap } from 'lucide-react';
import type { Position, PositionLeg, PositionStop, StrategyState } from '@/api/types';
import { fmtDecimal } from '@/lib/format';
import { breakerLevels } from '../../../domain/risk/breaker-levels';
import { Badge, type BadgeVariant } from './ui/badge';

const stopLook: Record<PositionStop['status'], { variant: BadgeVariant; icon: typeof ShieldCheck }> = {
  armed: { variant: 'default', icon: ShieldCheck },
  triggered: { variant: 'warning', icon: Zap },
  filled: { variant: 'positive', icon: CheckCircle2 },
  cancelled: { variant: 'secondary', icon: XCircle },
};

/** A position's protective stop: armed (resting), triggered (working), filled (closed out), cancelled. */
export function StopBadge({ stop }: { stop: PositionStop | null }) {
  if (!stop) return <Badge variant="destructive">no stop</Badge>;
  const look = stopLook[stop.status] ?? stopLook.armed;
  const Icon = look.icon;
  return (
    <Badge variant={look.variant} data-testid="stop-status" data-status={stop.status}>
      <Icon />
      {stop.status}
      {stop.price !== null && <span className="tabular opacity-80">@ {fmtDecimal(stop.price)}</span>}
      {stop.layer && <span className="opacity-60">· {stop.layer}</span>}
    </Badge>
  );
}

const legName: Record<string, string> = { stop: 'SL', 'take-profit': 'TP', time: 'time' };

/**
 * The rest of a position's ladder, beside its protective stop: each take-profit and the time stop, armed
 * or triggered, with its level (design §12.9: the position list shows every stop layer's state).
 */
export function LadderBadges({ legs }: { legs: readonly PositionLeg[] }) {
  const rest = legs.filter((l) => l.kind !== 'stop');
  if (rest.length === 0) return <span className="text-muted-foreground">—</span>;
  return (
    <div className="flex flex-wrap gap-1" data-testid="ladder">
      {rest.map((l) => (
        <Badge
          key={`${l.kind}|${l.price ?? ''}|${l.quantity}`}
          variant={l.status === 'triggered' ? 'warning' : 'secondary'}
          data-testid="ladder-leg"
          data-kind={l.kind}
          title={`${l.layer} ${l.kind}, ${l.status}, ${fmtDecimal(l.quantity)}`}
        >
          {legName[l.kind] ?? l.kind}
          {l.price !== null && <span className="tabular opacity-80">@ {fmtDecimal(l.price)}</span>}
        </Badge>
      ))}
    </div>
  );
}

/** The backstop resting at the exchange: what protects a real position while the node is down. */
export function ExchangeStopBadge({ stop }: { stop: Position['exchangeStop'] }) {
  if (!stop) return <span className="text-muted-foreground">—</span>;
  return (
    <Badge
      variant={stop.status === 'triggered' ? 'warning' : 'default'}
      data-testid="exchange-stop"
      data-status={stop.status}
      title={`reduce-only STOP_MARKET ${stop.orderId} on the mark price, resting at the exchange`}
    >
      <Landmark />
      {stop.status === 'triggered' ? 'fired' : 'at exchange'}
      <span className="tabular opacity-80">@ {fmtDecimal(stop.price)}</span>
    </Badge>
  );
}

const levelVariant: Record<string, BadgeVariant> = {
  normal: 'positive',
  warn: 'warning',
  reduce: 'warning',
  halt: 'destructive',
  flatten: 'destructive',
};

export function BreakerBadge({ level }: { level: string }) {
  return (
    <Badge variant={levelVariant[level] ?? 'secondary'} data-testid="breaker-level">
      {level}
    </Badge>
  );
}

/** The ladder drawn as steps, the current one lit: how far a breaker is from halting trading. */
export function BreakerLadder({ level }: { level: string }) {
  const at = (breakerLevels as readonly string[]).indexOf(level);
  return (
    <div className="flex gap-0.5" role="img" aria-label={`breaker level ${level}`}>
      {breakerLevels.map((l, i) => (
        <div
          key={l}
          title={l}
          className={`h-2 w-6 rounded-sm ${i <= at ? (i >= 3 ? 'bg-destructive' : i >= 1 ? 'bg-warning' : 'bg-positive') : 'bg-muted'}`}
        />
      ))}
    </div>
  );
}

const stateVariant: Record<StrategyState, BadgeVariant> = {
  running: 'positive',
  stopped: 'secondary',
  halted: 'destructive',
};

export function StrategyStateBadge({ state }: { state: StrategyState }) {
  return (
    <Badge variant={stateVariant[state] ?? 'secondary'}>
      <CircleDot />
      {state}
    </Badge>
  );
}

const verdictVariant: Record<string, BadgeVariant> = {
  pass: 'positive',
  resized: 'warning',
  fail: 'destructive',
  disabled: 'secondary',
  'not-applicable': 'outline',
  approve: 'positive',
  resize: 'warning',
  reject: 'destructive',
};

export function VerdictBadge({ verdict }: { verdict: string }) {
  return <Badge variant={verdictVariant[verdict] ?? 'secondary'}>{verdict}</Badge>;
}
