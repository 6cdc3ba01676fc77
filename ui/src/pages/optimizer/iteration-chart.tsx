import type { Trials } from '@/api/optimizer-types';
import { palette } from '@/components/charts/chart-base';
import { Select } from '@/components/ui/select';
import { fmtNum } from '@/lib/format';

/** Best-so-far score after each in-sample trial of one window; a failed trial keeps the previous best. */
export const bestSoFar = (t: Trials, window: number): number[] => {
  const out: number[] = [];
  let best = Number.NEGATIVE_INFINITY;
  for (const x of t.items) {
    if (x.kind !== 'in-sample' || x.window !== window) continue;
    if (x.score !== null && x.score > best) best = x.score;
    out.push(best);
  }
  return out;
};

const W = 560;
const H = 240;
const pad = { l: 44, r: 12, t: 10, b: 24 };

/**
 * An SVG chart rather than lightweight-charts: the x axis is the trial number, not time. Scores are
 * only comparable within a walk-forward window, so one window is shown at a time (the heatmap follows it).
 */
export function IterationChart({
  trials,
  window,
  windows,
  onWindow,
}: {
  trials: readonly Trials[];
  window: number;
  windows: readonly number[];
  onWindow: (w: number) => void;
}) {
  const series = trials.map((t) => ({
    method: t.items[0]?.method ?? t.runId,
    points: bestSoFar(t, window).filter(Number.isFinite),
  }));
  const all = series.flatMap((s) => s.points);
  const n = Math.max(2, ...series.map((s) => s.points.length));
  const lo = Math.min(...all, 0);
  const hi = Math.max(...all, lo + 1e-9);
  const x = (i: number) => pad.l + (i / (n - 1)) * (W - pad.l - pad.r);
  const y = (v: number) => H - pad.b - ((v - lo) / (hi - lo)) * (H - pad.t - pad.b);
  if (all.length === 0)
    return <div className="py-6 text-center text-xs text-muted-foreground">no scored trials yet</div>;
  return (
    <div className="space-y-2">
      <div className="flex items-center gap-3 text-xs">
        <label htmlFor="iteration-window">window</label>
        <Select
          id="iteration-window"
          value={String(window)}
          onChange={(e) => onWindow(Number(e.target.value))}
          className="h-7 w-20"
          aria-label="window"
        >
          {windows.map((w) => (
            <option key={w} value={w}>
              {w}
            </option>
          ))}
        </Select>
        {series.map((s, i) => (
          <span key={s.method} className="flex items-center gap-1">
            <span
              className="inline-block size-2 rounded-full"
              style={{ background: palette[i % palette.length] }}
            />
            {s.method}
          </span>
        ))}
      </div>
      <svg viewBox={`0 0 ${W} ${H}`} className="w-full" data-testid="iteration-chart" role="img">
        <title>best-so-far score per trial</title>
        {[lo, (lo + hi) / 2, hi].map((v) => (
          <g key={v}>
            <line x1={pad.l} x2={W - pad.r} y1={y(v)} y2={y(v)} stroke="rgba(120,130,160,0.2)" />
            <text x={pad.l - 4} y={y(v) + 3} textAnchor="end" fontSize="10" fill="#9aa3b5">
              {fmtNum(v, 2)}
            </text>
          </g>
        ))}
        <text x={W - pad.r} y={H - 6} textAnchor="end" fontSize="10" fill="#9aa3b5">
          trial {n}
        </text>
        <text x={pad.l} y={H - 6} fontSize="10" fill="#9aa3b5">
          1
        </text>
        {series.map((s, i) => (
          <polyline
            key={s.method}
            data-method={s.method}
            fill="none"
            stroke={palette[i % palette.length]}
            strokeWidth="2"
            points={s.points.map((v, j) => `${x(j)},${y(v)}`).join(' ')}
          />
        ))}
      </svg>
    </div>
  );
}
