import {
  AreaSeries,
  createChart,
  type IChartApi,
  type ISeriesApi,
  LineSeries,
  type UTCTimestamp,
} from 'lightweight-charts';
import { useEffect, useRef } from 'react';
import { cn } from '@/lib/utils';
import { chartOptions, palette, showsWhole } from './chart-base';

export interface LineSeriesData {
  name: string;
  points: { time: UTCTimestamp; value: number }[];
}

interface Props {
  series: LineSeriesData[];
  className?: string;
  /** A single curve reads best as an area; several are compared as lines. */
  area?: boolean;
}

type Drawn = ISeriesApi<'Area'> | ISeriesApi<'Line'>;

/**
 * Equity curves. The chart and each named series are created once and then only given new data, so a
 * live refresh neither flickers nor throws away the zoom the user chose; the view fits the data when
 * the set of curves changes, and after new data while it shows every point (a curve that grows, or
 * another run's curve under the same name, is seen whole, not as the old view's count of bars).
 */
export function LineChart({ series, className, area = series.length === 1 }: Props) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const drawn = useRef(new Map<string, Drawn>());
  /** Bars on the time scale as last drawn: what a view must span to show every point. */
  const bars = useRef(0);

  useEffect(() => {
    if (!el.current) return;
    const c = createChart(el.current, chartOptions);
    chart.current = c;
    const lines = drawn.current;
    return () => {
      chart.current = null;
      lines.clear();
      c.remove();
    };
  }, []);

  // Switching between area and lines redraws every series in the new style.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `area` is the trigger, not a value read here
  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    for (const s of drawn.current.values()) c.removeSeries(s);
    drawn.current.clear();
  }, [area]);

  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    const lines = drawn.current;
    const names = new Set(series.map((s) => s.name));
    const whole = showsWhole(c.timeScale().getVisibleLogicalRange(), bars.current);
    let changed = false;
    for (const [name, s] of lines) {
      if (names.has(name)) continue;
      c.removeSeries(s);
      lines.delete(name);
      changed = true;
    }
    series.forEach((s, i) => {
      let line = lines.get(s.name);
      if (!line) {
        const color = palette[i % palette.length] ?? '#38bdf8';
        const opts = {
          title: series.length > 1 ? s.name : '',
          lineWidth: 2 as const,
          priceLineVisible: false,
        };
        line = area
          ? c.addSeries(AreaSeries, {
              ...opts,
              lineColor: color,
              topColor: `${color}55`,
              bottomColor: `${color}05`,
            })
          : c.addSeries(LineSeries, { ...opts, color });
        lines.set(s.name, line);
        changed = true;
      }
      line.setData(s.points);
    });
    bars.current = new Set(series.flatMap((s) => s.points.map((p) => p.time))).size;
    if (changed || whole) c.timeScale().fitContent();
  }, [series, area]);

  return <div ref={el} className={cn('h-64 w-full', className)} data-testid="line-chart" />;
}
