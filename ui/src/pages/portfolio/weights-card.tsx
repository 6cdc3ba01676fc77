import type { UTCTimestamp } from 'lightweight-charts';
import { useMemo, useState } from 'react';
import type { PortfolioHistoryPoint } from '@/api/portfolio-types';
import {
  StackedAreaChart,
  type StackedMarker,
  type StackedRow,
} from '@/components/charts/stacked-area-chart';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { fmtTime, toMillis } from '@/lib/format';
import { cn } from '@/lib/utils';
import { fmtWeight, Swatch } from './arms';

const pct = (v: number): string => `${v.toFixed(0)}%`;
const secondOf = (at: string): UTCTimestamp => Math.floor((toMillis(at) ?? 0) / 1000) as UTCTimestamp;

/** A strategy's time on the bench: the first and last round that had it benched or cooling. */
export interface BenchSpan {
  strategyId: string;
  from: string;
  to: string;
  rounds: number;
  /** Still on the bench in the newest round of the history. */
  open: boolean;
}

export function benchSpans(history: readonly PortfolioHistoryPoint[]): BenchSpan[] {
  const spans: BenchSpan[] = [];
  const current = new Map<string, BenchSpan>();
  history.forEach((h, i) => {
    for (const id of h.benched) {
      const s = current.get(id);
      if (s) {
        s.to = h.at;
        s.rounds++;
      } else {
        const span = { strategyId: id, from: h.at, to: h.at, rounds: 1, open: false };
        current.set(id, span);
        spans.push(span);
      }
    }
    for (const [id, s] of current) {
      if (h.benched.includes(id)) {
        if (i === history.length - 1) s.open = true;
      } else current.delete(id);
    }
  });
  return spans;
}

/**
 * Each strategy's weight after every round, stacked to 100 %: a benched strategy's band vanishes (its
 * weight is 0), with an arrow where the bench took it and where it came back.
 */
export function WeightsCard({
  history,
  colors,
  className,
}: {
  history: PortfolioHistoryPoint[];
  colors: Map<string, string>;
  className?: string;
}) {
  const [hovered, setHovered] = useState<UTCTimestamp | null>(null);
  const { layers, rows, markers, spans } = useMemo(() => {
    const ids = [...colors.keys()];
    const layers = ids.map((name) => ({ name, color: colors.get(name) ?? '#38bdf8' }));
    const rows: StackedRow[] = history.map((h) => ({
      time: secondOf(h.at),
      values: Object.fromEntries(Object.entries(h.weights).map(([k, v]) => [k, v * 100])),
    }));
    const spans = benchSpans(history);
    const markers: StackedMarker[] = [];
    // Where the bench took a strategy (named) and where it came back: the list below has the dates.
    for (const s of spans) {
      markers.push({ time: secondOf(s.from), layer: s.strategyId, text: s.strategyId, tone: 'bad' });
      const back = history.find((h) => h.at > s.to);
      if (!s.open && back)
        markers.push({ time: secondOf(back.at), layer: s.strategyId, text: '', tone: 'good' });
    }
    return { layers, rows, markers, spans };
  }, [history, colors]);
  const last = history[history.length - 1];
  const shown = (hovered !== null && history.find((h) => secondOf(h.at) === hovered)) || last;
  return (
    <Card className={className}>
      <CardHeader className="flex-wrap">
        <CardTitle>Weights over time</CardTitle>
        <CardDescription>
          weight after each round, stacked to 100 % · {history.length} round{history.length === 1 ? '' : 's'}
          {history.length >= 200 && ' (the latest 200)'}
        </CardDescription>
      </CardHeader>
      <CardContent className="space-y-3">
        <div
          data-testid="portfolio-weights"
          data-rounds={history.length}
          data-last-round-id={last?.roundId}
          data-bench-spans={spans.length}
        >
          <StackedAreaChart
            layers={layers}
            rows={rows}
            markers={markers}
            max={100}
            format={pct}
            onHover={setHovered}
            testId="weights-chart"
          />
        </div>
        {shown && (
          <div className="space-y-1" data-testid="weights-legend" data-round-id={shown.roundId}>
            <div className="text-[11px] text-muted-foreground">
              {shown === last && hovered === null ? 'latest round' : 'round'} at market time{' '}
              <span className="tabular">{fmtTime(shown.at)}</span>
            </div>
            <div className="flex flex-wrap gap-x-4 gap-y-1 text-xs">
              {layers.map(({ name, color }) => {
                const benched = shown.benched.includes(name);
                return (
                  <span
                    key={name}
                    className={cn('flex items-center gap-1.5', benched && 'text-destructive')}
                    data-testid="legend-item"
                    data-strategy={name}
                    data-benched={benched}
                  >
                    <Swatch color={color} />
                    {name}
                    <span className="tabular font-medium">
                      {name in shown.weights ? fmtWeight(shown.weights[name] ?? 0) : '—'}
                    </span>
                    {benched && <span>(benched)</span>}
                  </span>
                );
              })}
            </div>
          </div>
        )}
        <BenchSpans spans={spans} rounds={history.length} />
      </CardContent>
    </Card>
  );
}

function BenchSpans({ spans, rounds }: { spans: BenchSpan[]; rounds: number }) {
  if (spans.length === 0)
    return (
      <p className="text-[11px] text-muted-foreground" data-testid="bench-spans-none">
        no strategy was on the bench in these {rounds} round{rounds === 1 ? '' : 's'}
      </p>
    );
  return (
    <div className="space-y-1" data-testid="bench-spans">
      <div className="text-xs font-medium text-muted-foreground">on the bench</div>
      <ul className="space-y-0.5 text-xs">
        {spans.map((s) => (
          <li key={`${s.strategyId}-${s.from}`} data-testid="bench-span" data-strategy={s.strategyId}>
            <span className="font-medium">{s.strategyId}</span>
            <span className="text-muted-foreground">
              {' '}
              from {fmtTime(s.from)} {s.open ? '(still benched in the latest round)' : `to ${fmtTime(s.to)}`}{' '}
              · {s.rounds} round{s.rounds === 1 ? '' : 's'}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
