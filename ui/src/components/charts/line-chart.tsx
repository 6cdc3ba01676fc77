import { AreaSeries, createChart, type IChartApi, LineSeries, type UTCTimestamp } from 'lightweight-charts';
import { useEffect, useRef } from 'react';
import { cn } from '@/lib/utils';
import { chartOptions, palette } from './chart-base';

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

/** Equity curves. The chart is created once; data updates replace series without rebuilding the canvas. */
export function LineChart({ series, className, area = series.length === 1 }: Props) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);

  useEffect(() => {
    if (!el.current) return;
    const c = createChart(el.current, chartOptions);
    chart.current = c;
    return () => {
      chart.current = null;
      c.remove();
    };
  }, []);

  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    const made = series.map((s, i) => {
      const color = palette[i % palette.length] ?? '#38bdf8';
      const opts = { title: series.length > 1 ? s.name : '', lineWidth: 2 as const, priceLineVisible: false };
      const line = area
        ? c.addSeries(AreaSeries, {
            ...opts,
            lineColor: color,
            topColor: `${color}55`,
            bottomColor: `${color}05`,
          })
        : c.addSeries(LineSeries, { ...opts, color });
      line.setData(s.points);
      return line;
    });
    c.timeScale().fitContent();
    return () => {
      // The chart may already be gone (unmount runs its cleanup too); removing from it would throw.
      if (chart.current === c) for (const m of made) c.removeSeries(m);
    };
  }, [series, area]);

  return <div ref={el} className={cn('h-64 w-full', className)} data-testid="line-chart" />;
}
