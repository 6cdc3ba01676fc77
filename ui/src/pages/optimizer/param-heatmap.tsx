import { useMemo, useState } from 'react';
import type { Trial } from '@/api/optimizer-types';
import { Select } from '@/components/ui/select';
import { fmtNum } from '@/lib/format';

const bins = 8;
/** Bin numbers as values, so rows and cells are keyed by what they are. */
const steps = Array.from({ length: bins }, (_, i) => i);
const rowsTopDown = [...steps].reverse();

/** Red → amber → green by rank within the grid: scores have no fixed scale across objectives. */
const color = (t: number) => `hsl(${Math.round(t * 130)} 65% 42%)`;

interface Cell {
  best: number;
  n: number;
}

/** Two numeric parameters binned 8 × 8; a cell shows the best score of one window's trials in it. */
export function ParamHeatmap({ trials, window }: { trials: readonly Trial[]; window: number }) {
  const scored = trials.filter((t) => t.kind === 'in-sample' && t.window === window && t.score !== null);
  const numeric = useMemo(() => {
    const first = scored[0]?.params ?? {};
    return Object.keys(first).filter((k) => typeof first[k] === 'number');
  }, [scored]);
  const [px, setPx] = useState<string | null>(null);
  const [py, setPy] = useState<string | null>(null);
  const kx = px ?? numeric[0] ?? '';
  const ky = py ?? numeric[1] ?? numeric[0] ?? '';
  if (numeric.length < 2 || scored.length === 0)
    return (
      <div className="py-6 text-center text-xs text-muted-foreground">
        needs two numeric parameters and scored trials
      </div>
    );
  const xs = scored.map((t) => Number(t.params[kx]));
  const ys = scored.map((t) => Number(t.params[ky]));
  const range = (v: number[]) => [Math.min(...v), Math.max(...v)] as const;
  const [x0, x1] = range(xs);
  const [y0, y1] = range(ys);
  const bin = (v: number, lo: number, hi: number) =>
    hi > lo ? Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins)) : 0;
  const grid = new Map<string, Cell>();
  scored.forEach((t, i) => {
    const key = `${bin(xs[i]!, x0, x1)}:${bin(ys[i]!, y0, y1)}`;
    const c = grid.get(key);
    const s = t.score!;
    grid.set(key, c ? { best: Math.max(c.best, s), n: c.n + 1 } : { best: s, n: 1 });
  });
  const bests = [...grid.values()].map((c) => c.best);
  const [lo, hi] = range(bests);
  const pick = (set: (k: string) => void, value: string, label: string) => (
    <Select value={value} onChange={(e) => set(e.target.value)} className="h-7 w-32" aria-label={label}>
      {numeric.map((k) => (
        <option key={k} value={k}>
          {k}
        </option>
      ))}
    </Select>
  );
  const edge = (lo: number, hi: number, i: number) => lo + ((hi - lo) * i) / bins;
  return (
    <div className="space-y-2" data-testid="param-heatmap">
      <div className="flex items-center gap-2 text-xs">
        x {pick(setPx, kx, 'x parameter')} y {pick(setPy, ky, 'y parameter')}
        <span className="ml-auto text-muted-foreground">
          best score per cell · window {window} · {scored.length} trials
        </span>
      </div>
      <div className="grid gap-px" style={{ gridTemplateColumns: `3rem repeat(${bins}, minmax(0, 1fr))` }}>
        {rowsTopDown.map((row) => (
          <div key={row} className="contents">
            <div className="pr-1 text-right text-[10px] leading-7 text-muted-foreground">
              {fmtNum(edge(y0, y1, row), 1)}
            </div>
            {steps.map((col) => {
              const c = grid.get(`${col}:${row}`);
              return (
                <div
                  key={col}
                  className="h-7 rounded-sm text-center text-[10px] leading-7 text-white"
                  style={{
                    background: c ? color(hi > lo ? (c.best - lo) / (hi - lo) : 1) : 'rgba(120,130,160,0.08)',
                  }}
                  title={
                    c
                      ? `${kx} ≈ ${fmtNum(edge(x0, x1, col), 2)}, ${ky} ≈ ${fmtNum(edge(y0, y1, row), 2)}: best ${fmtNum(c.best, 3)} of ${c.n}`
                      : ''
                  }
                >
                  {c ? fmtNum(c.best, 2) : ''}
                </div>
              );
            })}
          </div>
        ))}
        <div />
        {steps.map((col) => (
          <div key={col} className="text-center text-[10px] text-muted-foreground">
            {fmtNum(edge(x0, x1, col), 1)}
          </div>
        ))}
      </div>
    </div>
  );
}
