import {
  CandlestickSeries,
  createChart,
  HistogramSeries,
  type IChartApi,
  type ISeriesApi,
  type UTCTimestamp,
} from 'lightweight-charts';
import { useEffect, useRef } from 'react';
import type { Bar } from '@/api/types';
import { toMillis, toNumber } from '@/lib/format';
import { cn } from '@/lib/utils';
import { chartOptions } from './chart-base';

const up = '#34d399';
const down = '#fb7185';

/** Market bars with volume underneath, on the same time axis. */
export function CandleChart({ bars, className }: { bars: readonly Bar[]; className?: string }) {
  const el = useRef<HTMLDivElement>(null);
  const series = useRef<{ candles: ISeriesApi<'Candlestick'>; volume: ISeriesApi<'Histogram'> } | null>(null);
  const chart = useRef<IChartApi | null>(null);

  useEffect(() => {
    if (!el.current) return;
    const c = createChart(el.current, chartOptions);
    const candles = c.addSeries(CandlestickSeries, {
      upColor: up,
      downColor: down,
      wickUpColor: up,
      wickDownColor: down,
      borderVisible: false,
    });
    const volume = c.addSeries(HistogramSeries, {
      priceScaleId: 'vol',
      priceFormat: { type: 'volume' },
      lastValueVisible: false,
      priceLineVisible: false,
    });
    c.priceScale('vol').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    chart.current = c;
    series.current = { candles, volume };
    return () => {
      series.current = null;
      chart.current = null;
      c.remove();
    };
  }, []);

  useEffect(() => {
    const s = series.current;
    if (!s) return;
    const rows = bars
      .map((b) => ({ ...b, ms: toMillis(b.openTime) ?? Number.NaN }))
      .filter((b) => Number.isFinite(b.ms))
      .sort((a, b) => a.ms - b.ms);
    const seen = new Set<number>();
    const candles: { time: UTCTimestamp; open: number; high: number; low: number; close: number }[] = [];
    const volume: { time: UTCTimestamp; value: number; color: string }[] = [];
    for (const b of rows) {
      const t = Math.floor(b.ms / 1000);
      const o = toNumber(b.open);
      const h = toNumber(b.high);
      const l = toNumber(b.low);
      const cl = toNumber(b.close);
      if (seen.has(t) || o === null || h === null || l === null || cl === null) continue;
      seen.add(t);
      candles.push({ time: t as UTCTimestamp, open: o, high: h, low: l, close: cl });
      volume.push({
        time: t as UTCTimestamp,
        value: toNumber(b.volume) ?? 0,
        color: cl >= o ? `${up}66` : `${down}66`,
      });
    }
    s.candles.setData(candles);
    s.volume.setData(volume);
    chart.current?.timeScale().fitContent();
  }, [bars]);

  return <div ref={el} className={cn('h-72 w-full', className)} data-testid="candle-chart" />;
}
