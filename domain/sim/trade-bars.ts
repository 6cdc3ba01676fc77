import type { BarSeries } from '../market/bars.js';
import { bucketStart, timeframeMs } from '../market/timeframe.js';
import type { TradeTape } from './feeds.js';
import { lotsToQty, type TickScale, ticksToPrice } from './scale.js';

/**
 * Bars made from a trade tape the way the exchange makes its klines (first, highest, lowest and last
 * print in [openTime, openTime + timeframe), base volume), so a run fed by a tick capture gets bars that
 * agree with the prints it also sees. A bucket without a print is flat at the previous close with zero
 * volume, as Binance's klines are. Only buckets wholly inside `span` are made: the capture started and
 * stopped somewhere inside its first and last buckets, and a bar made from part of them would be wrong
 * about its open, high, low or close. Leading buckets with no print before them have no price and are
 * left out.
 */
export const barsFromTrades = (
  tape: TradeTape,
  scale: TickScale,
  symbol: string,
  timeframe: string,
  span: { readonly from: number; readonly to: number },
): BarSeries => {
  const tf = timeframeMs(timeframe);
  const start = bucketStart(span.from, tf);
  const first = start < span.from ? start + tf : start;
  const buckets = Math.max(0, Math.floor((span.to - first) / tf));
  const openTime: number[] = [];
  const open: number[] = [];
  const high: number[] = [];
  const low: number[] = [];
  const close: number[] = [];
  const volume: number[] = [];
  const time = tape.time;
  const px = tape.priceTicks;
  let i = 0;
  let prevClose = Number.NaN;
  while (i < tape.length && time[i]! < first) prevClose = px[i++]!;
  for (let k = 0; k < buckets; k++) {
    const t0 = first + k * tf;
    const t1 = t0 + tf;
    if (i >= tape.length || time[i]! >= t1) {
      if (Number.isNaN(prevClose)) continue;
      openTime.push(t0);
      open.push(prevClose);
      high.push(prevClose);
      low.push(prevClose);
      close.push(prevClose);
      volume.push(0);
      continue;
    }
    const o = px[i]!;
    let h = o;
    let l = o;
    let lots = 0;
    while (i < tape.length && time[i]! < t1) {
      const p = px[i]!;
      if (p > h) h = p;
      if (p < l) l = p;
      lots += tape.lots[i]!;
      prevClose = p;
      i++;
    }
    openTime.push(t0);
    open.push(o);
    high.push(h);
    low.push(l);
    close.push(prevClose);
    volume.push(lots);
  }
  const price = (ticks: number[]) => Float64Array.from(ticks, (t) => ticksToPrice(scale, t));
  return {
    symbol,
    timeframe,
    openTime: Float64Array.from(openTime),
    open: price(open),
    high: price(high),
    low: price(low),
    close: price(close),
    volume: Float64Array.from(volume, (l) => lotsToQty(scale, l)),
  };
};
