import {
  AreaSeries,
  createChart,
  createSeriesMarkers,
  type IChartApi,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type MouseEventParams,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import { useEffect, useRef } from 'react';
import { cn } from '@/lib/utils';
import { chartOptions } from './chart-base';

export interface StackedRow {
  time: UTCTimestamp;
  /** Each layer's own value (not cumulative); a layer missing from a row counts as 0. */
  values: Record<string, number>;
}

export interface StackedMarker {
  time: UTCTimestamp;
  layer: string;
  text: string;
  tone: 'bad' | 'good';
}

interface Props {
  /** Layers bottom to top. */
  layers: { name: string; color: string }[];
  rows: StackedRow[];
  markers?: StackedMarker[];
  /** The top of the value axis (the layers' sum at most: 100 for percentages). */
  max: number;
  format: (v: number) => string;
  /** The time under the cursor, null when the cursor leaves the chart. */
  onHover?: (time: UTCTimestamp | null) => void;
  className?: string;
  testId?: string;
}

/** The card's background, so a band is painted solid: bands overlap, and translucent ones would mix. */
const background = [27, 30, 37] as const;
const solid = (hex: string, alpha: number): string => {
  const n = Number.parseInt(hex.slice(1), 16);
  const rgb = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  const mixed = rgb.map((c, i) => Math.round(c * alpha + (background[i] ?? 0) * (1 - alpha)));
  return `rgb(${mixed.join(',')})`;
};

type Layer = { series: ISeriesApi<'Area'>; markers: ISeriesMarkersPluginApi<Time> };

/**
 * Shares of a whole over time, stacked: each layer is drawn as an area from its running total down to
 * the axis, the top layer first, so each band shows between its running total and the one below.
 * The axis reads the running totals; the page's legend gives each layer's own value (`onHover`).
 * The chart is created once and only given new data, so a live refresh keeps the user's zoom.
 */
export function StackedAreaChart({
  layers,
  rows,
  markers = [],
  max,
  format,
  onHover,
  className,
  testId = 'stacked-area-chart',
}: Props) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const drawn = useRef<{ key: string; points: number; byName: Map<string, Layer> }>({
    key: '',
    points: 0,
    byName: new Map(),
  });
  const hover = useRef(onHover);
  hover.current = onHover;

  useEffect(() => {
    if (!el.current) return;
    const c = createChart(el.current, {
      ...chartOptions,
      crosshair: { ...chartOptions.crosshair, horzLine: { visible: false, labelVisible: false } },
      // The axis ends at the whole (100 %): no headroom above it.
      rightPriceScale: { ...chartOptions.rightPriceScale, scaleMargins: { top: 0.12, bottom: 0.02 } },
    });
    chart.current = c;
    const move = (p: MouseEventParams<Time>) =>
      hover.current?.(p.time === undefined ? null : (p.time as UTCTimestamp));
    c.subscribeCrosshairMove(move);
    const layersNow = drawn.current;
    return () => {
      c.unsubscribeCrosshairMove(move);
      chart.current = null;
      layersNow.key = '';
      layersNow.points = 0;
      layersNow.byName.clear();
      c.remove();
    };
  }, []);

  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    const state = drawn.current;
    // A different set (or order) of layers redraws them all: the painting order is the stacking order.
    const key = JSON.stringify(layers);
    const fresh = key !== state.key;
    if (fresh) {
      for (const l of state.byName.values()) {
        l.markers.detach();
        c.removeSeries(l.series);
      }
      state.byName.clear();
      state.key = key;
      for (const { name, color } of [...layers].reverse()) {
        const series = c.addSeries(AreaSeries, {
          lineColor: color,
          lineWidth: 1,
          topColor: solid(color, 0.55),
          bottomColor: solid(color, 0.55),
          priceLineVisible: false,
          lastValueVisible: false,
          crosshairMarkerVisible: false,
          priceFormat: { type: 'custom', formatter: format, minMove: 0.01 },
          autoscaleInfoProvider: () => ({ priceRange: { minValue: 0, maxValue: max } }),
        });
        state.byName.set(name, { series, markers: createSeriesMarkers(series, []) });
      }
    }
    // A view showing every round keeps doing so as rounds arrive; one the user zoomed into stays put.
    const view = c.timeScale().getVisibleLogicalRange();
    const whole = view === null || (view.from <= 0.5 && view.to >= state.points - 1.5);
    const sorted = [...rows].sort((a, b) => a.time - b.time);
    state.points = sorted.length;
    const totals = sorted.map(() => 0);
    for (const { name } of layers) {
      const layer = state.byName.get(name);
      if (!layer) continue;
      const points = sorted.map((r, i) => {
        totals[i] = (totals[i] ?? 0) + (r.values[name] ?? 0);
        return { time: r.time, value: totals[i] ?? 0 };
      });
      layer.series.setData(points);
      const own: SeriesMarker<Time>[] = markers
        .filter((m) => m.layer === name)
        .sort((a, b) => a.time - b.time)
        .map((m) => ({
          time: m.time,
          position: m.tone === 'bad' ? 'aboveBar' : 'belowBar',
          shape: m.tone === 'bad' ? 'arrowDown' : 'arrowUp',
          color: m.tone === 'bad' ? '#fb7185' : '#34d399',
          ...(m.text ? { text: m.text } : {}),
        }));
      layer.markers.setMarkers(own);
    }
    if (fresh || whole) c.timeScale().fitContent();
  }, [layers, rows, markers, max, format]);

  return <div ref={el} className={cn('h-72 w-full', className)} data-testid={testId} />;
}
